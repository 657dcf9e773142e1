import type { MarketRecord } from "../domain/Market.js"
import type { MarketKey } from "../domain/Subscription.js"

/**
 * Scoring: which markets deserve the always-on HOT slots. Pure functions.
 *
 * A market's score comes from the first source that has something to say:
 *
 * 1. `stats`: the miner's `score` column (stats.parquet, README "Miner"), when finite. A market
 *    has one stats row per outcome; the market takes the MAX over its outcomes (Polymarket's
 *    two tokens mirror each other, docs/PROTOCOLS.md, so the better-quoted side speaks for both).
 * 2. `composite`: when `score` is missing or NaN, the same kind of number built from its parts
 *    (outcome values combined: depth, activity, two-sidedness by max; spread by min):
 *
 *        composite = two_sided_frac
 *                  * (1 - min(1, spread))          spread = tw_spread, else avg_spread (0..1 units)
 *                  * (1 + log10(1 + avg_depth))
 *                  * (1 + log10(1 + updates_per_min))
 *
 *    A book that is never two-sided, or whose spread is unknown (NaN), scores 0.
 * 3. `hints`: no stats row for the market: universe hints,
 *
 *        hints = log10(1 + volume) + 2 * log10(1 + liquidity) + soon
 *        soon  = max(0, 1 - hours_to_close / 720)   (0 when close_ts is null)
 *
 *    Liquidity (resting size) weighs double because it is what a book recorder sees; markets
 *    within 30 days of closing get up to +1 because activity concentrates near resolution.
 *
 * 0. `activity`: trades the venue-wide feed (Kalshi firehose) saw since the last rotation, when
 *    there were any: what trades now deserves the fast cadence before any day-old measure.
 *
 * Ranking is by group first, then score (descending), then market_id (ascending, so ties are
 * deterministic):
 *    group 3: trading now (activity > 0; the score is the trade count),
 *    group 2: measured and alive (stats or composite score > 0),
 *    group 1: not measured (hints),
 *    group 0: measured and dead (stats score <= 0: an empty or one-sided book all day).
 * Measured quality beats a guess from volume, and a guess beats a market we watched do nothing.
 * The scales of the three scores are therefore never compared with each other.
 */

/** Per-market view of the miner's stats (outcome rows already combined). */
export interface MarketStats {
  readonly score: number
  readonly avgDepth: number
  readonly spread: number
  readonly updatesPerMin: number
  readonly twoSidedFrac: number
}

/** One stats.parquet row, only the columns scoring reads. Missing columns read as NaN. */
export interface StatsInputRow {
  readonly market_id: string
  readonly score?: number | undefined
  readonly avg_depth?: number | undefined
  readonly avg_spread?: number | undefined
  readonly tw_spread?: number | undefined
  readonly updates_per_min?: number | undefined
  readonly two_sided_frac?: number | undefined
}

export type ScoreSource = "activity" | "stats" | "composite" | "hints"

export interface RankedMarket {
  readonly marketId: string
  readonly keys: ReadonlyArray<MarketKey>
  readonly score: number
  readonly source: ScoreSource
  readonly group: 0 | 1 | 2 | 3
}

export interface RankResult {
  /** eligible markets, best first */
  readonly ranked: ReadonlyArray<RankedMarket>
  readonly droppedClosed: number
  readonly droppedClosingSoon: number
  readonly droppedNoKeys: number
}

const num = (v: number | undefined): number => (typeof v === "number" ? v : Number.NaN)
const maxFinite = (a: number, b: number): number =>
  Number.isFinite(a) ? (Number.isFinite(b) ? Math.max(a, b) : a) : b
const minFinite = (a: number, b: number): number =>
  Number.isFinite(a) ? (Number.isFinite(b) ? Math.min(a, b) : a) : b
const finiteOr0 = (v: number): number => (Number.isFinite(v) ? v : 0)

/** Combine outcome rows into one MarketStats per market_id. */
export const aggregateStats = (rows: Iterable<StatsInputRow>): Map<string, MarketStats> => {
  const byMarket = new Map<string, MarketStats>()
  for (const row of rows) {
    const tw = num(row.tw_spread)
    const spread = Number.isFinite(tw) ? tw : num(row.avg_spread)
    const next: MarketStats = {
      score: num(row.score),
      avgDepth: num(row.avg_depth),
      spread,
      updatesPerMin: num(row.updates_per_min),
      twoSidedFrac: num(row.two_sided_frac)
    }
    const prev = byMarket.get(row.market_id)
    byMarket.set(
      row.market_id,
      prev === undefined ? next : {
        score: maxFinite(prev.score, next.score),
        avgDepth: maxFinite(prev.avgDepth, next.avgDepth),
        spread: minFinite(prev.spread, next.spread),
        updatesPerMin: maxFinite(prev.updatesPerMin, next.updatesPerMin),
        twoSidedFrac: maxFinite(prev.twoSidedFrac, next.twoSidedFrac)
      }
    )
  }
  return byMarket
}

