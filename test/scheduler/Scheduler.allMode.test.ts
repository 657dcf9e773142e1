import { describe, expect, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import { liquidityUniverse, makeMarket, topByLiquidity } from "./fixtures.js"
import { memoryInputs, startScheduler } from "./support.js"

const NOW = Date.parse("2026-11-25T06:00:00Z")

describe("Scheduler, rotation_mode = \"all\" (TestClock, fake control)", () => {
  it.effect("every eligible market is subscribed at once (max_subs and the churn limit do not apply); HOT is the top by score", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(NOW)
      const markets = [...liquidityUniverse("polymarket", 1000), makeMarket("polymarket", 5000, { status: "closed" })]
      const h = yield* startScheduler({ venue: "polymarket", inputs: memoryInputs(() => markets), rotationEnabled: true, mode: "all", maxSubs: 200, hotCount: 40, churn: 20 })
      const r = yield* h.nextReport
      expect(h.fake.live.size).toBe(2000)
      expect(h.fake.commands.filter((c) => c.op === "subscribe").length).toBe(1)
      const hot = topByLiquidity(markets.slice(0, 1000), 20)
      const hotKeys = markets.filter((m) => hot.includes(m.market_id)).flatMap((m) => m.token_ids).sort()
      expect(h.fake.keysOfTier("hot").sort()).toEqual(hotKeys)
      expect([r.hotSubs, r.warmSubs, r.pendingAdds, r.pendingRemoves, r.eligible]).toEqual([40, 1960, 0, 0, 1000])
      yield* h.stop
    }))

  it.effect("a newer universe: new markets subscribed and closed ones removed within one rotation period, whole; HOT changes only the tier", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(NOW)
      let markets = liquidityUniverse("kalshi", 500)
      const h = yield* startScheduler({ venue: "kalshi", inputs: memoryInputs(() => markets), rotationEnabled: true, mode: "all", hotCount: 10, churn: 20, rotationSecs: 180 })
      yield* h.nextReport
      expect(h.fake.live.size).toBe(500)
      const before = h.fake.changes.length
      // the scanner's next file: 300 new markets (one of them the most liquid), 100 closed
      const closed = new Set(markets.slice(0, 100).map((m) => m.market_id))
      markets = [
        ...markets.map((m) => (closed.has(m.market_id) ? { ...m, status: "closed" } : m)),
        ...Array.from({ length: 300 }, (_, i) => makeMarket("kalshi", 10_000 + i, { liquidity: i === 0 ? 1e12 : 0 }))
      ]
      yield* TestClock.adjust("180 seconds")
      const r = yield* h.nextReport
      expect(h.fake.live.size).toBe(700)
      for (const id of closed) expect(h.fake.live.has(id)).toBe(false)
      expect(h.fake.live.get(makeMarket("kalshi", 10_000).market_id)?.tier).toBe("hot")
      expect([r.pendingAdds, r.pendingRemoves]).toEqual([0, 0])
      // 300 adds + 100 removes, all at the rotation, none throttled to 20 a minute
      const changes = h.fake.changes.slice(before)
      expect(changes.length).toBe(400)
      expect(new Set(changes.map((c) => c.atMs))).toEqual(new Set([NOW + 180_000]))
      // markets that stayed are never unsubscribed: a HOT change is a tier change
      expect(changes.filter((c) => c.kind === "removed").every((c) => closed.has(c.key))).toBe(true)
      yield* h.stop
    }))
})
