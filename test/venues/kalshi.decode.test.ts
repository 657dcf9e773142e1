import { describe, expect, it } from "@effect/vitest"
import type { BookEvent } from "../../src/domain/BookEvent.js"
import { makeDecodeStats } from "../../src/venues/DecodeStats.js"
import { decodeKalshiFrame, type KalshiReply } from "../../src/venues/kalshi/decode.js"
import { fixtureName, framesOf, wsFrameFiles } from "../support/fixtureFrames.js"

const decode = (...frames: string[]) => {
  const out: BookEvent[] = []
  const replies: KalshiReply[] = []
  const stats = makeDecodeStats()
  for (const f of frames) decodeKalshiFrame(f, out, replies, stats)
  return { out, replies, stats }
}

const fileEnding = (suffix: string) => wsFrameFiles("kalshi").find((f) => f.endsWith(suffix))!

describe("Kalshi decoder", () => {
  const files = wsFrameFiles("kalshi")

  it("finds the shared fixture files", () => {
    expect(files.length).toBeGreaterThanOrEqual(6)
  })

  for (const file of files) {
    it(`decodes every frame of ${fixtureName(file)} without a malformed count`, () => {
      const frames = framesOf(file)
      const { out, replies, stats } = decode(...frames)
      expect(stats.frames).toBe(frames.length)
      expect(stats.malformed).toBe(0)
      expect(stats.events).toBe(out.length)
      expect(out.length + replies.length + stats.ignored + stats.unknown).toBeGreaterThanOrEqual(frames.length)
    })
  }

  it("decodes the shapes file exactly: dollar and cents snapshots, signed deltas, trade, replies", () => {
    const { out, replies, stats } = decode(...framesOf(fileEnding("kalshi/shapes.jsonl")))
    expect(out).toEqual([
      { kind: "binary_snapshot", marketId: "KX-T", yesBids: { prices: [0.47, 0.46], sizes: [100, 50] }, noBids: { prices: [0.5], sizes: [200] }, sid: 1, seq: 1, sourceTs: null },
      { kind: "binary_delta", marketId: "KX-T", outcome: "yes", price: 0.47, delta: -40, sid: 1, seq: 2, sourceTs: 1780099428263 },
      { kind: "binary_delta", marketId: "HOUSECA22-26-D", outcome: "yes", price: 0.15, delta: 2, sid: 1, seq: 3, sourceTs: 1780099428263 },
      { kind: "trade", marketId: "KX-T", outcomeId: "yes", price: 0.41, size: 2, side: "buy", tradeId: null, sourceTs: null, sid: 2, seq: 1 },
      { kind: "seq_only", sid: 1, seq: 3 },
      { kind: "binary_snapshot", marketId: "A", yesBids: { prices: [0.4], sizes: [10] }, noBids: { prices: [0.55], sizes: [5] }, sid: 91, seq: 5, sourceTs: null },
      { kind: "binary_delta", marketId: "A", outcome: "yes", price: 0.4, delta: 1, sid: 91, seq: 6, sourceTs: null }
    ])
    expect(replies).toEqual([
      { type: "subscribed", id: 1, channel: "orderbook_delta", sid: 1 },
      { type: "ok", id: 2, sid: 1, seq: 3 },
      { type: "error", id: 3, code: 6, msg: "Already subscribed" }
    ])
    expect(stats.malformed).toBe(0)
  })

  it("reads the demo capture: delta ts_ms wins over RFC 3339 ts, ok lists tickers and consumes a seq, empty snapshot", () => {
    const { out, replies, stats } = decode(...framesOf(fileEnding("haripratiik_demo_ws_frames_2026-08-27.jsonl")))
    expect(out[1]).toEqual({ kind: "binary_delta", marketId: "KXGOLDH-26AUG2711-T4615.99", outcome: "yes", price: 0.01, delta: 10, sid: 1, seq: 2, sourceTs: 1787838983996 })
    expect(out[2]).toEqual({ kind: "seq_only", sid: 1, seq: 108 })
    expect(out[3]).toEqual({ kind: "binary_snapshot", marketId: "KXBTCD-25AUG2617-T112999.99", yesBids: { prices: [], sizes: [] }, noBids: { prices: [], sizes: [] }, sid: 1, seq: 1, sourceTs: null })
    expect(replies[1]).toEqual({ type: "ok", id: 2, sid: 1, seq: 108, marketTickers: ["KXGOLDH-26AUG2711-T4615.99", "KXGOLDH-26AUG2711-T4617.99"] })
    expect(replies[2]).toEqual({ type: "error", id: 3, code: 8, msg: "Unknown channel name" })
    expect(stats.ignored).toBe(1) // the ticker frame
  })

  it("parses an RFC 3339 ts when there is no ts_ms (nautilus delta)", () => {
    const { out } = decode(...framesOf(fileEnding("nautilus_ws_orderbook_delta.json")))
    expect(out).toEqual([{ kind: "binary_delta", marketId: "KXBTC-25MAR15-B100000", outcome: "yes", price: 0.42, delta: 50, sid: 1, seq: 2, sourceTs: Date.UTC(2025, 2, 1, 18, 26, 53, 361) }])
  })

  it("reads trade ts as seconds and taker_side no as a sell of YES at the YES price (nautilus trade)", () => {
    const { out } = decode(...framesOf(fileEnding("nautilus_ws_trade.json")))
    expect(out).toEqual([{ kind: "trade", marketId: "KXBTC-25MAR15-B100000", outcomeId: "yes", price: 0.36, size: 136, side: "sell", tradeId: "d91bc706-ee49-470d-82d8-11418bda6fed", sourceTs: 1741052641000, sid: 2, seq: 1 }])
  })

  it("prefers dollar strings over integer cents in transitional frames (ssmd live trades)", () => {
    const { out } = decode(...framesOf(fileEnding("ssmd_ws_trade_2026-02-12.jsonl")))
    expect(out[0]).toMatchObject({ price: 0.77, size: 75, side: "buy", sourceTs: 1770897981000, sid: 2, seq: 10 })
    // a frame whose cents disagree with its dollars (sub-cent price cannot be said in cents)
    const { out: sub } = decode(JSON.stringify({
      type: "orderbook_delta", sid: 3, seq: 9,
      msg: { market_ticker: "T", price: 45, price_dollars: "0.4550", delta: 5, delta_fp: "5.50", side: "no" }
    }))
    expect(sub).toEqual([{ kind: "binary_delta", marketId: "T", outcome: "no", price: 0.455, delta: 5.5, sid: 3, seq: 9, sourceTs: null }])
  })

  it("accepts the price_dollars_fp / delta_dollars_fp spelling and a snapshot with yes_dollars levels", () => {
    const { out } = decode(
      JSON.stringify({ type: "orderbook_delta", sid: 1, seq: 4, msg: { market_ticker: "T", price_dollars_fp: "0.0150", delta_dollars_fp: "-3.00", side: "yes", ts_ms: "1700000000123" } }),
      JSON.stringify({ type: "orderbook_snapshot", sid: 1, seq: 5, msg: { market_ticker: "T", no: [[30, 1]], no_dollars: [["0.31", 7]] } })
    )
    expect(out).toEqual([
      { kind: "binary_delta", marketId: "T", outcome: "yes", price: 0.015, delta: -3, sid: 1, seq: 4, sourceTs: 1700000000123 },
      { kind: "binary_snapshot", marketId: "T", yesBids: { prices: [], sizes: [] }, noBids: { prices: [0.31], sizes: [7] }, sid: 1, seq: 5, sourceTs: null }
    ])
  })

  it("turns unsubscribed into a reply plus a seq_only event", () => {
    const { out, replies } = decode(JSON.stringify({ type: "unsubscribed", sid: 4, seq: 17, id: 9 }))
    expect(replies).toEqual([{ type: "unsubscribed", id: 9, sid: 4, seq: 17 }])
    expect(out).toEqual([{ kind: "seq_only", sid: 4, seq: 17 }])
  })

  it("counts malformed frames and bad fields, never throws, keeps decoding afterwards", () => {
    const { out, stats } = decode(
      "not json",
      "[1,2]",
      JSON.stringify({ type: "orderbook_delta", sid: 1, seq: 2, msg: { market_ticker: "T", price_dollars: "1.2", delta_fp: "1", side: "yes" } }),
      JSON.stringify({ type: "orderbook_delta", sid: 1, seq: 2, msg: { market_ticker: "T", price_dollars: "0.2", delta_fp: "1", side: "maybe" } }),
      JSON.stringify({ type: "orderbook_delta", sid: 1, msg: { market_ticker: "T", price_dollars: "0.2", delta_fp: "1", side: "yes" } }),
      JSON.stringify({ type: "orderbook_snapshot", sid: 1, seq: 1, msg: { market_ticker: "T", yes_dollars_fp: [["0.2"]] } }),
      JSON.stringify({ type: "orderbook_snapshot", sid: 1, seq: 1, msg: { yes_dollars_fp: [] } }),
      JSON.stringify({ type: "orderbook_delta", sid: 1, seq: 3, msg: { market_ticker: "T", price_dollars: "0.2", delta_fp: "1", side: "yes" } })
    )
    expect(stats.malformed).toBe(7)
    expect(stats.lastMalformedReason).toBe("kalshi orderbook_snapshot: missing market_ticker")
    expect(out.map((e) => e.kind)).toEqual(["binary_delta"])
    const reasonOf = (o: unknown) => decode(JSON.stringify(o)).stats.lastMalformedReason
    expect(reasonOf({ type: "orderbook_delta", sid: 1, seq: 2, msg: { market_ticker: "T", price_dollars: "1.2", delta_fp: "1", side: "yes" } }))
      .toBe("kalshi orderbook_delta: price missing or outside 0..1")
    expect(reasonOf({ type: "orderbook_delta", sid: 1, msg: {} })).toBe("kalshi orderbook_delta: missing msg/sid/seq")
  })

  it("ignores ticker frames but still hands over a seq they carry", () => {
    const { out, stats } = decode(JSON.stringify({ type: "ticker", sid: 5, seq: 40, msg: { market_ticker: "T" } }), JSON.stringify({ type: "market_lifecycle_v2", msg: {} }))
    expect(out).toEqual([{ kind: "seq_only", sid: 5, seq: 40 }])
    expect(stats).toMatchObject({ ignored: 1, unknown: 1, malformed: 0 })
  })
})
