/**
 * Which files the miner reads, in which order: every finished snapshot and trade file of one
 * day (temp files never: storage's listDayFiles excludes them), merged by bucket start, then
 * snapshots before trades, then part. The bucket start of each file is what the mm-viability
 * engine uses as its completeness watermark.
 */
import * as path from "node:path"
import { Effect } from "effect"
import type { VenueId } from "../domain/VenueId.js"
import type { FileStore, FileStoreError } from "../storage/FileStore.js"
import { listDayFiles, listPartitionDates } from "../storage/partitions.js"
import { isValidDate, parseBucketFileName } from "../storage/paths.js"
import type { RowPlace } from "./rowPlace.js"

export type InputKind = "snapshots" | "trades"

export interface DayInput {
  readonly path: string
  readonly kind: InputKind
  /** start of the file's bucket (from its name); for an unrecognised name, the start of its hour or day */
  readonly bucketStartMs: number
  readonly part: number
  /** the folder's venue and date: rows that do not match them are left out (rowPlace.ts); null = no check */
  readonly place: RowPlace | null
}

const bucketStartOf = (filePath: string, date: string): { bucketStartMs: number; part: number } => {
  const parsed = parseBucketFileName(path.basename(filePath))
  const dayStart = Date.parse(`${date}T00:00:00Z`)
  if (parsed !== null && parsed.date === date) {
    return { bucketStartMs: dayStart + parsed.hour * 3_600_000 + parsed.minute * 60_000, part: parsed.part }
  }
  const hourDir = /hour=(\d{2})$/.exec(path.dirname(filePath))
  return { bucketStartMs: dayStart + (hourDir === null ? 0 : Number(hourDir[1]) * 3_600_000), part: 0 }
}

export const listDayInputs = (dataDir: string, venue: VenueId, date: string): Effect.Effect<Array<DayInput>, FileStoreError, FileStore> =>
  Effect.gen(function*() {
    const inputs: Array<DayInput> = []
    for (const [dataset, kind] of [["orderbook_snapshots", "snapshots"], ["trades", "trades"]] as const) {
      for (const file of yield* listDayFiles(dataDir, dataset, venue, date)) {
        inputs.push({ path: file, kind, ...bucketStartOf(file, date), place: { venue, date } })
      }
    }
    // Array.prototype.sort is stable: within a (bucket, kind, part) the storage order is kept
    return inputs.sort((a, b) =>
      a.bucketStartMs - b.bucketStartMs ||
      (a.kind === b.kind ? 0 : a.kind === "snapshots" ? -1 : 1) ||
      a.part - b.part
    )
  })

/** Dates to mine: one date, every date with data ("all"), or a --from/--to range (inclusive). */
export const resolveDates = (
  dataDir: string,
  venue: VenueId,
  spec: { readonly date: string; readonly from?: string | undefined; readonly to?: string | undefined }
): Effect.Effect<Array<string>, FileStoreError, FileStore> =>
  Effect.gen(function*() {
    if (spec.date !== "all" && spec.from === undefined && spec.to === undefined) return [spec.date]
    const dates = new Set<string>()
    for (const dataset of ["orderbook_snapshots", "trades"] as const) {
      for (const d of yield* listPartitionDates(dataDir, dataset, venue)) dates.add(d)
    }
    return [...dates]
      .filter((d) => isValidDate(d))
      .filter((d) => (spec.from === undefined || d >= spec.from) && (spec.to === undefined || d <= spec.to))
      .sort()
  })
