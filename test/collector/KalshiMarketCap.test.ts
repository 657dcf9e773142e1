import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { AppConfig } from "../../src/config/schema.js"
import { makeVenueMetrics } from "../../src/ops/Metrics.js"
import { startSimulator } from "../../src/simulator/Simulator.js"
import { parseKalshiPrivateKey } from "../../src/venues/kalshi/auth.js"
import { MemoryWriter, venuePipeline } from "./ConnectionHarness.js"

/**
 * Kalshi caps the markets of one subscription at a number it does not publish ("26 Subscription
 * market limit exceeded"): against the simulator with a cap of 40, a socket carrying 120 markets
 * halves its batches until they fit, and every market goes live.
 */
describe("Kalshi per-subscription market cap (simulator, it.live)", () => {
  it.scopedLive("120 markets on one socket under a cap of 40: all live, in subscriptions of at most 40", () =>
    Effect.gen(function*() {
      const sim = yield* startSimulator({ seed: 26, polymarketMarkets: 2, kalshiMarkets: 150, tickMs: 100, kalshiMaxMarketsPerSubscription: 40 })
      const cfg = Schema.decodeUnknownSync(AppConfig)(sim.configFor({ venues: { kalshi: { firehose: false } } } as never))
      const writer = new MemoryWriter()
      const metrics = makeVenueMetrics("kalshi")
      const vc = yield* venuePipeline({
        venue: "kalshi", cfg, metrics,
        credentials: { keyId: cfg.venues.kalshi.api_key, privateKey: parseKalshiPrivateKey(cfg.venues.kalshi.api_secret) }
      }).pipe(Effect.provide(writer.layer))
      const tickers = sim.truth.liveMarkets("kalshi").slice(0, 120).map((m) => m.market_id)
      expect(tickers.length).toBe(120)
      yield* vc.control.subscribe(tickers.map((t) => ({ key: t, marketId: t, outcomeIds: ["yes", "no"], tier: "warm" as const })))
      const t0 = Date.now()
      while ((yield* vc.liveSubscriptions) < 120 && Date.now() - t0 < 8000) yield* Effect.sleep(25)
      expect(yield* vc.liveSubscriptions).toBe(120)
      const held = new Set(sim.connections().filter((c) => c.venue === "kalshi").flatMap((c) => c.subscriptions))
      expect(tickers.every((t) => held.has(t))).toBe(true)
      expect(metrics.reconnects).toBe(0)
    }), 20_000)
})
