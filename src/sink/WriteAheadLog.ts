/**
 * The writer's write-ahead files: rows the collector accepted but that are not yet in a
 * Parquet file. Why: encoding Parquet costs ~1 s per 40k rows (docs/DESIGN.md, "Stack and known traps"), so a bucket becomes
 * one file only when it closes, minutes later; a kill -9 must lose at most `flush_seconds` of
 * rows (docs/DESIGN.md, "The collector pipeline"), so the rows are appended here (with fsync) every `flush_seconds`.
 * The WAL is also the hand-off to the encoder thread: the worker reads the segment from disk,
 * so the socket thread never structured-clones tens of thousands of rows.
 *
 * Layout: `<dataDir>/.wal/venue=<V>/<dataset>/<bucketStartMs>-<pid>-<n>.wal`. One segment
 * holds rows of one (venue, dataset, bucket) and at most `flush_rows` of them. The name is
 * built only from the closed venue set, the two datasets and numbers, never from row content.
 *
 * Format: JSON lines, one row per line, a JSON array of the columns in SNAPSHOT_COLUMNS /
 * TRADE_COLUMNS order. JSON has no NaN: `JSON.stringify` writes NaN (and +-Infinity) as
 * null, and the decoder maps null back to NaN in every non-nullable number column and in the
 * level lists (a missing price is NaN by the seed convention; infinities never occur). A
 * crash mid-append leaves a truncated last line: it is ignored, not fatal.
 */
import * as fsp from "node:fs/promises"
import * as path from "node:path"
import { Effect } from "effect"
import { ALL_VENUES, type VenueId } from "../domain/VenueId.js"
import type { SnapshotRow } from "../domain/SnapshotRow.js"
import type { TradeRow } from "../domain/TradeRow.js"
import type { EventRow } from "../domain/EventRow.js"
import { FileStore, type FileStoreError } from "../storage/FileStore.js"
import { appendRecordsDurably, nodeAppendFileSystem, type AppendFileSystem, type AppendOutcome } from "../storage/durableAppend.js"
import { walRootDir } from "../storage/paths.js"
import { EventBatch } from "../storage/parquet/eventBatch.js"
import { decodeEventWalInto, encodeEventWalLines, newEventWalDictionary, type EventWalDictionary } from "./eventWalCodec.js"

export type WalDataset = "orderbook_snapshots" | "trades" | "book_events"
export const WAL_DATASETS: ReadonlyArray<WalDataset> = ["orderbook_snapshots", "trades", "book_events"]

export type WalRow<D extends WalDataset> = D extends "orderbook_snapshots" ? SnapshotRow : D extends "trades" ? TradeRow : EventRow

export { walRootDir }

export const walDatasetDir = (dataDir: string, venue: VenueId, dataset: WalDataset): string => {
  if (!(ALL_VENUES as ReadonlyArray<string>).includes(venue)) throw new Error(`invalid venue ${JSON.stringify(venue)} for a write-ahead path`)
  if (!WAL_DATASETS.includes(dataset)) throw new Error(`invalid dataset ${JSON.stringify(dataset)} for a write-ahead path`)
  return path.join(walRootDir(dataDir), `venue=${venue}`, dataset)
}

export const walSegmentPath = (
  dataDir: string, venue: VenueId, dataset: WalDataset, bucketStartMs: number, segmentId: string
): string => {
  if (!Number.isSafeInteger(bucketStartMs) || bucketStartMs < 0) throw new Error(`invalid bucket start ${bucketStartMs} for a write-ahead path`)
  if (!/^[0-9a-z-]+$/.test(segmentId)) throw new Error(`invalid write-ahead segment id ${JSON.stringify(segmentId)}`)
  return path.join(walDatasetDir(dataDir, venue, dataset), `${bucketStartMs}-${segmentId}.wal`)
}

const SEGMENT_NAME_RE = /^(\d{1,15})-[0-9a-z-]+\.wal$/
const MARKER_NAME_RE = /^(\d{1,15})-[0-9a-z-]+\.commit$/

export interface WalSegmentFile {
  readonly path: string
  readonly venue: VenueId
  readonly dataset: WalDataset
  readonly bucketStartMs: number
}

const listWalFiles = (dataDir: string, nameRe: RegExp): Effect.Effect<Array<WalSegmentFile>, FileStoreError, FileStore> =>
  Effect.gen(function*() {
    const store = yield* FileStore
    const found: Array<WalSegmentFile> = []
    for (const venue of ALL_VENUES) {
      for (const dataset of WAL_DATASETS) {
        const dir = walDatasetDir(dataDir, venue, dataset)
        for (const name of yield* store.list(dir)) {
          const m = nameRe.exec(name)
          if (m === null) continue
          found.push({ path: path.join(dir, name), venue, dataset, bucketStartMs: Number(m[1]) })
        }
      }
    }
    return found
  })

