import { describe, expect, it } from "@effect/vitest"
import { Effect, Logger, LogLevel, Schema } from "effect"
import { startCollector } from "../../src/collector/Collector.js"
import { AppConfig } from "../../src/config/schema.js"
import type { VenueId } from "../../src/domain/VenueId.js"
import { scanVenue } from "../../src/scanner/Scanner.js"
import { startSimulator } from "../../src/simulator/Simulator.js"
import { FileStoreLayer } from "../../src/storage/FileStore.js"
import { VenuesLive } from "../../src/venues/VenueLayers.js"
import { removeDir, tempDataDir } from "../scheduler/support.js"
import { MemoryWriter } from "./ConnectionHarness.js"

/**
 * A fresh collector (scheduler on, the default churn limit of 20 a minute) against the
 * simulator over real sockets: the first fill is not a rotation, so every one of max_subs
 * subscriptions is live (Polymarket: its book arrived; Kalshi: `subscribed` confirmed) within
 * seconds, not the ten minutes 200 / 20 per minute would take.
 */
describe("fill fast (simulator, it.live)", () => {
  it.scopedLive("rotate mode: max_subs live subscriptions on both venues within 30 s of start", () =>
    Effect.gen(function*() {
      const dataDir = tempDataDir()
      yield* Effect.addFinalizer(() => Effect.sync(() => removeDir(dataDir)))
      const sim = yield* startSimulator({ seed: 16, polymarketMarkets: 300, kalshiMarkets: 300, tickMs: 100 })
      const cfg = Schema.decodeUnknownSync(AppConfig)(sim.configFor({
        data_dir: dataDir,
        venues: {
          polymarket: { max_subs: 200, hot_count: 40, min_hours_until_close: 0 },
          kalshi: { max_subs: 200, hot_count: 40, min_hours_until_close: 0 }
        },
        collector: { metrics_addr: "" }
      }))
      expect(cfg.venues.polymarket.subscription_churn_limit_per_minute).toBe(20)
      const venues: ReadonlyArray<VenueId> = ["polymarket", "kalshi"]
      for (const v of venues) expect((yield* scanVenue(cfg, v).pipe(Effect.provide(VenuesLive(cfg))))._tag).toBe("ok")

      const writer = new MemoryWriter()
      const started = Date.now()
      const running = yield* startCollector(cfg, { venues }).pipe(Effect.provide(writer.layer), Effect.provide(VenuesLive(cfg)))
      const liveAt = new Map<VenueId, number>()
      while (liveAt.size < venues.length && Date.now() - started < 30_000) {
        for (const v of venues) {
          if (liveAt.has(v)) continue
          if ((yield* running.venues.get(v)!.liveSubscriptions) >= 200) liveAt.set(v, Date.now() - started)
        }
        yield* Effect.sleep(50)
      }
      for (const v of venues) {
        expect(liveAt.get(v), `${v}: 200 live subscriptions`).toBeDefined()
        expect(liveAt.get(v)!).toBeLessThan(30_000)
        // the fill never exceeds max_subs
        expect((yield* running.venues.get(v)!.control.current).size).toBe(200)
      }
      yield* Effect.logWarning(`fill: ${[...liveAt].map(([v, ms]) => `${v} ${ms} ms`).join(", ")}`)
    }).pipe(Effect.provide(FileStoreLayer), Logger.withMinimumLogLevel(LogLevel.Warning)), 40_000)
})
