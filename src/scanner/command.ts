import { Effect, Schema } from "effect"
import { ConfigError } from "../config/ConfigError.js"
import { AppConfig } from "../config/schema.js"
import type { VenueId } from "../domain/Venue.js"
import { failureLine, runScan, selectVenues, summaryLine, type ScanOptions } from "./Scanner.js"

export interface ScanCommandResult {
  /** one summary line per venue that was written */
  readonly lines: ReadonlyArray<string>
  /** one line per venue that failed */
  readonly failures: ReadonlyArray<string>
}

/**
 * Mock mode (DESIGN section 9): start the simulator in this process and point the same
 * adapters at it; there is no second code path for mock data. The simulator lives as long
 * as the enclosing scope.
 */
const withMockVenues = (cfg: AppConfig) =>
  Effect.gen(function* () {
    if (!cfg.mock.enabled) return cfg
    const { startSimulator } = yield* Effect.promise(() => import("../simulator/Simulator.js"))
    const sim = yield* startSimulator({
      seed: cfg.mock.seed,
      polymarketMarkets: cfg.mock.markets_per_venue,
      kalshiMarkets: cfg.mock.markets_per_venue
    })
    const pointed = sim.configFor(Schema.encodeSync(AppConfig)(cfg))
    return yield* Schema.decodeUnknown(AppConfig)(pointed).pipe(
      Effect.mapError((e) => new ConfigError({ file: "(mock)", keyPath: "", message: `mock config: ${e.message}` }))
    )
  })

export const runScanCommand = (
  cfg: AppConfig,
  named: ReadonlyArray<VenueId>,
  opts: ScanOptions = {}
) =>
  Effect.scoped(
    Effect.gen(function* () {
      const effective = yield* withMockVenues(cfg)
      const results = yield* runScan(effective, selectVenues(effective, named), opts)
      const lines: string[] = []
      const failures: string[] = []
      for (const r of results) {
        if (r._tag === "ok") lines.push(summaryLine(r))
        else failures.push(failureLine(r))
      }
      return { lines, failures } satisfies ScanCommandResult
    })
  )
