import { describe, expect, it } from "@effect/vitest"
import { applyKalshiEvents, type SeqGapReport } from "../../src/venues/kalshi/sequencing.js"
import { BookStore } from "../../src/books/BookStore.js"
import { SidSequencer } from "../../src/venues/kalshi/SidSequencer.js"
import type { BookEvent } from "../../src/domain/BookEvent.js"
import { makeDecodeStats } from "../../src/venues/DecodeStats.js"
import { decodeKalshiFrame, type KalshiReply } from "../../src/venues/kalshi/decode.js"

describe("SidSequencer", () => {
  it("accepts the first seq of a sid and each next one", () => {
    const q = new SidSequencer()
    expect(q.observe(1, 5)).toBe("in_order")
    expect(q.observe(1, 6)).toBe("in_order")
    expect(q.observe(2, 1)).toBe("in_order")
    expect(q.observe(1, 7)).toBe("in_order")
    expect(q.gaps).toBe(0)
  })

  it("reports a forward jump once and re-bases; a repeat or a step back is out of order, not a gap", () => {
    const q = new SidSequencer()
    q.observe(1, 1)
    expect(q.observe(1, 4)).toEqual({ expected: 2, got: 4 })
    expect(q.observe(1, 5)).toBe("in_order")
    expect(q.observe(1, 5)).toBe("duplicate")
    expect(q.observe(1, 2)).toBe("behind")
    expect(q.observe(1, 6)).toBe("in_order")
    expect([q.gaps, q.duplicates, q.behind]).toEqual([1, 1, 1])
  })

  it("a sid the venue just confirmed must start at seq 1: a later first seq is a gap", () => {
    const q = new SidSequencer()
    q.start(4)
    expect(q.observe(4, 3)).toEqual({ expected: 1, got: 3 })
    q.start(5)
    expect(q.observe(5, 1)).toBe("in_order")
    expect(q.observe(5, 1)).toBe("duplicate")
  })

  it("starts a forgotten sid afresh", () => {
    const q = new SidSequencer()
    q.observe(3, 10)
    q.forget(3)
    expect(q.observe(3, 1)).toBe("in_order")
    q.forgetAll()
    expect(q.size).toBe(0)
  })
})

describe("applyKalshiEvents (the driver's sequencing path)", () => {
  const frames = (...objs: unknown[]) => {
    const out: BookEvent[] = []
    const replies: KalshiReply[] = []
    const stats = makeDecodeStats()
    for (const o of objs) decodeKalshiFrame(JSON.stringify(o), out, replies, stats)
    return out
  }
  const snap = (m: string, sid: number, seq: number) =>
    ({ type: "orderbook_snapshot", sid, seq, msg: { market_ticker: m, yes_dollars_fp: [["0.40", "10.00"]], no_dollars_fp: [["0.55", "5.00"]] } })
  const delta = (m: string, sid: number, seq: number) =>
    ({ type: "orderbook_delta", sid, seq, msg: { market_ticker: m, price_dollars: "0.40", delta_fp: "1.00", side: "yes", ts_ms: 5 } })

  it("counts ok replies in the sequence so a subscription change is not a gap", () => {
    const store = new BookStore({ venue: "kalshi", topK: 5 })
    const q = new SidSequencer()
    const gaps: SeqGapReport[] = []
    applyKalshiEvents(frames(snap("A", 1, 1), delta("A", 1, 2), { type: "ok", id: 2, sid: 1, seq: 3 }, delta("A", 1, 4)), store, q, 0, { onGap: (g) => void gaps.push(g) })
    expect(gaps).toEqual([])
    expect(store.snapshotRow("A", "yes", 0)).toMatchObject({ status: "ok", seq: 3, bid_sz: [12] })
  })

  it("marks every book of the sid stale on a gap, leaves other sids alone, and resyncs on snapshot", () => {
    const store = new BookStore({ venue: "kalshi", topK: 5 })
    const q = new SidSequencer()
    const gaps: SeqGapReport[] = []
    applyKalshiEvents(frames(snap("A", 1, 1), snap("B", 1, 2), snap("C", 2, 1), delta("A", 1, 4)), store, q, 0, { onGap: (g) => void gaps.push(g) })
    expect(gaps).toEqual([{ sid: 1, expected: 3, got: 4, marketIds: ["A", "B"] }])
    for (const m of ["A", "B"]) {
      for (const o of ["yes", "no"]) {
        expect(store.snapshotRow(m, o, 0)).toMatchObject({ status: "stale", err: "seq gap on sid 1: expected 3, got 4" })
      }
    }
    expect(store.snapshotRow("C", "yes", 0).status).toBe("ok")
    // resubscribe: a new sid delivers fresh snapshots
    applyKalshiEvents(frames(snap("A", 3, 1), snap("B", 3, 2)), store, q, 0, { onGap: (g) => void gaps.push(g) })
    expect(store.snapshotRow("A", "yes", 0)).toMatchObject({ status: "ok", bid_sz: [10] })
    expect(store.snapshotRow("B", "no", 0).status).toBe("ok")
    expect(gaps.length).toBe(1)
  })

  it("counts trade seqs on the trade sid", () => {
    const store = new BookStore({ venue: "kalshi", topK: 5 })
    const q = new SidSequencer()
    const gaps: SeqGapReport[] = []
    const trade = (seq: number) => ({ type: "trade", sid: 9, seq, msg: { market_ticker: "A", yes_price_dollars: "0.4", count_fp: "1", taker_side: "yes" } })
    applyKalshiEvents(frames(trade(1), trade(2), trade(4)), store, q, 0, { onGap: (g) => void gaps.push(g) })
    expect(gaps).toEqual([{ sid: 9, expected: 3, got: 4, marketIds: [] }])
  })
})

describe("applyKalshiEvents: duplicate and reordered frames", () => {
  const frames = (...objs: unknown[]) => {
    const out: BookEvent[] = []
    const stats = makeDecodeStats()
    for (const o of objs) decodeKalshiFrame(JSON.stringify(o), out, [], stats)
    return out
  }
  const snap = (sid: number, seq: number) =>
    ({ type: "orderbook_snapshot", sid, seq, msg: { market_ticker: "A", yes_dollars_fp: [["0.40", "10.00"]], no_dollars_fp: [["0.55", "5.00"]] } })
  const delta = (sid: number, seq: number, d: string) =>
    ({ type: "orderbook_delta", sid, seq, msg: { market_ticker: "A", price_dollars: "0.40", delta_fp: d, side: "yes", ts_ms: 5 } })

  it("a repeated or older frame is dropped and counted: no double-counted delta, no stale book, no gap", () => {
    const store = new BookStore({ venue: "kalshi", topK: 5 })
    const q = new SidSequencer()
    const gaps: SeqGapReport[] = []
    const dropped: Array<string> = []
    const hooks = { onGap: (g: SeqGapReport) => void gaps.push(g), onOutOfOrder: (_sid: number, seq: number, v: string) => void dropped.push(`${seq} ${v}`) }
    applyKalshiEvents(frames(snap(1, 1), delta(1, 2, "2.00"), delta(1, 2, "2.00"), delta(1, 3, "1.00"), delta(1, 2, "2.00")), store, q, 0, hooks)
    expect(gaps).toEqual([])
    expect(dropped).toEqual(["2 duplicate", "2 behind"])
    expect(store.snapshotRow("A", "yes", 0)).toMatchObject({ status: "ok", bid_sz: [13] })
  })
})
