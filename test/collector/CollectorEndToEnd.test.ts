import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Schema, TestClock } from "effect"
import { runCollector } from "../../src/collector/Collector.js"
import { AppConfig } from "../../src/config/schema.js"
import type { SnapshotRow } from "../../src/domain/SnapshotRow.js"
import { utcDate } from "../../src/storage/paths.js"
import { writeUniverse } from "../../src/storage/universe.js"
import { KalshiLive } from "../../src/venues/kalshi/KalshiLive.js"
import { PolymarketLive } from "../../src/venues/polymarket/PolymarketLive.js"
import { makeMarket } from "../scheduler/fixtures.js"
import { MemoryFileStoreLayer } from "../support/MemoryFileStore.js"
import { FakeVenue, MemoryWriter, pmBook, pmPriceChange } from "./ConnectionHarness.js"

/**
 * The whole collector of one venue, end to end, with no socket and no disk: the universe
 * sits in an in-memory FileStore, the venue is the real Polymarket service (decoder, driver)
 * over in-memory sockets that answer each subscription with a book, the sink keeps what it
 * is given, and TestClock drives every timer (scheduler rotation, snapshot schedule,
 * keep-alive, watchdogs). The rows and trades that reach the sink are checked exactly.
 */
const tick = (ms: number) =>
  Effect.gen(function*() {
    yield* TestClock.adjust(ms)
    for (let i = 0; i < 10; i++) yield* Effect.yieldNow()
  })

const DATA = "/data"
const A = makeMarket("polymarket", 1)
const B = makeMarket("polymarket", 2)
const [A_YES, A_NO] = A.token_ids as [string, string]
const [B_YES, B_NO] = B.token_ids as [string, string]

const books: Record<string, ReturnType<typeof pmBook>> = {
  [A_YES]: pmBook(A.market_id, A_YES, [[0.4, 100], [0.39, 50]], [[0.42, 80]], 1_000),
  [A_NO]: pmBook(A.market_id, A_NO, [[0.58, 80]], [[0.6, 100], [0.61, 50]], 1_000),
  [B_YES]: pmBook(B.market_id, B_YES, [[0.1, 10]], [[0.2, 20]], 1_000),
  [B_NO]: pmBook(B.market_id, B_NO, [[0.8, 20]], [[0.9, 10]], 1_000)
}

const cfg = Schema.decodeUnknownSync(AppConfig)({
  data_dir: DATA,
  collector: { metrics_addr: "", stale_after_ms: 0 },
  storage: { top_k: 5 },
  venues: {
    polymarket: {
      ws_url: "ws://fake/ws/market",
      max_subs: 4,
      hot_count: 4,
      rotation_period_secs: 600,
      snapshot_interval_ms_hot: 1000,
      snapshot_interval_ms_warm: 5000,
      subscription_churn_limit_per_minute: 1000,
      min_hours_until_close: 0
    },
    kalshi: { enabled: false }
  }
})

/** What a row of a book with these levels looks like (status ok, both sides present). */
const row = (tsRecv: number, marketId: string, outcomeId: string, seq: number, bids: Array<[number, number]>, asks: Array<[number, number]>): SnapshotRow => ({
  ts_recv: tsRecv,
  venue: "polymarket",
  market_id: marketId,
  outcome_id: outcomeId,
  seq,
  best_bid_px: bids[0]![0],
  best_bid_sz: bids[0]![1],
  best_ask_px: asks[0]![0],
  best_ask_sz: asks[0]![1],
  mid: Math.round((bids[0]![0] + asks[0]![0]) * 1e6 / 2) / 1e6,
  spread: Math.round((asks[0]![0] - bids[0]![0]) * 1e6) / 1e6,
  bid_px: bids.map((l) => l[0]),
  bid_sz: bids.map((l) => l[1]),
  ask_px: asks.map((l) => l[0]),
  ask_sz: asks.map((l) => l[1]),
  status: "ok",
  err: null,
  source_ts: 1_000
})

