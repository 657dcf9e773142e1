import { describe, expect, it } from "@effect/vitest"
import { Effect, Logger, LogLevel, Schema } from "effect"
import { runCollector } from "../../src/collector/Collector.js"
import { ParquetSinkLive } from "../../src/sink/ParquetSink.js"
import { AppConfig } from "../../src/config/schema.js"
import { scanVenue } from "../../src/scanner/Scanner.js"
import { startSimulator } from "../../src/simulator/Simulator.js"
import { readSnapshotFile } from "../../src/storage/parquet/snapshots.js"
import { listDayFiles, listPartitionDates } from "../../src/storage/paths.js"
import { readNewestUniverse } from "../../src/storage/universe.js"
import { removeDir, tempDataDir } from "./support.js"
import { VenuesLive } from "../../src/venues/VenueLayers.js"

/**
 * Simulator -> scanner -> collector (with its embedded scheduler) -> writer -> Parquet, with a
 * 2 s rotation: the files must hold rows for markets of successive warm windows, i.e. for more
 * markets than are ever subscribed at once, in the cursor's order.
 */
describe("Scheduler end to end (simulator, it.live)", () => {
  it.live("snapshot files contain rows for markets from successive warm windows", () =>
    Effect.gen(function*() {
      const dataDir = tempDataDir()
      yield* Effect.addFinalizer(() => Effect.sync(() => removeDir(dataDir)))
      const sim = yield* startSimulator({ seed: 11, polymarketMarkets: 30, kalshiMarkets: 3, tickMs: 50 })
      const cfg = Schema.decodeUnknownSync(AppConfig)(sim.configFor({
        data_dir: dataDir,
        venues: {
          polymarket: {
            // 2 hot markets (4 tokens) + windows of 4 warm markets (8 tokens)
            max_subs: 12,
            hot_count: 4,
            rotation_period_secs: 2,
            subscription_churn_limit_per_minute: 1000,
            snapshot_interval_ms_hot: 250,
            snapshot_interval_ms_warm: 250,
            min_hours_until_close: 0
          },
          kalshi: { enabled: false }
        },
        storage: { flush_seconds: 1 },
        collector: { metrics_addr: "" }
      }))
      const scanned = yield* scanVenue(cfg, "polymarket").pipe(Effect.provide(VenuesLive(cfg)))
      expect(scanned._tag).toBe("ok")
      const dates = yield* Effect.promise(() => listPartitionDates(dataDir, "metadata", "polymarket"))
      const universe = (yield* Effect.promise(() => readNewestUniverse(dataDir, "polymarket", dates[dates.length - 1]!)))!
      expect(universe.markets.length).toBeGreaterThanOrEqual(20)

      yield* runCollector(cfg, { venues: ["polymarket"], durationMs: 7_500 }).pipe(
        Effect.provide(ParquetSinkLive({ dataDir, storage: cfg.storage, queueRows: 100_000 })),
        Effect.provide(VenuesLive(cfg)),
        Logger.withMinimumLogLevel(LogLevel.Warning)
      )

      const rows: Array<{ market_id: string; ts_recv: number; status: string }> = []
      for (const date of yield* Effect.promise(() => listPartitionDates(dataDir, "orderbook_snapshots", "polymarket"))) {
        for (const file of yield* Effect.promise(() => listDayFiles(dataDir, "orderbook_snapshots", "polymarket", date))) {
          const part = yield* Effect.promise(() => readSnapshotFile(file, ["market_id", "ts_recv", "status"]))
          for (const r of part) rows.push({ market_id: r.market_id!, ts_recv: r.ts_recv!, status: r.status! })
        }
      }
      const firstSeen = new Map<string, number>()
      for (const r of rows) {
        if (r.status !== "ok") continue
        const t = firstSeen.get(r.market_id)
        if (t === undefined || r.ts_recv < t) firstSeen.set(r.market_id, r.ts_recv)
      }
      // at most 6 markets are subscribed at once; ~4 rotations of 4 warm markets each
      expect(firstSeen.size).toBeGreaterThanOrEqual(10)
      // the warm markets seen form a prefix of the market-id order (HOT ones aside), and a
      // later window's markets first show up later than the first window's
      const ids = universe.markets.map((m) => m.market_id).sort()
      const seenOrder = ids.filter((id) => firstSeen.has(id))
      const unseenBeforeLastSeen = ids.slice(0, ids.indexOf(seenOrder[seenOrder.length - 1]!)).filter((id) => !firstSeen.has(id))
      expect(unseenBeforeLastSeen).toEqual([]) // the cursor skipped nothing
      const firstWindow = seenOrder.slice(0, 2).map((id) => firstSeen.get(id)!)
      const laterWindow = seenOrder.slice(-2).map((id) => firstSeen.get(id)!)
      expect(Math.min(...laterWindow)).toBeGreaterThan(Math.max(...firstWindow) + 1_000)
    }).pipe(Effect.scoped), 60_000)
})
