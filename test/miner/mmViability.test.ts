import { describe, expect, it } from "vitest"
import type { StatsRow } from "../../src/domain/StatsRow.js"
import { mmReportRows } from "../../src/miner/mmReport.js"
import { MmViabilityEngine, parseHorizons } from "../../src/miner/mmViability.js"

const T0 = Date.UTC(2026, 0, 14, 10, 0, 0)
const horizons = parseHorizons("1s,5s,30s")
const params = { horizonsMs: horizons.map((h) => h.ms), midMaxAgeMs: 20_000, lookAheadToleranceMs: 20_000 }

const statsFor = (over: Partial<StatsRow>): StatsRow => ({
  venue: "polymarket", market_id: "m", outcome_id: "yes", date: "2026-01-14",
  snapshot_count: 100, first_ts: T0, last_ts: T0 + 3_600_000, observed_secs: 3600, two_sided_frac: 1,
  crossed_frac: 0, stale_frac: 0, empty_frac: 0, avg_spread: 0.02, median_spread: 0.02, p90_spread: 0.02,
  tw_spread: 0.02, avg_mid: 0.5, mid_abs_change_per_min: 0, avg_depth: 100, avg_depth_top3: 100,
  avg_depth_top10: 100, avg_notional_top3: 50, update_count: 10, updates_per_min: 1, trade_count: 1,
  trade_volume: 10, trade_notional: 5, vwap: 0.5, score: 1, ...over
})

