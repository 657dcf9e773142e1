import { describe, expect, it } from "@effect/vitest"
import { AWAITING_RESYNC, BookStore, NO_SNAPSHOT_YET } from "../../src/books/BookStore.js"
import { Ladder, PRICE_SCALE } from "../../src/books/Ladder.js"
import type { BookEvent } from "../../src/domain/BookEvent.js"

const book = (outcomeId: string, bids: Array<[number, number]>, asks: Array<[number, number]>, sourceTs: number | null = 1): BookEvent => ({
  kind: "snapshot",
  marketId: "M",
  outcomeId,
  bids: { prices: bids.map((l) => l[0]), sizes: bids.map((l) => l[1]) },
  asks: { prices: asks.map((l) => l[0]), sizes: asks.map((l) => l[1]) },
  sourceTs
})
const level = (outcomeId: string, side: "bid" | "ask", price: number, size: number, sourceTs: number | null = null): BookEvent =>
  ({ kind: "level_set", marketId: "M", outcomeId, side, price, size, sourceTs })
const kSnap = (yes: Array<[number, number]>, no: Array<[number, number]>, seq = 1, sid = 7): BookEvent => ({
  kind: "binary_snapshot", marketId: "K", sid, seq, sourceTs: null,
  yesBids: { prices: yes.map((l) => l[0]), sizes: yes.map((l) => l[1]) },
  noBids: { prices: no.map((l) => l[0]), sizes: no.map((l) => l[1]) }
})
const kDelta = (outcome: "yes" | "no", price: number, delta: number, seq: number, sourceTs: number | null = null): BookEvent =>
  ({ kind: "binary_delta", marketId: "K", outcome, price, delta, sid: 7, seq, sourceTs })

