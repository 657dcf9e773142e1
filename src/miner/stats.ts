/**
 * Column batches (one Parquet file at a time) -> per-key accumulators -> StatsRow.
 * Pure: no IO here; src/miner/mineDay.ts feeds it file by file.
 */
import type { StatsRow } from "../domain/StatsRow.js"
import type { VenueId } from "../domain/VenueId.js"
import { type AccumulatorParams, histogramQuantile, MarketAccumulator } from "./accumulate.js"
import type { ListPrefix } from "./listPrefix.js"
import { marketScore } from "./score.js"

/** the scalar snapshot columns every statistic needs (hyparquet reads these at millions of rows/s) */
export const SNAPSHOT_SCALAR_COLUMNS = [
  "ts_recv", "market_id", "outcome_id", "seq", "status", "spread", "mid", "best_bid_sz", "best_ask_sz"
] as const
/** list columns: only for avg_depth_top3 / avg_depth_top10 / avg_notional_top3 (~30x slower to read) */
export const SNAPSHOT_LEVEL_COLUMNS = ["bid_px", "bid_sz", "ask_px", "ask_sz"] as const
export const TRADE_COLUMNS_USED = ["ts_recv", "market_id", "outcome_id", "price", "size", "side"] as const

export type ColumnBatch = Readonly<Record<string, ArrayLike<unknown> | undefined>>

/** INT64 columns come back as bigint, missing DOUBLEs possibly as null: normalise once per column. */
export const numberColumn = (col: ArrayLike<unknown> | undefined, name: string): ArrayLike<number> => {
  if (col === undefined) throw new Error(`column ${name} is missing`)
  if (col instanceof Float64Array) return col
  const out = new Float64Array(col.length)
  for (let i = 0; i < col.length; i++) {
    const v = col[i]
    out[i] = v == null ? Number.NaN : typeof v === "number" ? v : Number(v)
  }
  return out
}

export const stringColumn = (col: ArrayLike<unknown> | undefined, name: string): ArrayLike<string> => {
  if (col === undefined) throw new Error(`column ${name} is missing`)
  return col as ArrayLike<string>
}

/** level prefixes read per file: first 3 prices and first 10 sizes of each side */
export const PRICE_PREFIX = 3
export const SIZE_PREFIX = 10

export interface LevelPrefixes {
  readonly bidPx: ListPrefix
  readonly bidSz: ListPrefix
  readonly askPx: ListPrefix
  readonly askSz: ListPrefix
}

/** per-row arrays (hyparquet's row reader, tests) -> the flat prefix form */
export const prefixFromRows = (lists: ArrayLike<ArrayLike<number> | null | undefined>, k: number): ListPrefix => {
  const rows = lists.length
  const values = new Float64Array(rows * k).fill(Number.NaN)
  for (let r = 0; r < rows; r++) {
    const list = lists[r]
    if (list == null) continue
    const end = Math.min(k, list.length)
    for (let i = 0; i < end; i++) {
      // a NULL element keeps its position and reads NaN, as in the list walker
      const v = list[i] as unknown
      values[r * k + i] = typeof v === "number" ? v : typeof v === "bigint" ? Number(v) : Number.NaN
    }
  }
  return { values, k, rows }
}

export const levelPrefixesFromBatch = (batch: ColumnBatch): LevelPrefixes | undefined => {
  const lists = batch as Readonly<Record<string, ArrayLike<ArrayLike<number> | null> | undefined>>
  if (lists.bid_px === undefined || lists.bid_sz === undefined || lists.ask_px === undefined || lists.ask_sz === undefined) {
    return undefined
  }
  return {
    bidPx: prefixFromRows(lists.bid_px, PRICE_PREFIX),
    bidSz: prefixFromRows(lists.bid_sz, SIZE_PREFIX),
    askPx: prefixFromRows(lists.ask_px, PRICE_PREFIX),
    askSz: prefixFromRows(lists.ask_sz, SIZE_PREFIX)
  }
}

