/**
 * The Hive-partitioned data layout (docs/DESIGN.md, "Data layout"). Every path below `dataDir` is built
 * here and only here, from validated components: a venue from the closed set, a date that
 * matches YYYY-MM-DD, an hour 00..23, a bucket start from a number. Network data (market
 * ids, titles) never becomes a path component.
 */
import * as path from "node:path"
import { ALL_VENUES, type VenueId } from "../domain/VenueId.js"

export type Dataset =
  | "metadata" | "orderbook_snapshots" | "trades" | "book_events" | "stats" | "reports/mm_viability" | "health" | "reports/html"

const DATASETS: ReadonlyArray<Dataset> = [
  "metadata", "orderbook_snapshots", "trades", "book_events", "stats", "reports/mm_viability", "health", "reports/html"
]

const DATE_RE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/
const HOUR_RE = /^(?:[01]\d|2[0-3])$/
const MINUTE_MS = 60_000
const HOUR_MS = 3_600_000

export class PathComponentError extends Error {
  override readonly name = "PathComponentError"
}

export const isValidDate = (date: string): boolean => DATE_RE.test(date)
export const isValidHour = (hour: string): boolean => HOUR_RE.test(hour)

export function assertVenue(venue: string): VenueId {
  if (!(ALL_VENUES as ReadonlyArray<string>).includes(venue)) {
    throw new PathComponentError(`invalid venue ${JSON.stringify(venue)} in data path: expected one of ${ALL_VENUES.join(", ")}`)
  }
  return venue as VenueId
}

export function assertDate(date: string): string {
  if (!DATE_RE.test(date)) {
    throw new PathComponentError(`invalid date ${JSON.stringify(date)} in data path: expected YYYY-MM-DD`)
  }
  return date
}

function assertDataset(dataset: string): Dataset {
  if (!(DATASETS as ReadonlyArray<string>).includes(dataset)) {
    throw new PathComponentError(`invalid dataset ${JSON.stringify(dataset)}: expected one of ${DATASETS.join(", ")}`)
  }
  return dataset as Dataset
}

function assertTimestamp(tsMs: number, what: string): number {
  if (!Number.isFinite(tsMs) || tsMs < 0 || !Number.isInteger(tsMs)) {
    throw new PathComponentError(`invalid ${what} ${String(tsMs)}: expected a non-negative integer epoch ms`)
  }
  return tsMs
}

function assertPart(part: number): number {
  if (!Number.isInteger(part) || part < 0) {
    throw new PathComponentError(`invalid file part ${String(part)}: expected an integer >= 0`)
  }
  return part
}

const pad2 = (n: number): string => (n < 10 ? "0" : "") + String(n)

/** UTC calendar date of an epoch-ms instant, `YYYY-MM-DD`. */
export function utcDate(tsMs: number): string {
  return new Date(assertTimestamp(Math.floor(tsMs), "timestamp")).toISOString().slice(0, 10)
}

/** UTC hour of an epoch-ms instant, "00".."23". */
export function utcHour(tsMs: number): string {
  return pad2(new Date(assertTimestamp(Math.floor(tsMs), "timestamp")).getUTCHours())
}

/**
 * Start (epoch ms, UTC) of the `bucketMinutes` bucket holding `tsMs`. Buckets are aligned
 * within the UTC hour (a bucket never spans two hour partitions), so bucketMinutes should
 * divide 60; a value that does not is still aligned to the hour start (the last bucket of
 * the hour is shorter).
 */
export function bucketStart(tsMs: number, bucketMinutes: number): number {
  if (!Number.isInteger(bucketMinutes) || bucketMinutes < 1 || bucketMinutes > 60) {
    throw new PathComponentError(`invalid bucket_minutes ${String(bucketMinutes)}: expected an integer 1..60`)
  }
  const ts = assertTimestamp(Math.floor(tsMs), "timestamp")
  const hourStart = ts - (ts % HOUR_MS)
  const minuteInHour = Math.floor((ts - hourStart) / MINUTE_MS)
  return hourStart + (minuteInHour - (minuteInHour % bucketMinutes)) * MINUTE_MS
}

export function datasetVenueDir(dataDir: string, dataset: Dataset, venue: VenueId): string {
  return path.join(dataDir, assertDataset(dataset), `venue=${assertVenue(venue)}`)
}

export function datasetDayDir(dataDir: string, dataset: Dataset, venue: VenueId, date: string): string {
  return path.join(datasetVenueDir(dataDir, dataset, venue), `date=${assertDate(date)}`)
}

export function universePath(dataDir: string, venue: VenueId, date: string): string {
  return path.join(datasetDayDir(dataDir, "metadata", venue, date), "universe.jsonl")
}

