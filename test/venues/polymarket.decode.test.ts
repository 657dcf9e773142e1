import { describe, expect, it } from "@effect/vitest"
import type { BookEvent } from "../../src/domain/BookEvent.js"
import { makeDecodeStats } from "../../src/venues/DecodeStats.js"
import { decodePolymarketFrame } from "../../src/venues/polymarket/decode.js"
import { fixtureName, framesOf, wsFrameFiles } from "../support/fixtureFrames.js"

const decode = (...frames: string[]) => {
  const out: BookEvent[] = []
  const stats = makeDecodeStats()
  for (const f of frames) decodePolymarketFrame(f, out, stats)
  return { out, stats }
}

describe("Polymarket decoder", () => {
  const files = wsFrameFiles("polymarket")

  it("finds the shared fixture files", () => {
    expect(files.length).toBeGreaterThanOrEqual(15)
  })

  for (const file of files) {
    it(`decodes every frame of ${fixtureName(file)} without a malformed count`, () => {
      const frames = framesOf(file)
      const { out, stats } = decode(...frames)
      expect(stats.frames).toBe(frames.length)
      expect(stats.malformed).toBe(0)
      expect(stats.lastMalformed).toBeNull()
      expect(stats.events).toBe(out.length)
      // every frame is either decoded or deliberately counted
      expect(stats.events + stats.unknown + stats.ignored).toBeGreaterThanOrEqual(frames.length)
    })
  }

  it("decodes the captured book frame without event_type exactly (captured-2026-01.jsonl line 1)", () => {
    const [line] = framesOf(files.find((f) => f.endsWith("captured-2026-01.jsonl"))!)
    const { out } = decode(line!)
    expect(out).toEqual([{
      kind: "snapshot",
      marketId: "0x8499755b2b439aa3da94a16b470803038a276954895957cb3cfaf417e3654179",
      outcomeId: "41236383224347298420125708292657012871464205363068451527890025588992975750774",
      bids: { prices: [0.01, 0.02], sizes: [473, 55000] },
      asks: { prices: [0.99, 0.98], sizes: [100, 200] },
      sourceTs: 1768422554971
    }])
  })

  it("decodes a current price_change without event_type or timestamp (captured-2026-01.jsonl line 2)", () => {
    const line = framesOf(files.find((f) => f.endsWith("captured-2026-01.jsonl"))!)[1]!
    const { out } = decode(line)
    expect(out).toEqual([{
      kind: "level_set",
      marketId: "0xec051d57c8dfd981cdd5f3113b9f7311fa5b90a3ec4eb8bd3d37a6ce4465f186",
      outcomeId: "4277044238652662163120456541739746435744245249534924848626026418182722376831",
      side: "bid",
      price: 0.38,
      size: 20,
      sourceTs: null
    }])
  })

  it("decodes a trade with event_type last and keeps the transaction hash as trade id", () => {
    const line = framesOf(files.find((f) => f.endsWith("captured-2026-01.jsonl"))!)[2]!
    const { out } = decode(line)
    expect(out).toEqual([{
      kind: "trade",
      marketId: "0x8499755b2b439aa3da94a16b470803038a276954895957cb3cfaf417e3654179",
      outcomeId: "41236383224347298420125708292657012871464205363068451527890025588992975750774",
      price: 0.82,
      size: 1.280483,
      side: "buy",
      tradeId: "0x13585d83601e1c4408aa5906087a91f37eb5c254bc51397bd8891486c8ad0c75",
      sourceTs: 1768422910295
    }])
  })

  it("splits a two-asset price_change into one level_set per asset (documented-shapes.jsonl line 2)", () => {
    const line = framesOf(files.find((f) => f.endsWith("documented-shapes.jsonl"))!)[1]!
    const { out } = decode(line)
    expect(out.map((e) => e.kind === "level_set" && [e.outcomeId.slice(0, 5), e.side, e.price, e.size, e.sourceTs])).toEqual([
      ["71321", "bid", 0.5, 200, 1757908892351],
      ["52114", "ask", 0.5, 200, 1757908892351]
    ])
  })

  it("reads '.48' style prices and an array frame with an empty book (documented-shapes.jsonl)", () => {
    const lines = framesOf(files.find((f) => f.endsWith("documented-shapes.jsonl"))!)
    const { out } = decode(lines[0]!, lines[3]!)
    expect(out[0]).toMatchObject({ kind: "snapshot", bids: { prices: [0.48, 0.49, 0.5], sizes: [30, 20, 15] } })
    expect(out.slice(1)).toEqual([
      { kind: "snapshot", marketId: "0xc", outcomeId: "111", bids: { prices: [0.49], sizes: [10] }, asks: { prices: [0.51], sizes: [12] }, sourceTs: 1700000000000 },
      { kind: "snapshot", marketId: "0xc", outcomeId: "222", bids: { prices: [], sizes: [] }, asks: { prices: [], sizes: [] }, sourceTs: 1700000000000 }
    ])
  })

  it("decodes the known events of a mixed array and counts the unknown one (nautilus mixed_known_unknown)", () => {
    const file = files.find((f) => f.endsWith("ws_market_mixed_known_unknown.json"))!
    const { out, stats } = decode(...framesOf(file))
    expect(out.map((e) => e.kind)).toEqual(["level_set", "trade"])
    expect(out[1]).toMatchObject({ side: "sell", price: 0.63, size: 4.25, outcomeId: "202" })
    expect(stats.unknown).toBe(1)
  })

  it("recognises tick_size_change without event_type and never makes it depth", () => {
    const file = files.find((f) => f.endsWith("ws_tick_size_change.json"))!
    const { out } = decode(...framesOf(file))
    expect(out).toEqual([{
      kind: "tick_size",
      marketId: "0xdd22472e552920b8438158ea7238bfadfa4f736aa4cee91a6b86c39ead110917",
      outcomeId: "71321045679252212594626385532706912750332728571942532289631379312455583992563",
      tickSize: 0.01,
      sourceTs: 1703875210000
    }])
  })

  it("tolerates tick_size and an empty last_trade_price on a 0.001-tick book (ssmd line 2)", () => {
    const line = framesOf(files.find((f) => f.endsWith("ssmd/polymarket_book.jsonl"))!)[1]!
    const { out, stats } = decode(line)
    expect(stats.malformed).toBe(0)
    const ev = out[0]!
    expect(ev.kind).toBe("snapshot")
    if (ev.kind !== "snapshot") return
    expect(ev.asks.prices).toEqual([])
    expect(ev.bids.prices.length).toBe(26)
    expect(ev.bids.prices).toContain(0.999)
  })

  it("decodes the legacy price_change shape (asset on the frame, changes[])", () => {
    const legacy = JSON.stringify({
      hash: "0xabc", changes: [{ price: "0.45", side: "SELL", size: "0" }, { side: "BUY", size: "12.5", price: "0.44" }],
      timestamp: "1700000000000", market: "0xm", asset_id: "tok", event_type: "price_change"
    })
    const { out } = decode(legacy)
    expect(out).toEqual([
      { kind: "level_set", marketId: "0xm", outcomeId: "tok", side: "ask", price: 0.45, size: 0, sourceTs: 1700000000000 },
      { kind: "level_set", marketId: "0xm", outcomeId: "tok", side: "bid", price: 0.44, size: 12.5, sourceTs: 1700000000000 }
    ])
  })

  it("counts malformed frames, keeps a 200-char sample and never throws", () => {
    const long = "{" + "x".repeat(500)
    const { out, stats } = decode(
      long,
      "null",
      "42",
      JSON.stringify({ event_type: "book", market: "0xm", bids: [], asks: [] }), // no asset_id
      JSON.stringify({ event_type: "book", market: "0xm", asset_id: "t", bids: [{ price: "1.5", size: "1" }], asks: [] }),
      JSON.stringify({ event_type: "price_change", market: "0xm", price_changes: [{ asset_id: "t", price: "abc", size: "1", side: "BUY" }, { asset_id: "t", price: "0.5", size: "1", side: "BUY" }] }),
      JSON.stringify({ event_type: "price_change", market: "0xm", price_changes: [{ asset_id: "t", price: "0.5", size: "1", side: "HOLD" }] }),
      JSON.stringify([null, 7])
    )
    expect(stats.frames).toBe(8)
    expect(stats.malformed).toBe(9)
    expect(stats.lastMalformed).toBe("[null,7]")
    expect(out).toEqual([{ kind: "level_set", marketId: "0xm", outcomeId: "t", side: "bid", price: 0.5, size: 1, sourceTs: null }])
    expect(stats.lastMalformedReason).toBe("polymarket: array element is not an object")
    const one = decode(long)
    expect(one.stats.lastMalformed).toBe(long.slice(0, 200))
    expect(one.stats.lastMalformedReason).toBe("polymarket: frame is not JSON")
    const reasonOf = (o: unknown) => decode(JSON.stringify(o)).stats.lastMalformedReason
    expect(reasonOf({ event_type: "book", market: "0xm", bids: [], asks: [] })).toBe("polymarket book: missing asset_id")
    // a token id as a JSON number has lost digits (77-digit ids): refused, not rounded into a wrong book
    expect(reasonOf({ event_type: "book", market: "0xm", asset_id: 41236383224347298420125708292657012871464205363068451527890025588992975750774, bids: [], asks: [] }))
      .toBe("polymarket book: missing asset_id")
    expect(reasonOf({ event_type: "book", market: "0xm", asset_id: "t", bids: [], asks: [{ price: "2", size: "1" }] }))
      .toBe("polymarket book t: bad asks level (price outside 0..1 or bad size)")
    expect(reasonOf({ market: "0xm", price_changes: [{ asset_id: "t", price: "0.5", size: "1", side: "HOLD" }] }))
      .toBe("polymarket price_change t: side is not BUY/SELL")
  })

  it("ignores PONG and custom-feature events without counting them as malformed", () => {
    const { out, stats } = decode("PONG", JSON.stringify({ event_type: "new_market", market: "0x1" }), JSON.stringify({ event_type: "weird" }), "[]")
    expect(out).toEqual([])
    expect(stats).toMatchObject({ frames: 4, ignored: 2, unknown: 1, malformed: 0 })
  })
})
