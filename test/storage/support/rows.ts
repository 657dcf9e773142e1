/** Deterministic synthetic rows for storage tests (and benchmarks): ladders on a 0.001 tick grid. */
import type { SnapshotRow } from "../../../src/domain/SnapshotRow.js"
import type { StatsRow } from "../../../src/domain/StatsRow.js"
import type { TradeRow } from "../../../src/domain/TradeRow.js"
import type { VenueId } from "../../../src/domain/VenueId.js"

export { mulberry32 as rng } from "../../support/mulberry32.js"

const tick = (x: number): number => Math.round(x * 1000) / 1000

export function makeSnapshotRow(r: () => number, tsRecv: number, venue: VenueId, market: number, levels: number): SnapshotRow {
  const mid = 0.05 + r() * 0.9
  const nBid = Math.min(levels, Math.floor(r() * (levels + 1)))
  const nAsk = Math.min(levels, Math.floor(r() * (levels + 1)))
  const bid_px: number[] = []
  const bid_sz: number[] = []
  const ask_px: number[] = []
  const ask_sz: number[] = []
  for (let i = 0; i < nBid; i++) {
    bid_px.push(tick(mid - 0.001 * (i + 1)))
    bid_sz.push(Math.round(r() * 5000) / 100)
  }
  for (let i = 0; i < nAsk; i++) {
    ask_px.push(tick(mid + 0.001 * (i + 1)))
    ask_sz.push(Math.round(r() * 5000) / 100)
  }
  const bb = bid_px[0] ?? Number.NaN
  const ba = ask_px[0] ?? Number.NaN
  const twoSided = nBid > 0 && nAsk > 0
  const stale = r() < 0.05
  return {
    ts_recv: tsRecv,
    venue,
    market_id: `${venue === "kalshi" ? "KX" : "0x"}market-${market}`,
    outcome_id: venue === "kalshi" ? (market % 2 === 0 ? "yes" : "no") : `${1000000 + market}`,
    seq: Math.floor(r() * 1e9),
    best_bid_px: bb,
    best_bid_sz: bid_sz[0] ?? 0,
    best_ask_px: ba,
    best_ask_sz: ask_sz[0] ?? 0,
    mid: twoSided ? (bb + ba) / 2 : Number.NaN,
    spread: twoSided ? ba - bb : Number.NaN,
    bid_px, bid_sz, ask_px, ask_sz,
    status: stale ? "stale" : twoSided ? "ok" : nBid + nAsk === 0 ? "empty" : "partial",
    err: stale ? "connection down" : null,
    source_ts: r() < 0.3 ? null : tsRecv - Math.floor(r() * 500)
  }
}

export function makeTradeRow(r: () => number, tsRecv: number, venue: VenueId, i: number): TradeRow {
  return {
    ts_recv: tsRecv,
    source_ts: r() < 0.2 ? null : tsRecv - 7,
    venue,
    market_id: `m-${i % 13}`,
    outcome_id: i % 2 === 0 ? "yes" : "no",
    price: tick(r()),
    size: Math.round(r() * 10000) / 100,
    side: r() < 0.5 ? "buy" : "sell",
    trade_id: r() < 0.1 ? null : `t-${i}`
  }
}

export function makeStatsRow(r: () => number, venue: VenueId, date: string, i: number): StatsRow {
  const nan = (x: number) => (r() < 0.15 ? Number.NaN : x)
  return {
    venue, market_id: `m-${i}`, outcome_id: `o-${i}`, date,
    snapshot_count: Math.floor(r() * 100000), first_ts: 1767600000000 + i, last_ts: 1767686399000 - i,
    observed_secs: r() * 86400, two_sided_frac: r(), crossed_frac: r() / 10, stale_frac: r() / 10, empty_frac: r() / 10,
    avg_spread: nan(r() / 10), median_spread: nan(r() / 10), p90_spread: nan(r() / 5), tw_spread: nan(r() / 10),
    avg_mid: nan(r()), mid_abs_change_per_min: r() / 100, avg_depth: r() * 1e5, avg_depth_top3: r() * 1e4,
    avg_depth_top10: r() * 5e4, avg_notional_top3: r() * 1e4, update_count: Math.floor(r() * 1e7),
    updates_per_min: r() * 1000, trade_count: Math.floor(r() * 1000), trade_volume: r() * 1e6,
    trade_notional: r() * 5e5, vwap: nan(r()), score: r() * 100
  }
}