describe("BookStore (Polymarket outcome books)", () => {
  it("replaces on snapshot and sorts worst-first venue levels: bids descending, asks ascending", () => {
    const s = new BookStore({ venue: "polymarket", topK: 50 })
    s.apply(book("T", [[0.01, 5], [0.48, 1], [0.49, 2]], [[0.99, 3], [0.52, 4], [0.51, 6]], 1000), 0)
    const r = s.snapshotRow("M", "T", 5)
    expect(r).toMatchObject({
      ts_recv: 5, venue: "polymarket", market_id: "M", outcome_id: "T", seq: 1,
      bid_px: [0.49, 0.48, 0.01], bid_sz: [2, 1, 5], ask_px: [0.51, 0.52, 0.99], ask_sz: [6, 4, 3],
      best_bid_px: 0.49, best_bid_sz: 2, best_ask_px: 0.51, best_ask_sz: 6, mid: 0.5, spread: 0.02,
      status: "ok", err: null, source_ts: 1000
    })
    s.apply(book("T", [[0.3, 1]], [], 2000), 0)
    expect(s.snapshotRow("M", "T", 6)).toMatchObject({ bid_px: [0.3], ask_px: [], status: "partial", seq: 2, source_ts: 2000 })
  })

  it("sets absolute sizes, removes a level on size 0 and counts applied updates in seq", () => {
    const s = new BookStore({ venue: "polymarket", topK: 10 })
    s.apply(book("T", [[0.4, 10]], [[0.6, 10]]), 0)
    s.apply(level("T", "bid", 0.45, 3, 77), 0)
    s.apply(level("T", "bid", 0.4, 0), 0)
    s.apply(level("T", "ask", 0.55, 8), 0)
    s.apply(level("T", "ask", 0.55, 9), 0)
    s.apply(level("T", "ask", 0.7, 0), 0) // removing an absent level is a no-op
    expect(s.snapshotRow("M", "T", 0)).toMatchObject({
      bid_px: [0.45], bid_sz: [3], ask_px: [0.55, 0.6], ask_sz: [9, 10], seq: 6, source_ts: 77, status: "ok"
    })
  })

  it("treats two spellings of a price and 0.001 ticks as exact grid levels", () => {
    const s = new BookStore({ venue: "polymarket", topK: 10 })
    s.apply(book("T", [[0.001, 1], [0.002, 2]], [[0.003, 4]]), 0)
    s.apply(level("T", "bid", Number(".002"), 5), 0)
    s.apply(level("T", "bid", Number("0.0010"), 0), 0)
    const r = s.snapshotRow("M", "T", 0)
    expect(r).toMatchObject({ bid_px: [0.002], bid_sz: [5], ask_px: [0.003], spread: 0.001, mid: 0.0025 })
  })

  it("never lets trades or tick-size changes touch depth or seq", () => {
    const s = new BookStore({ venue: "polymarket", topK: 10 })
    s.apply(book("T", [[0.4, 10]], [[0.6, 10]]), 0)
    const before = s.snapshotRow("M", "T", 0)
    s.apply({ kind: "trade", marketId: "M", outcomeId: "T", price: 0.6, size: 10, side: "buy", tradeId: null, sourceTs: 9 }, 0)
    s.apply({ kind: "tick_size", marketId: "M", outcomeId: "T", tickSize: 0.001, sourceTs: 9 }, 0)
    s.apply({ kind: "seq_only", sid: 1, seq: 2 }, 0)
    expect(s.snapshotRow("M", "T", 0)).toEqual(before)
  })

  it("marks crossed and locked books crossed, with mid and spread still computed", () => {
    const s = new BookStore({ venue: "polymarket", topK: 10 })
    s.apply(book("T", [[0.5, 1]], [[0.5, 1]]), 0)
    expect(s.snapshotRow("M", "T", 0)).toMatchObject({ status: "crossed", spread: 0, mid: 0.5 })
    s.apply(level("T", "bid", 0.52, 1), 0)
    expect(s.snapshotRow("M", "T", 0)).toMatchObject({ status: "crossed", spread: -0.02, mid: 0.51 })
    s.apply(level("T", "bid", 0.52, 0), 0)
    s.apply(level("T", "bid", 0.5, 0), 0)
    expect(s.snapshotRow("M", "T", 0)).toMatchObject({ status: "partial", mid: NaN, spread: NaN, best_bid_px: NaN, best_bid_sz: 0 })
  })

  it("writes at most top_k levels per side", () => {
    const s = new BookStore({ venue: "polymarket", topK: 3 })
    const bids: Array<[number, number]> = []
    const asks: Array<[number, number]> = []
    for (let i = 1; i <= 40; i++) {
      bids.push([i / 100, i])
      asks.push([(50 + i) / 100, i])
    }
    s.apply(book("T", bids, asks), 0)
    const r = s.snapshotRow("M", "T", 0)
    expect(r.bid_px).toEqual([0.4, 0.39, 0.38])
    expect(r.ask_px).toEqual([0.51, 0.52, 0.53])
    expect(r.bid_sz.length).toBe(3)
    expect(r.ask_sz).toEqual([1, 2, 3])
  })

  it("ignores deltas for a book that never had a snapshot and reports unknown books as stale", () => {
    const s = new BookStore({ venue: "polymarket", topK: 10 })
    s.apply(level("T", "bid", 0.4, 1), 0)
    expect(s.size).toBe(0)
    expect(s.counters.ignoredDeltas).toBe(1)
    expect(s.snapshotRow("M", "T", 3)).toMatchObject({ status: "stale", err: NO_SNAPSHOT_YET, seq: 0, bid_px: [], source_ts: null })
  })

  it("keeps a book stale after markStale until its next snapshot, per outcome", () => {
    const s = new BookStore({ venue: "polymarket", topK: 10 })
    s.apply(book("A", [[0.4, 1]], [[0.6, 1]]), 0)
    s.apply(book("B", [[0.4, 1]], [[0.6, 1]]), 0)
    s.markStale("M", "connection down")
    s.apply(level("A", "bid", 0.41, 1), 0)
    expect(s.snapshotRow("M", "A", 0)).toMatchObject({ status: "stale", err: "connection down", bid_px: [0.41, 0.4] })
    s.apply(book("A", [[0.3, 1]], [[0.6, 1]]), 0)
    expect(s.snapshotRow("M", "A", 0)).toMatchObject({ status: "ok", err: null })
    expect(s.snapshotRow("M", "B", 0)).toMatchObject({ status: "stale", err: "connection down" })
    s.markAllStale("shutdown")
    expect(s.snapshotRow("M", "A", 0).err).toBe("shutdown")
  })

  it("clears levels on resetMarket so no ghost level survives a reconnect", () => {
    const s = new BookStore({ venue: "polymarket", topK: 10 })
    s.apply(book("A", [[0.4, 1], [0.39, 2]], [[0.6, 1]]), 0)
    s.resetMarket("M")
    expect(s.snapshotRow("M", "A", 0)).toMatchObject({ status: "stale", err: AWAITING_RESYNC, bid_px: [], ask_px: [] })
    s.apply(book("A", [[0.45, 1]], []), 0)
    expect(s.snapshotRow("M", "A", 0)).toMatchObject({ status: "partial", bid_px: [0.45], ask_px: [], err: null })
  })

  it("marks and drops a single outcome book, the market going with its last book", () => {
    const s = new BookStore({ venue: "polymarket", topK: 10 })
    s.apply(book("A", [[0.4, 1]], [[0.6, 1]]), 0)
    s.apply(book("B", [[0.4, 1]], [[0.6, 1]]), 0)
    s.markOutcomeStale("M", "A", "asset silent")
    expect(s.snapshotRow("M", "A", 0)).toMatchObject({ status: "stale", err: "asset silent" })
    expect(s.snapshotRow("M", "B", 0).status).toBe("ok")
    s.dropOutcome("M", "A")
    expect(s.bookCount).toBe(1)
    s.dropOutcome("M", "B")
    expect(s.size).toBe(0)
  })

  it("frees a market on drop", () => {
    const s = new BookStore({ venue: "polymarket", topK: 10 })
    s.apply(book("A", [[0.4, 1]], [[0.6, 1]]), 0)
    s.apply(book("B", [[0.4, 1]], [[0.6, 1]]), 0)
    expect(s.bookCount).toBe(2)
    s.drop("M")
    expect(s.size).toBe(0)
    expect(s.bookCount).toBe(0)
    s.apply(level("A", "bid", 0.4, 1), 0)
    expect(s.size).toBe(0)
  })
})

