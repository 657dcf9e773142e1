/**
 * P4 mining: wall time of `surveillance mine polymarket 2026-01-05` (the real CLI, in
 * its own process) over one synthetic day of ~2,000,000 snapshot rows (232 books every 10 s,
 * 5-10 levels per side, a few stale and one-sided rows, 288 five-minute files) plus ~100k
 * trades, against DuckDB computing the same statistics with SQL over the same files and
 * writing them to Parquet (in-process @duckdb/node-api, instance creation included).
 * The two results are compared column by column, so both really did the same work.
 *
 * The day is generated once and cached under the OS temp dir (deterministic, versioned).
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { DuckDBInstance } from "@duckdb/node-api"
import type { SnapshotRow } from "../src/domain/SnapshotRow.js"
import type { TradeRow } from "../src/domain/TradeRow.js"
import { writeFileAtomic, writeNewFile } from "../src/storage/atomic.js"
import { encodeSnapshotRows } from "../src/storage/parquet/snapshots.js"
import { readStatsFile } from "../src/storage/parquet/stats.js"
import { encodeTradeRows } from "../src/storage/parquet/trades.js"
import { snapshotFilePath, statsPath, tradeFilePath } from "../src/storage/paths.js"
import { mainIfDirect, result, round, timeMs, type FigureResult } from "./harness.js"
import { BookSet } from "./snapshotRows.js"

const DATE = "2026-01-05"
const DAY_START = Date.UTC(2026, 0, 5)
const BOOKS = 232
const INTERVAL_MS = 10_000
const BUCKET_MS = 5 * 60_000
const WARM_MS = 10_000 // the config's snapshot_interval_ms_warm: gaps up to 3x count as observed
// v2: TIMESTAMP times and NULL missing prices (v1 files had INT64 times and NaN)
const CACHE = path.join(os.tmpdir(), "surveillance-bench-cache", "p4-day-v2")

async function ensureDay(): Promise<{ dataDir: string; snapshotRows: number; tradeRows: number; generatedMs: number }> {
  const marker = path.join(CACHE, "complete.json")
  if (fs.existsSync(marker)) return { ...JSON.parse(fs.readFileSync(marker, "utf8")), dataDir: CACHE, generatedMs: 0 }
  fs.rmSync(CACHE, { recursive: true, force: true })
  const t0 = performance.now()
  const set = new BookSet({ books: BOOKS, levels: [5, 10], seed: 4, staleFrac: 0.02, oneSidedFrac: 0.02 })
  let snapshotRows = 0
  let tradeRows = 0
  for (let bucket = DAY_START; bucket < DAY_START + 86_400_000; bucket += BUCKET_MS) {
    const rows: SnapshotRow[] = []
    const trades: TradeRow[] = []
    for (let t = bucket; t < bucket + BUCKET_MS; t += INTERVAL_MS) {
      set.round(t, INTERVAL_MS, rows)
      set.trades(t, INTERVAL_MS, 0.05, trades)
    }
    trades.sort((a, b) => a.ts_recv - b.ts_recv)
    await writeNewFile(snapshotFilePath(CACHE, "polymarket", bucket, 0), encodeSnapshotRows(rows))
    await writeNewFile(tradeFilePath(CACHE, "polymarket", bucket, 0), encodeTradeRows(trades))
    snapshotRows += rows.length
    tradeRows += trades.length
  }
  fs.writeFileSync(path.join(CACHE, "surveillance.toml"), `data_dir = ${JSON.stringify(CACHE)}\n`)
  await writeFileAtomic(marker, JSON.stringify({ snapshotRows, tradeRows }))
  return { dataDir: CACHE, snapshotRows, tradeRows, generatedMs: performance.now() - t0 }
}

/** The miner's statistics (src/miner/accumulate.ts, stats.ts) in DuckDB SQL. */
const statsSql = (dataDir: string) => `
WITH s AS (
  SELECT market_id, outcome_id, epoch_ms(ts_recv) AS ts_ms, status, seq, spread, mid, best_bid_sz, best_ask_sz,
    coalesce(status = 'ok' AND spread > 0 AND isfinite(spread) AND isfinite(mid), false) AS two,
    epoch_ms(ts_recv) - lag(epoch_ms(ts_recv)) OVER w AS gap,
    seq - lag(seq) OVER w AS seq_inc,
    lag(CASE WHEN status = 'ok' AND spread > 0 AND isfinite(spread) AND isfinite(mid) THEN spread END) OVER w AS prev_spread,
    lag(CASE WHEN status = 'ok' AND spread > 0 AND isfinite(spread) AND isfinite(mid) THEN mid END) OVER w AS prev_mid,
    coalesce(list_sum(bid_sz[1:3]), 0) + coalesce(list_sum(ask_sz[1:3]), 0) AS top3,
    coalesce(list_sum(bid_sz[1:10]), 0) + coalesce(list_sum(ask_sz[1:10]), 0) AS top10,
    coalesce(list_sum(list_transform(list_zip(bid_px[1:3], bid_sz[1:3]), x -> x[1] * x[2])), 0)
      + coalesce(list_sum(list_transform(list_zip(ask_px[1:3], ask_sz[1:3]), x -> x[1] * x[2])), 0) AS notional3
  FROM read_parquet('${dataDir}/orderbook_snapshots/venue=polymarket/date=${DATE}/hour=*/*.parquet')
  WINDOW w AS (PARTITION BY market_id, outcome_id ORDER BY ts_recv)
), o AS (
  SELECT *, (gap >= 0 AND gap <= ${3 * WARM_MS}) AS observed FROM s
), q AS (
  SELECT market_id, outcome_id, count(*) AS snapshot_count, min(ts_ms) AS first_ts, max(ts_ms) AS last_ts,
    coalesce(sum(gap) FILTER (WHERE observed), 0) / 1000.0 AS observed_secs,
    (count(*) FILTER (WHERE two))::DOUBLE / count(*) AS two_sided_frac,
    (count(*) FILTER (WHERE NOT two AND status = 'crossed'))::DOUBLE / count(*) AS crossed_frac,
    (count(*) FILTER (WHERE NOT two AND status = 'stale'))::DOUBLE / count(*) AS stale_frac,
    (count(*) FILTER (WHERE NOT two AND status = 'empty'))::DOUBLE / count(*) AS empty_frac,
    avg(spread) FILTER (WHERE two) AS avg_spread,
    quantile_cont(spread, 0.5) FILTER (WHERE two) AS median_spread,
    quantile_cont(spread, 0.9) FILTER (WHERE two) AS p90_spread,
    sum(prev_spread * gap) FILTER (WHERE observed AND prev_spread IS NOT NULL) / sum(gap) FILTER (WHERE observed AND prev_spread IS NOT NULL) AS tw_spread,
    avg(mid) FILTER (WHERE two) AS avg_mid,
    coalesce(sum(abs(mid - prev_mid)) FILTER (WHERE observed AND two AND prev_mid IS NOT NULL), 0) / (sum(gap) FILTER (WHERE observed) / 60000.0) AS mid_abs_change_per_min,
    avg(coalesce(CASE WHEN isfinite(best_bid_sz) THEN best_bid_sz END, 0) + coalesce(CASE WHEN isfinite(best_ask_sz) THEN best_ask_sz END, 0)) FILTER (WHERE status <> 'stale') AS avg_depth,
    avg(top3) FILTER (WHERE status <> 'stale') AS avg_depth_top3,
    avg(top10) FILTER (WHERE status <> 'stale') AS avg_depth_top10,
    avg(notional3) FILTER (WHERE status <> 'stale') AS avg_notional_top3,
    coalesce(sum(seq_inc) FILTER (WHERE seq_inc > 0), 0) AS update_count,
    coalesce(sum(seq_inc) FILTER (WHERE seq_inc > 0 AND observed), 0) / (sum(gap) FILTER (WHERE observed) / 60000.0) AS updates_per_min
  FROM o GROUP BY market_id, outcome_id
), t AS (
  SELECT market_id, outcome_id, count(*) AS trade_count, sum(size) AS trade_volume, sum(price * size) AS trade_notional
  FROM read_parquet('${dataDir}/trades/venue=polymarket/date=${DATE}/hour=*/*.parquet')
  WHERE size > 0 AND isfinite(size) AND isfinite(price)
  GROUP BY market_id, outcome_id
)
SELECT q.*, coalesce(t.trade_count, 0) AS trade_count, coalesce(t.trade_volume, 0) AS trade_volume,
  coalesce(t.trade_notional, 0) AS trade_notional, t.trade_notional / t.trade_volume AS vwap
FROM q LEFT JOIN t USING (market_id, outcome_id) ORDER BY market_id, outcome_id`

