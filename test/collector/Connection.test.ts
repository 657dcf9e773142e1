import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, TestClock } from "effect"
import { connectionSettings, superviseConnection } from "../../src/collector/ConnectionStream.js"
import type { IngestContext } from "../../src/venues/VenueDriver.js"
import { RecentTrades } from "../../src/venues/RecentTrades.js"
import { makeVenueMetrics } from "../../src/ops/Metrics.js"
import { BookStore } from "../../src/books/BookStore.js"
import { makeDecodeStats } from "../../src/venues/DecodeStats.js"
import { PolymarketConnection } from "../../src/venues/polymarket/stream.js"
import { FakeVenue, fakeVenuePipeline, pmBook, pmPriceChange, testConfig } from "./ConnectionHarness.js"

/** Let forked fibers run after a TestClock move (they start only after a yield). */
const tick = (ms: number) =>
  Effect.gen(function*() {
    yield* TestClock.adjust(ms)
    for (let i = 0; i < 5; i++) yield* Effect.yieldNow()
  })

const M = "0xmarket1"
const YES = "111"
const NO = "222"
const spec = (key: string, marketId = M, tier: "hot" | "warm" = "hot") => ({ key, marketId, outcomeIds: [key], tier })

const polymarket = (over: Record<string, unknown> = {}) => {
  const cfg = testConfig(over)
  return Effect.map(fakeVenuePipeline("polymarket", cfg), (p) => ({ cfg, ...p }))
}

