/**
 * P5 memory: RSS per subscribed book with 10,000 books live in the collector against
 * the simulator (model mode, its own process): RSS with the books minus RSS with none (same
 * process, collector and writer already started), divided by the number of live books.
 * Tiers as configured in production: 40 HOT (2 s), the rest WARM (10 s). Run with
 * --expose-gc (bench/run.ts does) so both readings follow a full collection.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Effect, Layer, Schema } from "effect"
import { startCollector } from "../src/collector/Collector.js"
import { VenuesLive } from "../src/venues/VenueLayers.js"
import type { SubscriptionSpec } from "../src/domain/Subscription.js"
import { ParquetSinkLive } from "../src/sink/ParquetSink.js"
import { FileStoreLayer } from "../src/storage/FileStore.js"
import { AppConfig } from "../src/config/schema.js"
import { mainIfDirect, result, round, type FigureResult } from "./harness.js"
import { startSimProcess } from "./simProcess.js"

const BOOKS = 10_000
const HOT = 40

const settle = async (): Promise<{ rss: number; heapUsed: number }> => {
  const gc = (globalThis as { gc?: () => void }).gc
  for (let i = 0; i < 3; i++) {
    gc?.()
    await new Promise((r) => setTimeout(r, 200))
  }
  const m = process.memoryUsage()
  return { rss: m.rss, heapUsed: m.heapUsed }
}

export async function run(): Promise<FigureResult[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-p5-"))
  const marketsFile = path.join(dir, "markets.json")
  const sim = await startSimProcess(["model", String(Math.ceil((BOOKS / 2) * 1.3)), marketsFile])
  try {
    const markets = JSON.parse(fs.readFileSync(marketsFile, "utf8")) as Array<{ market_id: string; token_ids: string[] }>
    const specs: SubscriptionSpec[] = []
    for (const m of markets) {
      for (const t of m.token_ids) specs.push({ key: t, marketId: m.market_id, outcomeIds: [t], tier: specs.length < HOT ? "hot" : "warm" })
      if (specs.length >= BOOKS) break
    }
    if (specs.length < BOOKS) throw new Error(`P5: the simulator has only ${specs.length} live tokens`)
    const cfg = Schema.decodeUnknownSync(AppConfig)({
      data_dir: path.join(dir, "data"),
      // the event log is on by default; P5_EVENT_LOG=off measures without it (for comparison)
      storage: { event_log: process.env["P5_EVENT_LOG"] !== "off" },
      venues: {
        polymarket: { ws_url: sim.urls.polymarketWs, rest_url: sim.urls.gamma, clob_url: sim.urls.clob, max_assets_per_connection: 500, max_subs: BOOKS, hot_count: HOT },
        kalshi: { enabled: false }
      }
    })
    const m = await Effect.runPromise(Effect.scoped(Effect.gen(function* () {
      const running = yield* startCollector(cfg, { venues: ["polymarket"], driver: "none" })
      const venue = running.venues.get("polymarket")!
      // one book first, so that the pipeline's code is loaded and compiled before the
      // baseline: that is a fixed cost of the process, not a cost per book
      yield* running.controls.get("polymarket")!.subscribe(specs.slice(0, 1))
      while (venue.books.bookCount < 1) yield* Effect.sleep("50 millis")
      yield* Effect.sleep("3 seconds")
      const before = yield* Effect.promise(settle)
      yield* running.controls.get("polymarket")!.subscribe(specs.slice(1))
      const t0 = Date.now()
      while (venue.books.bookCount < BOOKS && Date.now() - t0 < 120_000) yield* Effect.sleep("250 millis")
      const live = venue.books.bookCount
      // steady state: a few WARM rounds of snapshots through the writer
      yield* Effect.sleep("12 seconds")
      const after = yield* Effect.promise(settle)
      return { before, after, live, secondsToLive: (Date.now() - t0) / 1000, rows: venue.metrics.snapshotRows }
    })).pipe(Effect.provide(VenuesLive(cfg)), Effect.provide(FileStoreLayer), Effect.provide(Layer.provide(FileStoreLayer)(ParquetSinkLive({
      dataDir: cfg.data_dir, storage: { flush_rows: Number(process.env["P5_FLUSH_ROWS"] ?? 50_000), flush_seconds: 5, bucket_minutes: 5 }, queueRows: 200_000
    })))))
    const perBookKb = (m.after.rss - m.before.rss) / m.live / 1024
    const heapPerBookKb = (m.after.heapUsed - m.before.heapUsed) / m.live / 1024
    return [result({
      figure: "P5", name: `memory: RSS per live book (${m.live} books, ${HOT} HOT / rest WARM)`,
      ours: round(perBookKb, 2), reference: 10, referenceName: "issue target 10 KB/book", unit: "KB/book", higherIsBetter: false,
      target: "<= 10 KB/book", met: m.live >= BOOKS * 0.99 && perBookKb <= 10,
      notes: `event log ${cfg.storage.event_log ? "on" : "off"}; RSS ${round(m.before.rss / 2 ** 20, 1)} -> ${round(m.after.rss / 2 ** 20, 1)} MB, heap ${round(m.before.heapUsed / 2 ** 20, 1)} -> ${round(m.after.heapUsed / 2 ** 20, 1)} MB ` +
        `(${round(heapPerBookKb, 2)} KB/book of JS heap); books live after ${round(m.secondsToLive, 1)} s; ${m.rows} snapshot rows written` +
        ((globalThis as { gc?: unknown }).gc === undefined ? "; run without --expose-gc (no forced GC)" : ""),
      extra: { rss_before_mb: round(m.before.rss / 2 ** 20, 1), rss_after_mb: round(m.after.rss / 2 ** 20, 1), heap_kb_per_book: round(heapPerBookKb, 2), live_books: m.live }
    })]
  } finally {
    await sim.stop()
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

await mainIfDirect(import.meta.url, run)
