import * as fs from "node:fs"
import * as path from "node:path"
import { it } from "@effect/vitest"
import { Duration, Effect, Fiber, Option, TestClock } from "effect"
import { describe, expect } from "vitest"
import type { EventRow } from "../../src/domain/EventRow.js"
import { WriterWorkerClient } from "../../src/sink/EncoderClient.js"
import { EAGER_APPEND_ROWS } from "../../src/sink/ParquetSink.js"
import { heldEventWalDictionaries } from "../../src/sink/WriteAheadLog.js"
import { encodeSnapshotRows, readSnapshotFile } from "../../src/storage/parquet/snapshots.js"
import { readTradeFile } from "../../src/storage/parquet/trades.js"
import { snapshotFilePath } from "../../src/storage/paths.js"
import { duckdb, eventually, options, parquetFiles, realSleep, sleepersSettle, snapshotRow, startWriter, tmpDataDir, tradeRow, walFiles } from "./sinkTestRows.js"

const T0 = Date.UTC(2026, 0, 15, 10, 0, 30) // bucket 10:00-10:05 with bucket_minutes = 5
const BUCKET_10_00 = Date.UTC(2026, 0, 15, 10, 0, 0)

const walLines = (dataDir: string): number =>
  walFiles(dataDir).filter((f) => f.endsWith(".wal")).reduce((n, f) => n + fs.readFileSync(path.join(dataDir, ".wal", f), "utf8").split("\n").filter((l) => l.length > 0).length, 0)

const SNAP_GLOB = (dataDir: string) =>
  `read_parquet('${dataDir}/orderbook_snapshots/venue=*/date=*/hour=*/*.parquet', hive_partitioning=true, hive_types={'hour': INTEGER})`

