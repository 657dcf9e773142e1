import type { BookEvent, Ladder as EventLadder, TradeEvent } from "../domain/BookEvent.js"
import type { SnapshotRow } from "../domain/SnapshotRow.js"
import type { VenueId } from "../domain/VenueId.js"
import { Ladder, PRICE_SCALE, priceToUnits } from "./Ladder.js"
import { buildSnapshotRow } from "./buildSnapshotRow.js"
import { bookLevels, type EventLog, staleMarkerKind } from "./EventLog.js"

/**
 * In-memory order books of one venue, per (marketId, outcomeId). Plain TypeScript: the
 * collector calls `apply` for every decoded event inside one fiber and `snapshotRow` when a
 * book is due. Nothing here allocates per update except when a ladder grows.
 *
 * Two kinds of market entry:
 * - outcome books (Polymarket): one bid + one ask ladder per token (outcomeId = token id);
 * - binary books (Kalshi): one YES-bid and one NO-bid ladder per market; the "yes" row reads
 *   (YES bids, NO bids as asks) and the "no" row reads (NO bids, YES bids as asks), because
 *   YES ask = 1 - NO bid and NO ask = 1 - YES bid (docs/PROTOCOLS.md: Kalshi publishes bids only).
 *
 * Trust: a book is "confirmed" only after a full snapshot. Until then (new book, after
 * `resetMarket`) and after `markStale` its rows are `stale` with `err` saying why; the next
 * snapshot of that book clears it. Deltas for a book that never had a snapshot are ignored
 * (counted): a delta without its base cannot be placed, and ignoring keeps late messages for
 * dropped markets from re-creating them.
 */

export const NO_SNAPSHOT_YET = "no snapshot yet"
export const AWAITING_RESYNC = "reset: awaiting fresh snapshot"
/** `reason` of the `unsubscribed` marker that frees a book (a subscription's end has "unsubscribed") */
export const BOOK_FREED = "book freed"

interface BookState {
  seq: number
  sourceTs: number | null
  /** null = trusted; otherwise why rows are stale */
  staleReason: string | null
}

interface OutcomeBook extends BookState {
  readonly bids: Ladder
  readonly asks: Ladder
}

interface OutcomeMarket {
  readonly kind: "outcomes"
  readonly books: Map<string, OutcomeBook>
}

interface BinaryMarket extends BookState {
  readonly kind: "binary"
  readonly yes: Ladder
  readonly no: Ladder
  /** Kalshi subscription id whose seq this book follows (for gap -> markets lookup) */
  sid: number
}

type MarketEntry = OutcomeMarket | BinaryMarket

export interface BookStoreOptions {
  readonly venue: VenueId
  readonly topK: number
  /** the event log every change is reported to (src/books/EventLog.ts); none = not logged */
  readonly log?: EventLog | null
}

export interface BookStoreCounters {
  /** events that changed depth */
  applied: number
  /** deltas for books without a snapshot (ignored) */
  ignoredDeltas: number
  /** levels or deltas with a price outside 0..1 or a bad size */
  rejectedLevels: number
}

const EMPTY_LADDER = new Ladder()

export class BookStore {
  readonly venue: VenueId
  readonly topK: number
  readonly counters: BookStoreCounters = { applied: 0, ignoredDeltas: 0, rejectedLevels: 0 }
  private readonly markets = new Map<string, MarketEntry>()
  private readonly log: EventLog | null

  constructor(opts: BookStoreOptions) {
    this.venue = opts.venue
    this.topK = Math.max(1, Math.floor(opts.topK))
    this.log = opts.log ?? null
    this.log?.attach(this)
  }

  /** Number of markets held. */
  get size(): number {
    return this.markets.size
  }

  /** Number of (market, outcome) books, i.e. rows per snapshot round (a Kalshi market is 2). */
  get bookCount(): number {
    let n = 0
    for (const m of this.markets.values()) n += m.kind === "binary" ? 2 : m.books.size
    return n
  }

  has(marketId: string): boolean {
    return this.markets.has(marketId)
  }

  /** A Kalshi-style market (one YES and one NO bid ladder). */
  isBinary(marketId: string): boolean {
    return this.markets.get(marketId)?.kind === "binary"
  }

