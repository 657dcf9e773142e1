/**
 * Files written before times carried the TIMESTAMP logical type and missing prices were NULL
 * (plain INT64 times, NaN in REQUIRED doubles) stay readable by every reader: the row codecs,
 * the miner with its mm-viability engine, the data status and the scheduler's stats columns,
 * with the same results as the same rows in today's layout. DuckDB shows why the layout
 * changed: avg(best_bid_px) over a day with empty books is a number now, NaN before.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { DuckDBInstance } from "@duckdb/node-api"
import { it } from "@effect/vitest"
import { Effect } from "effect"
import { beforeAll, describe, expect } from "vitest"
import { mineDay } from "../../src/miner/mineDay.js"
import { mmReportRows } from "../../src/miner/mmReport.js"
import { MmViabilityEngine, parseHorizons } from "../../src/miner/mmViability.js"
import type { SnapshotRow } from "../../src/domain/SnapshotRow.js"
import { encodeSnapshotRows, readSnapshotFile, SNAPSHOT_TABLE } from "../../src/storage/parquet/snapshots.js"
import { readStatsFile, STATS_TABLE } from "../../src/storage/parquet/stats.js"
import { encodeTable, readColumns, type TableSpec } from "../../src/storage/parquet/table.js"
import { readTradeFile, TRADE_TABLE } from "../../src/storage/parquet/trades.js"
import { venueDataStatus } from "../../src/storage/dataStatus.js"
import { writeSyntheticDay } from "../support/syntheticDay.js"

import { type FileStore, FileStoreLayer } from "../../src/storage/FileStore.js"
/** it.effect with the local FileStore the miner reads through */
const itWithFiles = <A, E>(name: string, self: () => Effect.Effect<A, E, FileStore>, timeout?: number) =>
  it.effect(name, () => self().pipe(Effect.provide(FileStoreLayer)), timeout)

const DATE = "2026-01-14"
const WARM_MS = 6000

/** a table spec as it was: plain INT64 times, REQUIRED doubles holding NaN, no `event_seq` (the event log came later) */
const legacy = (spec: TableSpec): TableSpec =>
  spec.filter((c) => c.name !== "event_seq").map(({ missingAsNull: _, ...c }) => (c.kind === "TIMESTAMP_MS" ? { ...c, kind: "INT64" as const } : c))

let root = ""
let current = ""
let old = ""

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(fs.realpathSync("/tmp"), "legacy-"))
  current = path.join(root, "current")
  old = path.join(root, "old")
  const day = writeSyntheticDay({
    dataDir: current, venue: "kalshi", date: DATE, markets: 2, intervalMs: WARM_MS, levels: 6, hours: 1, badRowRate: 0.15, tradeRate: 0.3, seed: 4
  })
  // the same rows, re-encoded in the old layout at the same relative paths
  for (const [files, spec, read] of [
    [day.snapshotFiles, SNAPSHOT_TABLE, readSnapshotFile],
    [day.tradeFiles, TRADE_TABLE, readTradeFile]
  ] as const) {
    for (const file of files) {
      const rows = await (read as (f: string) => Promise<Array<Record<string, unknown>>>)(file)
      const target = path.join(old, path.relative(current, file))
      fs.mkdirSync(path.dirname(target), { recursive: true })
      fs.writeFileSync(target, encodeTable(legacy(spec), rows))
    }
  }
})

const mine = (dataDir: string) =>
  Effect.gen(function*() {
    const horizons = parseHorizons("1s,30s")
    const engine = new MmViabilityEngine({ horizonsMs: horizons.map((h) => h.ms), midMaxAgeMs: 2 * WARM_MS, lookAheadToleranceMs: 2 * WARM_MS })
    const mined = yield* mineDay({ dataDir, venue: "kalshi", date: DATE, warmIntervalMs: WARM_MS, withLevels: true, mmEngine: engine, warn: (l) => Effect.die(l) })
    return { mined, report: mmReportRows(engine, mined.stats, { horizons, fee: 0, minTrades: 1 }) }
  })

