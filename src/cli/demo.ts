import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { Effect, Option, Schema } from "effect"
import { loadConfig } from "../config/load.js"
import { FileStore } from "../storage/FileStore.js"
import { AppConfig } from "../config/schema.js"
import { parseDurationMs } from "./collect.js"
import { UsageError } from "./run.js"

const DEMO_CONFIG = "config/demo.toml"

/**
 * `surveillance demo [--duration 60s] [--data-dir DIR] [--seed N]`: simulator + scan +
 * collect + mine in one process (src/demo/runDemo.ts). Reads config/demo.toml when present for
 * everything the demo does not set itself; needs no network and no credentials.
 */
export const demoCommand = Command.make(
  "demo",
  {
    config: Options.text("config").pipe(
      Options.withPseudoName("FILE"),
      Options.withDescription(`base configuration (default ${DEMO_CONFIG} when present, else built-in defaults)`),
      Options.optional
    ),
    duration: Options.text("duration").pipe(
      Options.withPseudoName("DURATION"),
      Options.withDescription("how long to collect, e.g. 60s, 2m"),
      Options.withDefault("60s")
    ),
    dataDir: Options.text("data-dir").pipe(
      Options.withPseudoName("DIR"),
      Options.withDescription("where to write (default: a fresh directory under data/demo/)"),
      Options.optional
    ),
    seed: Options.integer("seed").pipe(Options.withDescription("simulator seed; default: [mock] seed of the config"), Options.optional),
    markets: Options.integer("markets").pipe(Options.withDescription("simulated markets per venue (default 300)"), Options.optional)
  },
  (opts) =>
    Effect.gen(function* () {
      const durationMs = parseDurationMs(opts.duration)
      if (durationMs === null || durationMs <= 0) {
        return yield* new UsageError({ message: `--duration ${JSON.stringify(opts.duration)}: expected a positive duration like 60s, 2m, 1h30m` })
      }
      if (Option.isSome(opts.markets) && opts.markets.value < 1) return yield* new UsageError({ message: "--markets must be >= 1" })
      const configFile = Option.getOrUndefined(opts.config) ?? ((yield* Effect.orElseSucceed((yield* FileStore).exists(DEMO_CONFIG), () => false)) ? DEMO_CONFIG : undefined)
      const base = configFile === undefined ? Schema.decodeUnknownSync(AppConfig)({}) : yield* loadConfig(configFile)
      const { runDemo } = yield* Effect.promise(() => import("../demo/runDemo.js"))
      yield* runDemo(base, {
        durationMs,
        ...(Option.isSome(opts.dataDir) ? { dataDir: opts.dataDir.value } : {}),
        ...(Option.isSome(opts.seed) ? { seed: opts.seed.value } : {}),
        ...(Option.isSome(opts.markets) ? { marketsPerVenue: opts.markets.value } : {})
      })
    })
).pipe(Command.withDescription("simulator + scan + collect + mine in one process: no network, no credentials"))
