import * as fs from "node:fs"
import * as path from "node:path"
import { it } from "@effect/vitest"
import { Effect } from "effect"
import { beforeAll, describe, expect } from "vitest"
import type { SnapshotRow } from "../../src/domain/SnapshotRow.js"
import type { StatsRow } from "../../src/domain/StatsRow.js"
import { mineDay } from "../../src/miner/mineDay.js"
import { mmReportRows } from "../../src/miner/mmReport.js"
import { MmViabilityEngine, parseHorizons } from "../../src/miner/mmViability.js"
import { FileStore, FileStoreLayer } from "../../src/storage/FileStore.js"
import { encodeSnapshotRows, readSnapshotFile } from "../../src/storage/parquet/snapshots.js"
import { encodeStatsRows } from "../../src/storage/parquet/stats.js"
import { encodeTradeRows, readTradeFile } from "../../src/storage/parquet/trades.js"
import { snapshotFilePath, tradeFilePath } from "../../src/storage/paths.js"
import { MemoryFileStoreLayer } from "../support/MemoryFileStore.js"
import { duckdbRows, expectStatsMatch, minedStatsSql, referenceStatsSql, sqlList } from "../support/minerReference.js"
import { writeSyntheticDay } from "../support/syntheticDay.js"

const DATE = "2026-01-14"
const WARM_MS = 10_000

let dataDir = ""
let day: ReturnType<typeof writeSyntheticDay>

beforeAll(() => {
  dataDir = fs.mkdtempSync(path.join(fs.realpathSync("/tmp"), "miner-day-"))
  // 6 markets x 2 outcomes, a snapshot every 7 s for 2 hours, 20 levels, 8% bad rows
  day = writeSyntheticDay({
    dataDir, venue: "polymarket", date: DATE, markets: 6, intervalMs: 7000, levels: 20, hours: 2,
    badRowRate: 0.08, tradeRate: 0.1, seed: 11
  })
})

const collectWarnings = () => {
  const warnings: Array<string> = []
  return { warnings, warn: (line: string) => Effect.sync(() => void warnings.push(line)) }
}

