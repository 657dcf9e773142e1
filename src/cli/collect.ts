import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { Effect, Option } from "effect"
import { loadConfig } from "../config/load.js"
import { namedOrEnabledVenues } from "../config/schema.js"
import { configOption, venueOption } from "./options.js"
import { UsageError } from "./run.js"
import { venuesLayer } from "./venues.js"

/**
 * Durations for `--duration`: `90s`, `500ms`, `2m`, `1h`, `1h30m`, or bare seconds (`90`).
 * Returns milliseconds, or null when the text is not a positive duration.
 */
export const parseDurationMs = (text: string): number | null => {
  const t = text.trim()
  if (/^\d+(\.\d+)?$/.test(t)) {
    const s = Number(t)
    return s > 0 ? Math.round(s * 1000) : null
  }
  const unitMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy
  let total = 0
  let end = 0
  for (let m = re.exec(t); m !== null; m = re.exec(t)) {
    total += Number(m[1]) * unitMs[m[2]!]!
    end = re.lastIndex
  }
  return end === t.length && t.length > 0 && total > 0 ? Math.round(total) : null
}

const duration = Options.text("duration").pipe(
  Options.optional,
  Options.withDescription("stop after this long (e.g. 90s, 10m, 2h); default: run until SIGINT/SIGTERM")
)

/**
 * `surveillance collect [--venue NAME]... [--duration D]`: WebSockets -> books -> snapshot
 * and trade Parquet, subscriptions driven by the scheduler, until the duration ends or
 * SIGINT/SIGTERM; then sockets close, the writer drains, exit 0.
 */
export const collectCommand = Command.make(
  "collect",
  { config: configOption, venue: venueOption, duration },
  ({ config, venue, duration }) =>
    Effect.gen(function*() {
      let durationMs: number | undefined
      if (Option.isSome(duration)) {
        const ms = parseDurationMs(duration.value)
        if (ms === null) {
          return yield* new UsageError({ message: `--duration: "${duration.value}" is not a duration (use e.g. 90s, 10m, 2h)` })
        }
        durationMs = ms
      }
      const cfg = yield* loadConfig(config)
      // loaded lazily: keeps `surveillance --help` fast
      const { runCollectorProgram } = yield* Effect.promise(() => import("../collector/CollectorProgram.js"))
      const { scanWhereMissing } = yield* Effect.promise(() => import("../scanner/Scanner.js"))
      const collect = runCollectorProgram(cfg, {
        configFile: config,
        venues: venue,
        ...(durationMs !== undefined ? { durationMs } : {})
      })
      // mock mode with no universe yet: the real scanner scans the simulator once
      const program = cfg.mock.enabled
        ? Effect.zipRight(scanWhereMissing(cfg, venue.length > 0 ? venue : namedOrEnabledVenues(cfg, [])), collect)
        : collect
      yield* program.pipe(Effect.provide(venuesLayer(cfg, config)))
    })
).pipe(Command.withDescription("record order-book snapshots and trades to Parquet until SIGINT/SIGTERM or --duration"))
