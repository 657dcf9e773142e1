/**
 * `surveillance report`: load the day (or range) from the data directory, render the page,
 * write it atomically to `reports/html/venue=V/date=D/report.html` and print its path.
 */
import { Clock, Console, Data, Effect } from "effect"
import type { VenueId } from "../domain/VenueId.js"
import { FileStore } from "../storage/FileStore.js"
import { reportHtmlPath } from "../storage/paths.js"
import { loadReportAssets } from "./assets.js"
import { loadReport } from "./loadReport.js"
import { renderReportHtml } from "./renderHtml.js"

export class ReportWriteError extends Data.TaggedError("ReportWriteError")<{ readonly path: string; readonly message: string }> {}

export interface ReportOptions {
  readonly dataDir: string
  readonly venue: VenueId
  readonly from: string
  readonly to: string
  /** markets charted in "Market quality" */
  readonly top: number
  readonly maxBuckets?: number
}

export const DEFAULT_REPORT_TOP = 8

/** Writes the report and returns its path (printed on stdout). */
export const writeReport = (opts: ReportOptions) =>
  Effect.gen(function*() {
    const store = yield* FileStore
    const now = yield* Clock.currentTimeMillis
    const model = yield* loadReport({ ...opts, generatedAt: new Date(now).toISOString().replace(/\.\d+Z$/, "Z") })
    const assets = yield* loadReportAssets
    const file = reportHtmlPath(opts.dataDir, opts.venue, opts.from, opts.to)
    yield* store.writeAtomic(file, renderReportHtml(model, assets)).pipe(
      Effect.mapError((e) => new ReportWriteError({ path: file, message: `cannot write the report ${file}: ${e.message}` }))
    )
    return file
  })

export const runReport = (opts: ReportOptions) => Effect.flatMap(writeReport(opts), (file) => Effect.as(Console.log(file), file))
