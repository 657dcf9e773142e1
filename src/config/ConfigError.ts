import { Data } from "effect"

/**
 * A configuration file that cannot be used: unreadable, not TOML, or not the schema.
 * `message` is the single line the CLI prints (exit code 2):
 * `<file>: <key.path>: <expected form> (got <value>)`, or `<file>:<line>:<column>: <TOML error>`.
 */
export class ConfigError extends Data.TaggedError("ConfigError")<{
  readonly file: string
  /** dotted key path (`venues.kalshi.max_subs`), "" when the problem is the whole file */
  readonly keyPath: string
  readonly message: string
}> {}

export const configError = (file: string, keyPath: string, detail: string): ConfigError =>
  new ConfigError({
    file,
    keyPath,
    message: keyPath === "" ? `${file}: ${detail}` : `${file}: ${keyPath}: ${detail}`
  })