/** sum of the first n finite values of row r (the report's top-3 depth series uses the same sum) */
export const prefixSum = (p: ListPrefix, r: number, n: number): number => {
  let sum = 0
  const base = r * p.k
  for (let i = 0; i < n; i++) {
    const x = p.values[base + i]!
    if (Number.isFinite(x)) sum += x
  }
  return sum
}

/** sum of px*sz over the first n levels of row r (both prefixes hold at least n per row) */
const notionalSum = (px: ListPrefix, sz: ListPrefix, r: number, n: number): number => {
  let sum = 0
  for (let i = 0; i < n; i++) {
    const x = px.values[r * px.k + i]! * sz.values[r * sz.k + i]!
    if (Number.isFinite(x)) sum += x
  }
  return sum
}

export class StatsAccumulator {
  private readonly byMarket = new Map<string, Map<string, MarketAccumulator>>()
  size = 0

  constructor(readonly params: AccumulatorParams) {}

  get(marketId: string, outcomeId: string): MarketAccumulator {
    let outcomes = this.byMarket.get(marketId)
    if (outcomes === undefined) {
      outcomes = new Map()
      this.byMarket.set(marketId, outcomes)
    }
    let acc = outcomes.get(outcomeId)
    if (acc === undefined) {
      acc = new MarketAccumulator(marketId, outcomeId)
      outcomes.set(outcomeId, acc)
      this.size++
    }
    return acc
  }

  *accumulators(): IterableIterator<MarketAccumulator> {
    for (const outcomes of this.byMarket.values()) yield* outcomes.values()
  }

  /**
   * One snapshot file's columns. Depth from the ladders comes from `levels` when given, else
   * from per-row list columns in the batch when present. Returns rows consumed.
   */
  ingestSnapshots(batch: ColumnBatch, levelPrefixes?: LevelPrefixes): number {
    const ts = numberColumn(batch.ts_recv, "ts_recv")
    const marketIds = stringColumn(batch.market_id, "market_id")
    const outcomeIds = stringColumn(batch.outcome_id, "outcome_id")
    const seq = numberColumn(batch.seq, "seq")
    const status = stringColumn(batch.status, "status")
    const spread = numberColumn(batch.spread, "spread")
    const mid = numberColumn(batch.mid, "mid")
    const bidSz0 = numberColumn(batch.best_bid_sz, "best_bid_sz")
    const askSz0 = numberColumn(batch.best_ask_sz, "best_ask_sz")
    const levels = levelPrefixes ?? levelPrefixesFromBatch(batch)
    const n = ts.length
    if (levels !== undefined && (levels.bidPx.rows !== n || levels.askSz.rows !== n)) {
      throw new Error(`ladder columns have ${levels.bidPx.rows} rows, scalar columns ${n}`)
    }
    let lastMarket = ""
    let lastOutcome = ""
    let acc: MarketAccumulator | undefined
    for (let i = 0; i < n; i++) {
      const m = marketIds[i]!
      const o = outcomeIds[i]!
      // rows of one market's outcomes are usually adjacent: skip the map lookups then
      if (acc === undefined || m !== lastMarket || o !== lastOutcome) {
        acc = this.get(m, o)
        lastMarket = m
        lastOutcome = o
      }
      const st = status[i]!
      acc.addSnapshot(this.params, ts[i]!, st, seq[i]!, spread[i]!, mid[i]!, bidSz0[i]!, askSz0[i]!)
      if (levels !== undefined) {
        const { bidPx, bidSz, askPx, askSz } = levels
        acc.addLevelSums(
          st,
          prefixSum(bidSz, i, 3) + prefixSum(askSz, i, 3),
          prefixSum(bidSz, i, SIZE_PREFIX) + prefixSum(askSz, i, SIZE_PREFIX),
          notionalSum(bidPx, bidSz, i, PRICE_PREFIX) + notionalSum(askPx, askSz, i, PRICE_PREFIX)
        )
      }
    }
    return n
  }

