import type { SnapshotRow } from "../../src/domain/SnapshotRow.js"
import type { VenueId } from "../../src/domain/VenueId.js"

/**
 * A deliberately simple order-book model, written independently of src/collector (no shared
 * code, different data structure): each side is a Map from a 6-decimal price STRING to a
 * size, sorted on every read. It defines the expected behaviour the tests hold BookStore to:
 *
 * - outcome books (Polymarket): `replaceBook` replaces both sides (size 0 levels skipped, a
 *   repeated price keeps its last size), `setLevel` stores an absolute size (0 deletes);
 * - binary books (Kalshi): YES and NO bid maps; `applyDelta` adds a signed change (sum rounded
 *   to 8 decimals, level gone at <= 0); the YES row's asks are 1 - NO bids and vice versa;
 * - a delta for a book that never had a snapshot is ignored;
 * - `seq`: outcome books count applied snapshots/levels; binary books count applied snapshots/deltas too (Kalshi seq is per subscription, shared by markets);
 * - `source_ts`: a snapshot sets it (even to null), a delta only when it carries one;
 * - a row is `stale` (err = reason) after markStale/reset until the next snapshot, and for an
 *   unknown book ("no snapshot yet"); otherwise empty / partial / crossed (bid >= ask) / ok.
 */

type Side = Map<string, number>

interface RefOutcomeBook {
  bids: Side
  asks: Side
  seq: number
  sourceTs: number | null
  stale: string | null
}

interface RefBinaryBook {
  yes: Side
  no: Side
  seq: number
  sourceTs: number | null
  stale: string | null
}

const key = (price: number): string => price.toFixed(6)
const roundTo = (x: number, decimals: number): number => Number(x.toFixed(decimals))

const fill = (side: Side, levels: ReadonlyArray<readonly [number, number]>) => {
  side.clear()
  for (const [p, s] of levels) {
    if (s > 0) side.set(key(p), s)
    else side.delete(key(p))
  }
}

export class ReferenceBooks {
  /** market -> outcome -> book */
  private readonly outcomeBooks = new Map<string, Map<string, RefOutcomeBook>>()
  private readonly binaryBooks = new Map<string, RefBinaryBook>()

  constructor(readonly venue: VenueId, readonly topK: number) {}

  replaceBook(
    market: string,
    outcome: string,
    bids: ReadonlyArray<readonly [number, number]>,
    asks: ReadonlyArray<readonly [number, number]>,
    sourceTs: number | null
  ): void {
    const books = this.outcomeBooks.get(market) ?? new Map<string, RefOutcomeBook>()
    const book = books.get(outcome) ?? { bids: new Map(), asks: new Map(), seq: 0, sourceTs: null, stale: null }
    fill(book.bids, bids)
    fill(book.asks, asks)
    book.seq += 1
    book.sourceTs = sourceTs
    book.stale = null
    books.set(outcome, book)
    this.outcomeBooks.set(market, books)
  }

  setLevel(market: string, outcome: string, side: "bid" | "ask", price: number, size: number, sourceTs: number | null): void {
    const book = this.outcomeBooks.get(market)?.get(outcome)
    if (!book) return
    const m = side === "bid" ? book.bids : book.asks
    if (size > 0) m.set(key(price), size)
    else m.delete(key(price))
    book.seq += 1
    if (sourceTs !== null) book.sourceTs = sourceTs
  }

  replaceBinary(
    market: string,
    yes: ReadonlyArray<readonly [number, number]>,
    no: ReadonlyArray<readonly [number, number]>,
    seq: number,
    sourceTs: number | null
  ): void {
    const book = this.binaryBooks.get(market) ?? { yes: new Map(), no: new Map(), seq: 0, sourceTs: null, stale: null }
    fill(book.yes, yes)
    fill(book.no, no)
    book.seq += 1
    book.sourceTs = sourceTs
    book.stale = null
    this.binaryBooks.set(market, book)
  }