  /** Apply one decoded event. Trades, tick-size changes and seq-only replies never touch depth. */
  apply(ev: BookEvent, recvTs: number): void {
    const log = this.log
    log?.touch(recvTs)
    switch (ev.kind) {
      case "level_set": {
        const m = this.markets.get(ev.marketId)
        const book = m !== undefined && m.kind === "outcomes" ? m.books.get(ev.outcomeId) : undefined
        if (book === undefined) {
          this.counters.ignoredDeltas++
          return
        }
        const units = priceToUnits(ev.price)
        if (units < 0 || !(ev.size >= 0)) {
          this.counters.rejectedLevels++
          return
        }
        if (ev.side === "bid") book.bids.set(units, ev.size)
        else book.asks.set(PRICE_SCALE - units, ev.size)
        book.seq++
        if (ev.sourceTs !== null) book.sourceTs = ev.sourceTs
        this.counters.applied++
        log?.level(recvTs, ev.marketId, ev.outcomeId, ev.side, units / PRICE_SCALE, ev.size, ev.sourceTs, null)
        return
      }
      case "binary_delta": {
        const m = this.markets.get(ev.marketId)
        if (m === undefined || m.kind !== "binary") {
          this.counters.ignoredDeltas++
          return
        }
        const units = priceToUnits(ev.price)
        if (units < 0 || !Number.isFinite(ev.delta)) {
          this.counters.rejectedLevels++
          return
        }
        const ladder = ev.outcome === "yes" ? m.yes : m.no
        ladder.add(units, ev.delta)
        // `seq` counts venue updates applied to THIS book. Kalshi's own seq is per subscription
        // (shared by every market on the sid), so storing it would credit one market with the
        // activity of all the others (the miner's update_count sums seq increments).
        m.seq++
        m.sid = ev.sid
        if (ev.sourceTs !== null) m.sourceTs = ev.sourceTs
        this.counters.applied++
        // the log keeps the level's new size (what a reader sets), not the venue's signed change
        if (log !== null) log.level(recvTs, ev.marketId, ev.outcome, "bid", units / PRICE_SCALE, ladder.sizeAt(units), ev.sourceTs, ev.seq)
        return
      }
      case "snapshot": {
        let m = this.markets.get(ev.marketId)
        if (m === undefined || m.kind !== "outcomes") {
          m = { kind: "outcomes", books: new Map() }
          this.markets.set(ev.marketId, m)
        }
        let book = m.books.get(ev.outcomeId)
        if (book === undefined) {
          book = { bids: new Ladder(), asks: new Ladder(), seq: 0, sourceTs: null, staleReason: null }
          m.books.set(ev.outcomeId, book)
        }
        this.replaceSide(book.bids, ev.bids, false)
        this.replaceSide(book.asks, ev.asks, true)
        book.seq++
        book.sourceTs = ev.sourceTs
        book.staleReason = null
        this.counters.applied++
        if (log !== null) {
          // the levels as the book holds them (validated, deduplicated), best first
          log.snapshot(recvTs, ev.marketId, ev.outcomeId, ev.sourceTs, null, bookLevels(book.bids, book.asks, true))
        }
        return
      }
      case "binary_snapshot": {
        let m = this.markets.get(ev.marketId)
        if (m === undefined || m.kind !== "binary") {
          m = { kind: "binary", yes: new Ladder(), no: new Ladder(), seq: 0, sourceTs: null, staleReason: null, sid: ev.sid }
          this.markets.set(ev.marketId, m)
        }
        // both Kalshi ladders are bid ladders: key = price units
        this.replaceSide(m.yes, ev.yesBids, false)
        this.replaceSide(m.no, ev.noBids, false)
        m.seq++
        m.sid = ev.sid
        m.sourceTs = ev.sourceTs
        m.staleReason = null
        this.counters.applied++
        if (log !== null) {
          log.snapshot(recvTs, ev.marketId, null, ev.sourceTs, ev.seq, bookLevels(m.yes, m.no, false))
        }
        return
      }
      case "tick_size":
        log?.tickSize(recvTs, ev.marketId, ev.outcomeId, ev.tickSize, ev.sourceTs)
        return
      default:
        return
    }
  }

  private replaceSide(ladder: Ladder, side: EventLadder, asAsk: boolean): void {
    this.counters.rejectedLevels += ladder.replace(side.prices, side.sizes, asAsk)
  }