const COMPARED = [
  "snapshot_count", "first_ts", "last_ts", "observed_secs", "two_sided_frac", "stale_frac", "avg_spread", "median_spread",
  "p90_spread", "tw_spread", "avg_mid", "mid_abs_change_per_min", "avg_depth", "avg_depth_top3", "avg_depth_top10",
  "avg_notional_top3", "update_count", "updates_per_min", "trade_count", "trade_volume", "trade_notional", "vwap"
] as const

export async function run(): Promise<FigureResult[]> {
  const day = await ensureDay()
  const cfg = path.join(day.dataDir, "surveillance.toml")
  const bin = path.resolve(import.meta.dirname, "../bin/surveillance.js")

  // ours: the real command, cold process, twice; the faster counts
  let oursMs = Infinity
  for (let i = 0; i < 2; i++) {
    let child: ReturnType<typeof spawnSync> | undefined
    const ms = await timeMs(() => {
      child = spawnSync(process.execPath, [bin, "mine", "polymarket", DATE, "--config", cfg], { encoding: "utf8", timeout: 240_000 })
    })
    if (child!.status !== 0) throw new Error(`P4: surveillance mine exited ${child!.status}: ${String(child!.stderr).slice(0, 500)}`)
    oursMs = Math.min(oursMs, ms)
  }
  const ours = await readStatsFile(statsPath(day.dataDir, "polymarket", DATE))

  // reference: DuckDB, same statistics, written to Parquet
  const duckOut = path.join(os.tmpdir(), `bench-p4-duckdb-${process.pid}.parquet`)
  let duckRows: Array<Record<string, unknown>> = []
  let duckMs = Infinity
  for (let i = 0; i < 2; i++) {
    const ms = await timeMs(async () => {
      const db = await DuckDBInstance.create(":memory:")
      const conn = await db.connect()
      await conn.run(`COPY (${statsSql(day.dataDir)}) TO '${duckOut}' (FORMAT parquet)`)
      duckRows = (await conn.runAndReadAll(`SELECT * FROM read_parquet('${duckOut}')`)).getRowObjectsJS() as Array<Record<string, unknown>>
      conn.closeSync()
    })
    duckMs = Math.min(duckMs, ms)
  }
  fs.rmSync(duckOut, { force: true })

  // same work? compare every key and the listed columns (relative 1e-9)
  let mismatches = 0
  let firstMismatch = ""
  if (ours.length !== duckRows.length) throw new Error(`P4: ours has ${ours.length} keys, DuckDB ${duckRows.length}`)
  for (let i = 0; i < ours.length; i++) {
    const a = ours[i]!
    const b = duckRows[i]!
    if (a.market_id !== b.market_id || a.outcome_id !== b.outcome_id) throw new Error(`P4: key ${i} differs`)
    for (const c of COMPARED) {
      const x = Number(a[c])
      const y = b[c] === null ? Number.NaN : Number(b[c])
      const same = (Number.isNaN(x) && Number.isNaN(y)) || Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(y))
      if (!same) {
        mismatches++
        if (firstMismatch === "") firstMismatch = `${c} of ${String(a.market_id).slice(0, 10)}: ${x} vs ${y}`
      }
    }
  }

  const ratio = oursMs / duckMs
  return [result({
    figure: "P4", name: `mining one day (${(day.snapshotRows / 1e6).toFixed(2)}M snapshot rows, ${day.tradeRows} trades, 288 files)`,
    ours: round(oursMs / 1000, 2), reference: round(duckMs / 1000, 2), referenceName: "DuckDB SQL of the same statistics -> Parquet",
    ratio: round(ratio), unit: "s (wall)", higherIsBetter: false, target: "ratio ours/DuckDB <= 2.0", met: ratio <= 2.0,
    notes: `ours = \`surveillance mine\` as a fresh process (CLI start-up included), best of 2; ${ours.length} keys x ${COMPARED.length} columns compared: ` +
      (mismatches === 0 ? "all equal within 1e-9" : `${mismatches} differ (first: ${firstMismatch})`) +
      (day.generatedMs > 0 ? `; day generated in ${round(day.generatedMs / 1000, 1)} s (cached for later runs)` : "; day from cache"),
    extra: { mismatches, snapshot_rows: day.snapshotRows, trade_rows: day.tradeRows }
  })]
}

await mainIfDirect(import.meta.url, run)