describe("ParquetSink", () => {
  it.scoped("appends accepted rows to the write-ahead file every flush_seconds, and writes one file when the bucket closes", () =>
    Effect.gen(function*() {
      const dataDir = tmpDataDir("cadence")
      yield* TestClock.setTime(T0)
      const writer = yield* startWriter(options(dataDir))
      const rows = Array.from({ length: 15 }, (_, i) => snapshotRow(T0 + i * 1000, i, { levels: 20 }))

      yield* writer.writeSnapshots(rows.slice(0, 10))
      yield* realSleep(150)
      expect((yield* writer.stats).walAppends).toBe(0)
      expect(walFiles(dataDir)).toEqual([])
      yield* TestClock.adjust(Duration.seconds(3))
      expect((yield* writer.stats).oldestUnflushedAgeMs).toBe(3000)

      yield* TestClock.adjust(Duration.seconds(2)) // first tick at T0 + 5 s
      const afterFirst = yield* eventually(writer, (s) => s.walAppends === 1, "first write-ahead append")
      expect(walLines(dataDir)).toBe(10)
      expect(afterFirst).toMatchObject({ rowsAccepted: 10, rowsInMemory: 0, rowsBuffered: 10, rowsWritten: 0, oldestUnflushedAgeMs: 0 })
      expect(afterFirst.lastFlushAtMs).toBe(T0 + 5000)

      yield* writer.writeSnapshots(rows.slice(10))
      yield* TestClock.adjust(Duration.seconds(4))
      yield* realSleep(150)
      expect((yield* writer.stats).walAppends).toBe(1)
      yield* TestClock.adjust(Duration.seconds(1))
      yield* eventually(writer, (s) => s.walAppends === 2, "second append")
      expect(walLines(dataDir)).toBe(15)
      expect(parquetFiles(dataDir)).toEqual([])

      // bucket end 10:05:00 + 10 s grace = 10:05:10 = T0 + 280 s, a tick instant
      yield* TestClock.adjust(Duration.seconds(270 - 1))
      yield* realSleep(150)
      expect(parquetFiles(dataDir)).toEqual([])
      yield* TestClock.adjust(Duration.seconds(1))
      const done = yield* eventually(writer, (s) => s.filesWritten === 1, "bucket file")
      expect(done).toMatchObject({ rowsWritten: 15, rowsBuffered: 0, filesWritten: 1 })
      expect(parquetFiles(dataDir)).toEqual(["orderbook_snapshots/venue=polymarket/date=2026-01-15/hour=10/snapshots_2026-01-15T10-00.parquet"])
      expect(walFiles(dataDir)).toEqual([])

      const back = yield* Effect.promise(() => readSnapshotFile(snapshotFilePath(dataDir, "polymarket", BUCKET_10_00, 0)))
      expect(back).toEqual(rows)
      const duck = yield* Effect.promise(() => duckdb(
        `select count(*)::INTEGER, sum(len(bid_px))::INTEGER, min(hour), count(source_ts)::INTEGER from ${SNAP_GLOB(dataDir)}`
      ))
      expect(duck).toEqual([[15, 15 * 20, 10, rows.filter((r) => r.source_ts !== null).length]])
    }))

  it.scoped("splits a bucket at flush_rows into parts and never overwrites an existing part", () =>
    Effect.gen(function*() {
      const dataDir = tmpDataDir("parts")
      yield* TestClock.setTime(T0)
      const existing = snapshotFilePath(dataDir, "polymarket", BUCKET_10_00, 1)
      fs.mkdirSync(path.dirname(existing), { recursive: true })
      const existingBytes = encodeSnapshotRows([snapshotRow(T0, 999)])
      fs.writeFileSync(existing, existingBytes)

      const writer = yield* startWriter(options(dataDir, { flush_rows: 100 }))
      const rows = Array.from({ length: 250 }, (_, i) => snapshotRow(T0 + i, i))
      yield* writer.writeSnapshots(rows)
      // two full segments are written without waiting for a tick
      yield* eventually(writer, (s) => s.filesWritten === 2, "two flush_rows parts")
      yield* TestClock.adjust(Duration.seconds(280))
      yield* eventually(writer, (s) => s.filesWritten === 3, "closing part")

      const names = parquetFiles(dataDir).map((f) => path.basename(f))
      expect(names).toEqual([
        "snapshots_2026-01-15T10-00-1.parquet", "snapshots_2026-01-15T10-00-2.parquet",
        "snapshots_2026-01-15T10-00-3.parquet", "snapshots_2026-01-15T10-00.parquet"
      ])
      expect(new Uint8Array(fs.readFileSync(existing))).toEqual(existingBytes)
      const counts = yield* Effect.promise(() => duckdb(
        `select regexp_extract(filename, '[^/]*$') f, count(*)::INTEGER, min(seq)::INTEGER, max(seq)::INTEGER from read_parquet('${dataDir}/orderbook_snapshots/*/*/*/*.parquet', filename=true) group by f order by f`
      ))
      expect(counts).toEqual([
        ["snapshots_2026-01-15T10-00-1.parquet", 1, 999, 999],
        ["snapshots_2026-01-15T10-00-2.parquet", 100, 100, 199],
        ["snapshots_2026-01-15T10-00-3.parquet", 50, 200, 249],
        ["snapshots_2026-01-15T10-00.parquet", 100, 0, 99]
      ])
    }))

  it.scoped("writes rows that arrive after their bucket was written as the next part", () =>
    Effect.gen(function*() {
      const dataDir = tmpDataDir("late")
      yield* TestClock.setTime(T0)
      const writer = yield* startWriter(options(dataDir))
      yield* writer.writeSnapshots([snapshotRow(T0, 1), snapshotRow(T0 + 1, 2)])
      yield* TestClock.adjust(Duration.seconds(280))
      yield* eventually(writer, (s) => s.filesWritten === 1, "bucket file")
      yield* writer.writeSnapshots([snapshotRow(T0 + 2, 3)]) // late: its bucket closed 10 s ago
      yield* TestClock.adjust(Duration.seconds(5))
      yield* eventually(writer, (s) => s.filesWritten === 2, "late part")
      expect(parquetFiles(dataDir).map((f) => path.basename(f))).toEqual([
        "snapshots_2026-01-15T10-00-1.parquet", "snapshots_2026-01-15T10-00.parquet"
      ])
      const late = yield* Effect.promise(() => readSnapshotFile(snapshotFilePath(dataDir, "polymarket", BUCKET_10_00, 1), ["seq"]))
      expect(late).toEqual([{ seq: 3 }])
    }))

  it.scoped("routes by venue, dataset and UTC bucket, and flushNow writes every open bucket", () =>
    Effect.gen(function*() {
      const dataDir = tmpDataDir("route")
      yield* TestClock.setTime(T0)
      const writer = yield* startWriter(options(dataDir))
      const b2 = Date.UTC(2026, 0, 15, 23, 58, 0) // 23:55 bucket
      const b3 = Date.UTC(2026, 0, 16, 0, 1, 0) // next day, 00:00 bucket
      yield* writer.writeSnapshots([snapshotRow(T0, 1), snapshotRow(b2, 2), snapshotRow(b3, 3), snapshotRow(T0, 4, { venue: "kalshi" })])
      yield* writer.writeTrades([tradeRow(T0, 1), tradeRow(T0 + 200_000, 2), tradeRow(b3, 3, "polymarket")])
      yield* writer.flushNow
      const s = yield* writer.stats
      expect(s).toMatchObject({ rowsAccepted: 7, rowsWritten: 7, filesWritten: 6, rowsBuffered: 0 })
      expect(parquetFiles(dataDir)).toEqual([
        "orderbook_snapshots/venue=kalshi/date=2026-01-15/hour=10/snapshots_2026-01-15T10-00.parquet",
        "orderbook_snapshots/venue=polymarket/date=2026-01-15/hour=10/snapshots_2026-01-15T10-00.parquet",
        "orderbook_snapshots/venue=polymarket/date=2026-01-15/hour=23/snapshots_2026-01-15T23-55.parquet",
        "orderbook_snapshots/venue=polymarket/date=2026-01-16/hour=00/snapshots_2026-01-16T00-00.parquet",
        "trades/venue=kalshi/date=2026-01-15/hour=10/trades_2026-01-15T10-00.parquet",
        "trades/venue=polymarket/date=2026-01-16/hour=00/trades_2026-01-16T00-00.parquet"
      ])
      const trades = yield* Effect.promise(() => readTradeFile(path.join(dataDir, "trades/venue=kalshi/date=2026-01-15/hour=10/trades_2026-01-15T10-00.parquet")))
      expect(trades).toEqual([tradeRow(T0, 1), tradeRow(T0 + 200_000, 2)])
      expect(walFiles(dataDir)).toEqual([])
    }))

  it.scoped("a failed Parquet write keeps the write-ahead file and is retried on the next tick", () =>
    Effect.gen(function*() {
      const dataDir = tmpDataDir("encode-fail")
      yield* TestClock.setTime(T0)
      const writer = yield* startWriter(options(dataDir))
      // a plain file where the hour folder must go: the worker's publish fails (ENOTDIR/EEXIST)
      const hourDir = path.join(dataDir, "orderbook_snapshots/venue=polymarket/date=2026-01-15/hour=10")
      fs.mkdirSync(path.dirname(hourDir), { recursive: true })
      fs.writeFileSync(hourDir, "in the way")
      const rows = Array.from({ length: 40 }, (_, i) => snapshotRow(T0 + i, i))
      yield* writer.writeSnapshots(rows)
      yield* TestClock.adjust(Duration.seconds(280))
      yield* eventually(writer, (s) => s.writeErrors >= 1, "a failed encode")
      expect(yield* writer.stats).toMatchObject({ rowsWritten: 0, rowsBuffered: 40, filesWritten: 0 })
      expect(walLines(dataDir)).toBe(40)
      expect(walFiles(dataDir).filter((f) => f.endsWith(".commit"))).toEqual([]) // the failed publish took its marker back

      fs.rmSync(hourDir)
      yield* sleepersSettle(writer) // the flush ticker and the retry fiber
      yield* TestClock.adjust(Duration.seconds(5))
      yield* eventually(writer, (s) => s.filesWritten === 1, "the retried file")
      expect(yield* writer.stats).toMatchObject({ rowsWritten: 40, rowsBuffered: 0 })
      expect(walFiles(dataDir)).toEqual([])
      const back = yield* Effect.promise(() => readSnapshotFile(snapshotFilePath(dataDir, "polymarket", BUCKET_10_00, 0)))
      expect(back).toEqual(rows)
    }))

  it.scoped("a worker thread that died is replaced for the next file", () =>
    Effect.gen(function*() {
      const dataDir = tmpDataDir("worker-restart")
      yield* TestClock.setTime(T0)
      const writer = yield* startWriter(options(dataDir))
      yield* writer.writeSnapshots([snapshotRow(T0, 1)])
      yield* writer.flushNow
      const client = WriterWorkerClient.shared()
      const startsBefore = client.starts
      yield* Effect.promise(() => client.terminateForTests())
      yield* writer.writeSnapshots([snapshotRow(T0 + 1, 2)])
      yield* writer.flushNow
      expect(client.starts).toBe(startsBefore + 1)
      expect(yield* writer.stats).toMatchObject({ rowsWritten: 2, filesWritten: 2, writeErrors: 0 })
      expect(parquetFiles(dataDir).map((f) => path.basename(f))).toEqual([
        "snapshots_2026-01-15T10-00-1.parquet", "snapshots_2026-01-15T10-00.parquet"
      ])
    }))

  it.scoped("drops rows whose ts_recv cannot name a bucket, and counts them", () =>
    Effect.gen(function*() {
      const dataDir = tmpDataDir("reject")
      const writer = yield* startWriter(options(dataDir))
      yield* writer.writeSnapshots([snapshotRow(NaN, 1), snapshotRow(T0, 2), snapshotRow(-1, 3), snapshotRow(1e17, 4)])
      yield* writer.flushNow
      expect(yield* writer.stats).toMatchObject({ rowsAccepted: 1, rowsRejected: 3, rowsWritten: 1, writeErrors: 0 })
    }))

  it.scoped("shutdown (scope close) writes every buffered row to Parquet and removes the write-ahead files", () =>
    Effect.gen(function*() {
      const dataDir = tmpDataDir("shutdown")
      yield* TestClock.setTime(T0)
      const rows = Array.from({ length: 1200 }, (_, i) => snapshotRow(T0 + i * 400, i, { levels: 5 })) // spans two buckets
      yield* Effect.scoped(Effect.gen(function*() {
        const writer = yield* startWriter(options(dataDir))
        yield* writer.writeSnapshots(rows.slice(0, 700))
        yield* TestClock.adjust(Duration.seconds(5))
        yield* eventually(writer, (s) => s.walAppends >= 1 && s.rowsInMemory === 0, "the tick's appends")
        yield* writer.writeSnapshots(rows.slice(700)) // only in memory at shutdown
        expect((yield* writer.stats).rowsInMemory).toBe(500)
      }))
      expect(walFiles(dataDir)).toEqual([])
      const duck = yield* Effect.promise(() => duckdb(`select count(*)::INTEGER, count(distinct seq)::INTEGER from ${SNAP_GLOB(dataDir)}`))
      expect(duck).toEqual([[1200, 1200]])
      expect(parquetFiles(dataDir).map((f) => path.basename(f))).toEqual([
        "snapshots_2026-01-15T10-00.parquet", "snapshots_2026-01-15T10-05.parquet"
      ])
    }))
})

