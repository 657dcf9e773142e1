/**
 * Event-log files (`book_events`, README "Data layout"). Designed for size: ids, kinds, sides,
 * reasons, trade ids, prices and sizes are dictionary-encoded (a few hundred to a few thousand
 * distinct values per row group), the times and positions that grow row by row are
 * DELTA_BINARY_PACKED, everything a kind does not use is NULL (a definition level, RLE-packed to
 * nearly nothing), and pages are GZIP-compressed. The venue is the Hive folder (`venue=V`), not
 * a column. Written by the event log's own encoder (eventEncoder.ts); EVENT_TABLE is the schema.
 */
import type { EventRow } from "../../domain/EventRow.js"
import * as fs from "node:fs/promises"
import { parquetMetadata } from "hyparquet"
import { EventBatch } from "./eventBatch.js"
import { EVENT_ENCODER_COLUMNS, encodeEventFile } from "./eventEncoder.js"
import { exactArrayBuffer, readColumnsFromBytes, schemaFor, type TableSpec } from "./table.js"

// The schema: names, types, nullability. How each column is encoded (dictionary, delta, which
// statistics) is eventEncoder.ts's, which writes these 17 columns itself.
export const EVENT_TABLE: TableSpec = [
  { name: "ts_recv", kind: "TIMESTAMP_MS" },
  { name: "event_seq", kind: "INT64" },
  { name: "kind", kind: "STRING" },
  { name: "market_id", kind: "STRING" },
  { name: "outcome_id", kind: "STRING", nullable: true },
  { name: "side", kind: "STRING", nullable: true },
  { name: "price", kind: "DOUBLE", nullable: true },
  { name: "size", kind: "DOUBLE", nullable: true },
  { name: "source_ts", kind: "TIMESTAMP_MS", nullable: true },
  { name: "venue_seq", kind: "INT64", nullable: true },
  { name: "trade_id", kind: "STRING", nullable: true },
  { name: "reason", kind: "STRING", nullable: true },
  { name: "book_seq", kind: "INT64", nullable: true },
  // snapshot and checkpoint rows: the ladders, best first (NULL on every other kind)
  { name: "bid_px", kind: "LIST_DOUBLE" },
  { name: "bid_sz", kind: "LIST_DOUBLE" },
  { name: "ask_px", kind: "LIST_DOUBLE" },
  { name: "ask_sz", kind: "LIST_DOUBLE" }
]

/** Rows per row group: a reader of one market reads the one or two groups holding it. */
export const EVENT_ROW_GROUP_SIZE = 10_000

/**
 * The order the rows are written in: grouped by market (markets in string order, `""` of
 * `session_start` first), each market's rows in log order. With min/max statistics on
 * `market_id`, a reader of one market reads only the row groups that can hold it (rebuild,
 * bench P9). Log order across markets is `event_seq` (readers sort by it; rows of one position
 * stay in file order). A counting sort on the market's rank: O(rows).
 */
export function marketOrder(batch: EventBatch): Int32Array {
  const n = batch.length
  // interned string -> the market's rank (-1: not a market of this batch)
  const rank = new Int32Array(batch.strings.length).fill(-1)
  const markets: number[] = []
  for (let i = 0; i < n; i++) {
    const m = batch.market[i]!
    if (rank[m] === -1) {
      rank[m] = 0
      markets.push(m)
    }
  }
  markets.sort((a, b) => (batch.strings[a]! < batch.strings[b]! ? -1 : batch.strings[a]! > batch.strings[b]! ? 1 : 0))
  for (let i = 0; i < markets.length; i++) rank[markets[i]!] = i
  const counts = new Int32Array(markets.length + 1)
  for (let i = 0; i < n; i++) counts[rank[batch.market[i]!]! + 1]!++
  for (let i = 1; i < counts.length; i++) counts[i]! += counts[i - 1]!
  const order = new Int32Array(n)
  for (let i = 0; i < n; i++) order[counts[rank[batch.market[i]!]!]!++] = i
  return order
}

const EVENT_SCHEMA = schemaFor(EVENT_TABLE)

// the encoder writes its columns in EVENT_TABLE's order: a column added to one must be added to both
if (EVENT_ENCODER_COLUMNS.join() !== EVENT_TABLE.map((c) => c.name).join()) {
  throw new Error("events.ts: EVENT_TABLE and the event encoder's columns differ")
}

/** An event file's bytes: the batch's rows in `marketOrder`. */
export function encodeEventBatch(batch: EventBatch, opts?: { readonly rowGroupSize?: number }): Uint8Array {
  return encodeEventFile(batch, marketOrder(batch), EVENT_SCHEMA, {
    rowGroupSize: opts?.rowGroupSize ?? EVENT_ROW_GROUP_SIZE,
    createdBy: "surveillance event log (hyparquet-writer 0.17.0 thrift)"
  })
}