/** Every leftover segment under `<dataDir>/.wal` (unknown names are ignored, not touched). */
export const listWalSegments = (dataDir: string): Effect.Effect<Array<WalSegmentFile>, FileStoreError, FileStore> =>
  listWalFiles(dataDir, SEGMENT_NAME_RE)

// ---------------------------------------------------------------------------------------------
// Commit markers: exactly-once across a crash between publishing a file and deleting its
// segments. The worker writes `<first segment>.commit` = { part, segments } (atomically) before
// it publishes part `part`, and removes it after the segments are gone. At start-up, a marker
// whose part file exists means "already published": its segments are deleted, not re-written.
// A marker whose part file does not exist is dropped and its segments are recovered as usual.

export interface CommitMarker {
  readonly part: number
  /** segment file names (no directories) in the marker's own folder */
  readonly segments: ReadonlyArray<string>
}

export const commitMarkerPath = (firstSegmentPath: string): string => firstSegmentPath.replace(/\.wal$/, ".commit")

export const encodeCommitMarker = (walPaths: ReadonlyArray<string>, part: number): string =>
  JSON.stringify({ part, segments: walPaths.map((p) => path.basename(p)) } satisfies CommitMarker)

/** Null when the text is not a marker we wrote (then it is ignored and removed). */
export function parseCommitMarker(text: string): CommitMarker | null {
  try {
    const v = JSON.parse(text) as { part?: unknown; segments?: unknown }
    if (!Number.isSafeInteger(v.part) || (v.part as number) < 0 || !Array.isArray(v.segments)) return null
    // names only, and only segment names: a marker never points outside its folder
    if (!v.segments.every((n): n is string => typeof n === "string" && SEGMENT_NAME_RE.test(n))) return null
    return { part: v.part as number, segments: v.segments }
  } catch {
    return null
  }
}

export interface ResolvedMarkers {
  /** markers whose file was already published: their segments were deleted */
  readonly published: number
  /** markers dropped (file not published, or unreadable): their segments are recovered as usual */
  readonly dropped: number
}

/** Start-up step before recovery: settle every commit marker left by a crash. */
export const resolveCommitMarkers = (
  dataDir: string,
  partFileExists: (marker: WalSegmentFile, part: number) => Effect.Effect<boolean, FileStoreError, FileStore>
): Effect.Effect<ResolvedMarkers, FileStoreError, FileStore> =>
  Effect.gen(function*() {
    const store = yield* FileStore
    let published = 0
    let dropped = 0
    for (const m of yield* listWalFiles(dataDir, MARKER_NAME_RE)) {
      const marker = parseCommitMarker(yield* Effect.orElseSucceed(store.readText(m.path), () => ""))
      if (marker !== null && (yield* partFileExists(m, marker.part))) {
        for (const name of marker.segments) yield* store.remove(path.join(path.dirname(m.path), name))
        published++
      } else {
        dropped++
      }
      yield* store.remove(m.path)
    }
    return { published, dropped }
  })

/** Rows per write: ~1-2 ms of JSON.stringify for 20-level rows, then the event loop gets a turn
 *  while the write is in flight (a 50k-row append must not stall the sockets). */
export const WAL_CHUNK_ROWS = 500

/**
 * Appends the rows to the segment chunk by chunk, then fsyncs, so they survive a kill -9 or a
 * power loss. Short writes are continued; after a failure the file is cut back to its last
 * complete line, so `records` in the outcome is exactly how many rows the segment gained and
 * the next append may use the same file (unless `fileClean` is false).
 */
export function appendRowsDurably(
  filePath: string, dataset: WalDataset, rows: ReadonlyArray<SnapshotRow | TradeRow | EventRow>, fs: AppendFileSystem = nodeAppendFileSystem
): Promise<AppendOutcome> {
  const encode = dataset === "orderbook_snapshots"
    ? (from: number, to: number) => encodeSnapshotWalLines(rows as ReadonlyArray<SnapshotRow>, from, to)
    : dataset === "trades"
    ? (from: number, to: number) => encodeTradeWalLines(rows as ReadonlyArray<TradeRow>, from, to)
    : null
  if (encode !== null) return appendRecordsDurably(fs, filePath, rows.length, WAL_CHUNK_ROWS, encode)
  // event rows are short and written as bytes (~0.7 us a row): bigger chunks, same ~1-3 ms per chunk
  const dict = eventDictionary(filePath)
  return appendRecordsDurably(fs, filePath, rows.length, WAL_CHUNK_ROWS * 8, (from, to) => encodeEventWalLines(rows as ReadonlyArray<EventRow>, from, to, dict))
    .then((outcome) => {
      // the file may have been cut back past definitions this dictionary remembers: define anew
      if (outcome.error !== null) eventDictionaries.delete(filePath)
      return outcome
    })
}

