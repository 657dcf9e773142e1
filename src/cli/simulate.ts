import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { Console, Effect, Option } from "effect"

/**
 * `surveillance simulate [--seed N] [--markets N] [--polymarket-markets N] [--kalshi-markets N]
 * [--rate R] [--zipf S] [--kalshi-combo-share F] [--kalshi-max-markets-per-sub N]
 * [--stall-above-assets N] [--port P] [--tick-ms T] [--write-config FILE] [--config BASE]`:
 * runs the venue simulator (docs/DESIGN.md, "Simulator and mock mode") on 127.0.0.1 until SIGINT/SIGTERM, prints its
 * URLs, and with --write-config writes a complete config pointing at it (the Kalshi private key
 * goes next to the config file, mode 0600, referenced by private_key_path).
 */

const seed = Options.integer("seed").pipe(Options.withDefault(42), Options.withDescription("seed of the universe and the market dynamics"))
const markets = Options.integer("markets").pipe(Options.withDefault(2000), Options.withDescription("markets per venue (Polymarket: 2 token ids each)"))
const venueMarkets = (venue: string) =>
  Options.integer(`${venue}-markets`).pipe(Options.optional, Options.withDescription(`${venue === "polymarket" ? "Polymarket markets (2 tokens each)" : "Kalshi markets, combos not counted"}; default: --markets`))
const polymarketMarkets = venueMarkets("polymarket")
const kalshiMarkets = venueMarkets("kalshi")
const rate = Options.integer("rate").pipe(
  Options.withDefault(0),
  Options.withDescription("book updates per second across all live books, Zipf-skewed (rate mode: venue scale at near-zero idle CPU); default 0 = step mode")
)
const zipf = Options.float("zipf").pipe(Options.withDefault(1), Options.withDescription("Zipf exponent of rate mode's skew (larger: fewer busy books); default 1"))
const comboShare = Options.float("kalshi-combo-share").pipe(
  Options.withDefault(0),
  Options.withDescription("share of Kalshi's listed markets that are multivariate combos (0.92 = the venue's); default 0")
)
const maxPerSub = Options.integer("kalshi-max-markets-per-sub").pipe(
  Options.withDefault(0),
  Options.withDescription("Kalshi per-subscription market cap, error 26 beyond it; default 0 = none")
)
const stallAbove = Options.integer("stall-above-assets").pipe(
  Options.withDefault(0),
  Options.withDescription("a Polymarket socket holding more tokens than this stalls silently (PONG, no data); default 0 = never")
)
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
  { seed, markets, polymarketMarkets, kalshiMarkets, rate, zipf, comboShare, maxPerSub, stallAbove, port, tickMs, writeConfig, config: baseConfig },
  (o) =>
    Effect.scoped(
      Effect.gen(function* () {
        const { UsageError } = yield* Effect.promise(() => import("./run.js"))
        if (o.markets < 1 || o.markets > 100_000) return yield* new UsageError({ message: `--markets must be 1..100000 (got ${o.markets})` })
        if (o.port < 0 || o.port > 65535) return yield* new UsageError({ message: `--port must be 0..65535 (got ${o.port})` })
        if (o.tickMs < 1) return yield* new UsageError({ message: `--tick-ms must be >= 1 (got ${o.tickMs})` })
        const pm = Option.getOrElse(o.polymarketMarkets, () => o.markets)
        const k = Option.getOrElse(o.kalshiMarkets, () => o.markets)
        for (const [flag, n] of [["--polymarket-markets", pm], ["--kalshi-markets", k]] as const) {
          if (n < 1 || n > 200_000) return yield* new UsageError({ message: `${flag} must be 1..200000 (got ${n})` })
        }
        if (o.rate < 0 || o.rate > 1_000_000) return yield* new UsageError({ message: `--rate must be 0..1000000 (got ${o.rate})` })
        if (!(o.zipf >= 0 && o.zipf <= 5)) return yield* new UsageError({ message: `--zipf must be 0..5 (got ${o.zipf})` })
        if (!(o.comboShare >= 0 && o.comboShare < 1)) return yield* new UsageError({ message: `--kalshi-combo-share must be in [0, 1) (got ${o.comboShare})` })
        if (o.maxPerSub < 0) return yield* new UsageError({ message: `--kalshi-max-markets-per-sub must be >= 0 (got ${o.maxPerSub})` })
        if (o.stallAbove < 0) return yield* new UsageError({ message: `--stall-above-assets must be >= 0 (got ${o.stallAbove})` })
        const { loadConfig } = yield* Effect.promise(() => import("../config/load.js"))
        const base = Option.isSome(o.config) ? yield* loadConfig(o.config.value) : undefined
        const { startSimulator } = yield* Effect.promise(() => import("../simulator/Simulator.js"))
        const sim = yield* startSimulator({
          seed: o.seed, polymarketMarkets: pm, kalshiMarkets: k, port: o.port, tickMs: o.tickMs,
          ...(o.rate > 0 ? { rate: o.rate, zipf: o.zipf } : {}),
          kalshiComboShare: o.comboShare,
          kalshiMaxMarketsPerSubscription: o.maxPerSub,
          ...(o.stallAbove > 0 ? { faults: { polymarket: { stallAboveAssets: o.stallAbove } } } : {})
        })
        const mode = o.rate > 0 ? `rate mode, ${o.rate} book updates/s, zipf ${o.zipf}` : "step mode"
        yield* Console.log(`simulator listening on 127.0.0.1:${sim.port} (seed ${o.seed}, ${pm} Polymarket + ${k} Kalshi markets, ${mode})`)
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
