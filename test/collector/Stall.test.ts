import { describe, expect, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import { fakeVenuePipeline, type FakeSocket, testConfig } from "./ConnectionHarness.js"

/**
 * The silent stall on Kalshi (TestClock, in-memory venue): a book socket that stays open and
 * answers commands but delivers no data is told from a quiet market by the firehose, which rides
 * its own socket.
 */
const tick = (ms: number) =>
  Effect.gen(function*() {
    yield* TestClock.adjust(ms)
    for (let i = 0; i < 5; i++) yield* Effect.yieldNow()
  })

const T = "KX-T"
const U = "KX-U"
const spec = (key: string) => ({ key, marketId: key, outcomeIds: ["yes", "no"], tier: "hot" as const })
const snapshot = (sid: number, seq: number, ticker: string) =>
  ({ type: "orderbook_snapshot", sid, seq, msg: { market_ticker: ticker, yes_dollars_fp: [["0.4000", "10.00"]], no_dollars_fp: [["0.5000", "10.00"]] } })
const delta = (sid: number, seq: number, ticker: string) =>
  ({ type: "orderbook_delta", sid, seq, msg: { market_ticker: ticker, price_dollars: "0.4000", delta_fp: "1.00", side: "yes" } })
const trade = (ticker: string, n: number) =>
  ({ type: "trade", sid: 1, seq: n, msg: { trade_id: `t${n}`, market_ticker: ticker, yes_price_dollars: "0.4000", no_price_dollars: "0.6000", count_fp: "1.00", taker_side: "yes", ts: 1 } })

const isFirehose = (s: FakeSocket) => s.json()[0]?.["params"] !== undefined && (s.json()[0]!["params"] as Record<string, unknown>)["market_tickers"] === undefined

const rig = () =>
  Effect.gen(function*() {
    const cfg = testConfig({ kalshi: { firehose: true }, collector: { socket_silence_ms: 60_000, reconnect_base_ms: 10, reconnect_max_ms: 20 } })
    const p = yield* fakeVenuePipeline("kalshi", cfg)
    yield* p.vc.control.subscribe([spec(T), spec(U)])
    yield* tick(200)
    const fire = p.venue.open.find(isFirehose)!
    const book = p.venue.open.find((s) => !isFirehose(s))!
    expect(fire.json()).toEqual([{ id: 1, cmd: "subscribe", params: { channels: ["trade", "ticker"] } }])
    fire.push({ id: 1, type: "subscribed", msg: { channel: "trade", sid: 1 } }, { id: 1, type: "subscribed", msg: { channel: "ticker", sid: 2 } })
    book.push(
      { id: 1, type: "subscribed", msg: { channel: "orderbook_delta", sid: 1 } },
      { id: 1, type: "subscribed", msg: { channel: "trade", sid: 2 } },
      snapshot(1, 1, T),
      snapshot(1, 2, U)
    )
    yield* tick(0)
    expect(yield* p.vc.liveSubscriptions).toBe(2)
    return { ...p, fire, book }
  })

describe("stall detection (Kalshi firehose, TestClock)", () => {
  it.scoped("a book socket silent while the firehose shows its market trading is replaced within the grace (5 s), long before socket_silence_ms", () =>
    Effect.gen(function*() {
      const { venue, metrics, vc, fire, book } = yield* rig()
      yield* tick(10_000)
      // the stall starts: the venue keeps trading T, the book socket delivers nothing
      fire.push(trade(T, 1))
      yield* tick(4_000)
      expect(book.closed).toBe(false)
      fire.push(trade(T, 2))
      yield* tick(2_000)
      expect(metrics.connectionStalls).toBe(1)
      expect(book.closed).toBe(true)
      yield* tick(200)
      const fresh = venue.open.filter((s) => !isFirehose(s))
      expect(fresh.length).toBe(1)
      const first = fresh[0]!.json()[0]!
      expect([first["cmd"], first["params"]]).toEqual(["subscribe", { channels: ["orderbook_delta", "trade"], market_tickers: [T, U] }])
      // the firehose socket is not touched
      expect(fire.closed).toBe(false)
      expect(metrics.socketSilenceTimeouts).toBe(0)
      fresh[0]!.push({ id: first["id"], type: "subscribed", msg: { channel: "orderbook_delta", sid: 1 } }, snapshot(1, 1, T), snapshot(1, 2, U))
      yield* tick(0)
      expect(yield* vc.liveSubscriptions).toBe(2)
    }))

  it.scoped("quiet books are not a stall: no firehose activity, or the book's delta arriving within the grace", () =>
    Effect.gen(function*() {
      const { metrics, vc, fire, book } = yield* rig()
      // 50 s of silence with nothing trading: a quiet market (socket_silence_ms is 60 s)
      yield* tick(50_000)
      expect(book.closed).toBe(false)
      // a trade whose delta comes a little later on the book socket
      fire.push(trade(T, 1))
      yield* tick(1_500)
      book.push(delta(1, 3, T))
      yield* tick(8_000)
      expect(book.closed).toBe(false)
      // activity on a market this socket does not carry says nothing about it
      fire.push(trade("KX-OTHER", 2))
      yield* tick(8_000)
      expect(book.closed).toBe(false)
      // nor on a market whose subscribe the (busy) venue has not answered yet
      yield* vc.control.subscribe([spec("KX-V")])
      fire.push(trade("KX-V", 3))
      yield* tick(8_000)
      expect(book.closed).toBe(false)
      expect(metrics.connectionStalls).toBe(0)
    }))

  it.scoped("a refused firehose subscribe is asked again a minute later, not at every watchdog pass", () =>
    Effect.gen(function*() {
      const cfg = testConfig({ kalshi: { firehose: true } })
      const { venue } = yield* fakeVenuePipeline("kalshi", cfg)
      yield* tick(0)
      const fire = venue.last
      fire.push({ id: 1, type: "error", msg: { code: 14, msg: "Market Ticker required" } })
      yield* tick(30_000)
      expect(fire.json().length).toBe(1)
      fire.push({ type: "ticker", sid: 9, msg: { market_ticker: T } })
      yield* tick(31_000)
      expect(fire.json().length).toBe(2)
    }))
})