describe("mineDay", () => {
  it.effect("agrees with an independent DuckDB recomputation within 1e-9", () =>
    Effect.gen(function*() {
      const { warn, warnings } = collectWarnings()
      const result = yield* mineDay({ dataDir, venue: "polymarket", date: DATE, warmIntervalMs: WARM_MS, withLevels: true, warn })
      expect(warnings).toEqual([])
      expect(result.snapshotRows).toBe(day.snapshotRows)
      expect(result.tradeRows).toBe(day.tradeRows)
      expect(result.stats.length).toBe(12)
      const statsFile = path.join(dataDir, "stats.parquet")
      fs.writeFileSync(statsFile, encodeStatsRows(result.stats))

      const reference = yield* Effect.promise(() => duckdbRows(referenceStatsSql(`read_parquet(${sqlList(day.snapshotFiles)})`, `read_parquet(${sqlList(day.tradeFiles)})`)))
      const ours = yield* Effect.promise(() => duckdbRows(minedStatsSql(statsFile)))
      expectStatsMatch("mineDay", ours, reference)
      // the synthetic day does contain the rows that must not leak
      const bad = yield* Effect.promise(() => duckdbRows(
        `select count(*) filter (where status <> 'ok')::INTEGER, count(*) filter (where spread is null)::INTEGER from read_parquet(${sqlList(day.snapshotFiles)})`
      ))
      expect(Number(bad[0]![0])).toBeGreaterThan(50)
      expect(Number(bad[0]![1])).toBeGreaterThan(10)
    }).pipe(Effect.provide(FileStoreLayer)))

  it.effect("skips a truncated file and a non-Parquet file with one warning each; ignores temp files", () =>
    Effect.gen(function*() {
      const dir = fs.mkdtempSync(path.join(fs.realpathSync("/tmp"), "miner-bad-"))
      const small = writeSyntheticDay({ dataDir: dir, venue: "kalshi", date: DATE, markets: 2, intervalMs: 10_000, levels: 5, hours: 1, seed: 3 })
      const truncated = small.snapshotFiles[3]!
      const bytes = fs.readFileSync(truncated)
      fs.writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)))
      const garbage = path.join(path.dirname(small.snapshotFiles[5]!), "snapshots_2026-01-14T00-25-1.parquet")
      fs.writeFileSync(garbage, "not parquet at all")
      fs.writeFileSync(`${small.snapshotFiles[6]!}.123.abc.tmp`, bytes.subarray(0, 100))
      const { warn, warnings } = collectWarnings()
      const result = yield* mineDay({ dataDir: dir, venue: "kalshi", date: DATE, warmIntervalMs: WARM_MS, withLevels: true, warn })
      expect(warnings.length).toBe(2)
      expect(warnings[0]).toContain(truncated)
      expect(warnings[1]).toContain(garbage)
      expect(result.filesSkipped).toEqual([truncated, garbage])
      expect(result.filesRead).toBe(small.snapshotFiles.length - 1 + small.tradeFiles.length)
      const perFile = small.snapshotRows / small.snapshotFiles.length
      expect(result.snapshotRows).toBeGreaterThan(small.snapshotRows - 2 * perFile)
    }).pipe(Effect.provide(FileStoreLayer)))

  it.effect("leaves out rows of another venue or date (one warning per file, counted) and mines the rest exactly as before", () =>
    Effect.gen(function*() {
      const dir = fs.mkdtempSync(path.join(fs.realpathSync("/tmp"), "miner-misplaced-"))
      const pm = writeSyntheticDay({ dataDir: dir, venue: "polymarket", date: DATE, markets: 2, intervalMs: 10_000, levels: 12, hours: 1, tradeRate: 0.2, seed: 5 })
      const { warn, warnings } = collectWarnings()
      const clean = yield* mineDay({ dataDir: dir, venue: "polymarket", date: DATE, warmIntervalMs: WARM_MS, withLevels: true, warn })
      expect(warnings).toEqual([])

      // elsewhere: a Kalshi day and the polymarket day before
      const other = fs.mkdtempSync(path.join(fs.realpathSync("/tmp"), "miner-other-"))
      const kalshi = writeSyntheticDay({ dataDir: other, venue: "kalshi", date: DATE, markets: 2, intervalMs: 10_000, levels: 12, hours: 1, tradeRate: 0.2, seed: 6 })
      const yesterday = writeSyntheticDay({ dataDir: other, venue: "polymarket", date: "2026-01-13", markets: 2, intervalMs: 10_000, levels: 12, hours: 1, seed: 7 })
      // 1) a whole Kalshi snapshot file and trade file copied into the polymarket folders
      const strayKalshi = pm.snapshotFiles[2]!.replace(/\.parquet$/, "-7.parquet")
      fs.copyFileSync(kalshi.snapshotFiles[2]!, strayKalshi)
      const strayTrades = pm.tradeFiles[0]!.replace(/\.parquet$/, "-7.parquet")
      fs.copyFileSync(kalshi.tradeFiles[0]!, strayTrades)
      // 2) one file with its own rows interleaved with Kalshi rows and rows of the day before
      const mixed = pm.snapshotFiles[4]!
      const own = (yield* Effect.promise(() => readSnapshotFile(mixed))) as Array<SnapshotRow>
      const foreign = (yield* Effect.promise(() => readSnapshotFile(kalshi.snapshotFiles[0]!))) as Array<SnapshotRow>
      const dayBefore = (yield* Effect.promise(() => readSnapshotFile(yesterday.snapshotFiles[0]!))) as Array<SnapshotRow>
      const interleaved = own.flatMap((r, i) => [r, ...(i % 3 === 0 && foreign[i] !== undefined ? [foreign[i]!] : []), ...(i % 4 === 1 && dayBefore[i] !== undefined ? [dayBefore[i]!] : [])])
      const foreignIn = interleaved.filter((r) => r.venue === "kalshi").length
      const dayBeforeIn = interleaved.filter((r) => r.venue === "polymarket" && r.ts_recv < Date.parse(`${DATE}T00:00:00Z`)).length
      expect(foreignIn).toBeGreaterThan(0)
      expect(dayBeforeIn).toBeGreaterThan(0)
      fs.writeFileSync(mixed, encodeSnapshotRows(interleaved))

      const mined = yield* mineDay({ dataDir: dir, venue: "polymarket", date: DATE, warmIntervalMs: WARM_MS, withLevels: true, warn })
      expect(mined.stats).toEqual(clean.stats)
      expect(mined.snapshotRows).toBe(clean.snapshotRows)
      expect(mined.tradeRows).toBe(clean.tradeRows)
      const strayTradeRows = (yield* Effect.promise(() => readTradeFile(kalshi.tradeFiles[0]!))).length
      const strayRows = (yield* Effect.promise(() => readSnapshotFile(kalshi.snapshotFiles[2]!))).length
      expect(mined.rowsMisplaced).toBe(strayRows + strayTradeRows + foreignIn + dayBeforeIn)
      expect(warnings).toHaveLength(3)
      expect(warnings).toContainEqual(expect.stringContaining(`mine: ${strayKalshi}: skipped ${strayRows} rows that do not belong in venue=polymarket/date=${DATE} (${strayRows} of another venue, e.g. "kalshi", 0 with ts_recv on another day)`))
      expect(warnings).toContainEqual(expect.stringContaining(`mine: ${mixed}: skipped ${foreignIn + dayBeforeIn} rows`))
      expect(warnings).toContainEqual(expect.stringContaining(`(${foreignIn} of another venue, e.g. "kalshi", ${dayBeforeIn} with ts_recv on another day)`))
      expect(mined.stats.every((r) => !r.market_id.startsWith("K"))).toBe(true)
    }).pipe(Effect.provide(FileStoreLayer)))

  it.effect("fails with NothingReadableError when no file can be read", () =>
    Effect.gen(function*() {
      const dir = fs.mkdtempSync(path.join(fs.realpathSync("/tmp"), "miner-none-"))
      const { warn } = collectWarnings()
      const empty = yield* mineDay({ dataDir: dir, venue: "kalshi", date: DATE, warmIntervalMs: WARM_MS, withLevels: false, warn }).pipe(Effect.flip)
      expect(empty._tag).toBe("NothingReadableError")
      expect(empty.message).toContain("no snapshot or trade files for kalshi 2026-01-14")
      const file = path.join(dir, "orderbook_snapshots/venue=kalshi/date=2026-01-14/hour=00/snapshots_2026-01-14T00-00.parquet")
      fs.mkdirSync(path.dirname(file), { recursive: true })
      fs.writeFileSync(file, "PAR1 broken")
      const broken = yield* mineDay({ dataDir: dir, venue: "kalshi", date: DATE, warmIntervalMs: WARM_MS, withLevels: false, warn }).pipe(Effect.flip)
      expect(broken.message).toContain("none of the 1 files")
    }).pipe(Effect.provide(FileStoreLayer)))

  it.effect("without level lists the scalar stats are identical and list stats are NaN", () =>
    Effect.gen(function*() {
      const { warn } = collectWarnings()
      const withLists = yield* mineDay({ dataDir, venue: "polymarket", date: DATE, warmIntervalMs: WARM_MS, withLevels: true, warn })
      const scalarOnly = yield* mineDay({ dataDir, venue: "polymarket", date: DATE, warmIntervalMs: WARM_MS, withLevels: false, warn })
      const strip = (r: StatsRow) => {
        const { avg_depth_top3: _a, avg_depth_top10: _b, avg_notional_top3: _c, score: _d, ...rest } = r
        return rest
      }
      expect(scalarOnly.stats.map(strip)).toEqual(withLists.stats.map(strip))
      expect(scalarOnly.stats.every((r) => Number.isNaN(r.avg_depth_top3))).toBe(true)
    }).pipe(Effect.provide(FileStoreLayer)))

  it.effect("reads its files only through the FileStore: the same day in an in-memory store gives the same stats", () =>
    Effect.gen(function*() {
      const { warn } = collectWarnings()
      const fromDisk = yield* mineDay({ dataDir, venue: "polymarket", date: DATE, warmIntervalMs: WARM_MS, withLevels: true, warn }).pipe(
        Effect.provide(FileStoreLayer)
      )
      const store = yield* FileStore
      const copy = (from: string, to: string): void => {
        for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
          const src = path.join(from, entry.name)
          if (entry.isDirectory()) copy(src, path.join(to, entry.name))
          else Effect.runSync(store.writeAtomic(path.join(to, entry.name), fs.readFileSync(src)))
        }
      }
      copy(dataDir, "/mem/data")
      const fromMemory = yield* mineDay({ dataDir: "/mem/data", venue: "polymarket", date: DATE, warmIntervalMs: WARM_MS, withLevels: true, warn })
      expect(fromMemory.filesRead).toBe(fromDisk.filesRead)
      expect(fromMemory.snapshotRows).toBe(day.snapshotRows)
      expect(fromMemory.stats).toEqual(fromDisk.stats)
      expect(fs.existsSync("/mem")).toBe(false)
    }).pipe(Effect.provide(MemoryFileStoreLayer)))
})

