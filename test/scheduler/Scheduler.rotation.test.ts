import { afterEach, beforeEach, describe, expect, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import type { MarketRecord } from "../../src/domain/Market.js"
import type { VenueId } from "../../src/domain/VenueId.js"
import { writeUniverse } from "../../src/storage/universe.js"
import { liquidityUniverse, topByLiquidity } from "./fixtures.js"
import { captureLogs, maxChangesPerRollingMinute, memoryInputs, removeDir, startScheduler, tempDataDir, type Harness } from "./support.js"
import { FileStoreLayer } from "../../src/storage/FileStore.js"

const NOW = Date.parse("2026-11-25T06:00:00Z")
const TODAY = "2026-11-25"

let dataDir = ""
beforeEach(() => {
  dataDir = tempDataDir()
})
afterEach(() => removeDir(dataDir))

const sorted = (xs: Iterable<string>) => [...xs].sort()

const keysOf = (venue: VenueId, ids: ReadonlyArray<string>, markets: ReadonlyArray<MarketRecord>): Array<string> => {
  const byId = new Map(markets.map((m) => [m.market_id, m]))
  return ids.flatMap((id) => (venue === "kalshi" ? [id] : [...byId.get(id)!.token_ids])).sort()
}

/** every key of a market shares one tier, and a market is either wholly live or not at all */
const expectMarketsWhole = (h: Harness, markets: ReadonlyArray<MarketRecord>) => {
  for (const m of markets) {
    const specs = m.token_ids.map((t) => h.fake.live.get(t))
    const present = specs.filter((s) => s !== undefined)
    if (present.length === 0) continue
    expect(present.length).toBe(specs.length)
    expect(new Set(present.map((s) => s!.tier)).size).toBe(1)
  }
}

const coverageRun = (venue: VenueId, hotMarkets: number, warmMarketsPerWindow: number, rotationsForPass: number) =>
  Effect.gen(function*() {
    yield* TestClock.setTime(NOW)
    const markets = liquidityUniverse(venue, 5000)
    yield* writeUniverse(dataDir, venue, TODAY, markets).pipe(Effect.provide(FileStoreLayer))
    const expectedHot = keysOf(venue, topByLiquidity(markets, hotMarkets), markets)
    const allKeys = keysOf(venue, markets.map((m) => m.market_id), markets)
    const h = yield* startScheduler({ venue, dataDir, rotationEnabled: true, maxSubs: 200, hotCount: 40, rotationSecs: 60 })
    for (let r = 1; r <= rotationsForPass; r++) {
      const report = yield* h.nextReport
      expect(report.rotation).toBe(r)
      expect(report.universeDate).toBe(TODAY)
      expect(h.fake.keysOfTier("hot").sort()).toEqual(expectedHot)
      expect(h.fake.live.size).toBe(200)
      expect([report.pendingAdds, report.pendingRemoves]).toEqual([0, 0])
      if (venue === "polymarket") expectMarketsWhole(h, markets)
      const missed = allKeys.filter((k) => !h.fake.everLive.has(k)).length
      // the pass is not complete one rotation early: the arithmetic is tight
      if (r === rotationsForPass - 1) expect(missed).toBeGreaterThan(0)
      if (r === rotationsForPass) {
        expect(missed).toBe(0)
        expect(report.coveredFrac).toBe(1)
      }
      yield* TestClock.adjust("60 seconds")
    }
    // the next rotation is in pass 2, where the last window's wrap left the cursor
    const next = yield* h.nextReport
    const warmCount = 5000 - hotMarkets
    expect([next.pass, next.cursorIndex]).toEqual([2, (rotationsForPass * warmMarketsPerWindow) % warmCount])
    // pass 2 coverage counts only what pass 2 subscribed: HOT plus the markets after the wrap
    const afterWrap = (rotationsForPass * warmMarketsPerWindow) % warmCount
    expect(next.coveredFrac).toBeCloseTo((hotMarkets + afterWrap + warmMarketsPerWindow) / 5000, 9)
    yield* h.stop
  })

describe("Scheduler rotation (TestClock, fake control)", () => {
  it.effect("Kalshi: 5,000 markets, max_subs 200, hot 40: every market subscribed after ceil(4960/160) rotations, HOT always the top 40", () =>
    coverageRun("kalshi", 40, 160, Math.ceil(4960 / 160)))

  it.effect("Polymarket: 5,000 markets = 10,000 tokens, hot 40 tokens = 20 markets: full pass after ceil(4980/80) rotations, tokens never split", () =>
    coverageRun("polymarket", 20, 80, Math.ceil(4980 / 80)))

  it.effect("churn 20/min: the first fill goes out whole at once; rotation changes after it at most 20 per rolling minute, live set bounded, cursor never skips a market", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(NOW)
      const markets = liquidityUniverse("kalshi", 5000)
      const hot = topByLiquidity(markets, 40)
      const h = yield* startScheduler({ venue: "kalshi", inputs: memoryInputs(() => markets), rotationEnabled: true, churn: 20 })
      const rotations = 30
      for (let r = 1; r <= rotations; r++) {
        const report = yield* h.nextReport
        // pending work is bounded by the target and the live set, never accumulates
        expect(report.pendingAdds).toBeLessThanOrEqual(200)
        expect(report.pendingRemoves).toBeLessThanOrEqual(200)
        if (r >= 2) expect(h.fake.keysOfTier("hot").sort()).toEqual([...hot].sort())
        yield* TestClock.adjust("60 seconds")
      }
      yield* h.stop
      // the fill: all 200 subscriptions in one command at start, no token spent on them
      const fill = h.fake.changes.filter((c) => c.atMs === NOW)
      expect(fill.length).toBe(200)
      expect(fill.every((c) => c.kind === "added")).toBe(true)
      expect(h.fake.commands.filter((c) => c.atMs === NOW && c.op === "subscribe").length).toBe(1)
      const rotationChanges = h.fake.changes.filter((c) => c.atMs > NOW)
      expect(maxChangesPerRollingMinute(rotationChanges.map((c) => c.atMs))).toBeLessThanOrEqual(20)
      // subscribe-first may exceed max_subs within one batch, by at most that batch's adds
      expect(h.fake.maxLiveSize()).toBeLessThanOrEqual(200 + 20)
      expect(h.fake.live.size).toBeLessThanOrEqual(200)
      // the budget is used, not wasted: close to 20 changes a minute over the run
      expect(rotationChanges.length).toBeGreaterThanOrEqual(20 * (rotations - 2))
      // warm markets ever subscribed are a contiguous prefix of the warm order: nothing skipped
      const hotSet = new Set(hot)
      const warmOrder = markets.map((m) => m.market_id).filter((id) => !hotSet.has(id)).sort()
      const everWarm = warmOrder.filter((id) => h.fake.everLive.has(id))
      expect(everWarm.length).toBeGreaterThan(100)
      expect(everWarm).toEqual(warmOrder.slice(0, everWarm.length))
    }))

  it.effect("churn 20/min with rotation disabled: the first target is filled at once (not 20 a minute), then nothing changes", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(NOW)
      const markets = liquidityUniverse("kalshi", 1000)
      const hot = topByLiquidity(markets, 40)
      const hotSet = new Set(hot)
      const firstWarm = markets.map((m) => m.market_id).filter((id) => !hotSet.has(id)).sort().slice(0, 160)
      const h = yield* startScheduler({ venue: "kalshi", inputs: memoryInputs(() => markets), rotationEnabled: false, churn: 20 })
      let converged = -1
      for (let r = 1; r <= 14; r++) {
        const report = yield* h.nextReport
        if (converged < 0 && report.pendingAdds + report.pendingRemoves === 0) converged = r
        yield* TestClock.adjust("60 seconds")
      }
      yield* h.stop
      // the fill is not throttled by the churn limit: complete at the first period
      expect(converged).toBe(1)
      expect(h.fake.changes.every((c) => c.atMs === NOW)).toBe(true)
      expect(h.fake.keysOfTier("hot").sort()).toEqual([...hot].sort())
      expect(h.fake.keysOfTier("warm").sort()).toEqual(firstWarm)
      expect(h.fake.changes.length).toBe(200)
    }))

  it.effect("rotation disabled keeps the first target, except markets that closed since", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(NOW)
      let markets = liquidityUniverse("kalshi", 100)
      const h = yield* startScheduler({ venue: "kalshi", inputs: memoryInputs(() => markets), rotationEnabled: false, maxSubs: 20, hotCount: 5 })
      yield* h.nextReport
      const first = sorted(h.fake.live.keys())
      const closing = first.find((k) => h.fake.live.get(k)!.tier === "warm")!
      markets = markets.map((m) => (m.market_id === closing ? { ...m, status: "closed" } : m))
      for (let r = 0; r < 3; r++) {
        yield* TestClock.adjust("60 seconds")
        const report = yield* h.nextReport
        expect([report.hotSubs, report.warmSubs]).toEqual([5, 14])
      }
      yield* h.stop
      expect(sorted(h.fake.live.keys())).toEqual(first.filter((k) => k !== closing))
    }))

  it.effect("logs one line per rotation with target sizes, applied and pending changes, cursor and pass coverage", () => {
    const logs = captureLogs()
    return Effect.gen(function*() {
      yield* TestClock.setTime(NOW)
      const markets = liquidityUniverse("kalshi", 100)
      const h = yield* startScheduler({ venue: "kalshi", inputs: memoryInputs(() => markets), rotationEnabled: true, maxSubs: 20, hotCount: 5 })
      for (let r = 0; r < 3; r++) {
        yield* h.nextReport
        if (r < 2) yield* TestClock.adjust("60 seconds")
      }
      yield* h.stop
      const lines = logs.lines.filter((l) => /rotation \d+:/.test(l))
      expect(lines.length).toBe(3)
      expect(lines[0]).toContain("rotation 1: target 20/20 subs (hot 5, warm 15); adds 20 applied, 0 pending; removes 0 applied, 0 pending; cursor 0/95; pass 1 covered 20.0% of 100 markets")
      expect(lines[1]).toContain("rotation 2: target 20/20 subs (hot 5, warm 15); adds 15 applied, 0 pending; removes 15 applied, 0 pending; cursor 15/95; pass 1 covered 35.0% of 100 markets")
      expect(lines[1]).toContain("scores from universe hints")
    }).pipe(Effect.provide(logs.layer))
  })
})
