/**
 * DuckDB as an independent reader: files written through our codecs and path builders, in the
 * real Hive layout, read back with read_parquet(hive_partitioning) and compared value by value.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api"
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import type { SnapshotRow } from "../../src/domain/SnapshotRow.js"
import type { StatsRow } from "../../src/domain/StatsRow.js"
import type { TradeRow } from "../../src/domain/TradeRow.js"
import { writeNewFile, writeFileAtomic } from "../../src/storage/atomic.js"
import { encodeSnapshotRows } from "../../src/storage/parquet/snapshots.js"
import { encodeStatsRows } from "../../src/storage/parquet/stats.js"
import { encodeTradeRows } from "../../src/storage/parquet/trades.js"
import { bucketStart, snapshotFilePath, statsPath, tradeFilePath, utcDate } from "../../src/storage/paths.js"
import { makeSnapshotRow, makeStatsRow, makeTradeRow, rng } from "./support/rows.js"

let dir = ""
let db: DuckDBInstance
let conn: DuckDBConnection
const snapshots: SnapshotRow[] = []
const trades: TradeRow[] = []
const stats: StatsRow[] = []

const T0 = Date.UTC(2026, 0, 5, 23, 50) // buckets straddle an hour and a date boundary

/** Groups rows by (venue, bucket) and writes one file per group, like the collector's writer. */
async function writeBuckets<R extends { venue: "polymarket" | "kalshi"; ts_recv: number }>(
  rows: R[], pathFor: (venue: R["venue"], bucket: number, part: number) => string, encode: (rows: R[]) => Uint8Array
): Promise<number> {
  const groups = new Map<string, R[]>()
  for (const row of rows) {
    const key = `${row.venue}|${bucketStart(row.ts_recv, 5)}`
    groups.set(key, [...(groups.get(key) ?? []), row])
  }
  for (const [key, group] of groups) {
    const [venue, bucket] = key.split("|") as [R["venue"], string]
    // part 1 exists too for one bucket: a second flush of the same bucket
    const half = Math.ceil(group.length / 2)
    expect(await writeNewFile(pathFor(venue, Number(bucket), 0), encode(group.slice(0, half)))).toBe(true)
    expect(await writeNewFile(pathFor(venue, Number(bucket), 1), encode(group.slice(half)))).toBe(true)
  }
  return groups.size
}

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "duckdb-"))
  const r = rng(42)
  for (let i = 0; i < 600; i++) {
    const venue = i % 4 === 0 ? "kalshi" : "polymarket"
    snapshots.push(makeSnapshotRow(r, T0 + i * 1500, venue, i % 23, i % 7 === 0 ? 50 : 10))
    trades.push(makeTradeRow(r, T0 + i * 1500 + 3, venue, i))
  }
  for (let i = 0; i < 40; i++) stats.push(makeStatsRow(r, "polymarket", "2026-01-05", i))
  expect(await writeBuckets(snapshots, (v, b, p) => snapshotFilePath(dir, v, b, p), encodeSnapshotRows)).toBeGreaterThan(4)
  await writeBuckets(trades, (v, b, p) => tradeFilePath(dir, v, b, p), encodeTradeRows)
  await writeFileAtomic(statsPath(dir, "polymarket", "2026-01-05"), encodeStatsRows(stats))
  db = await DuckDBInstance.create(":memory:")
  conn = await db.connect()
}, 60_000)

afterAll(async () => {
  conn?.closeSync()
  await fs.rm(dir, { recursive: true, force: true })
})

const glob = (dataset: string) =>
  `read_parquet('${dir}/${dataset}/venue=*/date=*/hour=*/*.parquet', hive_partitioning=true, hive_types={'hour': INTEGER})`

async function query(sql: string) {
  const reader = await conn.runAndReadAll(sql)
  const types = Object.fromEntries(reader.columnNames().map((n, i) => [n, reader.columnTypes()[i]!.toString()]))
  return { types, rows: reader.getRowObjectsJS() as Array<Record<string, unknown>> }
}

const num = (v: unknown) => (typeof v === "bigint" ? Number(v) : v)
/** in memory a missing double is NaN; in the file it is NULL */
const nanIfNull = (v: unknown) => (v === null ? Number.NaN : v)

