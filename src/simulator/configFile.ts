import { Data, Effect, Schema } from "effect"
import { chmod, mkdir, writeFile } from "node:fs/promises"
import { createServer } from "node:net"
import { basename, dirname, extname, join, resolve } from "node:path"
import { stringify } from "smol-toml"
import { AppConfig } from "../config/schema.js"
import type { SimulatorHandle } from "./Simulator.js"

/**
 * `simulate --write-config FILE`: a complete config (every key, defaults filled) whose venue
 * URLs point at the running simulator; the Kalshi private key is written beside it (0600) and
 * referenced by an absolute `private_key_path`, so `scan`/`collect --config FILE` work unchanged.
 * Simulated rows must never mix with real ones: `data_dir` is the base's data dir + `/sim`
 * (`data/sim` by default), and the collector's metrics listen on a port that was free when the
 * file was written, not the production default.
 */

/** where simulated data goes: never the base config's own `venue=` partitions */
export const simulatorDataDir = (base?: AppConfig): string => join(base?.data_dir ?? "data", "sim")

/** a TCP port on 127.0.0.1 that nothing listens on right now */
export const freeLocalPort = (): Promise<number> =>
  new Promise((resolvePort, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolvePort(port))
    })
  })

export class SimulatorConfigError extends Data.TaggedError("SimulatorConfigError")<{ readonly message: string }> {}

export const simulatorConfigToml = (sim: SimulatorHandle, keyPath: string, metricsPort: number, base?: AppConfig): string => {
  // a base config (simulate --config) keeps its storage, scheduler... settings
  const encodedBase = base === undefined ? {} : Schema.encodeSync(AppConfig)(base)
  const encoded = sim.configFor({
    ...encodedBase,
    data_dir: simulatorDataDir(base),
    collector: { ...encodedBase.collector, metrics_addr: `127.0.0.1:${metricsPort}` },
    mock: { ...encodedBase.mock, enabled: false }
  })
  const full = Schema.decodeUnknownSync(AppConfig)(encoded) as unknown as { venues: { kalshi: Record<string, unknown> } }
  full.venues.kalshi.api_secret = ""
  full.venues.kalshi.private_key_path = keyPath
  return `# written by \`surveillance simulate --write-config\`: venues point at the local simulator\n${stringify(full)}\n`
}

export const writeSimulatorConfig = (
  sim: SimulatorHandle,
  configPath: string,
  base?: AppConfig
): Effect.Effect<{ configPath: string; keyPath: string; dataDir: string; metricsAddr: string }, SimulatorConfigError> =>
  Effect.tryPromise({
    try: async () => {
      const abs = resolve(configPath)
      const keyPath = join(dirname(abs), `${basename(abs, extname(abs))}.kalshi-key.pem`)
      await mkdir(dirname(abs), { recursive: true })
      await writeFile(keyPath, sim.kalshiKey.privateKeyPem, { mode: 0o600 })
      await chmod(keyPath, 0o600)
      const metricsPort = await freeLocalPort()
      await writeFile(abs, simulatorConfigToml(sim, keyPath, metricsPort, base))
      return { configPath: abs, keyPath, dataDir: simulatorDataDir(base), metricsAddr: `127.0.0.1:${metricsPort}` }
    },
    catch: (e) => new SimulatorConfigError({ message: `cannot write simulator config ${configPath}: ${e instanceof Error ? e.message : String(e)}` })
  })