  applyDelta(market: string, outcome: "yes" | "no", price: number, delta: number, seq: number, sourceTs: number | null): void {
    const book = this.binaryBooks.get(market)
    if (!book) return
    const m = outcome === "yes" ? book.yes : book.no
    const next = roundTo((m.get(key(price)) ?? 0) + delta, 8)
    if (next > 0) m.set(key(price), next)
    else m.delete(key(price))
    book.seq += 1
    if (sourceTs !== null) book.sourceTs = sourceTs
  }

  /** Outcomes held for a market, in no particular order (Kalshi: yes, no). */
  outcomesOf(market: string): string[] {
    if (this.binaryBooks.has(market)) return ["yes", "no"]
    return [...(this.outcomeBooks.get(market)?.keys() ?? [])]
  }

  markStale(market: string, reason: string): void {
    const b = this.binaryBooks.get(market)
    if (b) b.stale = reason
    for (const book of this.outcomeBooks.get(market)?.values() ?? []) book.stale = reason
  }

  reset(market: string, reason: string): void {
    const b = this.binaryBooks.get(market)
    if (b) {
      b.yes.clear()
      b.no.clear()
      b.stale = reason
    }
    for (const book of this.outcomeBooks.get(market)?.values() ?? []) {
      book.bids.clear()
      book.asks.clear()
      book.stale = reason
    }
  }

  drop(market: string): void {
    this.binaryBooks.delete(market)
    this.outcomeBooks.delete(market)
  }

  /** Every (market, outcome) pair this model holds, Kalshi as yes + no. */
  books(): Array<[string, string]> {
    const out: Array<[string, string]> = []
    for (const [m, books] of this.outcomeBooks) for (const o of books.keys()) out.push([m, o])
    for (const m of this.binaryBooks.keys()) out.push([m, "yes"], [m, "no"])
    return out
  }

  row(market: string, outcome: string, tsRecv: number): SnapshotRow {
    let bids: Array<[number, number]> = []
    let asks: Array<[number, number]> = []
    let seq = 0
    let sourceTs: number | null = null
    let stale: string | null = "no snapshot yet"
    const binary = this.binaryBooks.get(market)
    const book = this.outcomeBooks.get(market)?.get(outcome)
    if (binary && (outcome === "yes" || outcome === "no")) {
      const own = outcome === "yes" ? binary.yes : binary.no
      const other = outcome === "yes" ? binary.no : binary.yes
      bids = [...own].map(([p, s]) => [Number(p), s])
      asks = [...other].map(([p, s]) => [roundTo(1 - Number(p), 6), s])
      seq = binary.seq
      sourceTs = binary.sourceTs
      stale = binary.stale
    } else if (book) {
      bids = [...book.bids].map(([p, s]) => [Number(p), s])
      asks = [...book.asks].map(([p, s]) => [Number(p), s])
      seq = book.seq
      sourceTs = book.sourceTs
      stale = book.stale
    }
    bids.sort((a, b) => b[0] - a[0])
    asks.sort((a, b) => a[0] - b[0])
    bids = bids.slice(0, this.topK)
    asks = asks.slice(0, this.topK)
    const bb = bids[0]
    const ba = asks[0]
    let status: SnapshotRow["status"]
    if (stale !== null) status = "stale"
    else if (!bb && !ba) status = "empty"
    else if (!bb || !ba) status = "partial"
    else if (bb[0] >= ba[0]) status = "crossed"
    else status = "ok"
    return {
      ts_recv: tsRecv,
      venue: this.venue,
      market_id: market,
      outcome_id: outcome,
      seq,
      best_bid_px: bb ? bb[0] : NaN,
      best_bid_sz: bb ? bb[1] : 0,
      best_ask_px: ba ? ba[0] : NaN,
      best_ask_sz: ba ? ba[1] : 0,
      mid: bb && ba ? roundTo((bb[0] + ba[0]) / 2, 7) : NaN,
      spread: bb && ba ? roundTo(ba[0] - bb[0], 6) : NaN,
      bid_px: bids.map((l) => l[0]),
      bid_sz: bids.map((l) => l[1]),
      ask_px: asks.map((l) => l[0]),
      ask_sz: asks.map((l) => l[1]),
      status,
      err: stale,
      source_ts: sourceTs
    }
  }
}