describe("collector end to end (fake venue Layer, in-memory FileStore, TestClock)", () => {
  it.scoped("universe file -> scheduler -> subscribe -> frames -> books -> snapshot rows and trades in the sink", () =>
    Effect.gen(function*() {
      const venue = new FakeVenue()
      venue.answerSubscriptions((assetIds) => assetIds.map((id) => books[id]!).filter((b) => b !== undefined))
      const sink = new MemoryWriter()
      const venues = Layer.mergeAll(
        PolymarketLive({ restUrl: "http://fake", wsUrl: cfg.venues.polymarket.ws_url, openSocket: venue.opener }),
        KalshiLive({ restUrl: "http://fake", wsUrl: "ws://fake", credentials: Effect.dieMessage("kalshi is not used here") })
      )
      const layers = Layer.mergeAll(venues, sink.layer, MemoryFileStoreLayer)

      const fiber = yield* Effect.gen(function*() {
        yield* writeUniverse(DATA, "polymarket", utcDate(0), [A, B])
        return yield* runCollector(cfg, { venues: ["polymarket"], durationMs: 3_500 })
      }).pipe(Effect.provide(layers), Effect.fork)

      yield* tick(0)
      // one socket, one subscription message for all four tokens, answered with their books
      expect(venue.sockets.length).toBe(1)
      const subscribe = venue.last.json()[0]!
      expect(subscribe["type"]).toBe("market")
      expect([...(subscribe["assets_ids"] as Array<string>)].sort()).toEqual([A_YES, A_NO, B_YES, B_NO].sort())

      yield* tick(1_000) // first HOT round
      yield* tick(500)
      venue.last.push(
        pmPriceChange(A.market_id, A_YES, "BUY", 0.41, 30),
        { event_type: "last_trade_price", market: A.market_id, asset_id: A_YES, price: "0.42", size: "7", side: "BUY", timestamp: "1500", transaction_hash: "0xtrade1" }
      )
      yield* tick(500) // second round sees the new level
      yield* tick(1_500) // third round at 3000, then the duration ends at 3500
      const metrics = yield* Fiber.join(fiber)

      const subscribedOrder = [...(subscribe["assets_ids"] as Array<string>)]
      const expectedAt = (ts: number, aYesBids: Array<[number, number]>, aYesSeq: number) =>
        subscribedOrder.map((id) => {
          const b = books[id]!
          const lv = (xs: Array<{ price: string; size: string }>) => xs.map((l) => [Number(l.price), Number(l.size)] as [number, number])
          const bids = id === A_YES ? aYesBids : lv(b.bids)
          const r = row(ts, b.market, id, id === A_YES ? aYesSeq : 1, bids, lv(b.asks))
          // the price_change frame carries the venue timestamp "2" (ConnectionHarness.pmPriceChange)
          return id === A_YES && aYesSeq === 2 ? { ...r, source_ts: 2 } : r
        })
      const before: Array<[number, number]> = [[0.4, 100], [0.39, 50]]
      const after: Array<[number, number]> = [[0.41, 30], [0.4, 100], [0.39, 50]]
      expect(sink.snapshots.map(({ event_seq: _, ...r }) => r)).toEqual([
        ...expectedAt(1_000, before, 1),
        ...expectedAt(2_000, after, 2),
        ...expectedAt(3_000, after, 2)
      ])
      // each round says which event-log position it reflects: the level change and the trade
      // between the first and second round are two events, nothing happened before the third
      const positions = [1_000, 2_000, 3_000].map((ts) => [...new Set(sink.snapshots.filter((r) => r.ts_recv === ts).map((r) => r.event_seq))])
      expect(positions.every((p) => p.length === 1 && typeof p[0] === "number")).toBe(true)
      expect(positions[1]![0]! - positions[0]![0]!).toBe(2)
      expect(positions[2]![0]).toBe(positions[1]![0])
      expect(sink.trades).toEqual([{
        ts_recv: 1_500,
        source_ts: 1_500,
        venue: "polymarket",
        market_id: A.market_id,
        outcome_id: A_YES,
        price: 0.42,
        size: 7,
        side: "buy",
        trade_id: "0xtrade1"
      }])
      const m = metrics.forVenue("polymarket")
      expect([m.snapshotRows, m.trades, m.messagesReceived, m.reconnects]).toEqual([12, 1, 6, 0])
      // the duration ended the run: the socket was closed by the scope
      expect(venue.open).toEqual([])
    }))
})
