/**
 * Finding and reading event-log files (`book_events/venue=V/date=D/hour=HH/events_*.parquet`).
 * A bucket's files (part 0 and any later parts) hold a checkpoint of every book at the bucket's
 * start (src/books/EventLog.ts), so an instant is rebuilt from the files of its own bucket, or,
 * when nothing happened in that bucket, of the newest earlier bucket that has files.
 */
import * as fs from "node:fs/promises"
import * as path from "node:path"
import type { VenueId } from "../domain/VenueId.js"
import { readEventColumnsFor, type EventColumns } from "../storage/parquet/events.js"
import { bucketHourDir, datasetDayDir, isTempFile, parseBucketFileName } from "../storage/paths.js"

const HOUR_MS = 3_600_000

export interface EventBucket {
  readonly bucketStartMs: number
  /** part order */
  readonly files: ReadonlyArray<string>
}

const listDir = async (dir: string): Promise<string[]> => {
  try {
    return await fs.readdir(dir)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return []
    throw e
  }
}

/** The event buckets of one hour folder, ascending. */
async function hourBuckets(dir: string): Promise<EventBucket[]> {
  const byStart = new Map<number, Array<{ part: number; file: string }>>()
  for (const name of await listDir(dir)) {
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
}

/** The newest bucket starting at or before `atMs` (looking back at most `lookBackHours`), or null. */
export async function eventBucketAt(dataDir: string, venue: VenueId, atMs: number, lookBackHours = 48): Promise<EventBucket | null> {
  for (let h = 0; h <= lookBackHours; h++) {
    const t = atMs - h * HOUR_MS
    if (t < 0) break
    const buckets = (await hourBuckets(bucketHourDir(dataDir, "book_events", venue, t))).filter((b) => b.bucketStartMs <= atMs)
    if (buckets.length > 0) return buckets[buckets.length - 1]!
  }
  return null
}

/** Every bucket of one UTC day, ascending. */
export async function eventDayBuckets(dataDir: string, venue: VenueId, date: string): Promise<EventBucket[]> {
  const dayDir = datasetDayDir(dataDir, "book_events", venue, date)
  const out: EventBucket[] = []
  const hours = (await listDir(dayDir)).filter((n) => /^hour=\d\d$/.test(n)).sort()
  for (const h of hours) out.push(...await hourBuckets(path.join(dayDir, h)))
  return out
}

/** A bucket's files, only the row groups that can hold `markets` when given. */
export const readBucket = (bucket: EventBucket, markets: ReadonlySet<string> | null = null): Promise<EventColumns[]> =>
  Promise.all(bucket.files.map((f) => readEventColumnsFor(f, markets)))