describe("ParquetSink backpressure", () => {
  it.scoped("a batch larger than the memory bound is taken in bound-sized steps, each waiting for an append", () =>
    Effect.gen(function*() {
      const dataDir = tmpDataDir("bp-steps")
      yield* TestClock.setTime(T0)
      const writer = yield* startWriter(options(dataDir, { queueRows: 100 }))
      // 250 rows with room for 100: waits twice, each wait starts an early append (no tick needed)
      yield* writer.writeSnapshots(Array.from({ length: 250 }, (_, i) => snapshotRow(T0 + i, i)))
      const s = yield* writer.stats
      expect(s.backpressureWaits).toBe(2)
      expect(s.rowsAccepted).toBe(250)
      expect(s.rowsInMemory).toBeLessThanOrEqual(100)
      yield* writer.flushNow
      const duck = yield* Effect.promise(() => duckdb(`select count(distinct seq)::INTEGER from read_parquet('${dataDir}/orderbook_snapshots/*/*/*/*.parquet')`))
      expect(duck).toEqual([[250]])
    }))
})

describe("ParquetSink memory held for the event log", () => {
  const ev = (ts: number, seq: number, i: number): EventRow => ({
    ts_recv: ts, event_seq: seq, kind: "level", market_id: `0x${"cd".repeat(32)}${i % 40}`, outcome_id: `${i % 80}${"3".repeat(70)}`,
    side: i % 2 === 0 ? "bid" : "ask", price: 0.01 * (i % 90 + 1), size: 10 + i, source_ts: null, venue_seq: null, trade_id: null,
    reason: null, book_seq: null, bid_px: null, bid_sz: null, ask_px: null, ask_sz: null
  })

  it.scoped("rows leave memory once EAGER_APPEND_ROWS of them wait (no tick needed); a segment's id dictionary goes with it to the encoder", () =>
    Effect.gen(function*() {
      const dataDir = tmpDataDir("eager")
      yield* TestClock.setTime(T0)
      const writer = yield* startWriter(options(dataDir, { queueRows: 100_000 }))
      const dictionariesBefore = heldEventWalDictionaries()
      const rows = Array.from({ length: 2 * EAGER_APPEND_ROWS + 10 }, (_, i) => ev(T0 + Math.floor(i / 10), 1_000_000 + i, i))
      // below the threshold the rows wait for the tick
      yield* writer.writeEvents("polymarket", rows.slice(0, EAGER_APPEND_ROWS - 1))
      yield* realSleep(150)
      expect(yield* writer.stats).toMatchObject({ walAppends: 0, rowsInMemory: EAGER_APPEND_ROWS - 1 })
      // reaching it appends the segment at once, still without a tick
      yield* writer.writeEvents("polymarket", rows.slice(EAGER_APPEND_ROWS - 1, 2 * EAGER_APPEND_ROWS))
      const appended = yield* eventually(writer, (s) => s.rowsInMemory === 0, "eager append")
      expect(appended.walAppends).toBeGreaterThanOrEqual(1)
      expect(appended.rowsBuffered).toBe(2 * EAGER_APPEND_ROWS)
      expect(walLines(dataDir)).toBe(2 * EAGER_APPEND_ROWS)
      expect(heldEventWalDictionaries()).toBe(dictionariesBefore + 1)
      // a few rows stay for the tick; the snapshot rows of the same moment are not appended early either
      yield* writer.writeEvents("polymarket", rows.slice(2 * EAGER_APPEND_ROWS))
      yield* writer.writeSnapshots([snapshotRow(T0, 1)])
      yield* realSleep(150)
      expect((yield* writer.stats).rowsInMemory).toBe(11)
      yield* writer.flushNow
      const done = yield* writer.stats
      expect(done).toMatchObject({ rowsInMemory: 0, rowsBuffered: 0, rowsWritten: rows.length + 1 })
      expect(heldEventWalDictionaries()).toBe(dictionariesBefore)
      const back = yield* Effect.promise(() => duckdb(
        `select count(*)::INTEGER, count(distinct event_seq)::INTEGER from read_parquet('${dataDir}/book_events/*/*/*/*.parquet')`
      ))
      expect(back).toEqual([[rows.length, rows.length]])
    }))
})
