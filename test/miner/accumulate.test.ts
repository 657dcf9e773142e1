import { describe, expect, it } from "vitest"
import { histogramQuantile, MarketAccumulator, SPREAD_GRID } from "../../src/miner/accumulate.js"
import { marketScore } from "../../src/miner/score.js"
import { StatsAccumulator } from "../../src/miner/stats.js"

const params = { maxObservedGapMs: 30_000 }
const T0 = Date.UTC(2026, 0, 14, 10, 0, 0)

/** a batch of snapshot columns for one key; rows given as partial overrides of a healthy row */
const batch = (rows: ReadonlyArray<Partial<{
  ts: number; status: string; seq: number; spread: number; mid: number; bidSz: number; askSz: number
  bidPx: Array<number>; bidSzs: Array<number>; askPx: Array<number>; askSzs: Array<number>; market: string
}>>) => ({
  ts_recv: rows.map((r, i) => BigInt(r.ts ?? T0 + i * 1000)),
  market_id: rows.map((r) => r.market ?? "m1"),
  outcome_id: rows.map(() => "yes"),
  seq: rows.map((r, i) => BigInt(r.seq ?? i)),
  status: rows.map((r) => r.status ?? "ok"),
  spread: rows.map((r) => r.spread ?? 0.02),
  mid: rows.map((r) => r.mid ?? 0.5),
  best_bid_sz: rows.map((r) => r.bidSz ?? 100),
  best_ask_sz: rows.map((r) => r.askSz ?? 50),
  bid_px: rows.map((r) => r.bidPx ?? [0.49, 0.48, 0.47, 0.46]),
  bid_sz: rows.map((r) => r.bidSzs ?? [100, 10, 10, 10]),
  ask_px: rows.map((r) => r.askPx ?? [0.51, 0.52, 0.53, 0.54]),
  ask_sz: rows.map((r) => r.askSzs ?? [50, 5, 5, 5])
})

