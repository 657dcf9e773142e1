import { describe, expect, it } from "vitest"
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { dataStatus, formatAge, formatVenueStatus } from "../../src/storage/dataStatus.js"
import { encodeSnapshotRows } from "../../src/storage/parquet/snapshots.js"
import { encodeTradeRows } from "../../src/storage/parquet/trades.js"
import { snapshotFilePath, statsPath, tradeFilePath, universePath } from "../../src/storage/paths.js"
import type { MarketRecord } from "../../src/domain/Market.js"
import type { SnapshotRow } from "../../src/domain/SnapshotRow.js"
import { it as effectIt } from "@effect/vitest"
import { Clock, Effect, TestClock } from "effect"
import { FileStore } from "../../src/storage/FileStore.js"
import { encodeUniverse } from "../../src/storage/universe.js"
import { runCliSync } from "../support/cli.js"
import { MemoryFileStoreLayer } from "../support/MemoryFileStore.js"
import { onLocalDisk } from "../support/onLocalDisk.js"

const NOW = Date.parse("2026-01-14T12:30:00Z")

const row = (ts: number, market: string): SnapshotRow => ({
  ts_recv: ts, venue: "polymarket", market_id: market, outcome_id: "t1", seq: 1,
  best_bid_px: 0.4, best_bid_sz: 10, best_ask_px: 0.6, best_ask_sz: 5, mid: 0.5, spread: 0.2,
  bid_px: [0.4], bid_sz: [10], ask_px: [0.6], ask_sz: [5], status: "ok", err: null, source_ts: null
})

const market = (id: string): MarketRecord => ({
  market_id: id, title: `Market ${id}`, outcome_ids: ["t1", "t2"], outcomes: ["Yes", "No"], close_ts: null, status: "active",
  tags: [], token_ids: ["t1", "t2"], event_id: null, slug: null, volume: null, liquidity: null, tick_size: 0.01
})

const writeAt = async (file: string, data: Uint8Array | string, mtimeMs: number) => {
  await fs.mkdir(path.dirname(file), { recursive: true })
  await fs.writeFile(file, data)
  await fs.utimes(file, mtimeMs / 1000, mtimeMs / 1000)
}

/** A data dir where polymarket is fresh (file 2 min old) and kalshi last wrote 3 hours ago. */
const prepare = async (): Promise<string> => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "status-"))
  await writeAt(universePath(dir, "polymarket", "2026-01-13"), '{"a":1}\n{"b":2}\n', NOW - 86_400_000)
  // three market records and two lines that are not one: status counts the three
  await writeAt(universePath(dir, "polymarket", "2026-01-14"),
    encodeUniverse([market("m1"), market("m2")]) + '{"a":1}\nnot json\n' + encodeUniverse([market("m3")]), NOW - 3_600_000)
  const b1 = Date.parse("2026-01-14T12:20:00Z")
  const b2 = Date.parse("2026-01-14T12:25:00Z")
  await writeAt(snapshotFilePath(dir, "polymarket", b1, 0), encodeSnapshotRows([row(b1, "m1"), row(b1 + 1, "m2")]), b1 + 310_000)
  await writeAt(snapshotFilePath(dir, "polymarket", b2, 0), encodeSnapshotRows([row(b2, "m1"), row(b2, "m2"), row(b2, "m3")]), NOW - 120_000)
  // two hours old: not in "last hour"
  const old = Date.parse("2026-01-14T10:00:00Z")
  await writeAt(snapshotFilePath(dir, "polymarket", old, 0), encodeSnapshotRows([row(old, "m1")]), old + 300_000)
  await writeAt(tradeFilePath(dir, "polymarket", b2, 0), encodeTradeRows([
    { ts_recv: b2, source_ts: b2, venue: "polymarket", market_id: "m1", outcome_id: "t1", price: 0.5, size: 3, side: "buy", trade_id: null }
  ]), NOW - 60_000)
  await writeAt(statsPath(dir, "polymarket", "2026-01-13"), "x", NOW - 40_000_000)
  const k = Date.parse("2026-01-14T09:25:00Z")
  await writeAt(snapshotFilePath(dir, "kalshi", k, 0), encodeSnapshotRows([{ ...row(k, "K1"), venue: "kalshi" }]), NOW - 3 * 3_600_000)
  // a temp file left by a crash is not a snapshot
  await writeAt(snapshotFilePath(dir, "kalshi", k, 1) + ".123.abc.tmp", "garbage", NOW - 1000)
  return dir
}

