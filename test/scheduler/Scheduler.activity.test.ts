import { describe, expect, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import { MarketActivity } from "../../src/venues/MarketActivity.js"
import { liquidityUniverse } from "./fixtures.js"
import { memoryInputs, startScheduler } from "./support.js"

const NOW = Date.parse("2026-11-25T06:00:00Z")

describe("Scheduler and the firehose's activity (TestClock, fake control)", () => {
  it.effect("rotate mode: a market the miner never saw that starts trading is HOT at the next rotation (churn 20/min)", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(NOW)
      const markets = liquidityUniverse("kalshi", 500)
      // the least liquid market: last by hints, outside HOT and outside the first windows
      const quiet = [...markets].sort((a, b) => (a.liquidity ?? 0) - (b.liquidity ?? 0))[0]!.market_id
      const activity = new MarketActivity()
      const h = yield* startScheduler({
        venue: "kalshi", inputs: memoryInputs(() => markets), rotationEnabled: true,
        maxSubs: 50, hotCount: 5, churn: 20, rotationSecs: 60, activity
      })
      yield* h.nextReport
      expect(h.fake.live.has(quiet)).toBe(false)
      // it starts trading during the period (the firehose sees every market)
      yield* TestClock.adjust("20 seconds")
      for (let i = 0; i < 3; i++) activity.noteTrade(quiet, NOW + 20_000 + i)
      activity.noteTrade(markets[1]!.market_id, NOW + 20_000)
      yield* TestClock.adjust("40 seconds")
      const r = yield* h.nextReport
      expect(r.hotMarkets[0]).toBe(quiet)
      expect(h.fake.live.get(quiet)?.tier).toBe("hot")
      // activity is per rotation: a market that stopped trading leaves HOT at the next one
      yield* TestClock.adjust("60 seconds")
      const r3 = yield* h.nextReport
      expect(r3.hotMarkets).not.toContain(quiet)
      yield* h.stop
    }))
})
