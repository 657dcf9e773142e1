/**
 * Finding and reading event-log files (`book_events/venue=V/date=D/hour=HH/events_*.parquet`).
 * A bucket's files (part 0 and any later parts) hold a checkpoint of every book at the bucket's
 * start (src/books/EventLog.ts), so an instant is rebuilt from the files of its own bucket, or,
 * when nothing happened in that bucket, of the newest earlier bucket that has files.
 */
import * as path from "node:path"
import { Data, Effect } from "effect"
import type { VenueId } from "../domain/VenueId.js"
import { FileStore, type FileStoreError } from "../storage/FileStore.js"
import { exactArrayBuffer } from "../storage/parquet/table.js"
import { readEventColumnsFromBytes, type EventColumns } from "../storage/parquet/events.js"
import { bucketHourDir, datasetDayDir, isTempFile, parseBucketFileName } from "../storage/paths.js"

/** An event-log file that is not readable Parquet of the event table; the message names it. */
export class EventFileError extends Data.TaggedError("EventFileError")<{ readonly message: string; readonly cause?: unknown }> {}

const HOUR_MS = 3_600_000

export interface EventBucket {
  readonly bucketStartMs: number
  /** part order */
  readonly files: ReadonlyArray<string>
}

/** The event buckets of one hour folder, ascending. */
const hourBuckets = (dir: string): Effect.Effect<EventBucket[], FileStoreError, FileStore> => Effect.gen(function*() {
  const names = yield* (yield* FileStore).list(dir)
  const byStart = new Map<number, Array<{ part: number; file: string }>>()
  for (const name of names) {
    if (isTempFile(name)) continue
    const p = parseBucketFileName(name)
    if (p === null || p.prefix !== "events") continue
    const start = Date.parse(`${p.date}T${String(p.hour).padStart(2, "0")}:${String(p.minute).padStart(2, "0")}:00Z`)
    const list = byStart.get(start) ?? []
    list.push({ part: p.part, file: path.join(dir, name) })
    byStart.set(start, list)
  }
  return [...byStart].sort((a, b) => a[0] - b[0]).map(([bucketStartMs, list]) => ({
    bucketStartMs,
    files: list.sort((a, b) => a.part - b.part).map((x) => x.file)
  }))
})

/** The newest bucket starting at or before `atMs` (looking back at most `lookBackHours`), or null. */
export const eventBucketAt = (dataDir: string, venue: VenueId, atMs: number, lookBackHours = 48): Effect.Effect<EventBucket | null, FileStoreError, FileStore> =>
  Effect.gen(function*() {
    for (let h = 0; h <= lookBackHours; h++) {
      const t = atMs - h * HOUR_MS
      if (t < 0) break
      const buckets = (yield* hourBuckets(bucketHourDir(dataDir, "book_events", venue, t))).filter((b) => b.bucketStartMs <= atMs)
      if (buckets.length > 0) return buckets[buckets.length - 1]!
    }
    return null
  })

/** Every bucket of one UTC day, ascending. */
export const eventDayBuckets = (dataDir: string, venue: VenueId, date: string): Effect.Effect<EventBucket[], FileStoreError, FileStore> =>
  Effect.gen(function*() {
    const dayDir = datasetDayDir(dataDir, "book_events", venue, date)
    const out: EventBucket[] = []
    const hours = (yield* (yield* FileStore).list(dayDir)).filter((n) => /^hour=\d\d$/.test(n))
    for (const h of hours) out.push(...yield* hourBuckets(path.join(dayDir, h)))
    return out
  })

/** A bucket's files, only the row groups that can hold `markets` when given. */
export const readBucket = (bucket: EventBucket, markets: ReadonlySet<string> | null = null): Effect.Effect<EventColumns[], FileStoreError | EventFileError, FileStore> =>
  Effect.gen(function*() {
    const store = yield* FileStore
    const out: EventColumns[] = []
    for (const file of bucket.files) {
      const bytes = yield* store.readFile(file)
      out.push(yield* Effect.tryPromise({
        try: () => readEventColumnsFromBytes(exactArrayBuffer(bytes), file, markets),
        catch: (e) => new EventFileError({ message: e instanceof Error ? e.message : `${file}: ${String(e)}`, cause: e })
      }))
    }
    return out
  })
