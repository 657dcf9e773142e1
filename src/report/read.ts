/**
 * What the report's loaders share: reading a whole Parquet file through the FileStore (every
 * column, or a projection), cell values as the page holds them, and market labels.
 */
import { Data, Effect } from "effect"
import type { MarketLabel } from "../miner/summary.js"
import { FileStore } from "../storage/FileStore.js"
import { exactArrayBuffer, parquetColumnNames, readColumnsFromBytes } from "../storage/parquet/table.js"

/** A file the report needs could not be read (stats, mm_viability): names the file. */
export class ReportReadError extends Data.TaggedError("ReportReadError")<{ readonly path: string; readonly message: string }> {}

export const KEY_SEP = "\u0000"

export const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null)

export const cell = (v: unknown): string | number | boolean | null =>
  typeof v === "number" ? num(v) : typeof v === "bigint" ? Number(v) : typeof v === "string" || typeof v === "boolean" ? v : null

export const readParquet = (path: string, columns?: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const store = yield* FileStore
    const bytes = yield* store.readFile(path)
    return yield* Effect.tryPromise({
      try: async () => {
        const file = exactArrayBuffer(bytes)
        const names = columns ?? await parquetColumnNames(file, path)
        return { names, columns: await readColumnsFromBytes(file, path, names), file }
      },
      catch: (e) => new ReportReadError({ path, message: `cannot read ${path}: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}` })
    })
  })

export const labelOf = (labels: ReadonlyMap<string, MarketLabel>, marketId: string, outcomeId: string): MarketLabel | undefined =>
  labels.get(`${marketId}${KEY_SEP}${outcomeId}`) ?? labels.get(`${marketId}${KEY_SEP}`)

