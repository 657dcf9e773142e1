/**
 * Column batches (one Parquet file at a time) -> per-key accumulators -> StatsRow.
 * Pure: no IO here; src/miner/runStats.ts feeds it file by file.
 */
import type { StatsRow } from "../domain/StatsRow.js"
import type { VenueId } from "../domain/Venue.js"
import { type AccumulatorParams, histogramQuantile, MarketAccumulator } from "./accumulate.js"
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

const EMPTY: ReadonlyArray<number> = []

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

  /** One snapshot file's columns; level lists are used when present. Returns rows consumed. */
  ingestSnapshots(batch: ColumnBatch): number {
    const ts = numberColumn(batch.ts_recv, "ts_recv")
    const marketIds = stringColumn(batch.market_id, "market_id")
    const outcomeIds = stringColumn(batch.outcome_id, "outcome_id")
    const seq = numberColumn(batch.seq, "seq")
    const status = stringColumn(batch.status, "status")
    const spread = numberColumn(batch.spread, "spread")
    const mid = numberColumn(batch.mid, "mid")
    const bidSz0 = numberColumn(batch.best_bid_sz, "best_bid_sz")
    const askSz0 = numberColumn(batch.best_ask_sz, "best_ask_sz")
    const bidPx = batch.bid_px as ArrayLike<ArrayLike<number> | null> | undefined
    const bidSz = batch.bid_sz as ArrayLike<ArrayLike<number> | null> | undefined
    const askPx = batch.ask_px as ArrayLike<ArrayLike<number> | null> | undefined
    const askSz = batch.ask_sz as ArrayLike<ArrayLike<number> | null> | undefined
    const withLevels = bidPx !== undefined && bidSz !== undefined && askPx !== undefined && askSz !== undefined
    const n = ts.length
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
      if (withLevels) {
        acc.addLevels(st, bidPx[i] ?? EMPTY, bidSz[i] ?? EMPTY, askPx[i] ?? EMPTY, askSz[i] ?? EMPTY)
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
