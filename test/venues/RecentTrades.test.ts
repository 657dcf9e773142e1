import { describe, expect, it } from "vitest"
import { RecentTrades, tradeKey } from "../../src/venues/RecentTrades.js"
import type { TradeRow } from "../../src/domain/TradeRow.js"

const trade = (over: Partial<TradeRow> = {}): TradeRow => ({
  ts_recv: 0, source_ts: 1_700_000_000_000, venue: "polymarket", market_id: "0xabc", outcome_id: "tok-yes",
  price: 0.42, size: 10, side: "buy", trade_id: "0xhash1", ...over
})

describe("RecentTrades", () => {
  it("calls the same trade seen again a repeat, by id or (without id) by market, price, size, side and venue time", () => {
    const recent = new RecentTrades()
    expect(recent.isRepeat(trade(), 1000)).toBe(false)
    expect(recent.isRepeat(trade({ ts_recv: 1005 }), 1005)).toBe(true)
    const anonymous = trade({ trade_id: null })
    expect(recent.isRepeat(anonymous, 1010)).toBe(false)
    expect(recent.isRepeat({ ...anonymous }, 1011)).toBe(true)
    expect(recent.isRepeat(trade({ trade_id: null, source_ts: 1_700_000_000_001 }), 1012)).toBe(false)
  })

  it("keeps distinct fills apart: one transaction settling two fills, the mirror token, another side", () => {
    const recent = new RecentTrades()
    expect(recent.isRepeat(trade(), 1)).toBe(false)
    expect(recent.isRepeat(trade({ size: 3 }), 1)).toBe(false) // same hash, another fill
    expect(recent.isRepeat(trade({ outcome_id: "tok-no", price: 0.58, side: "sell" }), 1)).toBe(false)
    expect(recent.isRepeat(trade({ side: "sell" }), 1)).toBe(false)
    expect(recent.size).toBe(4)
  })

  it("never calls a trade with neither id nor venue time a repeat (nothing tells it from a new one)", () => {
    const recent = new RecentTrades()
    expect(tradeKey(trade({ trade_id: null, source_ts: null }))).toBeNull()
    for (let i = 0; i < 3; i++) expect(recent.isRepeat(trade({ trade_id: null, source_ts: null }), i)).toBe(false)
    expect(recent.size).toBe(0)
  })

  it("forgets trades older than the window and holds at most maxKeys", () => {
    const recent = new RecentTrades(60_000, 1000)
    expect(recent.isRepeat(trade(), 0)).toBe(false)
    expect(recent.isRepeat(trade(), 59_999)).toBe(true)
    expect(recent.isRepeat(trade(), 60_000)).toBe(false) // forgotten, seen anew
    for (let i = 0; i < 5000; i++) recent.isRepeat(trade({ trade_id: `t${i}` }), 61_000)
    expect(recent.size).toBe(1000)
    expect(recent.isRepeat(trade({ trade_id: "t4999" }), 61_000)).toBe(true)
    expect(recent.isRepeat(trade({ trade_id: "t0" }), 61_000)).toBe(false)
  })
})
