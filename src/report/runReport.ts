/**
 * `surveillance report`: load the day (or range) from the data directory, render the page,
 * write it atomically to `reports/html/venue=V/date=D/report.html` and print its path.
 */
import { Clock, Console, Data, Effect } from "effect"
import { FileStore } from "../storage/FileStore.js"
import { reportHtmlPath } from "../storage/paths.js"
import { loadReportAssets } from "./assets.js"
import { loadReport, type LoadReportOptions } from "./loadReport.js"
import { renderReportHtml } from "./renderHtml.js"

export class ReportWriteError extends Data.TaggedError("ReportWriteError")<{ readonly path: string; readonly message: string }> {}

/** what `report` is asked for; the time it is generated is taken from the Clock */
export type ReportOptions = Omit<LoadReportOptions, "generatedAt">

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