  /** One row for (marketId, outcomeId). A book we do not hold yields a `stale` row, never a throw. */
  snapshotRow(marketId: string, outcomeId: string, tsRecv: number): SnapshotRow {
    const m = this.markets.get(marketId)
    if (m !== undefined) {
      if (m.kind === "binary") {
        if (outcomeId === "yes") return this.binaryRow(m, marketId, "yes", tsRecv)
        if (outcomeId === "no") return this.binaryRow(m, marketId, "no", tsRecv)
      } else {
        const b = m.books.get(outcomeId)
        if (b !== undefined) {
          return buildSnapshotRow(this.venue, marketId, outcomeId, tsRecv, b.bids, b.asks, this.topK, b.seq, b.sourceTs, b.staleReason, this.position())
        }
      }
    }
    return buildSnapshotRow(this.venue, marketId, outcomeId, tsRecv, EMPTY_LADDER, EMPTY_LADDER, this.topK, 0, null, NO_SNAPSHOT_YET, this.position())
  }

  /**
   * Rows of every book of a market held here (Polymarket: each token seen; Kalshi: "yes"
   * then "no"). Returns how many rows were pushed.
   */
  rowsForMarket(marketId: string, tsRecv: number, out: SnapshotRow[]): number {
    const m = this.markets.get(marketId)
    if (m === undefined) return 0
    if (m.kind === "binary") {
      out.push(this.binaryRow(m, marketId, "yes", tsRecv), this.binaryRow(m, marketId, "no", tsRecv))
      return 2
    }
    for (const [outcomeId, b] of m.books) {
      out.push(buildSnapshotRow(this.venue, marketId, outcomeId, tsRecv, b.bids, b.asks, this.topK, b.seq, b.sourceTs, b.staleReason, this.position()))
    }
    return m.books.size
  }

  private binaryRow(m: BinaryMarket, marketId: string, outcome: "yes" | "no", tsRecv: number): SnapshotRow {
    const bids = outcome === "yes" ? m.yes : m.no
    const asks = outcome === "yes" ? m.no : m.yes
    return buildSnapshotRow(this.venue, marketId, outcome, tsRecv, bids, asks, this.topK, m.seq, m.sourceTs, m.staleReason, this.position())
  }

  /** The event-log position rows built now reflect; null without a log. */
  private position(): number | null {
    return this.log === null ? null : this.log.position
  }

  /** Rows of this market are `stale` (err = reason) until its next snapshot. Unknown markets: no-op. */
  markStale(marketId: string, reason: string): void {
    const m = this.markets.get(marketId)
    if (m === undefined) return
    this.log?.marker(staleMarkerKind(reason), marketId, null, reason)
    if (m.kind === "binary") m.staleReason = reason
    else for (const b of m.books.values()) b.staleReason = reason
  }

  /**
   * One outcome book only (a Polymarket asset that went silent while its sibling flows).
   * For a Kalshi market both rows share one book, so this marks the market.
   */
  markOutcomeStale(marketId: string, outcomeId: string, reason: string): void {
    const m = this.markets.get(marketId)
    if (m === undefined) return
    this.log?.marker(staleMarkerKind(reason), marketId, m.kind === "binary" ? null : outcomeId, reason)
    if (m.kind === "binary") m.staleReason = reason
    else {
      const b = m.books.get(outcomeId)
      if (b !== undefined) b.staleReason = reason
    }
  }

  markAllStale(reason: string): void {
    for (const id of this.markets.keys()) this.markStale(id, reason)
  }

  /**
   * Forget the levels of a market (reconnect / resubscribe): rows are `stale` with empty
   * ladders until a fresh snapshot, so no ghost level survives a reconnect. `seq` counters and
   * the entry itself are kept (the market is still subscribed).
   */
  resetMarket(marketId: string, reason: string = AWAITING_RESYNC): void {
    const m = this.markets.get(marketId)
    if (m === undefined) return
    this.log?.marker("resync", marketId, null, reason)
    if (m.kind === "binary") {
      m.yes.clear()
      m.no.clear()
      m.staleReason = reason
    } else {
      for (const b of m.books.values()) {
        b.bids.clear()
        b.asks.clear()
        b.staleReason = reason
      }
    }
  }

  resetAll(reason: string = AWAITING_RESYNC): void {
    for (const id of this.markets.keys()) this.resetMarket(id, reason)
  }

