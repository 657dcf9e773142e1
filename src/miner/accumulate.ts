/**
 * Per-(market_id, outcome_id) accumulators: plain imperative code, one call per row.
 *
 * Rows of one key must arrive in time order (files are read in time order and the writer
 * writes each file in ts_recv order). Everything here is O(1) per row except the spread
 * histogram, a Map bounded by the number of distinct spreads on the micro-price grid.
 * The formulas are the product's claim and are documented in README.md ("Miner").
 */

/** status values of a snapshot row (src/domain/SnapshotRow.ts) */
export type RowStatus = "ok" | "partial" | "empty" | "stale" | "crossed"

/**
 * Spreads are histogrammed on a 1e-6 price grid (integer micro-price units). Both venues quote
 * on 0.01 / 0.001 / 0.0001 grids (docs/PROTOCOLS.md: Polymarket tick sizes; Kalshi cents and
 * fixed-point dollars with 4 decimals), so every real spread is an exact multiple of 1e-6 and
 * the median / p90 read from this histogram equal the exact order statistics of the spread
 * column (they differ from the raw doubles only by their binary representation error, < 1e-12).
 */
export const SPREAD_GRID = 1e-6

/**
 * A row is "two-sided" (quotable) when the collector says ok (both sides present, not crossed,
 * not stale) AND its spread and mid are finite with spread > 0. The second half guards against
 * NaN ever reaching an average, whatever the status column says.
 */
export const isTwoSided = (status: string, spread: number, mid: number): boolean =>
  status === "ok" && spread > 0 && Number.isFinite(spread) && Number.isFinite(mid)

export interface AccumulatorParams {
  /** gaps between consecutive snapshots longer than this are unobserved time (3x warm interval) */
  readonly maxObservedGapMs: number
}

export class MarketAccumulator {
  snapshotCount = 0
  firstTs = Number.POSITIVE_INFINITY
  lastTs = Number.NEGATIVE_INFINITY
  observedMs = 0

  twoSidedCount = 0
  crossedCount = 0
  staleCount = 0
  emptyCount = 0

  spreadSum = 0
  /** micro-price spread -> count, over two-sided rows */
  readonly spreadHistogram = new Map<number, number>()
  twSpreadWeighted = 0
  twSpreadWeightMs = 0

  midSum = 0
  midAbsChange = 0

  depthRows = 0
  depthSum = 0
  depthListRows = 0
  depthTop3Sum = 0
  depthTop10Sum = 0
  notionalTop3Sum = 0

  updateCount = 0
  observedUpdateCount = 0

  tradeCount = 0
  tradeVolume = 0
  tradeNotional = 0
  tradeFirstTs = Number.POSITIVE_INFINITY
  tradeLastTs = Number.NEGATIVE_INFINITY

  /** previous snapshot of this key: its time, seq, and its spread/mid when it was two-sided (else NaN) */
  private prevTs = Number.NaN
  private prevSeq = Number.NaN
  private prevSpread = Number.NaN
  private prevMid = Number.NaN

  constructor(
    readonly marketId: string,
    readonly outcomeId: string
  ) {}

  /**
   * One snapshot row (scalar columns). Depth from the level lists is added separately by
   * `addLevels` because list columns are ~30x slower to read and not every report needs them.
   */
  addSnapshot(
    params: AccumulatorParams,
    ts: number,
    status: string,
    seq: number,
    spread: number,
    mid: number,
    bestBidSz: number,
    bestAskSz: number
  ): void {
    this.snapshotCount++
    if (ts < this.firstTs) this.firstTs = ts
    if (ts > this.lastTs) this.lastTs = ts

    const twoSided = isTwoSided(status, spread, mid)
    if (twoSided) {
      this.twoSidedCount++
      this.spreadSum += spread
      const micro = Math.round(spread / SPREAD_GRID)
      this.spreadHistogram.set(micro, (this.spreadHistogram.get(micro) ?? 0) + 1)
      this.midSum += mid
    } else if (status === "crossed") this.crossedCount++
    else if (status === "stale") this.staleCount++
    else if (status === "empty") this.emptyCount++

    if (status !== "stale") {
      this.depthRows++
      this.depthSum += finiteOrZero(bestBidSz) + finiteOrZero(bestAskSz)
    }

    if (!Number.isNaN(this.prevTs)) {
      const gap = ts - this.prevTs
      const observed = gap >= 0 && gap <= params.maxObservedGapMs
      if (observed) {
        this.observedMs += gap
        // the previous row's spread held until this row: time weight = gap to the next snapshot
        if (!Number.isNaN(this.prevSpread)) {
          this.twSpreadWeighted += this.prevSpread * gap
          this.twSpreadWeightMs += gap
        }
        if (twoSided && !Number.isNaN(this.prevMid)) this.midAbsChange += Math.abs(mid - this.prevMid)
      }
      // seq counts venue updates applied to the book; a drop means the book was reset (reconnect)
      const increment = seq - this.prevSeq
      if (increment > 0) {
        this.updateCount += increment
        if (observed) this.observedUpdateCount += increment
      }
    }
    this.prevTs = ts
    this.prevSeq = seq
    this.prevSpread = twoSided ? spread : Number.NaN
    this.prevMid = twoSided ? mid : Number.NaN
  }

  /**
   * Depth from the first levels of both sides (bids best-first descending, asks ascending, as
   * written by the collector; see stats.ts for the sums). Only for non-stale rows, like `avg_depth`.
   */
  addLevelSums(status: string, depthTop3: number, depthTop10: number, notionalTop3: number): void {
    if (status === "stale") return
    this.depthListRows++
    this.depthTop3Sum += depthTop3
    this.depthTop10Sum += depthTop10
    this.notionalTop3Sum += notionalTop3
  }

  /** One trade; rows with a non-finite or non-positive size or a non-finite price are ignored. */
  addTrade(ts: number, price: number, size: number): boolean {
    if (!(size > 0) || !Number.isFinite(size) || !Number.isFinite(price)) return false
    this.tradeCount++
    this.tradeVolume += size
    this.tradeNotional += price * size
    if (ts < this.tradeFirstTs) this.tradeFirstTs = ts
    if (ts > this.tradeLastTs) this.tradeLastTs = ts
    return true
  }
}

const finiteOrZero = (x: number): number => (Number.isFinite(x) ? x : 0)

/**
 * Quantile with linear interpolation between closest ranks (DuckDB `quantile_cont`, which is
 * what DuckDB's `median` is): position (n-1)*q in the sorted values. NaN when empty.
 */
export const histogramQuantile = (histogram: ReadonlyMap<number, number>, q: number): number => {
  let n = 0
  for (const c of histogram.values()) n += c
  if (n === 0) return Number.NaN
  const keys = Array.from(histogram.keys()).sort((a, b) => a - b)
  const pos = (n - 1) * q
  const lowerRank = Math.floor(pos)
  const upperRank = Math.ceil(pos)
  let lower = Number.NaN
  let upper = Number.NaN
  let seen = 0
  for (const k of keys) {
    const next = seen + histogram.get(k)!
    if (Number.isNaN(lower) && lowerRank < next) lower = k
    if (upperRank < next) {
      upper = k
      break
    }
    seen = next
  }
  const value = lower + (upper - lower) * (pos - lowerRank)
  return value * SPREAD_GRID
}
