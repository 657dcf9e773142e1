import type { MarketRecord } from "../../src/domain/Market.js"
import type { StatsRow } from "../../src/domain/StatsRow.js"
import type { VenueId } from "../../src/domain/VenueId.js"

/** Synthetic universe lines and stats rows for scheduler tests. */

export const marketId = (venue: VenueId, i: number): string =>
  venue === "kalshi" ? `KXTEST-${String(i).padStart(5, "0")}` : `0xcond${String(i).padStart(5, "0")}`

export const makeMarket = (venue: VenueId, i: number, over: Partial<MarketRecord> = {}): MarketRecord => {
  const id = marketId(venue, i)
  const tokens = venue === "polymarket" ? [`${id}-yes`, `${id}-no`] : []
  return {
    market_id: id,
    title: `Synthetic market ${i}`,
    outcome_ids: venue === "polymarket" ? tokens : ["yes", "no"],
    outcomes: ["Yes", "No"],
    close_ts: null,
    status: "active",
    tags: [],
    token_ids: tokens,
    event_id: null,
    slug: null,
    volume: 0,
    liquidity: 0,
    tick_size: 0.01,
    ...over
  }
}

/** Deterministic permutation of 0..n-1 (xorshift), so id order and score order differ. */
export const permutation = (n: number, seed = 7): Array<number> => {
  const a = Array.from({ length: n }, (_, i) => i)
  let x = seed >>> 0 || 1
  for (let i = n - 1; i > 0; i--) {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    const j = x % (i + 1)
    const t = a[i]!
    a[i] = a[j]!
    a[j] = t
  }
  return a
}

/**
 * n markets whose only hint is a distinct liquidity (a shuffled rank), so the hint ranking is
 * "highest liquidity first" and independent of market id order.
 */
export const liquidityUniverse = (venue: VenueId, n: number): Array<MarketRecord> => {
  const perm = permutation(n)
  return Array.from({ length: n }, (_, i) => makeMarket(venue, i, { liquidity: 1000 + perm[i]! * 10 }))
}

/** Market ids of the k markets with the highest liquidity. */
export const topByLiquidity = (markets: ReadonlyArray<MarketRecord>, k: number): Array<string> =>
  [...markets].sort((a, b) => (b.liquidity ?? 0) - (a.liquidity ?? 0)).slice(0, k).map((m) => m.market_id)

export const makeStatsRow = (venue: VenueId, market_id: string, outcome_id: string, over: Partial<StatsRow> = {}): StatsRow => ({
  venue,
  market_id,
  outcome_id,
  date: "2026-11-25",
  snapshot_count: 100,
  first_ts: 0,
  last_ts: 0,
  observed_secs: 3600,
  two_sided_frac: 1,
  crossed_frac: 0,
  stale_frac: 0,
  empty_frac: 0,
  avg_spread: 0.02,
  median_spread: 0.02,
  p90_spread: 0.03,
  tw_spread: 0.02,
  avg_mid: 0.5,
  mid_abs_change_per_min: 0,
  avg_depth: 100,
  avg_depth_top3: 100,
  avg_depth_top10: 100,
  avg_notional_top3: 50,
  update_count: 10,
  updates_per_min: 1,
  trade_count: 0,
  trade_volume: 0,
  trade_notional: 0,
  vwap: Number.NaN,
  score: 1,
  ...over
})
