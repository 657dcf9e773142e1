import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { makeVenuePipeline } from "../../src/collector/VenuePipeline.js"
import { AppConfig } from "../../src/config/schema.js"
import type { SubscriptionSpec } from "../../src/domain/Subscription.js"
import type { TradeRow } from "../../src/domain/TradeRow.js"
import { makeVenueMetrics } from "../../src/ops/Metrics.js"
import { startSimulator } from "../../src/simulator/Simulator.js"
import { makePolymarketVenue } from "../../src/venues/polymarket/PolymarketLive.js"
import { MemoryWriter } from "./ConnectionHarness.js"

const waitFor = (what: string, cond: () => boolean, timeoutMs = 15_000) =>
  Effect.gen(function*() {
    const start = Date.now()
    while (!cond()) {
      if (Date.now() - start > timeoutMs) return yield* Effect.dieMessage(`timed out waiting for ${what}`)
      yield* Effect.sleep(25)
    }
  })

/** An identity computed apart from RecentTrades: every field the venue sends about a fill. */
const fillIdentity = (t: TradeRow) => JSON.stringify([t.market_id, t.outcome_id, t.trade_id, t.price, t.size, t.side, t.source_ts])

describe("trades exactly once (live sockets against the simulator)", () => {
  it.scopedLive("polymarket: duplicated and reordered frames give each trade once, the repeats counted", () =>
    Effect.gen(function*() {
      const sim = yield* startSimulator({ seed: 7, polymarketMarkets: 6, kalshiMarkets: 2, tickMs: 20 })
      const cfg = Schema.decodeUnknownSync(AppConfig)(sim.configFor({
        venues: { polymarket: { snapshot_interval_ms_hot: 100, snapshot_interval_ms_warm: 300 } }
      } as never))
      const venue = makePolymarketVenue({ restUrl: cfg.venues.polymarket.rest_url, wsUrl: cfg.venues.polymarket.ws_url })
      const writer = new MemoryWriter()
      const metrics = makeVenueMetrics("polymarket")
      const pipeline = yield* makeVenuePipeline({
        venue, driver: yield* venue.wire, venueConfig: cfg.venues.polymarket, collector: cfg.collector, topK: 10, metrics
      }).pipe(Effect.provide(writer.layer))
      const specs: Array<SubscriptionSpec> = sim.truth.liveMarkets("polymarket").slice(0, 6).flatMap((m) =>
        m.token_ids.map((t) => ({ key: t, marketId: m.market_id, outcomeIds: [t], tier: "hot" as const })))
      yield* pipeline.control.subscribe(specs)

      yield* waitFor("first trades", () => writer.trades.length >= 4)
      sim.faults.setStream({ duplicate: true, reorder: true }, { venue: "polymarket" })
      const faultFrom = writer.trades.length
      yield* waitFor("trades during the burst", () => writer.trades.length >= faultFrom + 10)
      sim.faults.clear()
      const mark = writer.trades.length
      yield* waitFor("trades after the burst", () => writer.trades.length >= mark + 4)

      expect(metrics.duplicateTrades).toBeGreaterThanOrEqual(10)
      expect(writer.trades.every((t) => t.trade_id !== null)).toBe(true)
      const ids = writer.trades.map(fillIdentity)
      expect(new Set(ids).size).toBe(ids.length)
      expect(metrics.trades).toBe(writer.trades.length)
      expect(metrics.reconnects).toBe(0)
    }), 40_000)
})