describe("data status", () => {
  it("reports universe, newest snapshot age, last-hour rows and files, stats date, staleness", async () => {
    const dir = await prepare()
    const [poly, kalshi] = await onLocalDisk(dataStatus({ dataDir: dir, venues: ["polymarket", "kalshi"], nowMs: NOW, flushSeconds: 5, bucketMinutes: 5 }))
    expect(poly).toMatchObject({
      venue: "polymarket", universeDate: "2026-01-14", universeMarkets: 3, universeBadLines: 2,
      newestSnapshotAgeMs: 120_000, snapshotFilesLastHour: 2, snapshotRowsLastHour: 5,
      tradeFilesLastHour: 1, tradeRowsLastHour: 1, statsDate: "2026-01-13",
      staleAfterMs: 315_000, stale: false
    })
    expect(path.basename(poly!.newestSnapshotFile!)).toBe("snapshots_2026-01-14T12-25.parquet")
    expect(formatVenueStatus(poly!)).toContain("universe 2026-01-14 (3 markets, 2 bad lines ignored);")
    expect(kalshi).toMatchObject({
      venue: "kalshi", universeDate: null, universeMarkets: 0, newestSnapshotAgeMs: 3 * 3_600_000,
      snapshotFilesLastHour: 0, statsDate: null, stale: true
    })
  })

  it("counts a recent write-ahead append as fresh while the bucket is still open", async () => {
    const dir = await prepare()
    await writeAt(path.join(dir, ".wal", "venue=kalshi", "orderbook_snapshots", `${NOW}-1-0.wal`), "{}\n", NOW - 4_000)
    const [kalshi] = await onLocalDisk(dataStatus({ dataDir: dir, venues: ["kalshi"], nowMs: NOW, flushSeconds: 5, bucketMinutes: 5 }))
    expect(kalshi).toMatchObject({ newestWalAgeMs: 4_000, stale: false })
  })

  it("an empty data dir is stale for every venue", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "status-empty-"))
    const out = await onLocalDisk(dataStatus({ dataDir: dir, venues: ["polymarket"], nowMs: NOW, flushSeconds: 5, bucketMinutes: 5 }))
    expect(out[0]).toMatchObject({ newestSnapshotFile: null, stale: true })
  })

  effectIt.effect("reads only through the FileStore: an in-memory data dir, ages from TestClock, rows from the Parquet footer", () =>
    Effect.gen(function*() {
      const store = yield* FileStore
      const b = Date.parse("2026-01-14T12:20:00Z")
      yield* TestClock.setTime(b + 300_000)
      yield* store.writeAtomic(snapshotFilePath("/mem", "polymarket", b, 0), encodeSnapshotRows([row(b, "m1"), row(b, "m2"), row(b + 5, "m3")]))
      // two valid market records and one garbage line (not counted as a market)
      yield* store.writeAtomic(universePath("/mem", "polymarket", "2026-01-14"), encodeUniverse([market("m1"), market("m2")]) + '{"a":1}\n')
      yield* TestClock.adjust("2 minutes")
      yield* store.appendFile(path.join("/mem", ".wal", "venue=polymarket", "trades", `${b}-1-0.wal`), "[]\n")
      yield* TestClock.adjust("3 seconds")
      const nowMs = yield* Clock.currentTimeMillis
      const [poly] = yield* dataStatus({ dataDir: "/mem", venues: ["polymarket"], nowMs, flushSeconds: 5, bucketMinutes: 5 })
      expect(poly).toMatchObject({
        universeDate: "2026-01-14", universeMarkets: 2, newestSnapshotAgeMs: 123_000, newestWalAgeMs: 3_000,
        snapshotFilesLastHour: 1, snapshotRowsLastHour: 3, stale: false
      })
      yield* TestClock.adjust("10 minutes")
      const [later] = yield* dataStatus({ dataDir: "/mem", venues: ["polymarket"], nowMs: yield* Clock.currentTimeMillis, flushSeconds: 5, bucketMinutes: 5 })
      expect(later).toMatchObject({ newestSnapshotAgeMs: 723_000, stale: true })
    }).pipe(Effect.provide(MemoryFileStoreLayer)))

  it("formats ages for humans", () => {
    expect([formatAge(null), formatAge(42_000), formatAge(425_000), formatAge(3 * 3_600_000 + 720_000), formatAge(2 * 86_400_000 + 4 * 3_600_000)])
      .toEqual(["never", "42s", "7m05s", "3h12m", "2d04h"])
  })

  it("`surveillance status` exits 1 naming the stale venue, 0 when every venue is fresh", async () => {
    const dir = await prepare()
    const cfgFile = path.join(dir, "cfg.toml")
    await fs.writeFile(cfgFile, `data_dir = ${JSON.stringify(dir)}\n`)
    // real wall clock here: make polymarket's newest file fresh relative to now
    const fresh = snapshotFilePath(dir, "polymarket", Date.parse("2026-01-14T12:25:00Z"), 0)
    const now = Date.now() / 1000
    await fs.utimes(fresh, now, now)
    const both = runCliSync(["status", "--config", cfgFile])
    expect(both.code).toBe(1)
    expect(both.stdout).toMatch(/^polymarket: .* fresh$/m)
    expect(both.stderr.trim().split("\n")).toHaveLength(1)
    expect(both.stderr).toMatch(/snapshots stale for kalshi/)
    const polyOnly = runCliSync(["status", "--venue", "polymarket", "--config", cfgFile])
    expect(polyOnly.stderr).toBe("")
    expect(polyOnly.code).toBe(0)
  })
})