describe("mineDay with the mm-viability engine", () => {
  it.effect("a trade near a bucket end is evaluated with mids from the next bucket's file; a too-late mid excludes it", () =>
    Effect.gen(function*() {
      const dir = fs.mkdtempSync(path.join(fs.realpathSync("/tmp"), "miner-mm-"))
      const bucket = Date.UTC(2026, 0, 14, 10, 0, 0)
      const next = bucket + 300_000
      const row = (ts: number, mid: number, market = "m") => ({
        ts_recv: ts, venue: "kalshi" as const, market_id: market, outcome_id: "yes", seq: 0,
        best_bid_px: mid - 0.01, best_bid_sz: 10, best_ask_px: mid + 0.01, best_ask_sz: 10, mid, spread: 0.02,
        bid_px: [mid - 0.01], bid_sz: [10], ask_px: [mid + 0.01], ask_sz: [10], status: "ok" as const, err: null, source_ts: null
      })
      const t = next - 5000 // trade 5 s before the bucket ends
      const snapshots = snapshotFilePath(dir, "kalshi", bucket, 0)
      fs.mkdirSync(path.dirname(snapshots), { recursive: true })
      // market m: mid 0.40 before the trade, 0.43 from t+3s (next bucket, t+5s) on
      // market late: mid 0.40 before, next mid only at t+1s+2W+1ms: beyond the 1 s horizon's tolerance
      fs.writeFileSync(snapshots, encodeSnapshotRows([row(t - 2000, 0.4), row(t - 2000, 0.4, "late")]))
      const nextSnapshots = snapshotFilePath(dir, "kalshi", next, 0)
      fs.writeFileSync(nextSnapshots, encodeSnapshotRows([
        row(t + 5000, 0.43), row(t + 1000 + 2 * WARM_MS + 1, 0.45, "late"), row(t + 40_000, 0.43), row(t + 40_000, 0.45, "late")
      ]))
      const trades = tradeFilePath(dir, "kalshi", bucket, 0)
      fs.mkdirSync(path.dirname(trades), { recursive: true })
      fs.writeFileSync(trades, encodeTradeRows(["m", "late"].map((market) => ({
        ts_recv: t, source_ts: null, venue: "kalshi" as const, market_id: market, outcome_id: "yes",
        price: 0.39, size: 10, side: "sell" as const, trade_id: null
      }))))
      const horizons = parseHorizons("1s,30s")
      const engine = new MmViabilityEngine({ horizonsMs: horizons.map((h) => h.ms), midMaxAgeMs: 2 * WARM_MS, lookAheadToleranceMs: 2 * WARM_MS })
      const { warn, warnings } = collectWarnings()
      const mined = yield* mineDay({ dataDir: dir, venue: "kalshi", date: DATE, warmIntervalMs: WARM_MS, withLevels: false, mmEngine: engine, warn })
      expect(warnings).toEqual([])
      const rows = mmReportRows(engine, mined.stats, { horizons, fee: 0, minTrades: 1 })
      const m = rows.find((r) => r.market_id === "m")!
      // taker sold at 0.39: d = +1, eff = 0.40 - 0.39; at 1 s the first mid at or after t+1s is 0.43
      expect(m.eff_half_spread).toBeCloseTo(0.01, 12)
      expect(m.realized_1s).toBeCloseTo(0.43 - 0.39, 12)
      expect(m.impact_1s).toBeCloseTo(0.4 - 0.43, 12)
      expect(m.n_30s).toBe(1)
      expect(m.realized_30s).toBeCloseTo(0.04, 12)
      const late = rows.find((r) => r.market_id === "late")!
      expect(late.n_trades).toBe(1)
      expect(late.n_1s).toBe(0)
      expect(late.n_30s).toBe(1)
    }).pipe(Effect.provide(FileStoreLayer)))
})