describe("MarketAccumulator", () => {
  it("constant spread gives exactly that spread for avg, median, p90 and time-weighted", () => {
    const stats = new StatsAccumulator(params)
    stats.ingestSnapshots(batch(Array.from({ length: 50 }, () => ({ spread: 0.03 }))))
    const [row] = stats.finalize("polymarket", "2026-01-14")
    expect(row!.avg_spread).toBeCloseTo(0.03, 15)
    expect(row!.median_spread).toBeCloseTo(0.03, 12)
    expect(row!.p90_spread).toBeCloseTo(0.03, 12)
    expect(row!.tw_spread).toBeCloseTo(0.03, 15)
    expect(row!.two_sided_frac).toBe(1)
    expect(row!.snapshot_count).toBe(50)
    expect(row!.observed_secs).toBe(49)
  })

  it("NaN, partial, crossed, empty and stale rows never leak into spread or mid averages", () => {
    const stats = new StatsAccumulator(params)
    stats.ingestSnapshots(batch([
      { spread: 0.02, mid: 0.5 },
      { status: "partial", spread: Number.NaN, mid: Number.NaN },
      { status: "crossed", spread: -0.01, mid: 0.5 },
      { status: "stale", spread: 0.5, mid: 0.9 },
      { status: "empty", spread: Number.NaN, mid: Number.NaN, bidSz: 0, askSz: 0 },
      { status: "ok", spread: Number.NaN, mid: 0.5 }, // inconsistent row: ok but no spread
      { spread: 0.04, mid: 0.6 }
    ]))
    const [row] = stats.finalize("polymarket", "2026-01-14")
    expect(row!.avg_spread).toBeCloseTo(0.03, 15)
    expect(row!.avg_mid).toBeCloseTo(0.55, 15)
    expect(row!.median_spread).toBeCloseTo(0.03, 12)
    expect(row!.two_sided_frac).toBeCloseTo(2 / 7, 15)
    expect(row!.crossed_frac).toBeCloseTo(1 / 7, 15)
    expect(row!.stale_frac).toBeCloseTo(1 / 7, 15)
    expect(row!.empty_frac).toBeCloseTo(1 / 7, 15)
    // tw_spread: only the first row (held 1 s) and not the last (no next snapshot) carry weight
    expect(row!.tw_spread).toBeCloseTo(0.02, 15)
    // depth over non-stale rows: 5 rows of 150 and one empty row of 0
    expect(row!.avg_depth).toBeCloseTo((6 * 150 - 150) / 6, 12)
    expect(Number.isNaN(row!.score)).toBe(false)
  })

  it("a key with no two-sided rows has NaN spreads and a finite score", () => {
    const stats = new StatsAccumulator(params)
    stats.ingestSnapshots(batch([{ status: "partial", spread: Number.NaN, mid: Number.NaN }]))
    const [row] = stats.finalize("kalshi", "2026-01-14")
    expect(Number.isNaN(row!.avg_spread)).toBe(true)
    expect(Number.isNaN(row!.median_spread)).toBe(true)
    expect(Number.isNaN(row!.tw_spread)).toBe(true)
    expect(Number.isFinite(row!.score)).toBe(true)
  })

  it("time-weights spreads by the gap to the next snapshot and skips unobserved gaps", () => {
    const stats = new StatsAccumulator(params)
    stats.ingestSnapshots(batch([
      { ts: T0, spread: 0.01 },
      { ts: T0 + 3000, spread: 0.05 }, // 0.01 held 3 s
      { ts: T0 + 4000, spread: 0.02 }, // 0.05 held 1 s
      { ts: T0 + 104_000, spread: 0.02 }, // 100 s gap > 30 s bound: unobserved
      { ts: T0 + 105_000, spread: 0.02 }
    ]))
    const [row] = stats.finalize("polymarket", "2026-01-14")
    expect(row!.observed_secs).toBe(5)
    expect(row!.tw_spread).toBeCloseTo((0.01 * 3 + 0.05 * 1 + 0.02 * 1) / 5, 15)
  })

  it("update_count sums positive seq increments only; rates use observed minutes", () => {
    const stats = new StatsAccumulator(params)
    stats.ingestSnapshots(batch([
      { ts: T0, seq: 10 },
      { ts: T0 + 10_000, seq: 25 }, // +15
      { ts: T0 + 20_000, seq: 3 }, // reset after reconnect: ignored
      { ts: T0 + 30_000, seq: 8 } // +5
    ]))
    const [row] = stats.finalize("polymarket", "2026-01-14")
    expect(row!.update_count).toBe(20)
    expect(row!.updates_per_min).toBeCloseTo(20 / 0.5, 12)
  })

  it("depth over the first 3 and 10 levels and notional of the first 3", () => {
    const stats = new StatsAccumulator(params)
    stats.ingestSnapshots(batch([{
      bidPx: [0.4, 0.3, 0.2, 0.1], bidSzs: [1, 2, 3, 4], askPx: [0.6, 0.7], askSzs: [10, 20]
    }]))
    const [row] = stats.finalize("polymarket", "2026-01-14")
    expect(row!.avg_depth_top3).toBe(1 + 2 + 3 + 10 + 20)
    expect(row!.avg_depth_top10).toBe(1 + 2 + 3 + 4 + 10 + 20)
    expect(row!.avg_notional_top3).toBeCloseTo(0.4 + 0.6 + 0.6 + 6 + 14, 12)
  })

  it("mid_abs_change_per_min sums |delta mid| between observed two-sided neighbours", () => {
    const stats = new StatsAccumulator(params)
    stats.ingestSnapshots(batch([
      { ts: T0, mid: 0.5 },
      { ts: T0 + 15_000, mid: 0.52 },
      { ts: T0 + 30_000, mid: 0.49 },
      { ts: T0 + 60_000, mid: 0.5 }
    ]))
    const [row] = stats.finalize("polymarket", "2026-01-14")
    expect(row!.mid_abs_change_per_min).toBeCloseTo((0.02 + 0.03 + 0.01) / 1, 12)
  })

  it("trades accumulate count, volume, notional and vwap; invalid rows are ignored", () => {
    const acc = new MarketAccumulator("m", "yes")
    expect(acc.addTrade(T0, 0.5, 10)).toBe(true)
    expect(acc.addTrade(T0, 0.6, 30)).toBe(true)
    expect(acc.addTrade(T0, Number.NaN, 30)).toBe(false)
    expect(acc.addTrade(T0, 0.6, 0)).toBe(false)
    const stats = new StatsAccumulator(params)
    stats.ingestTrades({
      ts_recv: [T0, T0 + 1], market_id: ["m", "m"], outcome_id: ["yes", "yes"], price: [0.5, 0.6], size: [10, 30]
    })
    const [row] = stats.finalize("kalshi", "2026-01-14")
    expect(row!.trade_count).toBe(2)
    expect(row!.trade_volume).toBe(40)
    expect(row!.trade_notional).toBeCloseTo(23, 12)
    expect(row!.vwap).toBeCloseTo(23 / 40, 15)
    expect(row!.snapshot_count).toBe(0)
    expect(row!.first_ts).toBe(T0)
    expect(row!.score).toBe(marketScore({
      avg_notional_top3: Number.NaN, two_sided_frac: 0, median_spread: Number.NaN,
      updates_per_min: Number.NaN, trades_per_min: Number.NaN
    }))
  })
})