  /** One trade file's columns. Returns rows consumed (ignored invalid rows included). */
  ingestTrades(batch: ColumnBatch): number {
    const ts = numberColumn(batch.ts_recv, "ts_recv")
    const marketIds = stringColumn(batch.market_id, "market_id")
    const outcomeIds = stringColumn(batch.outcome_id, "outcome_id")
    const price = numberColumn(batch.price, "price")
    const size = numberColumn(batch.size, "size")
    for (let i = 0; i < ts.length; i++) {
      this.get(marketIds[i]!, outcomeIds[i]!).addTrade(ts[i]!, price[i]!, size[i]!)
    }
    return ts.length
  }

  /** One row per key, sorted by (market_id, outcome_id). */
  finalize(venue: VenueId, date: string): Array<StatsRow> {
    const rows: Array<StatsRow> = []
    for (const acc of this.accumulators()) rows.push(statsRowOf(acc, venue, date))
    rows.sort((a, b) =>
      a.market_id < b.market_id ? -1 : a.market_id > b.market_id ? 1 : a.outcome_id < b.outcome_id ? -1 : a.outcome_id > b.outcome_id ? 1 : 0
    )
    return rows
  }
}

const ratio = (num: number, den: number): number => (den > 0 ? num / den : Number.NaN)

export const statsRowOf = (acc: MarketAccumulator, venue: VenueId, date: string): StatsRow => {
  const n = acc.snapshotCount
  const observedMin = acc.observedMs / 60_000
  const hasSnapshots = n > 0
  const firstTs = hasSnapshots ? acc.firstTs : acc.tradeFirstTs
  const lastTs = hasSnapshots ? acc.lastTs : acc.tradeLastTs
  const twoSidedFrac = hasSnapshots ? acc.twoSidedCount / n : 0
  const medianSpread = histogramQuantile(acc.spreadHistogram, 0.5)
  const avgNotionalTop3 = ratio(acc.notionalTop3Sum, acc.depthListRows)
  const updatesPerMin = ratio(acc.observedUpdateCount, observedMin)
  const tradesPerMin = ratio(acc.tradeCount, observedMin)
  return {
    venue,
    market_id: acc.marketId,
    outcome_id: acc.outcomeId,
    date,
    snapshot_count: n,
    first_ts: Number.isFinite(firstTs) ? firstTs : 0,
    last_ts: Number.isFinite(lastTs) ? lastTs : 0,
    observed_secs: acc.observedMs / 1000,
    two_sided_frac: twoSidedFrac,
    crossed_frac: hasSnapshots ? acc.crossedCount / n : 0,
    stale_frac: hasSnapshots ? acc.staleCount / n : 0,
    empty_frac: hasSnapshots ? acc.emptyCount / n : 0,
    avg_spread: ratio(acc.spreadSum, acc.twoSidedCount),
    median_spread: medianSpread,
    p90_spread: histogramQuantile(acc.spreadHistogram, 0.9),
    tw_spread: ratio(acc.twSpreadWeighted, acc.twSpreadWeightMs),
    avg_mid: ratio(acc.midSum, acc.twoSidedCount),
    mid_abs_change_per_min: ratio(acc.midAbsChange, observedMin),
    avg_depth: ratio(acc.depthSum, acc.depthRows),
    avg_depth_top3: ratio(acc.depthTop3Sum, acc.depthListRows),
    avg_depth_top10: ratio(acc.depthTop10Sum, acc.depthListRows),
    avg_notional_top3: avgNotionalTop3,
    update_count: acc.updateCount,
    updates_per_min: updatesPerMin,
    trade_count: acc.tradeCount,
    trade_volume: acc.tradeVolume,
    trade_notional: acc.tradeNotional,
    vwap: ratio(acc.tradeNotional, acc.tradeVolume),
    score: marketScore({
      avg_notional_top3: avgNotionalTop3,
      two_sided_frac: twoSidedFrac,
      median_spread: medianSpread,
      updates_per_min: updatesPerMin,
      trades_per_min: tradesPerMin
    })
  }
}