export const encodeEventRows = (rows: ReadonlyArray<EventRow>, opts?: { readonly rowGroupSize?: number }): Uint8Array =>
  encodeEventBatch(EventBatch.fromRows(rows), opts)

/** Column arrays of an event file, row order kept (numbers: Float64Array or number | null arrays). */
export interface EventColumns {
  readonly length: number
  readonly ts_recv: ArrayLike<number>
  readonly event_seq: ArrayLike<number>
  readonly kind: ArrayLike<string>
  readonly market_id: ArrayLike<string>
  readonly outcome_id: ArrayLike<string | null>
  readonly side: ArrayLike<string | null>
  readonly price: ArrayLike<number>
  readonly size: ArrayLike<number>
  readonly source_ts: ArrayLike<number | null>
  readonly venue_seq: ArrayLike<number | null>
  readonly trade_id: ArrayLike<string | null>
  readonly reason: ArrayLike<string | null>
  readonly book_seq: ArrayLike<number | null>
  readonly bid_px: ArrayLike<ReadonlyArray<number> | null>
  readonly bid_sz: ArrayLike<ReadonlyArray<number> | null>
  readonly ask_px: ArrayLike<ReadonlyArray<number> | null>
  readonly ask_sz: ArrayLike<ReadonlyArray<number> | null>
}

export const readEventColumns = (filePath: string): Promise<EventColumns> => readEventColumnsFor(filePath, null)

/**
 * The rows of an event file that can concern `markets` (their rows and the `""` of
 * `session_start`): only the row groups whose `market_id` statistics admit one of them are read.
 * Null `markets`: the whole file. Files without statistics are read whole.
 */
export async function readEventColumnsFor(filePath: string, markets: ReadonlySet<string> | null): Promise<EventColumns> {
  return readEventColumnsFromBytes(exactArrayBuffer(await fs.readFile(filePath)), filePath, markets)
}

/** `readEventColumnsFor` over a file's bytes already in memory; `filePath` names it in errors. */
export async function readEventColumnsFromBytes(file: ArrayBuffer, filePath: string, markets: ReadonlySet<string> | null): Promise<EventColumns> {
  if (markets === null) {
    const c = await readColumnsFromBytes(file, filePath, EVENT_TABLE.map((s) => s.name))
    return { ...(c as unknown as Omit<EventColumns, "length">), length: c["ts_recv"]!.length }
  }
  const metadata = parquetMetadata(file)
  const col = metadata.schema.findIndex((e) => e.name === "market_id") - 1
  const wanted = [...markets, ""]
  const parts: EventColumns[] = []
  let rowStart = 0
  for (const rg of metadata.row_groups) {
    const rows = Number(rg.num_rows)
    const st = col >= 0 ? rg.columns[col]?.meta_data?.statistics : undefined
    const min = st?.min_value
    const max = st?.max_value
    const admits = typeof min !== "string" || typeof max !== "string" || wanted.some((m) => m >= min && m <= max)
    if (admits) {
      const c = await readColumnsFromBytes(file, filePath, EVENT_TABLE.map((s) => s.name), { rowStart, rowEnd: rowStart + rows })
      parts.push({ ...(c as unknown as Omit<EventColumns, "length">), length: c["ts_recv"]!.length })
    }
    rowStart += rows
  }
  return concatColumns(parts)
}

const concatColumns = (parts: ReadonlyArray<EventColumns>): EventColumns => {
  if (parts.length === 1) return parts[0]!
  const out: Record<string, unknown[]> = {}
  for (const c of EVENT_TABLE) {
    const all: unknown[] = []
    for (const p of parts) {
      const a = (p as unknown as Record<string, ArrayLike<unknown>>)[c.name]!
      for (let i = 0; i < a.length; i++) all.push(a[i])
    }
    out[c.name] = all
  }
  let length = 0
  for (const p of parts) length += p.length
  return { ...(out as unknown as Omit<EventColumns, "length">), length }
}

/** One row of the columns as an EventRow (NaN price/size = null). */
export function eventRowAt(c: EventColumns, i: number): EventRow {
  const price = c.price[i]!
  const size = c.size[i]!
  return {
    ts_recv: c.ts_recv[i]!, event_seq: c.event_seq[i]!, kind: c.kind[i] as EventRow["kind"], market_id: c.market_id[i]!,
    outcome_id: c.outcome_id[i] ?? null, side: c.side[i] ?? null,
    price: Number.isNaN(price) ? null : price, size: Number.isNaN(size) ? null : size,
    source_ts: c.source_ts[i] ?? null, venue_seq: c.venue_seq[i] ?? null, trade_id: c.trade_id[i] ?? null,
    reason: c.reason[i] ?? null, book_seq: c.book_seq[i] ?? null,
    bid_px: c.bid_px[i] ?? null, bid_sz: c.bid_sz[i] ?? null, ask_px: c.ask_px[i] ?? null, ask_sz: c.ask_sz[i] ?? null
  }
}
