/** Row builders and readers shared by the Writer tests. */
import * as fs from "node:fs"
import * as path from "node:path"
import { DuckDBInstance } from "@duckdb/node-api"
import { Context, Effect, Layer, TestClock } from "effect"
import { ParquetSink, ParquetSinkLive, type ParquetSinkOptions, type WriterStats } from "../../src/sink/ParquetSink.js"
import type { SnapshotRow } from "../../src/domain/SnapshotRow.js"
import type { TradeRow } from "../../src/domain/TradeRow.js"
import type { VenueId } from "../../src/domain/VenueId.js"
import { FileStoreLayer } from "../../src/storage/FileStore.js"

/** A snapshot row with `levels` price levels a side on a 0.01 grid; `i` makes it distinct. */
export function snapshotRow(tsRecv: number, i: number, opts: { venue?: VenueId; levels?: number; market?: string } = {}): SnapshotRow {
  const levels = opts.levels ?? 3
  const bidPx: number[] = []
  const bidSz: number[] = []
  const askPx: number[] = []
  const askSz: number[] = []
  for (let l = 0; l < levels; l++) {
    bidPx.push(Math.round((0.49 - l * 0.01) * 100) / 100)
    bidSz.push(10 + ((i + l) % 97))
    askPx.push(Math.round((0.51 + l * 0.01) * 100) / 100)
    askSz.push(5 + ((i * 7 + l) % 89))
  }
  const empty = levels === 0
  return {
    ts_recv: tsRecv,
    venue: opts.venue ?? "polymarket",
    market_id: opts.market ?? `m${i % 50}`,
    outcome_id: `o${i % 2}`,
    seq: i,
    best_bid_px: empty ? NaN : bidPx[0]!,
    best_bid_sz: empty ? 0 : bidSz[0]!,
    best_ask_px: empty ? NaN : askPx[0]!,
    best_ask_sz: empty ? 0 : askSz[0]!,
    mid: empty ? NaN : 0.5,
    spread: empty ? NaN : 0.02,
    bid_px: bidPx, bid_sz: bidSz, ask_px: askPx, ask_sz: askSz,
    status: empty ? "empty" : "ok",
    err: empty ? "no levels" : null,
    source_ts: i % 3 === 0 ? null : tsRecv - 5
  }
}

export function tradeRow(tsRecv: number, i: number, venue: VenueId = "kalshi"): TradeRow {
  return {
    ts_recv: tsRecv, source_ts: i % 2 === 0 ? tsRecv - 3 : null, venue, market_id: `K-${i % 7}`, outcome_id: "yes",
    price: 0.3 + (i % 40) / 100, size: 1 + (i % 13), side: i % 2 === 0 ? "buy" : "sell", trade_id: i % 5 === 0 ? null : `t${i}`
  }
}

/** Every file under `dir`, recursively, relative to it, sorted. */
export function listTree(dir: string): string[] {
  const out: string[] = []
  const walk = (d: string) => {
    let entries: fs.Dirent[]
    try {
      entries = fs.readdirSync(d, { withFileTypes: true })
    } catch {
      return
    }
    for (const e of entries) {
      const full = path.join(d, e.name)
      if (e.isDirectory()) walk(full)
      else out.push(path.relative(dir, full))
    }
  }
  walk(dir)
  return out.sort()
}

export const parquetFiles = (dataDir: string): string[] => listTree(dataDir).filter((f) => f.endsWith(".parquet"))
export const walFiles = (dataDir: string): string[] => listTree(path.join(dataDir, ".wal"))

/** Runs one query through DuckDB (the independent reader) and returns its rows. */
export async function duckdb(sql: string): Promise<Array<Array<unknown>>> {
  const instance = await DuckDBInstance.create(":memory:")
  const conn = await instance.connect()
  try {
    const reader = await conn.runAndReadAll(sql)
    return reader.getRows() as Array<Array<unknown>>
  } finally {
    conn.closeSync()
    instance.closeSync()
  }
}

export const tmpDataDir = (name: string): string => fs.mkdtempSync(path.join(fs.realpathSync("/tmp"), `writer-${name}-`))

export const options = (dataDir: string, over: Partial<ParquetSinkOptions["storage"]> & { queueRows?: number } = {}): ParquetSinkOptions => ({
  dataDir,
  storage: { flush_rows: over.flush_rows ?? 50_000, flush_seconds: over.flush_seconds ?? 5, bucket_minutes: over.bucket_minutes ?? 5 },
  queueRows: over.queueRows ?? 10_000,
  closeGraceMs: 10_000
})

/** The writer as a scoped resource of the test. */
export const startWriter = (opts: ParquetSinkOptions) =>
  Layer.build(ParquetSinkLive(opts).pipe(Layer.provide(FileStoreLayer))).pipe(Effect.map((ctx) => Context.get(ctx, ParquetSink)))

/** Real-time wait (the writer does real file I/O and a worker thread; TestClock only drives its timers). */
export const realSleep = (ms: number) => Effect.promise(() => new Promise<void>((r) => setTimeout(r, ms)))

export const eventually = (writer: Context.Tag.Service<ParquetSink>, pred: (s: WriterStats) => boolean, what: string) =>
  Effect.gen(function*() {
    for (let i = 0; i < 600; i++) {
      const s = yield* writer.stats
      if (pred(s)) return s
      yield* realSleep(25)
    }
    return yield* Effect.dieMessage(`timed out waiting for: ${what}; stats ${JSON.stringify(yield* writer.stats)}`)
  })

/**
 * Waits (real time) until the writer's clock-driven fibers sleep on the TestClock again: its
 * flush ticker, and while an incident lasts its retry fiber. A clock step taken before a fiber
 * went back to sleep would shift its next wake-up (and the test would measure the machine's load).
 */
export const sleepersSettle = (writer: Context.Tag.Service<ParquetSink>) =>
  Effect.gen(function*() {
    for (let i = 0; i < 1200; i++) {
      const expected = (yield* writer.stats).diskFailure === null ? 1 : 2
      if ((yield* TestClock.sleeps()).length === expected) return
      yield* realSleep(10)
    }
    return yield* Effect.dieMessage("timed out waiting for the writer's fibers to sleep on the TestClock")
  })
