import type { EventKind, EventRow } from "../domain/EventRow.js"
import { bucketStart } from "../storage/paths.js"
import { bestLevels, type Ladder } from "./Ladder.js"

/**
 * The event log of one venue's books (README "Data layout", `book_events`): the BookStore and
 * the pipeline report every change here, in the order they make it, and the pipeline drains
 * the rows into the writer. Plain TypeScript on the hot path: one small object per row, no
 * Effect, no clock service call for events that carry their receive time.
 *
 * Positions: `event_seq` grows by one per event (a snapshot and its levels share one), starting
 * from `startSeq` (the collector uses its start time x 1000, so a restarted collector continues
 * above the previous run). Snapshot rows carry `position`, the last event they reflect.
 *
 * Self-contained buckets: the first row of a new `bucket_minutes` bucket is preceded by a
 * checkpoint of every subscription and every book held (ts_recv = the bucket start, event_seq =
 * the position so far), so one bucket's files rebuild any instant in it.
 */
export interface CheckpointSource {
  /** writes the checkpoint rows of every book held (see BookStore.checkpointInto) */
  checkpointInto(log: EventLog, ts: number, seq: number): void
}

/** A book's ladders as the log's list columns, best first. */
export interface BookLevels {
  readonly bidPx: ReadonlyArray<number>
  readonly bidSz: ReadonlyArray<number>
  readonly askPx: ReadonlyArray<number>
  readonly askSz: ReadonlyArray<number>
}

/**
 * Two ladders as list columns, best first. `otherIsAsk`: the second ladder is an ask ladder
 * (key = SCALE - price units); false for Kalshi's NO bids (key = price units).
 */
export const bookLevels = (bids: Ladder, other: Ladder, otherIsAsk: boolean): BookLevels => {
  const b = bestLevels(bids, bids.count, false)
  const o = bestLevels(other, other.count, otherIsAsk)
  return { bidPx: b.px, bidSz: b.sz, askPx: o.px, askSz: o.sz }
}

export interface EventLogOptions {
  readonly bucketMinutes: number
  /** current time (ms) for changes that do not come with a receive time (markers) */
  readonly now: () => number
  readonly startSeq: number
}

/** Which marker a `markStale` reason is (the texts come from the drivers and sequencing.ts). */
export const staleMarkerKind = (reason: string): EventKind => (reason.startsWith("seq gap") ? "seq_gap" : "connection_lost")

export class EventLog {
  private rows: EventRow[] = []
  private seq: number
  private bucket = -1
  private source: CheckpointSource | null = null
  /** subscriptions: market -> outcome ids (for checkpoints) */
  private readonly subs = new Map<string, Set<string>>()

  constructor(private readonly opts: EventLogOptions) {
    this.seq = opts.startSeq
  }

  attach(source: CheckpointSource): void {
    this.source = source
  }

  /** The last event_seq assigned: what a snapshot row built now reflects. */
  get position(): number {
    return this.seq
  }

  get pending(): number {
    return this.rows.length
  }

  /** Rows since the last drain, in log order. */
  drain(): EventRow[] {
    const out = this.rows
    this.rows = []
    return out
  }

  now(): number {
    return this.opts.now()
  }

  /**
   * Called before a change at `ts` touches a book: when `ts` opens a new bucket, the checkpoint
   * must show the books as they were before the change.
   */
  touch(ts: number): void {
    if (ts < this.nextBucketAt) return
    const b = bucketStart(ts, this.opts.bucketMinutes)
    // bucket_minutes divides 60, so buckets are back to back
    this.nextBucketAt = b + this.opts.bucketMinutes * 60_000
    if (b <= this.bucket) return
    const first = this.bucket === -1
    this.bucket = b
    if (first) this.push(ts, ++this.seq, "session_start", "", null, null, null, null, null, null, null, null, null)
    this.checkpoint(first ? ts : b)
  }

  private nextBucketAt = -Infinity

  /** A new event at `ts` (a checkpoint first when `ts` opens a new bucket); returns its event_seq. */
  private open(ts: number): number {
    this.touch(ts)
    return ++this.seq
  }

  private checkpoint(ts: number): void {
    const seq = this.seq
    for (const [market, outcomes] of this.subs) {
      for (const o of outcomes) this.push(ts, seq, "subscribed", market, o, null, null, null, null, null, null, null, null)
    }
    this.source?.checkpointInto(this, ts, seq)
  }

  push(
    ts: number, seq: number, kind: EventKind, market: string, outcome: string | null, side: string | null,
    price: number | null, size: number | null, sourceTs: number | null, venueSeq: number | null,
    tradeId: string | null, reason: string | null, bookSeq: number | null, levels: BookLevels | null = null
  ): void {
    this.rows.push({
      ts_recv: ts, event_seq: seq, kind, market_id: market, outcome_id: outcome, side, price, size,
      source_ts: sourceTs, venue_seq: venueSeq, trade_id: tradeId, reason, book_seq: bookSeq,
      bid_px: levels === null ? null : levels.bidPx, bid_sz: levels === null ? null : levels.bidSz,
      ask_px: levels === null ? null : levels.askPx, ask_sz: levels === null ? null : levels.askSz
    })
  }

  // ---- changes (called by the BookStore, the drivers through it, and the pipeline)

  level(ts: number, market: string, outcome: string, side: "bid" | "ask", price: number, size: number, sourceTs: number | null, venueSeq: number | null): void {
    this.push(ts, this.open(ts), "level", market, outcome, side, price, size, sourceTs, venueSeq, null, null, null)
  }

  /** A full book from the venue, with its levels (one row: the lists hold the ladders). */
  snapshot(ts: number, market: string, outcome: string | null, sourceTs: number | null, venueSeq: number | null, levels: BookLevels): void {
    this.push(ts, this.open(ts), "snapshot", market, outcome, null, null, null, sourceTs, venueSeq, null, null, null, levels)
  }

  trade(ts: number, market: string, outcome: string, price: number, size: number, side: string, tradeId: string | null, sourceTs: number | null, venueSeq: number | null): void {
    this.push(ts, this.open(ts), "trade", market, outcome, side, price, size, sourceTs, venueSeq, tradeId, null, null)
  }

  tickSize(ts: number, market: string, outcome: string, tickSize: number, sourceTs: number | null): void {
    this.push(ts, this.open(ts), "tick_size", market, outcome, null, tickSize, null, sourceTs, null, null, null, null)
  }

  marker(kind: EventKind, market: string, outcome: string | null, reason: string | null, ts: number = this.opts.now()): void {
    this.push(ts, this.open(ts), kind, market, outcome, null, null, null, null, null, null, reason, null)
  }

  subscribed(market: string, outcomes: ReadonlyArray<string>): void {
    const ts = this.opts.now()
    let set = this.subs.get(market)
    if (set === undefined) this.subs.set(market, set = new Set())
    for (const o of outcomes) {
      set.add(o)
      this.push(ts, this.open(ts), "subscribed", market, o, null, null, null, null, null, null, null, null)
    }
  }

  unsubscribed(market: string, outcomes: ReadonlyArray<string>): void {
    const ts = this.opts.now()
    const set = this.subs.get(market)
    for (const o of outcomes) {
      set?.delete(o)
      this.push(ts, this.open(ts), "unsubscribed", market, o, null, null, null, null, null, null, "unsubscribed", null)
    }
    if (set !== undefined && set.size === 0) this.subs.delete(market)
  }
}
