import { describe, expect, it } from "vitest"
import { aggregateStats, compositeScore, hintScore, rankMarkets } from "../../src/scheduler/scoring.js"
import { kalshiMarketKeys } from "../../src/venues/kalshi/KalshiLive.js"
import { polymarketMarketKeys } from "../../src/venues/polymarket/PolymarketLive.js"
import { makeMarket } from "./fixtures.js"

const NOW = Date.parse("2026-11-25T12:00:00Z")
const HOUR = 3_600_000

describe("scoring", () => {
  it("drops closed markets and markets closing within min_hours_until_close", () => {
    const markets = [
      makeMarket("kalshi", 1, { status: "closed" }),
      makeMarket("kalshi", 2, { status: "finalized" }),
      makeMarket("kalshi", 3, { close_ts: NOW + 0.5 * HOUR }),
      makeMarket("kalshi", 4, { close_ts: NOW - HOUR }),
      makeMarket("kalshi", 5, { close_ts: NOW + 3 * HOUR }),
      makeMarket("kalshi", 6, { close_ts: null }),
      makeMarket("polymarket", 7, { token_ids: [], outcome_ids: [] })
    ]
    const r = rankMarkets({ keysOf: kalshiMarketKeys, markets: markets.slice(0, 6), stats: null, nowMs: NOW, minHoursUntilClose: 1 })
    expect(r.ranked.map((m) => m.marketId).sort()).toEqual(["KXTEST-00005", "KXTEST-00006"])
    expect([r.droppedClosed, r.droppedClosingSoon]).toEqual([2, 2])
    const p = rankMarkets({ keysOf: polymarketMarketKeys, markets: markets.slice(6), stats: null, nowMs: NOW, minHoursUntilClose: 1 })
    expect([p.ranked.length, p.droppedNoKeys]).toEqual([0, 1])
    // with a 4 h horizon the market closing in 3 h drops too
    const r4 = rankMarkets({ keysOf: kalshiMarketKeys, markets: markets.slice(0, 6), stats: null, nowMs: NOW, minHoursUntilClose: 4 })
    expect(r4.ranked.map((m) => m.marketId)).toEqual(["KXTEST-00006"])
  })

  it("keys: Polymarket one subscription per token, Kalshi one per ticker with both sides", () => {
    expect(polymarketMarketKeys(makeMarket("polymarket", 1)).map((k) => k.key)).toEqual(["0xcond00001-yes", "0xcond00001-no"])
    expect(kalshiMarketKeys(makeMarket("kalshi", 1))).toEqual([{ key: "KXTEST-00001", outcomeIds: ["yes", "no"] }])
  })

  it("hints rank by volume, liquidity (double weight) and nearness of close", () => {
    const a = makeMarket("kalshi", 1, { volume: 1000, liquidity: 0 })
    const b = makeMarket("kalshi", 2, { volume: 0, liquidity: 1000 })
    const c = makeMarket("kalshi", 3, { volume: 0, liquidity: 1000, close_ts: NOW + 24 * HOUR })
    expect(hintScore(a, NOW)).toBeCloseTo(Math.log10(1001), 9)
    expect(hintScore(b, NOW)).toBeCloseTo(2 * Math.log10(1001), 9)
    expect(hintScore(c, NOW)).toBeCloseTo(2 * Math.log10(1001) + (1 - 24 / 720), 9)
    const r = rankMarkets({ keysOf: kalshiMarketKeys, markets: [a, b, c], stats: null, nowMs: NOW, minHoursUntilClose: 1 })
    expect(r.ranked.map((m) => m.marketId)).toEqual(["KXTEST-00003", "KXTEST-00002", "KXTEST-00001"])
  })

  it("combines outcome rows per market: max score, min spread", () => {
    const s = aggregateStats([
      { market_id: "m", score: 0.2, tw_spread: 0.05, avg_depth: 10 },
      { market_id: "m", score: Number.NaN, tw_spread: Number.NaN, avg_spread: 0.03, avg_depth: 30 },
      { market_id: "n", score: 0.1 }
    ])
    expect(s.get("m")).toMatchObject({ score: 0.2, spread: 0.03, avgDepth: 30 })
    expect(s.get("n")!.score).toBe(0.1)
  })

  it("composite score from the miner's parts when score is NaN", () => {
    const c = compositeScore({ score: Number.NaN, avgDepth: 99, spread: 0.1, updatesPerMin: 9, twoSidedFrac: 0.5 })
    expect(c).toBeCloseTo(0.5 * 0.9 * 3 * 2, 9)
    expect(compositeScore({ score: Number.NaN, avgDepth: 99, spread: Number.NaN, updatesPerMin: 9, twoSidedFrac: 0 })).toBe(0)
  })

  it("ranks measured-alive above hints above measured-dead, then by score", () => {
    const markets = [1, 2, 3, 4, 5].map((i) => makeMarket("kalshi", i, { liquidity: 10 ** i }))
    const stats = aggregateStats([
      { market_id: "KXTEST-00001", score: 0.5 },
      { market_id: "KXTEST-00002", score: 0.9 },
      { market_id: "KXTEST-00003", score: 0 },
      { market_id: "KXTEST-00004", score: Number.NaN, tw_spread: 0.02, two_sided_frac: 1, avg_depth: 0, updates_per_min: 0 }
    ])
    const r = rankMarkets({ keysOf: kalshiMarketKeys, markets, stats, nowMs: NOW, minHoursUntilClose: 1 })
    expect(r.ranked.map((m) => [m.marketId, m.source])).toEqual([
      ["KXTEST-00004", "composite"], // 0.98
      ["KXTEST-00002", "stats"],
      ["KXTEST-00001", "stats"],
      ["KXTEST-00005", "hints"],
      ["KXTEST-00003", "stats"] // measured, score 0: below every unmeasured market
    ])
  })
})
