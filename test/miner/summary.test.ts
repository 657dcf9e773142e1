import { describe, expect, it } from "vitest"
import type { StatsRow } from "../../src/domain/StatsRow.js"
import { buildSummary, formatSummary, labelsFromUniverse } from "../../src/miner/summary.js"

const stats = (market_id: string, over: Partial<StatsRow>): StatsRow => ({
  venue: "kalshi", market_id, outcome_id: "yes", date: "2026-01-14", snapshot_count: 10, first_ts: 0, last_ts: 1,
  observed_secs: 1, two_sided_frac: 1, crossed_frac: 0, stale_frac: 0, empty_frac: 0, avg_spread: 0.02,
  median_spread: 0.02, p90_spread: 0.02, tw_spread: 0.02, avg_mid: 0.5, mid_abs_change_per_min: 0, avg_depth: 100,
  avg_depth_top3: 100, avg_depth_top10: 100, avg_notional_top3: 50, update_count: 10, updates_per_min: 1,
  trade_count: 0, trade_volume: 0, trade_notional: 0, vwap: Number.NaN, score: 1, ...over
})

describe("buildSummary", () => {
  const rows = [
    stats("A", { avg_depth: 50, avg_spread: 0.01, update_count: 5 }),
    stats("B", { avg_depth: 500, avg_spread: 0.05, update_count: 50 }),
    // never two-sided: NaN spread must not rank as the tightest
    stats("C", { avg_depth: 5, avg_spread: Number.NaN, two_sided_frac: 0, update_count: 500 }),
    stats("D", { avg_depth: 200, avg_spread: 0.03, update_count: 0, trade_count: 3, trade_volume: 7 })
  ]
  const labels = labelsFromUniverse([{
    market_id: "B", title: "Will B happen?", outcome_ids: ["yes", "no"], outcomes: ["Yes", "No"], close_ts: null,
    status: "active", tags: [], token_ids: [], event_id: null, slug: null, volume: null, liquidity: null, tick_size: null
  }])
  const summary = buildSummary({
    venue: "kalshi", date: "2026-01-14", statsPath: "s.parquet", filesRead: 3, filesSkipped: [], rowsMisplaced: 0, snapshotRows: 40,
    tradeRows: 3, stats: rows, labels, top: 3
  })

  it("ranks depth descending, tightest spread ascending over two-sided outcomes only, activity descending", () => {
    expect(summary.top_depth.map((e) => e.market_id)).toEqual(["B", "D", "A"])
    expect(summary.tightest_spread.map((e) => e.market_id)).toEqual(["A", "D", "B"])
    expect(summary.most_active.map((e) => e.market_id)).toEqual(["C", "B", "A"])
  })

  it("labels entries with the universe title and outcome, and totals the day", () => {
    expect(summary.top_depth[0]).toMatchObject({ title: "Will B happen?", outcome: "Yes" })
    expect(summary.top_depth[1]!.title).toBeNull()
    expect(summary.totals).toMatchObject({ markets: 4, outcomes: 4, update_count: 555, trade_count: 3, trade_volume: 7 })
    expect(summary.totals.two_sided_frac).toBeCloseTo(0.75, 12)
    const text = formatSummary(summary)
    expect(text).toContain("Will B happen? [Yes]")
    expect(text).toContain("kalshi 2026-01-14: 4 markets, 4 outcomes, 40 snapshots, 3 trades (3 files read)")
  })
})
