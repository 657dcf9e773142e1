/**
 * Event-log rows column by column, in typed arrays: what the encoder worker builds straight from
 * the write-ahead text and what the event-log encoder reads. A row costs no object; strings
 * (kinds, ids, sides, reasons, trade ids) are interned once per batch and rows hold their index.
 *
 * Nulls: -1 for a string, NaN for a number (prices and sizes are never NaN: the decoders drop
 * such frames, and the files have always read a NULL price back as NaN), length -1 for a list.
 *
 * No Effect here: the encoder worker loads it.
 */
import type { EventKind, EventRow } from "../../domain/EventRow.js"

/** The four ladder columns, in file order. */
export const EVENT_LISTS = ["bid_px", "bid_sz", "ask_px", "ask_sz"] as const
export type EventListName = (typeof EVENT_LISTS)[number]

const grownF64 = (a: Float64Array, size: number): Float64Array<ArrayBuffer> => {
  const b = new Float64Array(size)
  b.set(a)
  return b
}
const grownI32 = (a: Int32Array, size: number): Int32Array<ArrayBuffer> => {
  const b = new Int32Array(size)
  b.set(a)
  return b
}

export class EventBatch {
  length = 0
  /** interned strings; columns of strings hold indexes into it */
  readonly strings: string[] = []
  private readonly ids = new Map<string, number>()

  ts = new Float64Array(0)
  seq = new Float64Array(0)
  kind = new Int32Array(0)
  market = new Int32Array(0)
  outcome = new Int32Array(0)
  side = new Int32Array(0)
  price = new Float64Array(0)
  size = new Float64Array(0)
  sourceTs = new Float64Array(0)
  venueSeq = new Float64Array(0)
  tradeId = new Int32Array(0)
  reason = new Int32Array(0)
  bookSeq = new Float64Array(0)
  /** per row and list (row * 4 + list): its length, -1 = null */
  listLen = new Int32Array(0)
  /** per row and list: where its values start in `listValues[list]` */
  listStart = new Int32Array(0)
  readonly listValues: Float64Array[] = [new Float64Array(1024), new Float64Array(1024), new Float64Array(1024), new Float64Array(1024)]
  readonly listUsed = [0, 0, 0, 0]

  constructor(capacity = 1024) {
    this.resize(Math.max(16, capacity))
  }

  private resize(cap: number): void {
    this.ts = grownF64(this.ts, cap)
    this.seq = grownF64(this.seq, cap)
    this.kind = grownI32(this.kind, cap)
    this.market = grownI32(this.market, cap)
    this.outcome = grownI32(this.outcome, cap)
    this.side = grownI32(this.side, cap)
    this.price = grownF64(this.price, cap)
    this.size = grownF64(this.size, cap)
    this.sourceTs = grownF64(this.sourceTs, cap)
    this.venueSeq = grownF64(this.venueSeq, cap)
    this.tradeId = grownI32(this.tradeId, cap)
    this.reason = grownI32(this.reason, cap)
    this.bookSeq = grownF64(this.bookSeq, cap)
    this.listLen = grownI32(this.listLen, cap * 4)
    this.listStart = grownI32(this.listStart, cap * 4)
  }

  intern(s: string): number {
    let i = this.ids.get(s)
    if (i === undefined) {
      i = this.strings.length
      this.strings.push(s)
      this.ids.set(s, i)
    }
    return i
  }

  internOrNull(s: string | null): number {
    return s === null ? -1 : this.intern(s)
  }

  /** Opens a row at the end (its fields to be set by the caller); returns its index. */
  addRow(): number {
    if (this.length === this.ts.length) this.resize(this.ts.length * 2)
    return this.length++
  }

  /** Room for `count` more values in list `list`; returns where they go. */
  reserveList(list: number, count: number): number {
    const at = this.listUsed[list]!
    const values = this.listValues[list]!
    if (at + count > values.length) this.listValues[list] = grownF64(values, Math.max(values.length * 2, at + count))
    this.listUsed[list] = at + count
    return at
  }

  /**
   * Back to an earlier end (`length` rows, `listUsed` values per list): a write-ahead line that
   * turned out bad after some of it was added.
   */
  rollback(length: number, used0: number, used1: number, used2: number, used3: number): void {
    this.length = length
    this.listUsed[0] = used0
    this.listUsed[1] = used1
    this.listUsed[2] = used2
    this.listUsed[3] = used3
  }

  pushRow(r: EventRow): void {
    const i = this.addRow()
    this.ts[i] = r.ts_recv
    this.seq[i] = r.event_seq
    this.kind[i] = this.intern(r.kind)
    this.market[i] = this.intern(r.market_id)
    this.outcome[i] = this.internOrNull(r.outcome_id)
    this.side[i] = this.internOrNull(r.side)
    this.price[i] = r.price ?? Number.NaN
    this.size[i] = r.size ?? Number.NaN
    this.sourceTs[i] = r.source_ts ?? Number.NaN
    this.venueSeq[i] = r.venue_seq ?? Number.NaN
    this.tradeId[i] = this.internOrNull(r.trade_id)
    this.reason[i] = this.internOrNull(r.reason)
    this.bookSeq[i] = r.book_seq ?? Number.NaN
    this.setList(i, 0, r.bid_px)
    this.setList(i, 1, r.bid_sz)
    this.setList(i, 2, r.ask_px)
    this.setList(i, 3, r.ask_sz)
  }

  private setList(row: number, list: number, values: ReadonlyArray<number> | null): void {
    if (values === null) {
      this.listLen[row * 4 + list] = -1
      this.listStart[row * 4 + list] = this.listUsed[list]!
      return
    }
    const at = this.reserveList(list, values.length)
    const out = this.listValues[list]!
    for (let k = 0; k < values.length; k++) out[at + k] = values[k]!
    this.listLen[row * 4 + list] = values.length
    this.listStart[row * 4 + list] = at
  }

  static fromRows(rows: ReadonlyArray<EventRow>): EventBatch {
    const b = new EventBatch(rows.length)
    for (const r of rows) b.pushRow(r)
    return b
  }

  private str(i: number): string | null {
    return i < 0 ? null : this.strings[i]!
  }

  private list(row: number, list: number): number[] | null {
    const n = this.listLen[row * 4 + list]!
    if (n < 0) return null
    const at = this.listStart[row * 4 + list]!
    return Array.from(this.listValues[list]!.subarray(at, at + n))
  }

  rowAt(i: number): EventRow {
    const num = (v: number): number | null => (Number.isNaN(v) ? null : v)
    return {
      ts_recv: this.ts[i]!, event_seq: this.seq[i]!, kind: this.strings[this.kind[i]!] as EventKind, market_id: this.strings[this.market[i]!]!,
      outcome_id: this.str(this.outcome[i]!), side: this.str(this.side[i]!), price: num(this.price[i]!), size: num(this.size[i]!),
      source_ts: num(this.sourceTs[i]!), venue_seq: num(this.venueSeq[i]!), trade_id: this.str(this.tradeId[i]!),
      reason: this.str(this.reason[i]!), book_seq: num(this.bookSeq[i]!),
      bid_px: this.list(i, 0), bid_sz: this.list(i, 1), ask_px: this.list(i, 2), ask_sz: this.list(i, 3)
    }
  }

  rows(): EventRow[] {
    const out = new Array<EventRow>(this.length)
    for (let i = 0; i < this.length; i++) out[i] = this.rowAt(i)
    return out
  }
}