/** Appends `text` and fsyncs (tests use it to lay out segments). */
export async function appendDurably(filePath: string, text: string): Promise<void> {
  await fsp.mkdir(path.dirname(filePath), { recursive: true })
  const handle = await fsp.open(filePath, "a")
  try {
    await handle.writeFile(text, "utf8")
    await handle.sync()
  } finally {
    await handle.close()
  }
}

// ---------------------------------------------------------------------------------------------
// Encoding (main thread, hot loop: plain code)

/** Lines for rows[from, to), each terminated by "\n". */
export function encodeSnapshotWalLines(rows: ReadonlyArray<SnapshotRow>, from: number, to: number): string {
  let out = ""
  for (let i = from; i < to; i++) {
    const r = rows[i]!
    out += JSON.stringify([
      r.ts_recv, r.venue, r.market_id, r.outcome_id, r.seq,
      r.best_bid_px, r.best_bid_sz, r.best_ask_px, r.best_ask_sz, r.mid, r.spread,
      r.bid_px, r.bid_sz, r.ask_px, r.ask_sz, r.status, r.err, r.source_ts, r.event_seq ?? null
    ]) + "\n"
  }
  return out
}

export function encodeTradeWalLines(rows: ReadonlyArray<TradeRow>, from: number, to: number): string {
  let out = ""
  for (let i = from; i < to; i++) {
    const r = rows[i]!
    out += JSON.stringify([r.ts_recv, r.source_ts, r.venue, r.market_id, r.outcome_id, r.price, r.size, r.side, r.trade_id]) + "\n"
  }
  return out
}

/**
 * Event segments are compact: the strings that repeat (kind, market, outcome, side, reason) are
 * defined once per segment file and rows name them by index, so a row line is a short JSON
 * array of numbers (a 66-character condition id and a 77-digit token id cost their digits once
 * per file, not per row). A definition rides on the line of the first row that uses it, before
 * the row: `=<index>\t<JSON string>\t...[row]` (JSON never holds a raw tab), so every line is
 * exactly one row, which is how the append counts what reached the file. A later definition of
 * an index replaces the earlier one for the lines after it (after a failed append the writer
 * starts defining anew). `ts_recv` and `event_seq` are written as the change from the previous
 * row of the file (a leading `@\t` restarts them from 0, written whenever the writer starts a
 * dictionary), `source_ts` as its difference from `ts_recv`.
 *
 * The row's doubles (price, size, then the ladders) travel as one base64 string of their
 * IEEE-754 bytes (little-endian): formatting and parsing decimal doubles was most of the cost of an event on the
 * socket thread and in the encoder (bench P7), small integers and base64 are cheap, and the
 * bytes come back bit for bit. Row line (16 fields, or 12 when the row has no ladders):
 * `[dts, dseq, kind, market, outcome, side, source_ts - ts, venue_seq, trade_id, reason,
 * book_seq, "<base64 of price, size, bid_px.., bid_sz.., ask_px.., ask_sz..>", n_bid_px,
 * n_bid_sz, n_ask_px, n_ask_sz]` (a missing price or size is NaN in the bytes, a missing ladder
 * has length -1). Segments of the first event-log version (17 fields, decimal numbers and
 * ladders) still decode.
 */
export { decodeEventWalInto, encodeEventWalLines, newEventWalDictionary, type EventWalDictionary } from "./eventWalCodec.js"

/** per segment file, the indexes defined in it (the writer appends to few files at a time) */
const eventDictionaries = new Map<string, EventWalDictionary>()
const MAX_DICTIONARIES = 256

const eventDictionary = (filePath: string): EventWalDictionary => {
  let d = eventDictionaries.get(filePath)
  if (d === undefined) {
    // an evicted file just gets its strings defined again
    if (eventDictionaries.size >= MAX_DICTIONARIES) eventDictionaries.delete(eventDictionaries.keys().next().value!)
    d = newEventWalDictionary()
    eventDictionaries.set(filePath, d)
  }
  return d
}

/**
 * The writer appends nothing more to this file (its segment went to the encoder): drop its
 * dictionary, which holds a copy of every id the file used (~2 MB at 10,000 books). An append
 * that still comes (a retry) just defines its strings again.
 */
export const forgetEventWalDictionary = (filePath: string): void => {
  eventDictionaries.delete(filePath)
}

