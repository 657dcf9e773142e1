/**
 * Event-log files (`book_events`, README "Data layout"). Designed for size: ids, kinds, sides,
 * reasons and prices are dictionary-encoded (a few hundred distinct values per bucket), the
 * times and positions that grow row by row are DELTA_BINARY_PACKED (one or two bits per row
 * when events arrive in order), and everything a kind does not use is NULL (a definition level,
 * RLE-packed to nearly nothing). The venue is the Hive folder (`venue=V`), not a column.
 */
import type { EventRow } from "../../domain/EventRow.js"
import { encodeTable, readColumns, type EncodeOptions, type TableSpec } from "./table.js"

// Statistics only where a reader prunes with them (time and position); elsewhere they cost more
// CPU than the encoding itself (bench P7).
export const EVENT_TABLE: TableSpec = [
  { name: "ts_recv", kind: "TIMESTAMP_MS", delta: true },
  { name: "event_seq", kind: "INT64", delta: true },
  { name: "kind", kind: "STRING", dictionary: true, stats: false },
  { name: "market_id", kind: "STRING", dictionary: true, stats: false },
  { name: "outcome_id", kind: "STRING", nullable: true, dictionary: true, stats: false },
  { name: "side", kind: "STRING", nullable: true, dictionary: true, stats: false },
  { name: "price", kind: "DOUBLE", nullable: true, dictionary: true, stats: false },
  { name: "size", kind: "DOUBLE", nullable: true, dictionary: true, stats: false },
  { name: "source_ts", kind: "TIMESTAMP_MS", nullable: true, delta: true, stats: false },
  { name: "venue_seq", kind: "INT64", nullable: true, delta: true, stats: false },
  { name: "trade_id", kind: "STRING", nullable: true, stats: false },
  { name: "reason", kind: "STRING", nullable: true, dictionary: true, stats: false },
  { name: "book_seq", kind: "INT64", nullable: true, delta: true, stats: false }
]

/** Rows per row group: a reader of one market streams ~100k-row groups (a few MB decoded). */
export const EVENT_ROW_GROUP_SIZE = 100_000

export function encodeEventRows(rows: ReadonlyArray<EventRow>, opts?: EncodeOptions): Uint8Array {
  return encodeTable(EVENT_TABLE, rows as unknown as ReadonlyArray<Record<string, unknown>>, { rowGroupSize: EVENT_ROW_GROUP_SIZE, ...opts })
}

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
}

export async function readEventColumns(filePath: string): Promise<EventColumns> {
  const c = await readColumns(filePath, EVENT_TABLE.map((s) => s.name))
  return { ...(c as unknown as Omit<EventColumns, "length">), length: c["ts_recv"]!.length }
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
    reason: c.reason[i] ?? null, book_seq: c.book_seq[i] ?? null
  }
}
