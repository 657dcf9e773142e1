import { describe, expect, it } from "@effect/vitest"
import { Effect, Logger, LogLevel, Schema } from "effect"
import { startCollector } from "../../src/collector/Collector.js"
import { AppConfig } from "../../src/config/schema.js"
import { scanVenue } from "../../src/scanner/Scanner.js"
import { rankMarkets } from "../../src/scheduler/scoring.js"
import { startSimulator } from "../../src/simulator/Simulator.js"
import { FileStoreLayer } from "../../src/storage/FileStore.js"
import { listPartitionDates } from "../../src/storage/partitions.js"
import { readNewestUniverse } from "../../src/storage/universe.js"
import { kalshiMarketKeys } from "../../src/venues/kalshi/KalshiLive.js"
import { VenuesLive } from "../../src/venues/VenueLayers.js"
import { removeDir, tempDataDir } from "../scheduler/support.js"
import { MemoryWriter } from "./ConnectionHarness.js"

/**
 * Rotate mode on Kalshi against the simulator: the firehose sees trades of every market, also
 * of markets never subscribed, and the next rotation makes the ones that traded HOT instead of
 * the best by universe hints.
 */
describe("firehose activity in the ranking (simulator, it.live)", () => {
  it.scopedLive("after a rotation, HOT markets are markets the firehose saw trading, not the hint ranking's top", () =>
    Effect.gen(function*() {
      const dataDir = tempDataDir()
      yield* Effect.addFinalizer(() => Effect.sync(() => removeDir(dataDir)))
      const sim = yield* startSimulator({ seed: 19, polymarketMarkets: 2, kalshiMarkets: 200, tickMs: 100 })
      const cfg = Schema.decodeUnknownSync(AppConfig)(sim.configFor({
        data_dir: dataDir,
        venues: {
          polymarket: { enabled: false },
          // no churn limit: this test is about the ranking, not about pacing (a throttled demotion
          // leaves a fourth HOT market for a while)
          kalshi: { max_subs: 10, hot_count: 3, rotation_period_secs: 2, min_hours_until_close: 0, subscription_churn_limit_per_minute: 100_000 }
        },
        collector: { metrics_addr: "" }
      } as never))
      expect((yield* scanVenue(cfg, "kalshi").pipe(Effect.provide(VenuesLive(cfg))))._tag).toBe("ok")
      const dates = yield* listPartitionDates(dataDir, "metadata", "kalshi")
      const universe = (yield* readNewestUniverse(dataDir, "kalshi", dates[dates.length - 1]!))!
      const byHints = rankMarkets({ keysOf: kalshiMarketKeys, markets: universe.markets, stats: null, nowMs: Date.now(), minHoursUntilClose: 0 })
        .ranked.slice(0, 3).map((m) => m.marketId)
      const running = yield* startCollector(cfg, { venues: ["kalshi"] }).pipe(Effect.provide(new MemoryWriter().layer), Effect.provide(VenuesLive(cfg)))
      const pipeline = running.venues.get("kalshi")!
      const hot = () => Effect.map(pipeline.control.current, (live) => [...live.values()].filter((s) => s.tier === "hot").map((s) => s.marketId))
      const t0 = Date.now()
      while ((yield* hot()).length < 3 && Date.now() - t0 < 5000) yield* Effect.sleep(20)
      // the first rotation, before the firehose said anything: the hint ranking's top
      expect((yield* hot()).sort()).toEqual([...byHints].sort())
      // two rotations later: HOT comes from the firehose's trades. Read between rotations: while
      // one is applied the new HOT markets are subscribed before the old ones step down
      yield* Effect.sleep(4000)
      let now = yield* hot()
      for (let i = 0; i < 40 && (now.length !== 3 || now.some((id) => pipeline.activity!.lastActivityMs(id) === undefined)); i++) {
        yield* Effect.sleep(100)
        now = yield* hot()
      }
      expect(now.length).toBe(3)
      for (const id of now) expect(pipeline.activity!.lastActivityMs(id), `${id} seen trading`).toBeDefined()
      expect(now.sort()).not.toEqual([...byHints].sort())
    }).pipe(Effect.provide(FileStoreLayer), Logger.withMinimumLogLevel(LogLevel.Warning)), 30_000)
})
