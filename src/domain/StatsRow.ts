import { Schema } from "effect"
import { VenueId } from "./VenueId.js"

/**
 * Per (market_id, outcome_id) statistics for one date: `data/stats/venue=V/date=D/stats.parquet`.
 * Column meanings are defined by the miner (src/miner) and documented in README.md.
 * Averages with no qualifying rows are NaN (never 0, which would look like a perfect spread).
 * `first_ts`, `last_ts`, `snapshot_count`, `update_count`, `trade_count` are INT64 in Parquet.
 */
export const StatsRow = Schema.Struct({
  venue: VenueId,
  market_id: Schema.String,
  outcome_id: Schema.String,
  date: Schema.String,
  snapshot_count: Schema.Number,
  first_ts: Schema.Number,
  last_ts: Schema.Number,
  observed_secs: Schema.Number,
  two_sided_frac: Schema.Number,
  crossed_frac: Schema.Number,
  stale_frac: Schema.Number,
  empty_frac: Schema.Number,
  avg_spread: Schema.Number,
  median_spread: Schema.Number,
  p90_spread: Schema.Number,
  tw_spread: Schema.Number,
  avg_mid: Schema.Number,
  mid_abs_change_per_min: Schema.Number,
  avg_depth: Schema.Number,
  avg_depth_top3: Schema.Number,
  avg_depth_top10: Schema.Number,
  avg_notional_top3: Schema.Number,
  update_count: Schema.Number,
  updates_per_min: Schema.Number,
  trade_count: Schema.Number,
  trade_volume: Schema.Number,
  trade_notional: Schema.Number,
  vwap: Schema.Number,
  score: Schema.Number
})
export type StatsRow = typeof StatsRow.Type

export const STATS_COLUMNS = Object.keys(StatsRow.fields) as ReadonlyArray<keyof StatsRow>
export const STATS_INT64_COLUMNS: ReadonlyArray<keyof StatsRow> = [
  "snapshot_count", "first_ts", "last_ts", "update_count", "trade_count"
]
