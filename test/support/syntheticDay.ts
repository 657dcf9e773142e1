/**
 * Synthetic, deterministic order-book days in the real Hive layout (DESIGN section 6), for the
 * miner's tests and the benchmarks. Each key (market, outcome) gets a snapshot every
 * `intervalMs` (staggered), a mid random walk on a 0.01 tick grid, a 1..4 tick spread, ladders
 * of `levels` per side, venue-update `seq` counters, a mix of statuses (partial / crossed /
 * stale / empty rows with the NaN conventions of the collector) and trades on either side.
 * Written bucket by bucket (memory: one bucket of rows), one file per bucket.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import type { SnapshotRow } from "../../src/domain/SnapshotRow.js"
import type { TradeRow } from "../../src/domain/TradeRow.js"
import type { VenueId } from "../../src/domain/VenueId.js"
import { encodeSnapshotRows } from "../../src/storage/parquet/snapshots.js"
import { encodeTradeRows } from "../../src/storage/parquet/trades.js"
import { snapshotFilePath, tradeFilePath } from "../../src/storage/paths.js"

export interface SyntheticDayOptions {
  readonly dataDir: string
  readonly venue: VenueId
  readonly date: string
  /** markets; each has two outcomes ("<market>-yes", "<market>-no" for polymarket; yes/no for kalshi) */
  readonly markets: number
  /** snapshot interval per key */
  readonly intervalMs: number
  /** levels per side */
  readonly levels: number
  /** hours of the day to fill, from 00:00 UTC (24 = whole day) */
  readonly hours?: number
  readonly bucketMinutes?: number
  /** probability that a snapshot row is not ok (split over partial/crossed/stale/empty) */
  readonly badRowRate?: number
  /** expected trades per key per snapshot interval */
  readonly tradeRate?: number
  readonly seed?: number
  /** encode options (row group size) */
  readonly rowGroupSize?: number
}

export interface SyntheticDayResult {
  readonly snapshotFiles: ReadonlyArray<string>
  readonly tradeFiles: ReadonlyArray<string>
  readonly snapshotRows: number
  readonly tradeRows: number
}

import { mulberry32 as seededRandom } from "./mulberry32.js"

export { seededRandom }

interface KeyState {
  readonly marketId: string
  readonly outcomeId: string
  midTicks: number
  seq: number
  readonly offsetMs: number
}

/** the nearest double to ticks * 0.01, like a decoded decimal string */
const px = (ticks: number): number => ticks / 100

export const syntheticSnapshotRow = (
  venue: VenueId,
  key: KeyState,
  ts: number,
  levels: number,
  rand: () => number,
  badRowRate: number
): SnapshotRow => {
  const spreadTicks = 1 + Math.floor(rand() * 4)
  const bidTicks = key.midTicks - Math.ceil(spreadTicks / 2)
  const askTicks = bidTicks + spreadTicks
  const bidPx: Array<number> = []
  const bidSz: Array<number> = []
  const askPx: Array<number> = []
  const askSz: Array<number> = []
  for (let l = 0; l < levels; l++) {
    if (bidTicks - l >= 1) {
      bidPx.push(px(bidTicks - l))
      bidSz.push(10 * (1 + Math.floor(rand() * 50)))
    }
    if (askTicks + l <= 99) {
      askPx.push(px(askTicks + l))
      askSz.push(10 * (1 + Math.floor(rand() * 50)))
    }
  }
  key.seq += Math.floor(rand() * 6)
  let status: SnapshotRow["status"] = "ok"
  const r = rand()
  if (r < badRowRate) {
    const kind = Math.floor((r / badRowRate) * 4)
    status = kind === 0 ? "partial" : kind === 1 ? "crossed" : kind === 2 ? "stale" : "empty"
  }
  let bestBid = bidPx[0] ?? Number.NaN
  let bestAsk = askPx[0] ?? Number.NaN
  if (status === "partial") {
    askPx.length = 0
    askSz.length = 0
    bestAsk = Number.NaN
  } else if (status === "empty") {
    bidPx.length = bidSz.length = askPx.length = askSz.length = 0
    bestBid = bestAsk = Number.NaN
  } else if (status === "crossed") {
    bestAsk = px(bidTicks - 1)
    askPx[0] = bestAsk
  }
  const twoSided = Number.isFinite(bestBid) && Number.isFinite(bestAsk)
  return {
    ts_recv: ts,
    venue,
    market_id: key.marketId,
    outcome_id: key.outcomeId,
    seq: key.seq,
    best_bid_px: bestBid,
    best_bid_sz: bidSz[0] ?? 0,
    best_ask_px: bestAsk,
    best_ask_sz: askSz[0] ?? 0,
    mid: twoSided ? (bestBid + bestAsk) / 2 : Number.NaN,
    spread: twoSided ? bestAsk - bestBid : Number.NaN,
    bid_px: bidPx,
    bid_sz: bidSz,
    ask_px: askPx,
    ask_sz: askSz,
    status,
    err: status === "ok" ? null : status,
    source_ts: ts - 50
  }
}