describe("files written before TIMESTAMP times and NULL prices", () => {
  itWithFiles("read, mine, report and count exactly like the same rows in today's layout", () =>
    Effect.gen(function*() {
      const snapshot = path.join("orderbook_snapshots/venue=kalshi/date=2026-01-14/hour=00/snapshots_2026-01-14T00-00.parquet")
      const oldRows = yield* Effect.promise(() => readSnapshotFile(path.join(old, snapshot)))
      const newRows = yield* Effect.promise(() => readSnapshotFile(path.join(current, snapshot)))
      expect(oldRows).toEqual(newRows)
      expect(newRows.some((r) => Number.isNaN(r.best_bid_px))).toBe(true)
      expect(typeof newRows[0]!.ts_recv).toBe("number")

      const a = yield* mine(old)
      const b = yield* mine(current)
      expect(a.mined.stats).toEqual(b.mined.stats)
      expect(a.mined.stats.length).toBe(4)
      expect(a.report).toEqual(b.report)
      expect(a.report.some((r) => Number(r.n_trades) > 0)).toBe(true)

      const status = (dataDir: string) =>
        venueDataStatus({ dataDir, venues: ["kalshi"], nowMs: Date.UTC(2026, 0, 14, 1, 0), flushSeconds: 60, bucketMinutes: 5 }, "kalshi")
      const sa = yield* status(old)
      const sb = yield* status(current)
      expect(sa.snapshotRowsLastHour + sa.tradeRowsLastHour).toBe(sb.snapshotRowsLastHour + sb.tradeRowsLastHour)
    }), 30_000)

  itWithFiles("an old stats file (INT64 times, NaN statistics) reads like a new one", () =>
    Effect.gen(function*() {
      const { mined } = yield* mine(current)
      const oldStats = path.join(root, "old-stats.parquet")
      const newStats = path.join(root, "new-stats.parquet")
      fs.writeFileSync(oldStats, encodeTable(legacy(STATS_TABLE), mined.stats as unknown as Array<Record<string, unknown>>))
      fs.writeFileSync(newStats, encodeTable(STATS_TABLE, mined.stats as unknown as Array<Record<string, unknown>>))
      const oldRead = yield* Effect.promise(() => readStatsFile(oldStats))
      expect(oldRead).toEqual(yield* Effect.promise(() => readStatsFile(newStats)))
      expect(oldRead).toEqual(mined.stats)
      const cols = ["first_ts", "avg_spread", "vwap"]
      const oldCols = yield* Effect.promise(() => readColumns(oldStats, cols))
      const newCols = yield* Effect.promise(() => readColumns(newStats, cols))
      for (const c of cols) expect(Array.from(oldCols[c] as Float64Array)).toEqual(Array.from(newCols[c] as Float64Array))
    }))

  itWithFiles("DuckDB: ts_recv is a TIMESTAMP WITH TIME ZONE and avg(best_bid_px) over a day with empty books is a number", () =>
    Effect.gen(function*() {
      const instance = yield* Effect.promise(() => DuckDBInstance.create(":memory:"))
      const conn = yield* Effect.promise(() => instance.connect())
      const glob = (dir: string) => `read_parquet('${dir}/orderbook_snapshots/venue=*/date=*/hour=*/*.parquet')`
      const q = (sql: string) => Effect.promise(async () => (await conn.runAndReadAll(sql)).getRows())
      const now = yield* q(`select typeof(any_value(ts_recv)), avg(best_bid_px), count(*) filter (where status = 'empty') from ${glob(current)}`)
      expect(now[0]![0]).toBe("TIMESTAMP WITH TIME ZONE")
      expect(Number.isFinite(now[0]![1])).toBe(true)
      expect(Number(now[0]![2])).toBeGreaterThan(0)
      const before = yield* q(`select typeof(any_value(ts_recv)), avg(best_bid_px) from ${glob(old)}`)
      expect(before[0]).toEqual(["BIGINT", Number.NaN])
      // a lake of old files (no event_seq) and new ones that have it: union_by_name reads both,
      // event_seq NULL on the old rows (README "Data layout")
      const newFile = path.join(current, "orderbook_snapshots/venue=kalshi/date=2026-01-14/hour=00/snapshots_2026-01-14T00-00.parquet")
      const oldFile = path.join(old, "orderbook_snapshots/venue=kalshi/date=2026-01-14/hour=00/snapshots_2026-01-14T00-00.parquet")
      const mixedDir = path.join(root, "mixed")
      fs.mkdirSync(mixedDir, { recursive: true })
      fs.copyFileSync(oldFile, path.join(mixedDir, "a.parquet"))
      const positioned = (yield* Effect.promise(() => readSnapshotFile(newFile))).map((r, i) => ({ ...r, event_seq: 1000 + i })) as Array<SnapshotRow>
      fs.writeFileSync(path.join(mixedDir, "b.parquet"), encodeSnapshotRows(positioned))
      const mixed = yield* q(`select count(*), count(event_seq), min(event_seq) from read_parquet('${mixedDir}/*.parquet', union_by_name = true)`)
      expect(mixed[0]!.map(Number)).toEqual([positioned.length * 2, positioned.length, 1000])
      expect((yield* Effect.promise(() => readSnapshotFile(oldFile)))[0]).not.toHaveProperty("event_seq")
      conn.closeSync()
      instance.closeSync()
    }))
})