describe("MmViabilityEngine", () => {
  it("a trade followed by a known mid move gives the known impact and realized spread per horizon", () => {
    const engine = new MmViabilityEngine(params)
    // mid 0.50 until t+2s, then 0.52 until t+10s, then 0.55
    engine.addMid("m", "yes", T0 - 1000, 0.5)
    engine.addMid("m", "yes", T0 + 2000, 0.52)
    engine.addMid("m", "yes", T0 + 10_000, 0.55)
    engine.addMid("m", "yes", T0 + 40_000, 0.55)
    // taker bought at 0.51: the passive side sold, d = -1
    engine.addTrade("m", "yes", T0, 0.51, "buy")
    engine.finish()
    const [row] = mmReportRows(engine, [statsFor({ trade_volume: 10, observed_secs: 7200 })], {
      horizons, fee: 0.001, minTrades: 1
    })
    expect(row!.n_trades).toBe(1)
    expect(row!.eff_half_spread).toBeCloseTo(-1 * (0.5 - 0.51), 15) // +0.01 earned vs mid
    // 1s: first mid at or after t+1s is 0.52 (at t+2s)
    expect(row!.realized_1s).toBeCloseTo(-1 * (0.52 - 0.51), 15)
    expect(row!.impact_1s).toBeCloseTo(-1 * (0.5 - 0.52), 15)
    // 5s -> 0.55 at t+10s; 30s -> 0.55 at t+40s
    expect(row!.realized_5s).toBeCloseTo(-0.04, 15)
    expect(row!.impact_5s).toBeCloseTo(0.05, 15)
    expect(row!.realized_30s).toBeCloseTo(-0.04, 15)
    // eff = realized + impact, per trade and so per mean
    expect((row!.realized_30s as number) + (row!.impact_30s as number)).toBeCloseTo(row!.eff_half_spread as number, 15)
    expect(row!.toxicity_30s).toBeCloseTo(0.05 / 0.01, 12)
    expect(row!.ev_30s).toBeCloseTo(-0.041, 15)
    expect(row!.pnl_per_hour_30s).toBeCloseTo(-0.041 * 10 / 2, 12)
    expect(row!.viable).toBe(false)
  })

  it("a look-ahead gap beyond the tolerance excludes the trade for that horizon only", () => {
    const engine = new MmViabilityEngine(params)
    engine.addMid("m", "yes", T0, 0.5)
    engine.addMid("m", "yes", T0 + 1000, 0.5)
    // next mid only at t + 30s + 20s + 1ms: beyond the 30s window's tolerance
    engine.addMid("m", "yes", T0 + 50_001, 0.6)
    engine.addTrade("m", "yes", T0, 0.49, "sell") // d = +1, eff = 0.01
    engine.finish()
    const [row] = mmReportRows(engine, [statsFor({})], { horizons, fee: 0, minTrades: 1 })
    expect(row!.n_trades).toBe(1)
    expect(row!.n_1s).toBe(1)
    expect(row!.realized_1s).toBeCloseTo(0.01, 15)
    expect(row!.n_5s).toBe(0)
    expect(row!.n_30s).toBe(0)
    expect(Number.isNaN(row!.realized_30s as number)).toBe(true)
  })

  it("a mid exactly at t+h+tolerance is still used", () => {
    const engine = new MmViabilityEngine(params)
    engine.addMid("m", "yes", T0, 0.5)
    engine.addMid("m", "yes", T0 + 50_000, 0.6)
    engine.addTrade("m", "yes", T0, 0.49, "sell")
    engine.finish()
    const [row] = mmReportRows(engine, [statsFor({})], { horizons, fee: 0, minTrades: 1 })
    expect(row!.n_30s).toBe(1)
    expect(row!.realized_30s).toBeCloseTo(0.11, 15)
    expect(row!.impact_30s).toBeCloseTo(-0.1, 15)
  })

  it("a mid older than the staleness bound excludes the trade entirely", () => {
    const engine = new MmViabilityEngine(params)
    engine.addMid("m", "yes", T0 - 20_001, 0.5)
    engine.addMid("m", "yes", T0 + 1000, 0.5)
    engine.addTrade("m", "yes", T0, 0.49, "sell")
    engine.finish()
    const [row] = mmReportRows(engine, [statsFor({})], { horizons, fee: 0, minTrades: 1 })
    expect(row!.n_trades).toBe(0)
    expect(row!.n_1s).toBe(0)
    expect(Number.isNaN(row!.eff_half_spread as number)).toBe(true)
  })

  it("viable needs min trades, positive ev at 30s and two-sided >= 0.8", () => {
    const run = (twoSided: number, minTrades: number) => {
      const engine = new MmViabilityEngine(params)
      for (let k = 0; k < 10; k++) {
        const t = T0 + k * 60_000
        engine.addMid("m", "yes", t, 0.5)
        engine.addMid("m", "yes", t + 31_000, 0.5)
        engine.addTrade("m", "yes", t + 500, 0.49, "sell") // earns 0.01, mid never moves
      }
      engine.finish()
      return mmReportRows(engine, [statsFor({ two_sided_frac: twoSided })], { horizons, fee: 0.002, minTrades })[0]!
    }
    expect(run(0.9, 10).viable).toBe(true)
    expect(run(0.9, 10).ev_30s).toBeCloseTo(0.008, 15)
    expect(run(0.79, 10).viable).toBe(false)
    expect(run(0.9, 11).viable).toBe(false)
  })

  it("streaming with advance() gives the same answer as all-at-once and drops old mids", () => {
    const feed = (streaming: boolean) => {
      const engine = new MmViabilityEngine(params)
      let maxRetained = 0
      for (let bucket = 0; bucket < 24; bucket++) {
        const start = T0 + bucket * 300_000
        if (streaming) engine.advance(start)
        for (let s = 0; s < 300; s += 2) {
          engine.addMid("m", "yes", start + s * 1000, 0.5 + 0.01 * Math.sin((bucket * 300 + s) / 50))
        }
        for (let s = 7; s < 300; s += 37) engine.addTrade("m", "yes", start + s * 1000, 0.5, s % 2 === 0 ? "buy" : "sell")
        maxRetained = Math.max(maxRetained, engine.retainedMids())
      }
      engine.finish()
      return { row: mmReportRows(engine, [statsFor({})], { horizons, fee: 0, minTrades: 1 })[0]!, maxRetained }
    }
    const all = feed(false)
    const streamed = feed(true)
    expect(streamed.row).toEqual(all.row)
    expect(all.maxRetained).toBe(24 * 150)
    // bounded by about one bucket plus the look-back/look-ahead window, not the day
    expect(streamed.maxRetained).toBeLessThan(2 * 150 + 40)
  })
})

describe("parseHorizons", () => {
  it("parses units, sorts and deduplicates; rejects junk with a message naming the token", () => {
    expect(parseHorizons("30s,1s,500ms,2m,1s")).toEqual([
      { label: "500ms", ms: 500 }, { label: "1s", ms: 1000 }, { label: "30s", ms: 30_000 }, { label: "2m", ms: 120_000 }
    ])
    expect(() => parseHorizons("1s,abc")).toThrow(/"abc"/)
    expect(() => parseHorizons("0s")).toThrow(/positive/)
  })
})
