/**
 * The `score` column of stats.parquet: one number per (market_id, outcome_id) that the
 * scheduler ranks by (HOT = top `hot_count`). A documented composite of three parts, each
 * mapped to 0..1 so no single unit dominates, comparable across markets of one venue:
 *
 *   liquidity  = min(1, log10(1 + avg_notional_top3) / 5)      (notional in $ of the best 3
 *                levels of both sides; $100k or more saturates)
 *   tightness  = two_sided_frac / (1 + median_spread / 0.01)    (a 1-cent spread scores 0.5,
 *                0.1 cent ~0.91; the share of time the book was quotable at all multiplies it)
 *   activity   = min(1, log10(1 + updates_per_min + 10 * trades_per_min) / 3)
 *                (venue book updates plus trades, a trade weighing ten updates; 1000/min saturates)
 *
 *   score = 100 * (0.4 * liquidity + 0.3 * tightness + 0.3 * activity)      in [0, 100]
 *
 * A part that is unknown (NaN: no two-sided rows, no observed time, no list columns) counts
 * as 0, so the score is always finite and a market we know nothing about scores 0.
 */

export interface ScoreInputs {
  readonly avg_notional_top3: number
  readonly two_sided_frac: number
  readonly median_spread: number
  readonly updates_per_min: number
  readonly trades_per_min: number
}

export const SCORE_WEIGHTS = { liquidity: 0.4, tightness: 0.3, activity: 0.3 } as const

const zeroIfUnknown = (x: number): number => (Number.isFinite(x) && x > 0 ? x : 0)

export const liquidityPart = (avgNotionalTop3: number): number =>
  Math.min(1, Math.log10(1 + zeroIfUnknown(avgNotionalTop3)) / 5)

export const tightnessPart = (twoSidedFrac: number, medianSpread: number): number => {
  const frac = zeroIfUnknown(twoSidedFrac)
  if (frac === 0 || !(medianSpread >= 0) || !Number.isFinite(medianSpread)) return 0
  return Math.min(1, frac) / (1 + medianSpread / 0.01)
}

export const activityPart = (updatesPerMin: number, tradesPerMin: number): number =>
  Math.min(1, Math.log10(1 + zeroIfUnknown(updatesPerMin) + 10 * zeroIfUnknown(tradesPerMin)) / 3)

export const marketScore = (s: ScoreInputs): number => {
  const score = 100 * (
    SCORE_WEIGHTS.liquidity * liquidityPart(s.avg_notional_top3) +
    SCORE_WEIGHTS.tightness * tightnessPart(s.two_sided_frac, s.median_spread) +
    SCORE_WEIGHTS.activity * activityPart(s.updates_per_min, s.trades_per_min)
  )
  return Number.isFinite(score) ? score : 0
}
