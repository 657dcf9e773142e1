/**
 * A large synthetic day for the report's size and load-time test, written with the project's
 * own Parquet writer in the real Hive layout: `markets` markets (two outcomes each), of which
 * the first `denseMarkets` have a snapshot every `denseIntervalMs` (more points than a chart
 * keeps, so their series are downsampled), the rest one every `sparseIntervalMs`; every key
 * trades (so the market-making table has a row per outcome, its largest size). One file per
 * hour bucket. Deterministic.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import type { SnapshotRow } from "../../src/domain/SnapshotRow.js"
import type { TradeRow } from "../../src/domain/TradeRow.js"
import type { VenueId } from "../../src/domain/VenueId.js"
import type { MarketRecord } from "../../src/domain/Market.js"
import { encodeSnapshotRows } from "../../src/storage/parquet/snapshots.js"
import { encodeTradeRows } from "../../src/storage/parquet/trades.js"
import { snapshotFilePath, tradeFilePath, universePath } from "../../src/storage/paths.js"
import { encodeUniverse } from "../../src/storage/universe.js"
import { seededRandom, syntheticSnapshotRow } from "../support/syntheticDay.js"

export interface LargeDayOptions {
  readonly dataDir: string
  readonly venue: VenueId
  readonly date: string
  readonly markets: number
  readonly denseMarkets: number
  readonly denseIntervalMs: number
  readonly sparseIntervalMs: number
  /** a key trades at its first snapshot in every window of this many ms; 0 = no trades */
  readonly tradeEveryMs: number
}

const HOUR_MS = 3_600_000

export const writeLargeDay = (opts: LargeDayOptions): { snapshotRows: number; tradeRows: number } => {
  const rand = seededRandom(17)
  const dayStart = Date.parse(`${opts.date}T00:00:00Z`)
  const keys = Array.from({ length: opts.markets }, (_, m) => ["1", "2"].map((o) => ({
    marketId: `0xlarge${m.toString(16).padStart(5, "0")}`,
    outcomeId: `${m}${o}`,
    midTicks: 20 + Math.floor(rand() * 60),
    seq: 0,
    offsetMs: Math.floor(rand() * 1000),
    dense: m < opts.denseMarkets
  }))).flat()
  const universe: Array<MarketRecord> = Array.from({ length: opts.markets }, (_, m) => ({
    market_id: `0xlarge${m.toString(16).padStart(5, "0")}`, title: `Synthetic market ${m}: will it happen?`,
    outcome_ids: [`${m}1`, `${m}2`], outcomes: ["Yes", "No"], close_ts: null, status: "active", tags: [],
    token_ids: [`${m}1`, `${m}2`], event_id: null, slug: null, volume: null, liquidity: null, tick_size: 0.01
  }))
  fs.mkdirSync(path.dirname(universePath(opts.dataDir, opts.venue, opts.date)), { recursive: true })
  fs.writeFileSync(universePath(opts.dataDir, opts.venue, opts.date), encodeUniverse(universe))
  let snapshotRows = 0
  let tradeRows = 0
  for (let hour = 0; hour < 24; hour++) {
    const start = dayStart + hour * HOUR_MS
    const rows: Array<SnapshotRow> = []
    const trades: Array<TradeRow> = []
    for (const key of keys) {
      const every = key.dense ? opts.denseIntervalMs : opts.sparseIntervalMs
      for (let t = dayStart + key.offsetMs + Math.ceil((start - dayStart - key.offsetMs) / every) * every; t < start + HOUR_MS; t += every) {
        const step = rand()
        if (step < 0.1 && key.midTicks > 5) key.midTicks--
        else if (step > 0.9 && key.midTicks < 95) key.midTicks++
        // the dense markets are busy (many venue updates per snapshot): the miner's score ranks them first
        if (key.dense) key.seq += 30
        rows.push(syntheticSnapshotRow(opts.venue, key, t, 3, rand, 0.02))
        if (opts.tradeEveryMs > 0 && (t - dayStart) % opts.tradeEveryMs < every) {
          const side = rand() < 0.5 ? "buy" : "sell"
          trades.push({
            ts_recv: t + 5, source_ts: t, venue: opts.venue, market_id: key.marketId, outcome_id: key.outcomeId,
            price: (key.midTicks + (side === "buy" ? 1 : -1)) / 100, size: 1 + Math.floor(rand() * 50), side, trade_id: `t${tradeRows + trades.length}`
          })
        }
      }
    }
    if (rows.length === 0) continue
    rows.sort((a, b) => a.ts_recv - b.ts_recv)
    const file = snapshotFilePath(opts.dataDir, opts.venue, start, 0)
    fs.mkdirSync(path.dirname(file), { recursive: true })
    fs.writeFileSync(file, encodeSnapshotRows(rows))
    snapshotRows += rows.length
    if (trades.length > 0) {
      trades.sort((a, b) => a.ts_recv - b.ts_recv)
      const tfile = tradeFilePath(opts.dataDir, opts.venue, start, 0)
      fs.mkdirSync(path.dirname(tfile), { recursive: true })
      fs.writeFileSync(tfile, encodeTradeRows(trades))
      tradeRows += trades.length
    }
  }
  return { snapshotRows, tradeRows }
}
