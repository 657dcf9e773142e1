import { describe, expect, it } from "@effect/vitest"
import { Effect, Logger, LogLevel, Schema } from "effect"
import { startCollector } from "../../src/collector/Collector.js"
import { AppConfig } from "../../src/config/schema.js"
import type { VenueId } from "../../src/domain/VenueId.js"
import { scanVenue } from "../../src/scanner/Scanner.js"
import { rankMarkets } from "../../src/scheduler/scoring.js"
import { startSimulator } from "../../src/simulator/Simulator.js"
import { FileStoreLayer } from "../../src/storage/FileStore.js"
import { listPartitionDates } from "../../src/storage/partitions.js"
import { readNewestUniverse } from "../../src/storage/universe.js"
import { kalshiMarketKeys } from "../../src/venues/kalshi/KalshiLive.js"
import { polymarketMarketKeys } from "../../src/venues/polymarket/PolymarketLive.js"
import { VenuesLive } from "../../src/venues/VenueLayers.js"
import { removeDir, tempDataDir } from "../scheduler/support.js"
import { MemoryWriter } from "./ConnectionHarness.js"

/**
 * rotation_mode = "all" against the simulator over real sockets: every market of the universe
 * is subscribed, sharded over several connections per venue opened 50 ms apart, and has a book
 * and a snapshot row soon after start.
 */
