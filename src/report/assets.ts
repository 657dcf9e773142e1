/**
 * The page's inlined assets: uPlot's browser build and stylesheet, read from wherever the
 * `uplot` package is installed (a runtime dependency, so a global install has it beside this
 * package), and the page's own script and stylesheet from src/report/assets/.
 */
import { readFile } from "node:fs/promises"
import { createRequire } from "node:module"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { Data, Effect } from "effect"

export class ReportAssetError extends Data.TaggedError("ReportAssetError")<{ readonly path: string; readonly message: string }> {}

export interface ReportAssets {
  readonly uplotJs: string
  readonly uplotCss: string
  readonly pageJs: string
  readonly pageCss: string
}

const require = createRequire(import.meta.url)

/** The folder of uPlot's dist files, from the package's resolved location. */
export const uplotDistDir = (): string => path.join(path.dirname(require.resolve("uplot/package.json")), "dist")

const OWN_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "assets")

const read = (file: string) =>
  Effect.tryPromise({
    try: () => readFile(file, "utf8"),
    catch: (e) => new ReportAssetError({ path: file, message: `cannot read the report asset ${file}: ${(e as Error).message} (reinstall the package)` })
  })

export const loadReportAssets: Effect.Effect<ReportAssets, ReportAssetError> = Effect.gen(function*() {
  const dist = yield* Effect.try({
    try: uplotDistDir,
    catch: () => new ReportAssetError({ path: "uplot", message: "the uplot package is not installed (it is a dependency of surveillance: reinstall the package)" })
  })
  return {
    uplotJs: yield* read(path.join(dist, "uPlot.iife.min.js")),
    uplotCss: yield* read(path.join(dist, "uPlot.min.css")),
    pageJs: yield* read(path.join(OWN_DIR, "report.js")),
    pageCss: yield* read(path.join(OWN_DIR, "report.css"))
  }
})
