import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { Console, Effect, Option } from "effect"

/**
 * `surveillance simulate [--seed N] [--markets N] [--port P] [--tick-ms T] [--write-config FILE] [--config BASE]`:
 * runs the venue simulator (docs/DESIGN.md, "Simulator and mock mode") on 127.0.0.1 until SIGINT/SIGTERM, prints its
 * URLs, and with --write-config writes a complete config pointing at it (the Kalshi private key
 * goes next to the config file, mode 0600, referenced by private_key_path).
 */

const seed = Options.integer("seed").pipe(Options.withDefault(42), Options.withDescription("seed of the universe and the market dynamics"))
const markets = Options.integer("markets").pipe(Options.withDefault(2000), Options.withDescription("markets per venue (Polymarket: 2 token ids each)"))
const port = Options.integer("port").pipe(Options.withDefault(0), Options.withDescription("listen port on 127.0.0.1 (0 = ephemeral)"))
const tickMs = Options.integer("tick-ms").pipe(Options.withDefault(100), Options.withDescription("ms between market ticks"))
const baseConfig = Options.text("config").pipe(
  Options.withPseudoName("FILE"),
  Options.optional,
  Options.withDescription("base configuration for --write-config (its non-venue settings are kept); default: built-in defaults")
)
const writeConfig = Options.text("write-config").pipe(
  Options.withPseudoName("FILE"),
  Options.optional,
  Options.withDescription("write a TOML config pointing at this simulator to FILE; default: write none")
)

export const simulateCommand = Command.make(
  "simulate",
  { seed, markets, port, tickMs, writeConfig, config: baseConfig },
  (o) =>
    Effect.scoped(
      Effect.gen(function* () {
        const { UsageError } = yield* Effect.promise(() => import("./run.js"))
        if (o.markets < 1 || o.markets > 100_000) return yield* new UsageError({ message: `--markets must be 1..100000 (got ${o.markets})` })
        if (o.port < 0 || o.port > 65535) return yield* new UsageError({ message: `--port must be 0..65535 (got ${o.port})` })
        if (o.tickMs < 1) return yield* new UsageError({ message: `--tick-ms must be >= 1 (got ${o.tickMs})` })
        const { loadConfig } = yield* Effect.promise(() => import("../config/load.js"))
        const base = Option.isSome(o.config) ? yield* loadConfig(o.config.value) : undefined
        const { startSimulator } = yield* Effect.promise(() => import("../simulator/Simulator.js"))
        const sim = yield* startSimulator({ seed: o.seed, polymarketMarkets: o.markets, kalshiMarkets: o.markets, port: o.port, tickMs: o.tickMs })
        yield* Console.log(`simulator listening on 127.0.0.1:${sim.port} (seed ${o.seed}, ${o.markets} markets per venue)`)
        for (const [name, url] of Object.entries(sim.urls)) yield* Console.log(`  ${name.padEnd(13)} ${url}`)
        if (Option.isSome(o.writeConfig)) {
          const { writeSimulatorConfig } = yield* Effect.promise(() => import("../simulator/configFile.js"))
          const written = yield* writeSimulatorConfig(sim, o.writeConfig.value, base)
          yield* Console.log(`config written to ${written.configPath} (Kalshi key: ${written.keyPath})`)
          yield* Console.log(`  simulated data goes to its own data_dir ${written.dataDir}, metrics on ${written.metricsAddr} (not the production defaults)`)
        }
        yield* Console.log("running until interrupted (Ctrl-C)")
        return yield* Effect.never
      })
    )
).pipe(Command.withDescription("run the local Polymarket + Kalshi venue simulator (no network, no credentials)"))