describe("all mode (simulator, it.live)", () => {
  it.scopedLive("every market of both universes has a book and a snapshot row, over several connections per venue", () =>
    Effect.gen(function*() {
      const dataDir = tempDataDir()
      yield* Effect.addFinalizer(() => Effect.sync(() => removeDir(dataDir)))
      const sim = yield* startSimulator({ seed: 17, polymarketMarkets: 400, kalshiMarkets: 600, tickMs: 100 })
      const venueCfg = {
        rotation_mode: "all",
        max_subs: 50,
        hot_count: 20,
        min_hours_until_close: 0,
        connection_open_interval_ms: 50,
        snapshot_interval_ms_hot: 500,
        snapshot_interval_ms_warm: 1000
      }
      const cfg = Schema.decodeUnknownSync(AppConfig)(sim.configFor({
        data_dir: dataDir,
        venues: { polymarket: { ...venueCfg, max_assets_per_connection: 200 }, kalshi: { ...venueCfg, max_assets_per_connection: 250 } },
        collector: { metrics_addr: "" }
      } as never))
      const venues: ReadonlyArray<VenueId> = ["polymarket", "kalshi"]
      const expected = new Map<VenueId, Set<string>>()
      for (const v of venues) {
        expect((yield* scanVenue(cfg, v).pipe(Effect.provide(VenuesLive(cfg))))._tag).toBe("ok")
        const dates = yield* listPartitionDates(dataDir, "metadata", v)
        const universe = (yield* readNewestUniverse(dataDir, v, dates[dates.length - 1]!))!
        const ranked = rankMarkets({
          keysOf: v === "kalshi" ? kalshiMarketKeys : polymarketMarketKeys,
          markets: universe.markets,
          stats: null,
          nowMs: Date.now(),
          minHoursUntilClose: 0
        }).ranked
        expected.set(v, new Set(ranked.map((m) => m.marketId)))
      }
      expect(expected.get("polymarket")!.size).toBeGreaterThan(300)
      expect(expected.get("kalshi")!.size).toBeGreaterThan(500)

      const writer = new MemoryWriter()
      const started = Date.now()
      const running = yield* startCollector(cfg, { venues }).pipe(Effect.provide(writer.layer), Effect.provide(VenuesLive(cfg)))
      const missing = (v: VenueId) => {
        const seen = new Set<string>()
        for (const r of writer.snapshots) if (r.venue === v && r.status !== "stale") seen.add(r.market_id)
        return [...expected.get(v)!].filter((id) => !seen.has(id))
      }
      while (venues.some((v) => missing(v).length > 0) && Date.now() - started < 20_000) yield* Effect.sleep(100)
      const tookMs = Date.now() - started
      for (const v of venues) expect(missing(v), `${v}: markets without a book row`).toEqual([])
      for (const v of venues) {
        const pipeline = running.venues.get(v)!
        const subscribed = new Set([...(yield* pipeline.control.current).values()].map((s) => s.marketId))
        expect(subscribed).toEqual(expected.get(v))
        const shards = yield* pipeline.shards
        expect(shards.length).toBeGreaterThanOrEqual(3)
        for (const s of shards) expect(s.size).toBeLessThanOrEqual(cfg.venues[v].max_assets_per_connection)
      }
      yield* Effect.logWarning(`all mode: every market had a book row after ${tookMs} ms`)
    }).pipe(Effect.provide(FileStoreLayer), Logger.withMinimumLogLevel(LogLevel.Warning)), 40_000)

  it.scopedLive("kalshi: a silent stall injected on one book connection is detected through the firehose and healed (fresh rows) within socket_silence_ms", () =>
    Effect.gen(function*() {
      const dataDir = tempDataDir()
      yield* Effect.addFinalizer(() => Effect.sync(() => removeDir(dataDir)))
      const sim = yield* startSimulator({ seed: 18, polymarketMarkets: 4, kalshiMarkets: 300, tickMs: 100 })
      const socketSilenceMs = 8000
      const cfg = Schema.decodeUnknownSync(AppConfig)(sim.configFor({
        data_dir: dataDir,
        venues: {
          polymarket: { enabled: false },
          kalshi: {
            rotation_mode: "all", hot_count: 20, min_hours_until_close: 0, max_assets_per_connection: 100,
            connection_open_interval_ms: 20, snapshot_interval_ms_hot: 250, snapshot_interval_ms_warm: 500
          }
        },
        collector: { metrics_addr: "", socket_silence_ms: socketSilenceMs, reconnect_base_ms: 50, reconnect_max_ms: 200 }
      } as never))
      expect((yield* scanVenue(cfg, "kalshi").pipe(Effect.provide(VenuesLive(cfg))))._tag).toBe("ok")
      const writer = new MemoryWriter()
      const running = yield* startCollector(cfg, { venues: ["kalshi"] }).pipe(Effect.provide(writer.layer), Effect.provide(VenuesLive(cfg)))
      const metrics = running.metrics.forVenue("kalshi")
      const waitFor = (what: string, cond: () => boolean, timeoutMs: number) =>
        Effect.gen(function*() {
          const t0 = Date.now()
          while (!cond()) {
            if (Date.now() - t0 > timeoutMs) return yield* Effect.dieMessage(`timed out waiting for ${what}`)
            yield* Effect.sleep(25)
          }
        })
      const bookConns = () => sim.connections().filter((c) => c.venue === "kalshi" && c.subscriptions.length > 0 && !c.stalled)
      yield* waitFor("three book connections and the firehose", () =>
        bookConns().length === 3 && sim.connections().some((c) => c.venue === "kalshi" && c.firehose.length === 2), 10_000)
      yield* Effect.sleep(1000)
      const victim = bookConns()[0]!
      const markets = new Set(victim.subscriptions)
      expect(sim.faults.stall({ connId: victim.id })).toBe(1)
      const stalledAt = Date.now()
      // healed: every market of the stalled socket has an ok row built from a fresh socket's data
      const okAfter = (since: number) => {
        const seen = new Set<string>()
        for (const r of writer.snapshots) if (r.ts_recv > since && r.status === "ok" && markets.has(r.market_id)) seen.add(r.market_id)
        return seen
      }
      yield* waitFor("the stall detected", () => metrics.connectionStalls >= 1, socketSilenceMs)
      const detectedMs = Date.now() - stalledAt
      const replacedAt = Date.now()
      // markets without a book on the venue right now write empty, not ok: count those that were ok before
      const wereOk = okAfter(0)
      yield* waitFor("fresh ok rows for the stalled socket's markets", () => [...wereOk].every((m) => okAfter(replacedAt).has(m)), socketSilenceMs)
      const healedMs = Date.now() - stalledAt
      expect(healedMs).toBeLessThan(socketSilenceMs)
      expect(metrics.socketSilenceTimeouts).toBe(0)
      yield* Effect.logWarning(`stall: detected after ${detectedMs} ms, healed after ${healedMs} ms (socket_silence_ms ${socketSilenceMs}, ${markets.size} markets)`)
    }).pipe(Effect.provide(FileStoreLayer), Logger.withMinimumLogLevel(LogLevel.Warning)), 40_000)
})