/** Files whose dictionary is held (tests: released once their segment goes to the encoder). */
export const heldEventWalDictionaries = (): number => eventDictionaries.size

// ---------------------------------------------------------------------------------------------
// Decoding (worker thread)

export interface WalDecodeResult<R> {
  readonly rows: R[]
  /** lines that were not a valid row (other than a truncated last line) */
  readonly badLines: number
  /** true when the last line was cut off (crash mid-append) and ignored */
  readonly truncatedTail: boolean
}

const num = (v: unknown): number => (typeof v === "number" ? v : NaN)
const numOrNull = (v: unknown): number | null => (typeof v === "number" ? v : null)
const strOrNull = (v: unknown): string | null => (typeof v === "string" ? v : null)
const numList = (v: unknown): number[] => {
  if (!Array.isArray(v)) throw new Error("level list is not an array")
  const out = new Array<number>(v.length)
  for (let i = 0; i < v.length; i++) out[i] = num(v[i])
  return out
}
const str = (v: unknown, what: string): string => {
  if (typeof v !== "string") throw new Error(`${what} is not a string`)
  return v
}
const venueOf = (v: unknown): VenueId => {
  if (!(ALL_VENUES as ReadonlyArray<unknown>).includes(v)) throw new Error("unknown venue")
  return v as VenueId
}
const SNAPSHOT_STATUSES: ReadonlyArray<unknown> = ["ok", "partial", "empty", "stale", "crossed"]

function snapshotFromLine(a: unknown): SnapshotRow {
  // 19 columns since the event log (`event_seq`); segments of an older version have 18
  if (!Array.isArray(a) || (a.length !== 18 && a.length !== 19)) throw new Error("not an 18- or 19-column row")
  const tsRecv = a[0]
  if (typeof tsRecv !== "number") throw new Error("ts_recv is not a number")
  if (!SNAPSHOT_STATUSES.includes(a[15])) throw new Error("unknown status")
  return {
    ts_recv: tsRecv, venue: venueOf(a[1]), market_id: str(a[2], "market_id"), outcome_id: str(a[3], "outcome_id"),
    seq: num(a[4]), best_bid_px: num(a[5]), best_bid_sz: num(a[6]), best_ask_px: num(a[7]), best_ask_sz: num(a[8]),
    mid: num(a[9]), spread: num(a[10]), bid_px: numList(a[11]), bid_sz: numList(a[12]), ask_px: numList(a[13]),
    ask_sz: numList(a[14]), status: a[15] as SnapshotRow["status"], err: strOrNull(a[16]), source_ts: numOrNull(a[17]),
    ...(typeof a[18] === "number" ? { event_seq: a[18] } : {})
  }
}

function tradeFromLine(a: unknown): TradeRow {
  if (!Array.isArray(a) || a.length !== 9) throw new Error("not a 9-column row")
  const tsRecv = a[0]
  if (typeof tsRecv !== "number") throw new Error("ts_recv is not a number")
  if (a[7] !== "buy" && a[7] !== "sell") throw new Error("unknown side")
  return {
    ts_recv: tsRecv, source_ts: numOrNull(a[1]), venue: venueOf(a[2]), market_id: str(a[3], "market_id"),
    outcome_id: str(a[4], "outcome_id"), price: num(a[5]), size: num(a[6]), side: a[7], trade_id: strOrNull(a[8])
  }
}



/** Event segment text as rows (tests, tools; the encoder worker decodes into an EventBatch). */
function decodeEventWalText(text: string): WalDecodeResult<EventRow> {
  const batch = new EventBatch()
  const { badLines, truncatedTail } = decodeEventWalInto(Buffer.from(text, "utf8"), batch)
  return { rows: batch.rows(), badLines, truncatedTail }
}

/** Parses one segment's text; a row per complete line. */
export function decodeWalText<D extends WalDataset>(dataset: D, text: string): WalDecodeResult<WalRow<D>> {
  if (dataset === "book_events") return decodeEventWalText(text) as WalDecodeResult<WalRow<D>>
  const fromLine = (dataset === "orderbook_snapshots" ? snapshotFromLine : tradeFromLine) as (a: unknown) => WalRow<D>
  const rows: WalRow<D>[] = []
  let badLines = 0
  let truncatedTail = false
  let start = 0
  while (start < text.length) {
    let end = text.indexOf("\n", start)
    const isLast = end === -1
    if (isLast) end = text.length
    if (end > start) {
      try {
        rows.push(fromLine(JSON.parse(text.slice(start, end))))
      } catch {
        // A last line without "\n" is an append cut short by a crash: expected, ignored.
        if (isLast) truncatedTail = true
        else badLines++
      }
    }
    start = end + 1
  }
  return { rows, badLines, truncatedTail }
}