describe("histogramQuantile", () => {
  const hist = (values: Array<number>) => {
    const h = new Map<number, number>()
    for (const v of values) h.set(Math.round(v / SPREAD_GRID), (h.get(Math.round(v / SPREAD_GRID)) ?? 0) + 1)
    return h
  }
  const naiveQuantileCont = (values: Array<number>, q: number) => {
    const s = [...values].sort((a, b) => a - b)
    const pos = (s.length - 1) * q
    const lo = Math.floor(pos)
    return s[lo]! + (s[Math.ceil(pos)]! - s[lo]!) * (pos - lo)
  }

  it("agrees with a sort-based quantile_cont on random tick-grid spreads", () => {
    let seed = 7
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
    for (let trial = 0; trial < 50; trial++) {
      const values = Array.from({ length: 1 + Math.floor(rand() * 40) }, () => Math.round(1 + rand() * 20) * 0.001)
      for (const q of [0.5, 0.9, 0, 1]) {
        expect(Math.abs(histogramQuantile(hist(values), q) - naiveQuantileCont(values, q))).toBeLessThan(1e-12)
      }
    }
  })

  it("is NaN when empty", () => {
    expect(Number.isNaN(histogramQuantile(new Map(), 0.5))).toBe(true)
  })
})

describe("marketScore", () => {
  it("is finite, 0 for an unknown market, and ranks a deeper, tighter, busier book higher", () => {
    const unknown = marketScore({
      avg_notional_top3: Number.NaN, two_sided_frac: Number.NaN, median_spread: Number.NaN,
      updates_per_min: Number.NaN, trades_per_min: Number.NaN
    })
    expect(unknown).toBe(0)
    const base = { avg_notional_top3: 1000, two_sided_frac: 1, median_spread: 0.02, updates_per_min: 10, trades_per_min: 0.1 }
    const s = marketScore(base)
    expect(s).toBeGreaterThan(0)
    expect(s).toBeLessThanOrEqual(100)
    expect(marketScore({ ...base, avg_notional_top3: 10_000 })).toBeGreaterThan(s)
    expect(marketScore({ ...base, median_spread: 0.01 })).toBeGreaterThan(s)
    expect(marketScore({ ...base, updates_per_min: 100 })).toBeGreaterThan(s)
    expect(marketScore({ ...base, two_sided_frac: 0.5 })).toBeLessThan(s)
  })
})
