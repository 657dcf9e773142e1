import { describe, expect, it } from "@effect/vitest"
import { Clock, Effect, Exit, Layer, Scope, TestClock } from "effect"
import { decodeHealthRecord, type HealthRecord } from "../../src/domain/HealthRecord.js"
import { startHealthLog } from "../../src/ops/HealthLog.js"
import { CollectorMetrics } from "../../src/ops/Metrics.js"
import { dataStatus, formatVenueStatus } from "../../src/storage/dataStatus.js"
import { FileStore, fileStoreError, type FileStoreService } from "../../src/storage/FileStore.js"
import { healthPath } from "../../src/storage/paths.js"
import { makeMemoryFileStore, MemoryFileStoreLayer } from "../support/MemoryFileStore.js"

const readRecords = (file: string) =>
  Effect.gen(function*() {
    const store = yield* FileStore
    const text = yield* store.readText(file).pipe(Effect.orElseSucceed(() => ""))
    return text.split("\n").filter((l) => l !== "").map((l) => {
      const d = decodeHealthRecord(l)
      if (d._tag === "Left") throw new Error(`bad health line ${l}`)
      return d.right
    })
  })

describe("health log", () => {
  it.effect("appends one record per venue at every minute boundary, and the partial last minute at shutdown", () =>
    Effect.gen(function*() {
      const start = Date.parse("2026-01-14T23:58:30Z")
      yield* TestClock.setTime(start)
      const metrics = new CollectorMetrics()
      const poly = metrics.forVenue("polymarket")
      const kalshi = metrics.forVenue("kalshi")
      poly.reconnects = 3 // before the log started: not in any record
      const scope = yield* Scope.make()
      yield* startHealthLog({ dataDir: "/d", venues: ["polymarket", "kalshi"], metrics }).pipe(Scope.extend(scope))
      yield* TestClock.adjust(0)

      // first window: 23:58:30 .. 23:59:00
      poly.connectionsUp = 2; poly.connections = 3; poly.subscriptionsHot = 4; poly.subscriptionsWarm = 6; poly.books = 10
      poly.snapshotRows += 200; poly.snapshotRowsStale += 20; poly.snapshotRowsCrossed += 2; poly.reconnects += 1
      poly.messagesReceived += 500; poly.trades += 7
      kalshi.seqGaps += 2
      yield* TestClock.adjust("29 seconds")
      const day1 = healthPath("/d", "polymarket", "2026-01-14")
      expect(yield* readRecords(day1)).toEqual([])
      yield* TestClock.adjust("1 second")
      const first = yield* readRecords(day1)
      expect(first).toEqual([{
        ts: Date.parse("2026-01-14T23:58:00Z"), venue: "polymarket", covered_ms: 30_000,
        connections: 2, connections_total: 3, subscribed: 10, books: 10,
        reconnects: 1, seq_gaps: 0, messages: 500, rows: 200, trades: 7, stale_frac: 0.1, crossed_frac: 0.01
      } satisfies HealthRecord])
      const k1 = yield* readRecords(healthPath("/d", "kalshi", "2026-01-14"))
      expect(k1).toMatchObject([{ ts: Date.parse("2026-01-14T23:58:00Z"), seq_gaps: 2, rows: 0, stale_frac: null, crossed_frac: null }])

      // second window: a full minute without rows, then midnight: the next day's file
      yield* TestClock.adjust("1 minute")
      const second = (yield* readRecords(day1))[1]
      expect(second).toMatchObject({ ts: Date.parse("2026-01-14T23:59:00Z"), covered_ms: 60_000, rows: 0, reconnects: 0, stale_frac: null })
      poly.snapshotRows += 50; poly.snapshotRowsStale += 50
      yield* TestClock.adjust("1 minute")
      const day2 = healthPath("/d", "polymarket", "2026-01-15")
      expect(yield* readRecords(day2)).toMatchObject([{ ts: Date.parse("2026-01-15T00:00:00Z"), rows: 50, stale_frac: 1 }])

      // shutdown 15 s into the next minute: that window is written when the scope closes, with
      // the gauges as they were while running (the sockets are closing by then)
      yield* TestClock.adjust("15 seconds")
      poly.snapshotRows += 10
      poly.connectionsUp = 0
      yield* Scope.close(scope, Exit.void)
      const last = (yield* readRecords(day2)).at(-1)
      expect(last).toMatchObject({ ts: Date.parse("2026-01-15T00:01:00Z"), covered_ms: 15_000, rows: 10, stale_frac: 0, connections: 2 })
      // nothing more after the scope closed
      yield* TestClock.adjust("5 minutes")
      expect(yield* readRecords(day2)).toHaveLength(2)

      // `surveillance status` reads the newest record
      const [status] = yield* dataStatus({ dataDir: "/d", venues: ["polymarket"], nowMs: yield* Clock.currentTimeMillis, flushSeconds: 5, bucketMinutes: 5 })
      expect(status!.health).toMatchObject({ date: "2026-01-15", records: 2, latest: { ts: Date.parse("2026-01-15T00:01:00Z") } })
      expect(formatVenueStatus(status!)).toContain("health 00:01Z conn 2/3 reconnects 0 gaps 0 stale 0.0% crossed 0.0% (2 records on 2026-01-15);")
    }).pipe(Effect.provide(MemoryFileStoreLayer)))

  it.effect("keeps going after a failed append", () => {
    // a store whose first append fails (disk full), the others succeed
    const memory = makeMemoryFileStore()
    let appends = 0
    const flaky: FileStoreService = {
      ...memory,
      appendFile: (p, data, opts) =>
        appends++ === 0 ? Effect.fail(fileStoreError("appendFile", p, Object.assign(new Error("ENOSPC: no space left on device"), { code: "ENOSPC" }))) : memory.appendFile(p, data, opts)
    }
    return Effect.gen(function*() {
      yield* TestClock.setTime(Date.parse("2026-01-14T10:00:00Z"))
      const metrics = new CollectorMetrics()
      const m = metrics.forVenue("polymarket")
      const file = healthPath("/d", "polymarket", "2026-01-14")
      yield* Effect.scoped(Effect.gen(function*() {
        yield* startHealthLog({ dataDir: "/d", venues: ["polymarket"], metrics })
        yield* TestClock.adjust("1 minute")
        m.snapshotRows += 5
        yield* TestClock.adjust("1 minute")
      }))
      // the failed minute is lost (logged); the next one is recorded
      expect(appends).toBe(2)
      expect(yield* readRecords(file)).toMatchObject([{ ts: Date.parse("2026-01-14T10:01:00Z"), rows: 5 }])
    }).pipe(Effect.provide(Layer.succeed(FileStore, flaky)))
  })
})