  /** Free everything held for a market (unsubscribed). */
  drop(marketId: string): void {
    // logged before the change: a checkpoint it opens must still hold the book
    if (this.markets.has(marketId)) this.log?.marker("unsubscribed", marketId, null, BOOK_FREED)
    this.markets.delete(marketId)
  }

  /** Free one outcome book (a Polymarket token unsubscribed alone); the market goes with its last book. */
  dropOutcome(marketId: string, outcomeId: string): void {
    const m = this.markets.get(marketId)
    if (m === undefined) return
    if (m.kind === "binary") {
      this.log?.marker("unsubscribed", marketId, null, BOOK_FREED)
      this.markets.delete(marketId)
      return
    }
    if (m.books.has(outcomeId)) this.log?.marker("unsubscribed", marketId, outcomeId, BOOK_FREED)
    m.books.delete(outcomeId)
    if (m.books.size === 0) this.markets.delete(marketId)
  }

  /** Markets whose Kalshi book follows subscription `sid` (scan: used only on a seq gap). */
  marketsWithSid(sid: number): string[] {
    const out: string[] = []
    for (const [id, m] of this.markets) if (m.kind === "binary" && m.sid === sid) out.push(id)
    return out
  }

  marketIds(): IterableIterator<string> {
    return this.markets.keys()
  }

  // ---- event log: notes from the drivers, checkpoints, and the replay side (src/replay/rebuild.ts)

  /** A decoded trade (trades never touch depth; the log keeps every one, repeats included). */
  noteTrade(ev: TradeEvent, recvTs: number): void {
    this.log?.trade(recvTs, ev.marketId, ev.outcomeId, ev.price, ev.size, ev.side, ev.tradeId, ev.sourceTs, ev.seq ?? null)
  }

  /** The watchdog asked the venue again for `marketId` (outcome null = all of it); the book is kept. */
  noteResubscribe(marketId: string, outcomeId: string | null): void {
    this.log?.marker("resubscribed", marketId, outcomeId, null)
  }

  /** Every book as a checkpoint row (EventLog.ts), its levels in the row's lists. */
  checkpointInto(log: EventLog, ts: number, seq: number): void {
    for (const [marketId, m] of this.markets) {
      if (m.kind === "binary") {
        log.push(ts, seq, "checkpoint", marketId, null, null, null, null, m.sourceTs, null, null, m.staleReason, m.seq, bookLevels(m.yes, m.no, false))
      } else {
        for (const [outcomeId, b] of m.books) {
          log.push(ts, seq, "checkpoint", marketId, outcomeId, null, null, null, b.sourceTs, null, null, b.staleReason, b.seq, bookLevels(b.bids, b.asks, true))
        }
      }
    }
  }

  /** Replay: a book exactly as a checkpoint recorded it (levels as given, no counters bumped). */
  restoreOutcomeBook(marketId: string, outcomeId: string, bids: EventLadder, asks: EventLadder, seq: number, sourceTs: number | null, staleReason: string | null): void {
    let m = this.markets.get(marketId)
    if (m === undefined || m.kind !== "outcomes") {
      m = { kind: "outcomes", books: new Map() }
      this.markets.set(marketId, m)
    }
    const book: OutcomeBook = { bids: new Ladder(), asks: new Ladder(), seq, sourceTs, staleReason }
    book.bids.replace(bids.prices, bids.sizes, false)
    book.asks.replace(asks.prices, asks.sizes, true)
    m.books.set(outcomeId, book)
  }

  restoreBinaryBook(marketId: string, yesBids: EventLadder, noBids: EventLadder, seq: number, sourceTs: number | null, staleReason: string | null): void {
    const m: BinaryMarket = { kind: "binary", yes: new Ladder(), no: new Ladder(), seq, sourceTs, staleReason, sid: 0 }
    m.yes.replace(yesBids.prices, yesBids.sizes, false)
    m.no.replace(noBids.prices, noBids.sizes, false)
    this.markets.set(marketId, m)
  }

  /** Replay of a binary level row: the new size at a price (what the live delta left), counted like the delta. */
  setBinaryLevel(marketId: string, outcome: "yes" | "no", price: number, size: number, sourceTs: number | null): void {
    const m = this.markets.get(marketId)
    if (m === undefined || m.kind !== "binary") return
    ;(outcome === "yes" ? m.yes : m.no).set(priceToUnits(price), size)
    m.seq++
    if (sourceTs !== null) m.sourceTs = sourceTs
  }
}