describe("DuckDB reads our Parquet", () => {
  it("snapshot files: every value, lists included, times as TIMESTAMP WITH TIME ZONE, a missing price as NULL", async () => {
    const { types, rows } = await query(`SELECT * REPLACE (epoch_ms(ts_recv) AS ts_recv, epoch_ms(source_ts) AS source_ts), strftime(date, '%Y-%m-%d') AS date_text,
      isnan(mid) AS mid_is_nan, mid IS NULL AS mid_is_null, typeof(ts_recv) AS ts_type FROM ${glob("orderbook_snapshots")} ORDER BY ts_recv`)
    expect(rows[0]!.ts_type).toBe("TIMESTAMP WITH TIME ZONE")
    expect(types).toMatchObject({
      ts_recv: "BIGINT", venue: "VARCHAR", market_id: "VARCHAR", outcome_id: "VARCHAR", seq: "BIGINT",
      best_bid_px: "DOUBLE", best_bid_sz: "DOUBLE", best_ask_px: "DOUBLE", best_ask_sz: "DOUBLE", mid: "DOUBLE", spread: "DOUBLE",
      bid_px: "DOUBLE[]", bid_sz: "DOUBLE[]", ask_px: "DOUBLE[]", ask_sz: "DOUBLE[]",
      status: "VARCHAR", err: "VARCHAR", source_ts: "BIGINT", date: "DATE", hour: "INTEGER"
    })
    expect(rows).toHaveLength(snapshots.length)
    let nanMids = 0
    rows.forEach((got, i) => {
      const want = snapshots[i]!
      expect({
        ts_recv: num(got.ts_recv), venue: got.venue, market_id: got.market_id, outcome_id: got.outcome_id, seq: num(got.seq),
        best_bid_px: nanIfNull(got.best_bid_px), best_bid_sz: nanIfNull(got.best_bid_sz), best_ask_px: nanIfNull(got.best_ask_px),
        best_ask_sz: nanIfNull(got.best_ask_sz), mid: nanIfNull(got.mid), spread: nanIfNull(got.spread), bid_px: got.bid_px, bid_sz: got.bid_sz, ask_px: got.ask_px, ask_sz: got.ask_sz,
        status: got.status, err: got.err, source_ts: num(got.source_ts)
      }).toEqual(want)
      // the partition columns agree with the file's own columns
      expect(got.date_text).toBe(utcDate(want.ts_recv))
      expect(got.hour).toBe(new Date(want.ts_recv).getUTCHours())
      if (Number.isNaN(want.mid)) {
        nanMids++
        expect(got.mid_is_nan).toBe(null)
        expect(got.mid_is_null).toBe(true)
      }
    })
    expect(nanMids).toBeGreaterThan(10)
    // the empty and the 50-level ladders are really there
    const { rows: lens } = await query(`SELECT min(len(bid_px)) AS lo, max(len(bid_px)) AS hi FROM ${glob("orderbook_snapshots")}`)
    expect(lens[0]).toEqual({ lo: 0n, hi: 50n })
  })

  it("trade files: every value, nulls as NULL, times as TIMESTAMP WITH TIME ZONE", async () => {
    const { types: stored } = await query(`SELECT ts_recv, source_ts FROM ${glob("trades")} LIMIT 1`)
    expect(stored).toEqual({ ts_recv: "TIMESTAMP WITH TIME ZONE", source_ts: "TIMESTAMP WITH TIME ZONE" })
    const { types, rows } = await query(`SELECT * REPLACE (epoch_ms(ts_recv) AS ts_recv, epoch_ms(source_ts) AS source_ts) FROM ${glob("trades")} ORDER BY ts_recv`)
    expect(types).toMatchObject({
      ts_recv: "BIGINT", source_ts: "BIGINT", venue: "VARCHAR", market_id: "VARCHAR", outcome_id: "VARCHAR",
      price: "DOUBLE", size: "DOUBLE", side: "VARCHAR", trade_id: "VARCHAR"
    })
    expect(rows.map((g) => ({
      ts_recv: num(g.ts_recv), source_ts: num(g.source_ts), venue: g.venue, market_id: g.market_id, outcome_id: g.outcome_id,
      price: g.price, size: g.size, side: g.side, trade_id: g.trade_id
    }))).toEqual(trades)
  })

  it("stats file: every value, INT64 counters as BIGINT, times as TIMESTAMP WITH TIME ZONE, an undefined statistic as NULL", async () => {
    const source = `read_parquet('${dir}/stats/venue=*/date=*/stats.parquet', hive_partitioning=false)`
    const { types: stored } = await query(`SELECT first_ts, last_ts FROM ${source} LIMIT 1`)
    expect(stored).toEqual({ first_ts: "TIMESTAMP WITH TIME ZONE", last_ts: "TIMESTAMP WITH TIME ZONE" })
    const { types, rows } = await query(`SELECT * REPLACE (epoch_ms(first_ts) AS first_ts, epoch_ms(last_ts) AS last_ts) FROM ${source} ORDER BY first_ts`)
    expect(types).toMatchObject({
      venue: "VARCHAR", market_id: "VARCHAR", date: "VARCHAR", snapshot_count: "BIGINT", first_ts: "BIGINT",
      update_count: "BIGINT", trade_count: "BIGINT", avg_spread: "DOUBLE", score: "DOUBLE"
    })
    expect(rows.map((g) => Object.fromEntries(Object.entries(g).map(([k, v]) => [k, nanIfNull(num(v))])))).toEqual(stats)
  })
})
