import * as fs from "node:fs"
import * as path from "node:path"
import { it } from "@effect/vitest"
import { Duration, Effect, Logger, TestClock } from "effect"
import { afterAll, describe, expect } from "vitest"
import { healthVerdict } from "../../src/ops/MetricsServer.js"
import { CollectorMetrics } from "../../src/ops/Metrics.js"
import { emptyFiles, faultyDisk, mountSmallFs } from "../support/faultyDisk.js"
import { duckdb, eventually, options, sleepersSettle, snapshotRow, startWriter, tmpDataDir, walFiles } from "./sinkTestRows.js"

const T0 = Date.UTC(2026, 0, 15, 10, 0, 30)

const walLines = (dataDir: string): number =>
  walFiles(dataDir).filter((f) => f.endsWith(".wal")).reduce((n, f) => n + fs.readFileSync(path.join(dataDir, ".wal", f), "utf8").split("\n").filter((l) => l.length > 0).length, 0)

/** Every log line of the effect (and of fibers it forks), as "LEVEL message". */
const captureLogs = (lines: string[]) =>
  Logger.replace(Logger.defaultLogger, Logger.make(({ logLevel, message }) => {
    lines.push(`${logLevel.label} ${Array.isArray(message) ? message.join(" ") : String(message)}`)
  }))

const healthOpts = { venues: [] as const, metrics: new CollectorMetrics(), flushSeconds: 5, staleAfterMs: 60_000 }

const seqsInFiles = (dataDir: string) =>
  Effect.promise(() => duckdb(`select seq from read_parquet('${dataDir}/orderbook_snapshots/*/*/*/*.parquet') order by seq`))
    .pipe(Effect.map((rows) => rows.map((r) => Number(r[0]))))