describe("Connection (TestClock, in-memory venue)", () => {
  it.scoped("sends PING every 10 s only after the first subscription", () =>
    Effect.gen(function*() {
      const cfg = testConfig()
      const venue = new FakeVenue()
      const metrics = makeVenueMetrics("polymarket")
      const ctx: IngestContext = {
        venue: "polymarket", books: new BookStore({ venue: "polymarket", topK: 50 }), metrics,
        decodeStats: makeDecodeStats(), trades: [], recentTrades: new RecentTrades(), notices: [], firstBookTimeoutMs: 30_000, assetSilenceMs: 900_000
      }
      const conn = new PolymarketConnection("polymarket#0", "ws://fake", ctx)
      yield* Effect.forkScoped(superviseConnection(conn, ctx, venue.opener, connectionSettings(cfg.collector), metrics, () => Effect.void))
      yield* tick(0)
      expect(venue.sockets.length).toBe(1)
      // keep data flowing so the silence watchdog stays quiet; no subscription yet
      for (let i = 0; i < 3; i++) {
        venue.last.push("[]")
        yield* tick(10_000)
      }
      expect(venue.last.sent.filter((t) => t === "PING")).toEqual([])
      conn.add([spec(YES)], 30_000)
      expect(venue.last.json()[0]).toEqual({ type: "market", assets_ids: [YES], initial_dump: true })
      yield* tick(10_000)
      expect(venue.last.sent.filter((t) => t === "PING").length).toBe(1)
      venue.last.push("[]")
      yield* tick(10_000)
      expect(venue.last.sent.filter((t) => t === "PING").length).toBe(2)
      expect(venue.sockets.length).toBe(1)
    }))

  it.scoped("a slow consumer pauses the socket above the inbox high-water mark and resumes it once drained", () =>
    Effect.gen(function*() {
      const cfg = testConfig()
      const venue = new FakeVenue()
      const metrics = makeVenueMetrics("polymarket")
      const books = new BookStore({ venue: "polymarket", topK: 50 })
      const ctx: IngestContext = {
        venue: "polymarket", books, metrics,
        decodeStats: makeDecodeStats(), trades: [], recentTrades: new RecentTrades(), notices: [], firstBookTimeoutMs: 30_000, assetSilenceMs: 900_000
      }
      const conn = new PolymarketConnection("polymarket#0", "ws://fake", ctx)
      conn.add([spec(YES)], 0)
      const settings = { ...connectionSettings(cfg.collector), inboxHighWater: 10, chunkFrames: 4 }
      yield* Effect.forkScoped(superviseConnection(conn, ctx, venue.opener, settings, metrics, () => Effect.void))
      yield* tick(0)
      const s = venue.last
      // 25 frames arrive before the draining fiber runs (one event-loop turn)
      s.push(pmBook(M, YES, [[0.4, 1]], [[0.5, 1]]))
      for (let i = 0; i < 24; i++) s.push(pmPriceChange(M, YES, "BUY", 0.3, i + 1))
      expect(s.pauses).toBe(1)
      expect(s.resumes).toBe(0)
      yield* tick(0)
      expect(s.resumes).toBe(1)
      expect(metrics.messagesReceived).toBe(25)
      expect(books.snapshotRow(M, YES, 0).bid_sz).toEqual([1, 24])
    }))

  it.scoped("reconnects with backoff after the server drops, resubscribes, books stale until the fresh snapshot", () =>
    Effect.gen(function*() {
      const { venue, writer, metrics, vc } = yield* polymarket()
      yield* vc.control.subscribe([spec(YES), spec(NO)])
      yield* tick(0)
      expect(venue.sockets.length).toBe(1)
      venue.last.push(pmBook(M, YES, [[0.4, 10]], [[0.45, 5]]), pmBook(M, NO, [[0.55, 5]], [[0.6, 10]]))
      yield* tick(2000)
      expect(writer.lastRow(YES)?.status).toBe("ok")

      venue.last.drop() // clean close: still a failure, so it reconnects
      yield* tick(0)
      expect(metrics.connectionsUp).toBe(0)
      yield* tick(100) // below the smallest first delay (base/2 = 125 ms)
      expect(venue.sockets.length).toBe(1)
      yield* tick(150) // past the largest first delay (base = 250 ms)
      expect(venue.sockets.length).toBe(2)
      expect(metrics.reconnects).toBe(1)
      const resub = venue.last.json()[0]!
      expect(resub["type"]).toBe("market")
      expect([...(resub["assets_ids"] as string[])].sort()).toEqual([YES, NO])

      // after the reconnect and before the fresh snapshot, rows are stale (no ghost levels)
      yield* tick(2000)
      const staleRow = writer.lastRow(YES)!
      expect(staleRow.status).toBe("stale")
      expect(staleRow.bid_px).toEqual([])
      venue.last.push(pmBook(M, YES, [[0.41, 10]], [[0.44, 5]]))
      yield* tick(2000)
      expect(writer.lastRow(YES)?.status).toBe("ok")
      expect(writer.lastRow(YES)?.best_bid_px).toBe(0.41)

      // a second quick drop waits longer (attempt 1: 250..500 ms)
      venue.last.drop(1006)
      yield* tick(240)
      expect(venue.sockets.length).toBe(2)
      yield* tick(300)
      expect(venue.sockets.length).toBe(3)
    }))

  it.scoped("backoff is per incident: it resets after 10 s of data, not after a socket that only stayed open", () =>
    Effect.gen(function*() {
      const { venue, vc } = yield* polymarket({ collector: { reconnect_max_ms: 4000 } })
      venue.refuseNext = 4
      yield* vc.control.subscribe([spec(YES)])
      yield* tick(0)
      // refusals 0..3: ceilings 250, 500, 1000, 2000 -> the socket opens within 3.75 s
      yield* tick(3750)
      expect(venue.sockets.length).toBe(1)
      // open but no data, then dropped: same incident, the next ceiling is 4000 (>= 2000 ms)
      venue.last.drop()
      yield* tick(1999)
      expect(venue.sockets.length).toBe(1)
      yield* tick(2001)
      expect(venue.sockets.length).toBe(2)
      // 10 s of data, then dropped: a new incident, back to the base delay (<= 250 ms)
      for (let i = 0; i <= 5; i++) {
        venue.last.push(pmBook(M, YES, [[0.4, 1]], [[0.5, 1]]))
        yield* tick(2000)
      }
      venue.last.drop()
      yield* tick(250)
      expect(venue.sockets.length).toBe(3)
    }))

  it.scoped("a refused upgrade with Retry-After waits what the venue asked (capped at reconnect_max_ms)", () =>
    Effect.gen(function*() {
      const { venue, metrics, vc } = yield* polymarket({ collector: { reconnect_max_ms: 30_000 } })
      venue.refuseNext = 1
      venue.retryAfterMs = 7000
      yield* vc.control.subscribe([spec(YES)])
      yield* tick(0)
      yield* tick(6990)
      expect(venue.sockets.length).toBe(0)
      yield* tick(20)
      expect(venue.sockets.length).toBe(1)
      expect(metrics.reconnects).toBe(1)
    }))

  it.scoped("backoff grows to the cap on refused upgrades and resets after a healthy minute", () =>
    Effect.gen(function*() {
      const { venue, vc } = yield* polymarket({ collector: { reconnect_max_ms: 4000 } })
      venue.refuseNext = 6
      yield* vc.control.subscribe([spec(YES)])
      yield* tick(0)
      // attempts 0..5 refused: ceilings 250, 500, 1000, 2000, 4000, 4000 -> at most 11.75 s
      yield* tick(5000)
      expect(venue.sockets.length).toBe(0)
      yield* tick(7000)
      expect(venue.sockets.length).toBe(1)
      // healthy for a minute (data flowing), then dropped: back to base delay
      for (let i = 0; i < 13; i++) {
        venue.last.push(pmBook(M, YES, [[0.4, 1]], [[0.5, 1]]))
        yield* tick(5000)
      }
      venue.last.drop()
      yield* tick(260)
      expect(venue.sockets.length).toBe(2)
    }))

  it.scoped("a socket silent while answering pings is detected and reconnected", () =>
    Effect.gen(function*() {
      const { venue, metrics, vc } = yield* polymarket({ collector: { socket_silence_ms: 20_000 } })
      yield* vc.control.subscribe([spec(YES)])
      yield* tick(0)
      venue.last.push(pmBook(M, YES, [[0.4, 1]], [[0.5, 1]]))
      yield* tick(19_000) // PINGs answered with PONG meanwhile
      expect(venue.last.sent.filter((t) => t === "PING").length).toBe(1)
      expect(venue.sockets.length).toBe(1)
      yield* tick(6_000)
      expect(metrics.socketSilenceTimeouts).toBe(1)
      expect(venue.sockets[0]!.closed).toBe(true)
      yield* tick(300)
      expect(venue.sockets.length).toBe(2)
      expect(venue.last.json()[0]?.["assets_ids"]).toEqual([YES])
    }))

  it.scoped("one silent asset is resubscribed alone; an asset without a first book too", () =>
    Effect.gen(function*() {
      const { venue, metrics, vc } = yield* polymarket({
        collector: { asset_silence_ms: 60_000, first_book_timeout_ms: 20_000 }
      })
      const M2 = "0xmarket2"
      const LATE = "333"
      yield* vc.control.subscribe([spec(YES), spec(NO), spec(LATE, M2)])
      yield* tick(0)
      const s = venue.last
      s.push(pmBook(M, YES, [[0.4, 1]], [[0.5, 1]]), pmBook(M, NO, [[0.5, 1]], [[0.6, 1]]))
      yield* tick(10_000)
      // LATE never got a book: resubscribed after first_book_timeout_ms, alone
      yield* tick(15_000)
      const ops1 = s.json().slice(1)
      expect(ops1).toEqual([
        { operation: "unsubscribe", assets_ids: [LATE] },
        { operation: "subscribe", assets_ids: [LATE] }
      ])
      s.push(pmBook(M2, LATE, [[0.3, 1]], [[0.7, 1]]))
      // YES keeps moving, NO goes quiet
      for (let t = 0; t < 70_000; t += 5_000) {
        s.push(pmPriceChange(M, YES, "BUY", 0.41, t + 1))
        s.push(pmPriceChange(M2, LATE, "BUY", 0.31, t + 1))
        yield* tick(5_000)
      }
      const ops2 = s.json().slice(3)
      expect(ops2.slice(0, 2)).toEqual([
        { operation: "unsubscribe", assets_ids: [NO] },
        { operation: "subscribe", assets_ids: [NO] }
      ])
      // this fake venue never answers with a book, so NO is retried by the first-book
      // timeout; YES and LATE, which keep flowing, are never touched
      expect(ops2.every((o) => (o["assets_ids"] as string[]).join() === NO)).toBe(true)
      expect(metrics.assetResubscribes).toBe(1 + ops2.length / 2)
      expect(venue.sockets.length).toBe(1)
    }))

  it.scoped("malformed frames are counted and the connection carries on", () =>
    Effect.gen(function*() {
      const { venue, writer, metrics, vc } = yield* polymarket()
      yield* vc.control.subscribe([spec(YES)])
      yield* tick(0)
      venue.last.push("{not json", "[{\"event_type\":\"book\",\"asset_id\":7}]", pmBook(M, YES, [[0.4, 1]], [[0.5, 2]]))
      yield* tick(2000)
      expect(metrics.malformed).toBe(2)
      expect(metrics.lastMalformed).toContain("asset_id\":7")
      expect(venue.sockets.length).toBe(1)
      expect(writer.lastRow(YES)?.status).toBe("ok")
    }))

  it.scoped("a crossed book is written crossed", () =>
    Effect.gen(function*() {
      const { venue, writer, vc } = yield* polymarket()
      yield* vc.control.subscribe([spec(YES)])
      yield* tick(0)
      venue.last.push(pmBook(M, YES, [[0.6, 1]], [[0.5, 2]]))
      yield* tick(2000)
      expect(writer.lastRow(YES)?.status).toBe("crossed")
    }))

  it.scoped("shards over several connections; both tokens of a market share one; unsubscribe closes empty ones", () =>
    Effect.gen(function*() {
      const { venue, metrics, vc } = yield* polymarket({ polymarket: { max_assets_per_connection: 2 } })
      yield* vc.control.subscribe([
        spec("a1", "mA"), spec("a2", "mA"), spec("b1", "mB"), spec("b2", "mB"), spec("c1", "mC")
      ])
      // connection_open_interval_ms (100) apart
      yield* tick(200)
      expect(venue.sockets.length).toBe(3)
      const sets = venue.sockets.map((s) => (s.json()[0]!["assets_ids"] as string[]).join(","))
      expect(sets).toEqual(["a1,a2", "b1,b2", "c1"])
      expect(metrics.connections).toBe(3)
      // a new subscription goes to the connection with room
      yield* vc.control.subscribe([spec("d1", "mD")])
      expect(venue.sockets[2]!.json()[1]).toEqual({ operation: "subscribe", assets_ids: ["d1"] })
      yield* vc.control.unsubscribe(["b1", "b2"])
      yield* tick(0)
      expect(venue.sockets[1]!.closed).toBe(true)
      expect(metrics.connections).toBe(2)
      expect((yield* vc.control.current).size).toBe(4)
    }))

  it.scoped("a connection rotation left below half full is emptied into the others and closed", () =>
    Effect.gen(function*() {
      const { venue, metrics, vc } = yield* polymarket({ polymarket: { max_assets_per_connection: 6 } })
      const markets = ["mA", "mB", "mC", "mD", "mE", "mF"]
      yield* vc.control.subscribe(markets.flatMap((m) => [spec(`${m}-y`, m), spec(`${m}-n`, m)]))
      yield* tick(100)
      expect(venue.sockets.length).toBe(2)
      // rotation takes two markets off each connection: 2 tokens left on each (< 6 / 2)
      yield* vc.control.unsubscribe(["mA-y", "mA-n", "mB-y", "mB-n", "mD-y", "mD-n", "mE-y", "mE-n"])
      yield* tick(0)
      expect(venue.open.length).toBe(1)
      expect(metrics.connections).toBe(1)
      expect(metrics.connectionsConsolidated).toBe(1)
      // the survivor subscribed the moved market (both tokens together) and carries all four
      const survivor = venue.open[0]!
      expect(survivor.json().at(-1)).toEqual({ operation: "subscribe", assets_ids: ["mC-y", "mC-n"] })
      expect((yield* vc.shards)).toEqual([{ label: expect.any(String), size: 4 }])
      expect([...(yield* vc.control.current).keys()].sort()).toEqual(["mC-n", "mC-y", "mF-n", "mF-y"])
      // the moved market is stale until its fresh book, then ok
      expect(vc.books.snapshotRow("mC", "mC-y", 0).status).toBe("stale")
      survivor.push(pmBook("mC", "mC-y", [[0.4, 1]], [[0.5, 1]]))
      yield* tick(0)
      expect(vc.books.snapshotRow("mC", "mC-y", 0).status).toBe("ok")
    }))

  it.scoped("HOT books every snapshot_interval_ms_hot, WARM every snapshot_interval_ms_warm; setTier moves them", () =>
    Effect.gen(function*() {
      const { venue, writer, vc } = yield* polymarket()
      yield* vc.control.subscribe([spec(YES, M, "hot"), spec(NO, M, "warm")])
      yield* tick(0)
      venue.last.push(pmBook(M, YES, [[0.4, 1]], [[0.5, 1]]), pmBook(M, NO, [[0.5, 1]], [[0.6, 1]]))
      for (let i = 0; i < 10; i++) yield* tick(2000)
      expect(writer.rowsFor(YES).length).toBe(10)
      expect(writer.rowsFor(NO).length).toBe(2)
      yield* vc.control.setTier([NO], "hot")
      for (let i = 0; i < 5; i++) yield* tick(2000)
      expect(writer.rowsFor(NO).length).toBe(7)
      yield* vc.control.unsubscribe([YES, NO])
      const before = writer.snapshots.length
      yield* tick(20_000)
      expect(writer.snapshots.length).toBe(before)
      expect(vc.books.size).toBe(0)
    }))

  it.scoped("stale_after_ms writes a quiet book stale until its next message", () =>
    Effect.gen(function*() {
      const { venue, writer, vc } = yield* polymarket({ collector: { stale_after_ms: 5000 } })
      yield* vc.control.subscribe([spec(YES)])
      yield* tick(0)
      venue.last.push(pmBook(M, YES, [[0.4, 1]], [[0.5, 1]]))
      yield* tick(4000)
      expect(writer.lastRow(YES)?.status).toBe("ok")
      yield* tick(2000)
      expect(writer.lastRow(YES)?.status).toBe("stale")
      expect(writer.lastRow(YES)?.err).toMatch(/^no message for 6000 ms/)
      expect(writer.lastRow(YES)?.bid_px).toEqual([0.4])
      venue.last.push(pmPriceChange(M, YES, "BUY", 0.41, 3))
      yield* tick(2000)
      expect(writer.lastRow(YES)?.status).toBe("ok")
    }))

  it.scoped("trades become trade rows as they arrive", () =>
    Effect.gen(function*() {
      const { venue, writer, metrics, vc } = yield* polymarket()
      yield* vc.control.subscribe([spec(YES)])
      yield* tick(0)
      venue.last.push({ event_type: "last_trade_price", asset_id: YES, market: M, price: "0.45", size: "10", side: "BUY", fee_rate_bps: "0", timestamp: "1700000000000" })
      yield* tick(0)
      expect(writer.trades).toEqual([{
        ts_recv: 0, source_ts: 1700000000000, venue: "polymarket", market_id: M, outcome_id: YES,
        price: 0.45, size: 10, side: "buy", trade_id: null
      }])
      expect(metrics.trades).toBe(1)
    }))
})

void Layer