describe("BookStore (Kalshi binary books)", () => {
  it("derives YES asks from NO bids and NO asks from YES bids, one row per outcome", () => {
    const s = new BookStore({ venue: "kalshi", topK: 10 })
    s.apply(kSnap([[0.35, 200], [0.42, 13]], [[0.54, 400], [0.56, 17]]), 0)
    const rows: Array<ReturnType<BookStore["snapshotRow"]>> = []
    expect(s.rowsForMarket("K", 9, rows)).toBe(2)
    expect(rows[0]).toMatchObject({
      outcome_id: "yes", bid_px: [0.42, 0.35], bid_sz: [13, 200], ask_px: [0.44, 0.46], ask_sz: [17, 400],
      best_bid_px: 0.42, best_ask_px: 0.44, mid: 0.43, spread: 0.02, status: "ok", seq: 1
    })
    expect(rows[1]).toMatchObject({
      outcome_id: "no", bid_px: [0.56, 0.54], bid_sz: [17, 400], ask_px: [0.58, 0.65], ask_sz: [13, 200],
      mid: 0.57, spread: 0.02, status: "ok"
    })
  })

  it("sums signed deltas, removes a level at <= 0, tracks the last seq and source_ts", () => {
    const s = new BookStore({ venue: "kalshi", topK: 10 })
    s.apply(kSnap([[0.47, 100]], [[0.5, 200]], 1), 0)
    s.apply(kDelta("yes", 0.47, -40, 2, 1000), 0)
    s.apply(kDelta("no", 0.5, -200, 3), 0)
    s.apply(kDelta("no", 0.52, 5.5, 4), 0)
    s.apply(kDelta("yes", 0.3, -1, 5), 0) // negative on an absent level leaves nothing
    s.apply(kDelta("yes", 0.1, 0.1, 6), 0)
    s.apply(kDelta("yes", 0.1, 0.2, 7), 0)
    s.apply(kDelta("yes", 0.1, -0.3, 8), 0) // float residue must not keep a ghost level
    expect(s.snapshotRow("K", "yes", 0)).toMatchObject({ bid_px: [0.47], bid_sz: [60], ask_px: [0.48], ask_sz: [5.5], seq: 8, source_ts: 1000 })
  })

  it("flags a crossed binary book (YES bid + NO bid >= 1) on both rows", () => {
    const s = new BookStore({ venue: "kalshi", topK: 10 })
    s.apply(kSnap([[0.6, 1]], [[0.4, 1]]), 0)
    expect(s.snapshotRow("K", "yes", 0)).toMatchObject({ status: "crossed", best_ask_px: 0.6, spread: 0 })
    expect(s.snapshotRow("K", "no", 0).status).toBe("crossed")
    s.apply(kDelta("no", 0.4, -1, 2), 0)
    expect(s.snapshotRow("K", "yes", 0)).toMatchObject({ status: "partial", ask_px: [] })
    expect(s.snapshotRow("K", "no", 0)).toMatchObject({ status: "partial", bid_px: [], ask_px: [0.4] })
  })

  it("lists the markets of a sid and goes stale until a fresh snapshot", () => {
    const s = new BookStore({ venue: "kalshi", topK: 10 })
    s.apply(kSnap([[0.4, 1]], [[0.5, 1]], 1, 7), 0)
    s.apply({ ...kSnap([[0.4, 1]], [[0.5, 1]], 2, 8), marketId: "K2" } as BookEvent, 0)
    expect(s.marketsWithSid(7)).toEqual(["K"])
    s.markStale("K", "seq gap")
    expect(s.snapshotRow("K", "no", 0)).toMatchObject({ status: "stale", err: "seq gap" })
    s.apply(kSnap([[0.4, 1]], [[0.5, 1]], 1, 9), 0)
    expect(s.snapshotRow("K", "no", 0)).toMatchObject({ status: "ok", seq: 2 })
    expect(s.snapshotRow("K", "maybe", 0)).toMatchObject({ status: "stale", err: NO_SNAPSHOT_YET })
  })
})

