import { describe, expect, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import { fakeVenuePipeline, testConfig } from "./ConnectionHarness.js"

/** Let forked fibers run after a TestClock move (they start only after a yield). */
const tick = (ms: number) =>
  Effect.gen(function*() {
    yield* TestClock.adjust(ms)
    for (let i = 0; i < 5; i++) yield* Effect.yieldNow()
  })

const tokenSpecs = (markets: number) =>
  Array.from({ length: markets }, (_, i) => [`m${i}-yes`, `m${i}-no`].map((key) => ({ key, marketId: `0xm${i}`, outcomeIds: [key], tier: "warm" as const }))).flat()

describe("sharding and staggered opens (TestClock, in-memory venue)", () => {
  it.scoped("90 subscriptions over connections of at most 10, opened 100 ms apart, each subscribing its whole batch in one message", () =>
    Effect.gen(function*() {
      const cfg = testConfig({ polymarket: { max_assets_per_connection: 10, connection_open_interval_ms: 100 } })
      const { venue, vc } = yield* fakeVenuePipeline("polymarket", cfg)
      yield* vc.control.subscribe(tokenSpecs(45))
      yield* tick(0)
      expect(venue.sockets.length).toBe(1)
      for (let i = 2; i <= 9; i++) {
        yield* tick(99)
        expect(venue.sockets.length).toBe(i - 1)
        yield* tick(1)
        expect(venue.sockets.length).toBe(i)
      }
      yield* tick(1000)
      expect(venue.sockets.length).toBe(9)
      for (const s of venue.sockets) {
        const msgs = s.json()
        expect(msgs.length).toBe(1)
        const ids = msgs[0]!["assets_ids"] as Array<string>
        expect(ids.length).toBe(10)
        // both tokens of a market ride the same socket
        for (const id of ids) expect(ids).toContain(id.endsWith("-yes") ? id.replace("-yes", "-no") : id.replace("-no", "-yes"))
      }
      expect((yield* vc.shards).map((s) => s.size)).toEqual(Array(9).fill(10))
    }))

  it.scoped("reconnects take the same spacing: three sockets dropped at once reopen 100 ms apart", () =>
    Effect.gen(function*() {
      const cfg = testConfig({ polymarket: { max_assets_per_connection: 10, connection_open_interval_ms: 100 }, collector: { reconnect_base_ms: 1, reconnect_max_ms: 1 } })
      const { venue, vc, metrics } = yield* fakeVenuePipeline("polymarket", cfg)
      yield* vc.control.subscribe(tokenSpecs(15))
      yield* tick(1000)
      expect(venue.open.length).toBe(3)
      const opened = venue.sockets.length
      for (const s of [...venue.open]) s.drop()
      // the backoff is at most 1 ms; the first reopens at once, the others wait their slots
      yield* tick(1)
      expect(metrics.reconnects).toBe(3)
      expect(venue.sockets.length - opened).toBe(1)
      yield* tick(100)
      expect(venue.sockets.length - opened).toBe(2)
      yield* tick(100)
      expect(venue.sockets.length - opened).toBe(3)
    }))
})

describe("snapshot phases of a large fill (TestClock, in-memory venue)", () => {
  it.scoped("6,000 books subscribed at once get their rows spread over one interval, not in one burst", () =>
    Effect.gen(function*() {
      const cfg = testConfig({ polymarket: { max_assets_per_connection: 500, connection_open_interval_ms: 0, snapshot_interval_ms_warm: 10_000 } })
      const { writer, vc } = yield* fakeVenuePipeline("polymarket", cfg)
      yield* vc.control.subscribe(tokenSpecs(3000))
      const counts: Array<number> = []
      for (let s = 1; s <= 10; s++) {
        yield* tick(1000)
        counts.push(writer.snapshots.length)
      }
      // 600 new rows a second, every book's first row within the interval
      const perSecond = counts.map((c, i) => c - (i === 0 ? 0 : counts[i - 1]!))
      for (const n of perSecond) expect(Math.abs(n - 600)).toBeLessThanOrEqual(1)
      expect(new Set(writer.snapshots.map((r) => r.outcome_id)).size).toBe(6000)
    }))

  it.scoped("a small subscription keeps the plain phase: first row one interval after subscribing", () =>
    Effect.gen(function*() {
      const cfg = testConfig({ polymarket: { connection_open_interval_ms: 0, snapshot_interval_ms_warm: 10_000 } })
      const { writer, vc } = yield* fakeVenuePipeline("polymarket", cfg)
      yield* vc.control.subscribe(tokenSpecs(10))
      yield* tick(9_999)
      expect(writer.snapshots.length).toBe(0)
      yield* tick(1)
      expect(writer.snapshots.length).toBe(20)
    }))
})
