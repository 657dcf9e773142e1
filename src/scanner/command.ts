import { Effect } from "effect"
import type { AppConfig } from "../config/schema.js"
import type { VenueId } from "../domain/VenueId.js"
import { failureLine, runScan, selectVenues, summaryLine, type ScanOptions } from "./Scanner.js"

export interface ScanCommandResult {
  /** one summary line per venue that was written */
  readonly lines: ReadonlyArray<string>
  /** one line per venue that failed */
  readonly failures: ReadonlyArray<string>
}

export const runScanCommand = (
  cfg: AppConfig,
  named: ReadonlyArray<VenueId>,
  opts: ScanOptions = {}
) =>
  Effect.scoped(
    Effect.gen(function* () {
      const results = yield* runScan(cfg, selectVenues(cfg, named), opts)
      const lines: string[] = []
      const failures: string[] = []
      for (const r of results) {
        if (r._tag === "ok") lines.push(summaryLine(r))
        else failures.push(failureLine(r))
      }
      return { lines, failures } satisfies ScanCommandResult
    })
  )