/** The composite of the miner's parts (see the module comment). */
export const compositeScore = (s: MarketStats): number => {
  if (!Number.isFinite(s.spread)) return 0
  const tightness = 1 - Math.min(1, Math.max(0, s.spread))
  return finiteOr0(s.twoSidedFrac) * tightness *
    (1 + Math.log10(1 + Math.max(0, finiteOr0(s.avgDepth)))) *
    (1 + Math.log10(1 + Math.max(0, finiteOr0(s.updatesPerMin))))
}

const HOUR_MS = 3_600_000

/** Universe-hints score (see the module comment). */
export const hintScore = (m: MarketRecord, nowMs: number): number => {
  const volume = Math.max(0, finiteOr0(m.volume ?? Number.NaN))
  const liquidity = Math.max(0, finiteOr0(m.liquidity ?? Number.NaN))
  const soon = m.close_ts === null ? 0 : Math.max(0, 1 - (m.close_ts - nowMs) / HOUR_MS / 720)
  return Math.log10(1 + volume) + 2 * Math.log10(1 + liquidity) + soon
}

/**
 * Statuses after which a market never trades again (Polymarket "closed"; Kalshi
 * closed|determined|disputed|amended|finalized, docs/PROTOCOLS.md Kalshi market fields).
 */
const CLOSED_STATUSES = new Set([
  "closed", "determined", "disputed", "amended", "finalized", "settled", "resolved", "archived"
])

export const compareRanked = (a: RankedMarket, b: RankedMarket): number =>
  b.group - a.group || b.score - a.score || (a.marketId < b.marketId ? -1 : a.marketId > b.marketId ? 1 : 0)

/**
 * Eligible markets, best first. Drops closed markets and those closing within
 * `minHoursUntilClose` of `nowMs`, and markets without a subscription key.
 * Duplicate market ids (a malformed universe) keep the first line.
 */
export const rankMarkets = (opts: {
  /** the subscriptions a market needs (the venue's `marketKeys`) */
  readonly keysOf: (m: MarketRecord) => ReadonlyArray<MarketKey>
  readonly markets: ReadonlyArray<MarketRecord>
  readonly stats: ReadonlyMap<string, MarketStats> | null
  readonly nowMs: number
  readonly minHoursUntilClose: number
  /** trades per market since the last rotation (the firehose); null = no such feed */
  readonly activity?: ReadonlyMap<string, number> | null
}): RankResult => {
  const closeCutoff = opts.nowMs + opts.minHoursUntilClose * HOUR_MS
  const ranked: Array<RankedMarket> = []
  const seen = new Set<string>()
  let droppedClosed = 0
  let droppedClosingSoon = 0
  let droppedNoKeys = 0
  for (const m of opts.markets) {
    if (seen.has(m.market_id)) continue
    seen.add(m.market_id)
    if (CLOSED_STATUSES.has(m.status.toLowerCase())) {
      droppedClosed++
      continue
    }
    if (m.close_ts !== null && m.close_ts <= closeCutoff) {
      droppedClosingSoon++
      continue
    }
    const keys = opts.keysOf(m)
    if (keys.length === 0) {
      droppedNoKeys++
      continue
    }
    const trades = opts.activity?.get(m.market_id) ?? 0
    const s = opts.stats?.get(m.market_id)
    if (trades > 0) {
      ranked.push({ marketId: m.market_id, keys, score: trades, source: "activity", group: 3 })
    } else if (s === undefined) {
      ranked.push({ marketId: m.market_id, keys, score: hintScore(m, opts.nowMs), source: "hints", group: 1 })
    } else {
      const fromMiner = Number.isFinite(s.score)
      const score = fromMiner ? s.score : compositeScore(s)
      ranked.push({
        marketId: m.market_id,
        keys,
        score,
        source: fromMiner ? "stats" : "composite",
        group: score > 0 ? 2 : 0
      })
    }
  }
  ranked.sort(compareRanked)
  return { ranked, droppedClosed, droppedClosingSoon, droppedNoKeys }
}
