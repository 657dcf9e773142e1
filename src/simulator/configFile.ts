import { Data, Effect, Schema } from "effect"
import { chmod, mkdir, writeFile } from "node:fs/promises"
import { basename, dirname, extname, join, resolve } from "node:path"
import { stringify } from "smol-toml"
import { AppConfig } from "../config/schema.js"
import type { SimulatorHandle } from "./Simulator.js"

/**
 * `simulate --write-config FILE`: a complete config (every key, defaults filled) whose venue
 * URLs point at the running simulator; the Kalshi private key is written beside it (0600) and
 * referenced by an absolute `private_key_path`, so `scan`/`collect --config FILE` work unchanged.
 */

export class SimulatorConfigError extends Data.TaggedError("SimulatorConfigError")<{ readonly message: string }> {}

export const simulatorConfigToml = (sim: SimulatorHandle, keyPath: string, base?: AppConfig): string => {
  // a base config (simulate --config) keeps its data_dir, storage, scheduler... settings
  const encodedBase = base === undefined ? {} : Schema.encodeSync(AppConfig)(base)
  const encoded = sim.configFor({ ...encodedBase, mock: { ...encodedBase.mock, enabled: false } })
  const full = Schema.decodeUnknownSync(AppConfig)(encoded) as unknown as { venues: { kalshi: Record<string, unknown> } }
  full.venues.kalshi.api_secret = ""
  full.venues.kalshi.private_key_path = keyPath
  return `# written by \`surveillance simulate --write-config\`: venues point at the local simulator\n${stringify(full)}\n`
}

export const writeSimulatorConfig = (sim: SimulatorHandle, configPath: string, base?: AppConfig): Effect.Effect<{ configPath: string; keyPath: string }, SimulatorConfigError> =>
  Effect.tryPromise({
    try: async () => {
      const abs = resolve(configPath)
      const keyPath = join(dirname(abs), `${basename(abs, extname(abs))}.kalshi-key.pem`)
      await mkdir(dirname(abs), { recursive: true })
      await writeFile(keyPath, sim.kalshiKey.privateKeyPem, { mode: 0o600 })
      await chmod(keyPath, 0o600)
      await writeFile(abs, simulatorConfigToml(sim, keyPath, base))
      return { configPath: abs, keyPath }
    },
    catch: (e) => new SimulatorConfigError({ message: `cannot write simulator config ${configPath}: ${e instanceof Error ? e.message : String(e)}` })
  })
