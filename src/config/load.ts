import { Effect, Either, ParseResult, Schema } from "effect"
import { readFile } from "node:fs/promises"
import { parse as parseToml, TomlError } from "smol-toml"
import { configError, ConfigError } from "./ConfigError.js"
import { AppConfig, SECRET_KEYS } from "./schema.js"
import { REDACTED } from "./toml.js"

export type Env = Readonly<Record<string, string | undefined>>

const decodeAppConfig = Schema.decodeUnknownEither(AppConfig, {
  onExcessProperty: "error",
  errors: "all"
})

/** `["venues","kalshi","exclude_title_patterns",1]` -> `venues.kalshi.exclude_title_patterns[1]` */
export const formatKeyPath = (path: ReadonlyArray<PropertyKey>): string => {
  let out = ""
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`
    else out += out === "" ? String(key) : `.${String(key)}`
  }
  return out
}

const valueAt = (root: unknown, path: ReadonlyArray<PropertyKey>): unknown => {
  let cur: unknown = root
  for (const key of path) {
    if (cur === null || typeof cur !== "object") return undefined
    cur = (cur as Record<PropertyKey, unknown>)[key]
  }
  return cur
}

const showValue = (value: unknown): string => {
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 80 ? `${text.slice(0, 77)}...` : text
}

/** Effect's type names in TOML words: `Struct (Encoded side)` is a [table], `ReadonlyArray<...>` a list. */
const expectedInWords = (schemaType: string): string => {
  if (schemaType.startsWith("Struct") || schemaType.startsWith("{")) return "a table"
  if (schemaType.startsWith("ReadonlyArray") || schemaType.startsWith("Array")) return "a list"
  if (schemaType === "boolean") return "true or false"
  if (schemaType === "string") return "a string"
  if (schemaType === "number") return "a number"
  return schemaType
}

/**
 * One line for the first (most specific) problem. Effect lists the optional-with-default
 * union's "Expected undefined" alternatives after the real issue, so the first entry is the
 * one that names the key.
 */
const describeIssue = (issue: ParseResult.ParseIssue, input: unknown): { keyPath: string; detail: string } => {
  const issues = ParseResult.ArrayFormatter.formatIssueSync(issue)
  const first = issues[0]
  if (first === undefined) return { keyPath: "", detail: "invalid configuration" }
  const keyPath = formatKeyPath(first.path)
  if (first._tag === "Unexpected") {
    const allowed = first.message.replace(/^is unexpected, expected: /, "").replace(/"/g, "").split(" | ")
    return { keyPath, detail: `unknown key (allowed here: ${allowed.join(", ")})` }
  }
  // a secret's value never reaches an error line, whatever its type
  const lastKey = first.path[first.path.length - 1]
  const got = (SECRET_KEYS as ReadonlyArray<unknown>).includes(lastKey)
    ? REDACTED
    : showValue(valueAt(input, first.path))
  const typed = /^Expected ([\s\S]*), actual [\s\S]*$/.exec(first.message)
  if (typed !== null) {
    return { keyPath, detail: `expected ${expectedInWords(typed[1] ?? "")} (got ${got})` }
  }
  const detail = first.message.replace(/\s+/g, " ")
  return { keyPath, detail: detail.includes("(got ") ? detail : `${detail} (got ${got})` }
}

const isTable = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v)

/**
 * Secrets may come from the environment instead of the file (README.md, "Secrets from the environment").
 * Applied to the raw table before decoding, so an override is validated like the file.
 */
export const applyEnvOverrides = (raw: Record<string, unknown>, env: Env): Record<string, unknown> => {
  const overrides: Array<[string, string]> = []
  const pick = (envName: string, key: string) => {
    const value = env[envName]
    if (value !== undefined && value !== "") overrides.push([key, value])
  }
  pick("KALSHI_API_KEY_ID", "api_key")
  pick("KALSHI_PRIVATE_KEY", "api_secret")
  pick("KALSHI_PRIVATE_KEY_PATH", "private_key_path")
  if (overrides.length === 0) return raw
  const venues = isTable(raw["venues"]) ? raw["venues"] : {}
  const kalshi = isTable(venues["kalshi"]) ? venues["kalshi"] : {}
  return { ...raw, venues: { ...venues, kalshi: { ...kalshi, ...Object.fromEntries(overrides) } } }
}

/** Parse and validate config text; `file` is only used in messages. */
export const parseConfigText = (
  text: string,
  file: string,
  env: Env = process.env
): Either.Either<AppConfig, ConfigError> => {
  let raw: Record<string, unknown>
  try {
    raw = parseToml(text) as Record<string, unknown>
  } catch (e) {
    if (e instanceof TomlError) {
      const what = (e.message.split("\n")[0] ?? "").replace(/^Invalid TOML document: /, "")
      return Either.left(
        new ConfigError({ file, keyPath: "", message: `${file}:${e.line}:${e.column}: invalid TOML: ${what}` })
      )
    }
    return Either.left(configError(file, "", `invalid TOML: ${String(e)}`))
  }
  const withEnv = applyEnvOverrides(raw, env)
  return Either.mapLeft(decodeAppConfig(withEnv), (err) => {
    const { keyPath, detail } = describeIssue(err.issue, withEnv)
    return configError(file, keyPath, detail)
  })
}

export const loadConfig = (file: string, env: Env = process.env): Effect.Effect<AppConfig, ConfigError> =>
  Effect.tryPromise({
    try: () => readFile(file, "utf8"),
    catch: (e) => {
      const code = (e as NodeJS.ErrnoException).code
      const why = code === "ENOENT" ? "config file not found (pass --config FILE)" : `cannot read config file (${code ?? String(e)})`
      return configError(file, "", why)
    }
  }).pipe(Effect.flatMap((text) => parseConfigText(text, file, env)))

/**
 * The Kalshi RSA private key PEM: inline `api_secret` (env `KALSHI_PRIVATE_KEY`; literal `\n`
 * escapes are accepted because env vars often carry the PEM on one line) or the file at
 * `private_key_path`. null when neither is set (market-data REST needs no key).
 */
export const resolveKalshiPrivateKey = (
  cfg: AppConfig,
  file = "config"
): Effect.Effect<string | null, ConfigError> => {
  const kalshi = cfg.venues.kalshi
  if (kalshi.api_secret !== "") return Effect.succeed(kalshi.api_secret.replace(/\\n/g, "\n"))
  if (kalshi.private_key_path === "") return Effect.succeed(null)
  return Effect.tryPromise({
    try: () => readFile(kalshi.private_key_path, "utf8"),
    catch: (e) =>
      configError(
        file,
        "venues.kalshi.private_key_path",
        `cannot read private key file ${kalshi.private_key_path} (${(e as NodeJS.ErrnoException).code ?? String(e)})`
      )
  })
}