describe("SnapshotWriter when the disk refuses", () => {
  it.scoped("holds rows up to the bound, drops the oldest (counted), retries once per backoff delay, logs once per flush interval, leaves no empty file, and writes everything held when space returns", () => {
    const lines: string[] = []
    return Effect.gen(function*() {
      const dataDir = tmpDataDir("disk-full")
      yield* TestClock.setTime(T0)
      const disk = faultyDisk({ kind: "half-then-fail", code: "ENOSPC" })
      const writer = yield* startWriter({ ...options(dataDir, { queueRows: 100 }), appendFs: disk.fs })
      const rows = Array.from({ length: 260 }, (_, i) => snapshotRow(T0 + i, i))

      // 60 rows are over half the bound: the writer appends at once, before any clock step (so the
      // incident starts at T0 whatever the machine's load); half a buffer gets in, then ENOSPC
      yield* writer.writeSnapshots(rows.slice(0, 60))
      const failing = yield* eventually(writer, (s) => s.diskFailure !== null, "an incident")
      const inWal = failing.rowsBuffered - failing.rowsInMemory
      expect(inWal).toBeGreaterThan(0)
      expect(inWal).toBeLessThan(60)
      expect(walLines(dataDir)).toBe(inWal) // a row counts as appended only when its whole line is on disk
      expect(failing.diskFailure).toMatchObject({ reason: "disk_full", op: expect.stringContaining("append") })
      const health = healthVerdict(healthOpts, failing, T0 + 5000, T0)
      expect(health.healthy).toBe(false)
      expect(health.reasons).toEqual([expect.stringMatching(/^writer: disk refuses writes for \d+ s \(disk_full: ENOSPC: no space left on device.*\); \d+ rows wait in memory, 0 dropped$/)])

      // producers do not wait while the disk refuses: the oldest held rows make room
      yield* writer.writeSnapshots(rows.slice(60))
      const held = yield* writer.stats
      expect(held).toMatchObject({ rowsAccepted: 260, rowsInMemory: 100, rowsDropped: 60 - inWal + 100, backpressureWaits: 0 })
      expect(held.rowsDroppedByReason).toEqual({ disk_full: 60 - inWal + 100 })

      // 60 s of flush ticks: attempts only at +5, +10 and +20 s after the previous one (exponential from
      // flush_seconds), i.e. at T0 + 5, 15 and 35 s
      const opensAfterFirst = disk.opens
      yield* sleepersSettle(writer)
      for (let tick = 1; tick <= 12; tick++) {
        yield* TestClock.adjust(Duration.seconds(5))
        yield* sleepersSettle(writer) // the flush ticker and the retry fiber are both waiting on the clock again
      }
      expect(disk.opens - opensAfterFirst).toBe(3)
      // one waiting line per flush interval: the 12 ticks since the refusal began
      expect(lines.filter((l) => l.includes("disk refuses writes for"))).toHaveLength(12)
      expect(lines.filter((l) => l.startsWith("ERROR"))).toHaveLength(1)
      expect(emptyFiles(dataDir)).toEqual([])
      expect(walFiles(dataDir).filter((f) => f.endsWith(".wal"))).toHaveLength(1)

      // space returns: the next scheduled attempt (30 s after the last, the cap: at T0 + 65 s) writes all that is held
      disk.mode = { kind: "ok" }
      yield* sleepersSettle(writer)
      yield* TestClock.adjust(Duration.seconds(5))
      const recovered = yield* eventually(writer, (s) => s.diskFailure === null, "the incident to end")
      expect(recovered.rowsInMemory).toBe(0)
      const lost = 60 - inWal + 100
      expect(lines).toContain(`INFO writer: writes succeed again after 65 s of disk_full; ${lost} rows dropped in total (disk_full ${lost})`)
      yield* writer.flushNow
      const done = yield* writer.stats
      expect(done.rowsAccepted).toBe(done.rowsWritten + done.rowsDropped)
      expect(healthVerdict(healthOpts, done, T0 + 65_000, T0).healthy).toBe(true)
      // an independent reader: exactly the first rows that reached the disk and the 100 newest, once each
      const seqs = yield* seqsInFiles(dataDir)
      expect(seqs).toEqual([...Array.from({ length: inWal }, (_, i) => i), ...Array.from({ length: 100 }, (_, i) => 160 + i)])
    }).pipe(Effect.provide(captureLogs(lines)))
  })

  it.scoped("at shutdown with the disk still refusing, the stopped line adds up: accepted = written + dropped", () => {
    const lines: string[] = []
    return Effect.gen(function*() {
      const dataDir = tmpDataDir("disk-ro-exit")
      yield* TestClock.setTime(T0)
      const disk = faultyDisk({ kind: "fail", code: "EROFS" })
      yield* Effect.scoped(Effect.gen(function*() {
        const writer = yield* startWriter({ ...options(dataDir), appendFs: disk.fs, shutdownTimeoutMs: 2000 })
        yield* writer.writeSnapshots(Array.from({ length: 30 }, (_, i) => snapshotRow(T0 + i, i)))
        yield* sleepersSettle(writer)
        yield* TestClock.adjust(Duration.seconds(5))
        yield* eventually(writer, (s) => s.diskFailure?.reason === "read_only", "a read-only incident")
      }))
      expect(lines).toContainEqual(expect.stringMatching(/^ERROR writer: 30 rows could not be appended before exit and are lost \(read_only: EROFS/))
      expect(lines).toContainEqual("INFO writer: stopped; accepted 30 rows = written 0 in 0 files + dropped 30 (shutdown 30); 2 write errors")
      expect(emptyFiles(dataDir)).toEqual([])
      expect(walFiles(dataDir)).toEqual([])
    }).pipe(Effect.provide(captureLogs(lines)))
  })
})

describe("SnapshotWriter on a real small filesystem", () => {
  const small = mountSmallFs("256k")
  afterAll(() => { if (typeof small !== "string") small.unmount() })
  if (typeof small === "string") console.log(`skipped the real small-filesystem writer test: ${small}`)
  const run = typeof small === "string" ? it.scoped.skip : it.scoped

  run("fills up (ENOSPC), then goes read-only (EROFS); every accepted row is written or counted as dropped, none twice", () =>
    Effect.gen(function*() {
      if (typeof small === "string") return
      const dataDir = path.join(small.dir, "data")
      yield* TestClock.setTime(T0)
      const writer = yield* startWriter(options(dataDir, { queueRows: 2000, flush_seconds: 1 }))
      let seq = 0
      const batch = () => Array.from({ length: 200 }, () => snapshotRow(T0 + seq, seq++, { levels: 10 }))
      // about 600 bytes a row: 256 KiB holds some 400 rows of write-ahead lines
      for (let i = 0; i < 10; i++) {
        yield* writer.writeSnapshots(batch())
        yield* sleepersSettle(writer)
        yield* TestClock.adjust(Duration.seconds(1))
      }
      const full = yield* eventually(writer, (s) => s.diskFailure !== null, "ENOSPC")
      expect(full.diskFailure?.reason).toBe("disk_full")
      expect(emptyFiles(dataDir)).toEqual([])
      for (let i = 0; i < 10; i++) yield* writer.writeSnapshots(batch()) // beyond the bound: the oldest go
      expect((yield* writer.stats).rowsInMemory).toBeLessThanOrEqual(2000)

      small.resize("16m")
      yield* sleepersSettle(writer)
      yield* TestClock.adjust(Duration.seconds(30)) // at least one scheduled attempt
      yield* eventually(writer, (s) => s.diskFailure === null && s.rowsInMemory === 0, "writes after the resize")

      small.readOnly(true)
      yield* writer.writeSnapshots(batch())
      yield* sleepersSettle(writer)
      yield* TestClock.adjust(Duration.seconds(1))
      const ro = yield* eventually(writer, (s) => s.diskFailure !== null, "EROFS")
      expect(ro.diskFailure?.reason).toBe("read_only")
      small.readOnly(false)
      yield* sleepersSettle(writer)
      yield* TestClock.adjust(Duration.seconds(30))
      yield* eventually(writer, (s) => s.diskFailure === null, "writes after remounting read-write")
      yield* writer.flushNow

      const s = yield* writer.stats
      expect(s.rowsAccepted).toBe(seq)
      expect(s.rowsDropped).toBeGreaterThan(0)
      expect(s.rowsAccepted).toBe(s.rowsWritten + s.rowsDropped)
      const duck = yield* Effect.promise(() => duckdb(`select count(*)::INTEGER, count(distinct seq)::INTEGER from read_parquet('${dataDir}/orderbook_snapshots/*/*/*/*.parquet')`))
      expect(duck).toEqual([[s.rowsWritten, s.rowsWritten]])
    }))
})