describe("Ladder", () => {
  it("keeps keys sorted with the best last through inserts and removals in any order", () => {
    const l = new Ladder()
    const keys = [500, 100, 900, 300, 700, 200, 800, 400, 600, 50, 950]
    for (const k of keys) l.set(k, k / 10)
    expect([...l.keys.subarray(0, l.count)]).toEqual([...keys].sort((a, b) => a - b))
    l.set(950, 0)
    l.set(50, 0)
    l.set(500, 0)
    expect([...l.keys.subarray(0, l.count)]).toEqual([100, 200, 300, 400, 600, 700, 800, 900])
    expect(l.sizes[l.find(300)]).toBe(30)
    expect(l.find(500)).toBeLessThan(0)
  })

  it("keeps the last size of a price repeated in one snapshot, a last size 0 meaning no level", () => {
    const l = new Ladder()
    expect(l.replace([0.5, 0.4, 0.5, 0.3, 0.3, 0.2], [1, 2, 3, 4, 0, 0], false)).toBe(0)
    expect([...l.keys.subarray(0, l.count)]).toEqual([400_000, 500_000])
    expect([...l.sizes.subarray(0, l.count)]).toEqual([2, 3])
  })

  it("rejects prices outside 0..1 on replace and gives deep buffers back on clear", () => {
    const l = new Ladder()
    const prices = Array.from({ length: 100 }, (_, i) => i / 100)
    expect(l.replace([...prices, 1.5, -0.1, NaN], [...prices.map(() => 1), 1, 1, 1], true)).toBe(3)
    expect(l.count).toBe(100)
    expect(l.keys[l.count - 1]).toBe(PRICE_SCALE) // ask at price 0 is the best ask
    l.replace([0.5, 0.6], [1, 2], false)
    expect(l.keys.length).toBe(8) // a shallow snapshot after a deep one shrinks the buffers
    expect([...l.sizes.subarray(0, l.count)]).toEqual([1, 2])
    l.replace(prices, prices.map(() => 1), true)
    l.clear()
    expect(l.count).toBe(0)
    expect(l.keys.length).toBe(0)
  })
})