export function statsPath(dataDir: string, venue: VenueId, date: string): string {
  return path.join(datasetDayDir(dataDir, "stats", venue, date), "stats.parquet")
}

export function mmViabilityPath(dataDir: string, venue: VenueId, date: string): string {
  return path.join(datasetDayDir(dataDir, "reports/mm_viability", venue, date), "mm_viability.parquet")
}

/** The collector's per-minute health records of one venue and day (JSON lines, appended). */
export function healthPath(dataDir: string, venue: VenueId, date: string): string {
  return path.join(datasetDayDir(dataDir, "health", venue, date), "health.jsonl")
}

/**
 * `surveillance report`: `reports/html/venue=V/date=D/report.html` for one day; a range
 * `from..to` gets `date=FROM..TO` (both dates validated).
 */
export function reportHtmlPath(dataDir: string, venue: VenueId, from: string, to: string = from): string {
  const day = from === to ? assertDate(from) : `${assertDate(from)}..${assertDate(to)}`
  return path.join(datasetVenueDir(dataDir, "reports/html", venue), `date=${day}`, "report.html")
}

/** `{prefix}_{D}T{HH}-{mm}[-{part}].parquet`: part 0 has no suffix. */
export function bucketFileName(prefix: "snapshots" | "trades" | "events", bucketStartMs: number, part: number): string {
  const ts = assertTimestamp(bucketStartMs, "bucket start")
  const d = new Date(ts)
  const suffix = assertPart(part) === 0 ? "" : `-${part}`
  return `${prefix}_${utcDate(ts)}T${pad2(d.getUTCHours())}-${pad2(d.getUTCMinutes())}${suffix}.parquet`
}

function bucketFilePath(dataDir: string, dataset: "orderbook_snapshots" | "trades" | "book_events", prefix: "snapshots" | "trades" | "events", venue: VenueId, bucketStartMs: number, part: number): string {
  const ts = assertTimestamp(bucketStartMs, "bucket start")
  return path.join(datasetDayDir(dataDir, dataset, venue, utcDate(ts)), `hour=${utcHour(ts)}`, bucketFileName(prefix, ts, part))
}

export function snapshotFilePath(dataDir: string, venue: VenueId, bucketStartMs: number, part: number): string {
  return bucketFilePath(dataDir, "orderbook_snapshots", "snapshots", venue, bucketStartMs, part)
}

export function tradeFilePath(dataDir: string, venue: VenueId, bucketStartMs: number, part: number): string {
  return bucketFilePath(dataDir, "trades", "trades", venue, bucketStartMs, part)
}

/** `book_events/venue=V/date=D/hour=HH/events_{D}T{HH}-{mm}[-{part}].parquet` (the event log) */
export function eventFilePath(dataDir: string, venue: VenueId, bucketStartMs: number, part: number): string {
  return bucketFilePath(dataDir, "book_events", "events", venue, bucketStartMs, part)
}

/** The hour folder of a bucket file of `dataset` (every part of every bucket of that hour). */
export function bucketHourDir(dataDir: string, dataset: "orderbook_snapshots" | "trades" | "book_events", venue: VenueId, tsMs: number): string {
  const ts = assertTimestamp(Math.floor(tsMs), "timestamp")
  return path.join(datasetDayDir(dataDir, dataset, venue, utcDate(ts)), `hour=${utcHour(ts)}`)
}

const BUCKET_FILE_RE = /^(snapshots|trades|events)_(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})(?:-(\d+))?\.parquet$/

/** Parses a bucket file name; null for anything else (temp files included). */
export function parseBucketFileName(name: string): { prefix: string; date: string; hour: number; minute: number; part: number } | null {
  const m = BUCKET_FILE_RE.exec(name)
  if (m === null) return null
  return { prefix: m[1]!, date: m[2]!, hour: Number(m[3]), minute: Number(m[4]), part: m[5] === undefined ? 0 : Number(m[5]) }
}

/** The collector's write-ahead files live under `<data_dir>/.wal` (outside every Hive dataset). */
export const WAL_DIR_NAME = ".wal"
export const walRootDir = (dataDir: string): string => path.join(dataDir, WAL_DIR_NAME)

/**
 * Temp files are `<final name>.<pid>.<random>.tmp`, in the directory of the final file.
 * Any `*.tmp` counts: a reader must never pick one up, and cleanup removes them all.
 */
export function isTempFile(name: string): boolean {
  return name.endsWith(".tmp")
}

export function tempPathFor(finalPath: string): string {
  return `${finalPath}.${process.pid}.${Math.random().toString(36).slice(2, 10) || "0"}.tmp`
}