export const writeSyntheticDay = (opts: SyntheticDayOptions): SyntheticDayResult => {
  const rand = seededRandom(opts.seed ?? 1)
  const bucketMs = (opts.bucketMinutes ?? 5) * 60_000
  const dayStart = Date.parse(`${opts.date}T00:00:00Z`)
  const dayEnd = dayStart + (opts.hours ?? 24) * 3_600_000
  const badRowRate = opts.badRowRate ?? 0.05
  const tradeRate = opts.tradeRate ?? 0.05
  const keys: Array<KeyState> = []
  for (let m = 0; m < opts.markets; m++) {
    const marketId = opts.venue === "kalshi" ? `KXSYN-${m}` : `0xsyn${m.toString(16).padStart(6, "0")}`
    for (const outcome of ["yes", "no"]) {
      keys.push({
        marketId,
        outcomeId: opts.venue === "kalshi" ? outcome : `${m}${outcome === "yes" ? "1" : "2"}`,
        midTicks: 20 + Math.floor(rand() * 60),
        seq: 0,
        offsetMs: Math.floor(rand() * opts.intervalMs)
      })
    }
  }
  const snapshotFiles: Array<string> = []
  const tradeFiles: Array<string> = []
  let snapshotRows = 0
  let tradeRows = 0
  const encodeOpts = opts.rowGroupSize === undefined ? {} : { rowGroupSize: opts.rowGroupSize }
  for (let bucket = dayStart; bucket < dayEnd; bucket += bucketMs) {
    const rows: Array<SnapshotRow> = []
    const trades: Array<TradeRow> = []
    // interleave keys in time order, the way the collector's snapshotter emits them
    // a key's row at tick k lands at k*interval + offset (offset < interval): start one tick early
    const firstTick = Math.max(0, Math.floor((bucket - dayStart) / opts.intervalMs) - 1)
    for (let tick = firstTick; ; tick++) {
      const base = dayStart + tick * opts.intervalMs
      if (base >= bucket + bucketMs) break
      const due: Array<{ key: KeyState; ts: number }> = []
      for (const key of keys) {
        const ts = base + key.offsetMs
        if (ts >= bucket && ts < bucket + bucketMs && ts < dayEnd) due.push({ key, ts })
      }
      due.sort((a, b) => a.ts - b.ts)
      for (const { key, ts } of due) {
        const step = rand()
        if (step < 0.1 && key.midTicks > 5) key.midTicks--
        else if (step > 0.9 && key.midTicks < 95) key.midTicks++
        rows.push(syntheticSnapshotRow(opts.venue, key, ts, opts.levels, rand, badRowRate))
        if (rand() < tradeRate) {
          const side = rand() < 0.5 ? "buy" : "sell"
          const price = px(key.midTicks + (side === "buy" ? 1 : -1))
          trades.push({
            ts_recv: ts + 1 + Math.floor(rand() * 100),
            source_ts: ts,
            venue: opts.venue,
            market_id: key.marketId,
            outcome_id: key.outcomeId,
            price,
            size: 1 + Math.floor(rand() * 100),
            side,
            trade_id: `t${tradeRows + trades.length}`
          })
        }
      }
    }
    if (rows.length > 0) {
      const file = snapshotFilePath(opts.dataDir, opts.venue, bucket, 0)
      fs.mkdirSync(path.dirname(file), { recursive: true })
      fs.writeFileSync(file, encodeSnapshotRows(rows, encodeOpts))
      snapshotFiles.push(file)
      snapshotRows += rows.length
    }
    if (trades.length > 0) {
      trades.sort((a, b) => a.ts_recv - b.ts_recv)
      const inBucket = trades.filter((t) => t.ts_recv < bucket + bucketMs)
      const file = tradeFilePath(opts.dataDir, opts.venue, bucket, 0)
      fs.mkdirSync(path.dirname(file), { recursive: true })
      fs.writeFileSync(file, encodeTradeRows(inBucket, encodeOpts))
      tradeFiles.push(file)
      tradeRows += inBucket.length
    }
  }
  return { snapshotFiles, tradeFiles, snapshotRows, tradeRows }
}
