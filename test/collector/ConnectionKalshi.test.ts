import { describe, expect, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import { fakeVenuePipeline, testConfig } from "./ConnectionHarness.js"

const tick = (ms: number) =>
  Effect.gen(function*() {
    yield* TestClock.adjust(ms)
    for (let i = 0; i < 5; i++) yield* Effect.yieldNow()
  })

const T = "KX-T"
const spec = (key: string, tier: "hot" | "warm" = "hot") => ({ key, marketId: key, outcomeIds: ["yes", "no"], tier })
const snapshot = (sid: number, seq: number, ticker: string, yes: Array<[string, string]>, no: Array<[string, string]>) =>
  ({ type: "orderbook_snapshot", sid, seq, msg: { market_ticker: ticker, market_id: "", yes_dollars_fp: yes, no_dollars_fp: no } })
const delta = (sid: number, seq: number, ticker: string, price: string, d: string, side: "yes" | "no") =>
  ({ type: "orderbook_delta", sid, seq, msg: { market_ticker: ticker, price_dollars: price, delta_fp: d, side, ts_ms: 1780099428263 } })

const kalshi = (over: Record<string, unknown> = {}) => fakeVenuePipeline("kalshi", testConfig(over))

describe("Kalshi connection (TestClock, in-memory venue)", () => {
  it.scoped("signs the handshake and subscribes orderbook_delta + trade", () =>
    Effect.gen(function*() {
      const { venue, vc } = yield* kalshi()
      yield* vc.control.subscribe([spec(T), spec("KX-U")])
      yield* tick(0)
      const s = venue.last
      expect(s.req.headers["KALSHI-ACCESS-KEY"]).toBe("key-1")
      expect(s.req.headers["KALSHI-ACCESS-TIMESTAMP"]).toBe("0")
      expect(s.req.headers["KALSHI-ACCESS-SIGNATURE"]?.length).toBeGreaterThan(100)
      expect(s.json()).toEqual([
        { id: 1, cmd: "subscribe", params: { channels: ["orderbook_delta", "trade"], market_tickers: [T, "KX-U"] } }
      ])
    }))

  it.scoped("a seq gap gives stale rows, resubscribes the sid's markets, and the fresh snapshot resyncs", () =>
    Effect.gen(function*() {
      const { venue, writer, metrics, vc } = yield* kalshi()
      yield* vc.control.subscribe([spec(T)])
      yield* tick(0)
      const s = venue.last
      s.push(
        { id: 1, type: "subscribed", msg: { channel: "orderbook_delta", sid: 1 } },
        { id: 1, type: "subscribed", msg: { channel: "trade", sid: 2 } },
        snapshot(1, 1, T, [["0.4700", "100.00"], ["0.4600", "50.00"]], [["0.5000", "200.00"]]),
        delta(1, 2, T, "0.4700", "-40.00", "yes")
      )
      yield* tick(2000)
      const ok = writer.lastRow("yes")!
      expect(ok.status).toBe("ok")
      expect(ok.best_bid_px).toBe(0.47)
      expect(ok.best_bid_sz).toBe(60)
      expect(ok.best_ask_px).toBeCloseTo(0.5, 12)
      expect(ok.seq).toBe(2)

      s.push(delta(1, 4, T, "0.4600", "5.00", "yes")) // seq 3 lost
      yield* tick(2000)
      const stale = writer.lastRow("yes")!
      expect(stale.status).toBe("stale")
      expect(stale.err).toMatch(/seq gap/)
      expect(writer.lastRow("no")!.status).toBe("stale")
      expect(metrics.seqGaps).toBe(1)
      expect(metrics.bookResyncs).toBe(1)
      // one unsubscribe per sid; the subscribe waits until the venue confirmed both
      expect(s.json().slice(1)).toEqual([
        { id: 2, cmd: "unsubscribe", params: { sids: [1] } },
        { id: 3, cmd: "unsubscribe", params: { sids: [2] } }
      ])
      s.push(delta(1, 5, T, "0.4600", "5.00", "yes"), { id: 2, type: "unsubscribed", sid: 1, seq: 6 })
      yield* tick(0)
      expect(s.json().length).toBe(3)
      s.push({ id: 3, type: "unsubscribed", sid: 2, seq: 1 })
      yield* tick(0)
      expect(s.json().slice(3)).toEqual([
        { id: 4, cmd: "subscribe", params: { channels: ["orderbook_delta", "trade"], market_tickers: [T] } }
      ])
      // late frames on the released sid are ignored; the new sid's snapshot resyncs
      s.push(
        delta(1, 7, T, "0.4600", "5.00", "yes"),
        { id: 4, type: "subscribed", msg: { channel: "orderbook_delta", sid: 3 } },
        { id: 4, type: "subscribed", msg: { channel: "trade", sid: 4 } },
        snapshot(3, 1, T, [["0.4800", "10.00"]], [["0.5000", "20.00"]])
      )
      yield* tick(2000)
      const back = writer.lastRow("yes")!
      expect(back.status).toBe("ok")
      expect(back.bid_px).toEqual([0.48])
      expect(metrics.seqGaps).toBe(1)
    }))

  it.scoped("ok replies consume a seq (no false gap); unsubscribe uses delete_markets, then unsubscribe", () =>
    Effect.gen(function*() {
      const { venue, writer, metrics, vc } = yield* kalshi()
      yield* vc.control.subscribe([spec(T), spec("KX-U")])
      yield* tick(0)
      const s = venue.last
      s.push(
        { id: 1, type: "subscribed", msg: { channel: "orderbook_delta", sid: 7 } },
        { id: 1, type: "subscribed", msg: { channel: "trade", sid: 8 } },
        snapshot(7, 1, T, [["0.40", "1.00"]], [["0.55", "1.00"]]),
        snapshot(7, 2, "KX-U", [["0.10", "1.00"]], [])
      )
      yield* tick(0)
      yield* vc.control.unsubscribe(["KX-U"])
      expect(s.json().slice(1)).toEqual([
        { id: 2, cmd: "update_subscription", params: { sids: [7], market_tickers: ["KX-U"], action: "delete_markets" } },
        { id: 3, cmd: "update_subscription", params: { sids: [8], market_tickers: ["KX-U"], action: "delete_markets" } }
      ])
      s.push({ id: 2, type: "ok", sid: 7, seq: 3 }, delta(7, 4, T, "0.40", "2.00", "yes"))
      yield* tick(2000)
      expect(metrics.seqGaps).toBe(0)
      expect(writer.lastRow("yes")!.best_bid_sz).toBe(3)
      yield* vc.control.unsubscribe([T])
      expect(s.json().slice(-2)).toEqual([
        { id: 4, cmd: "unsubscribe", params: { sids: [7] } },
        { id: 5, cmd: "unsubscribe", params: { sids: [8] } }
      ])
      expect(vc.books.size).toBe(0)
    }))

  it.scoped("a ticker removed before the subscribed reply is deleted once the sids are known", () =>
    Effect.gen(function*() {
      const { venue, vc } = yield* kalshi()
      yield* vc.control.subscribe([spec(T), spec("KX-U")])
      yield* tick(0)
      const s = venue.last
      yield* vc.control.unsubscribe(["KX-U"])
      expect(s.json().length).toBe(1)
      s.push(
        { id: 1, type: "subscribed", msg: { channel: "orderbook_delta", sid: 7 } },
        { id: 1, type: "subscribed", msg: { channel: "trade", sid: 8 } }
      )
      yield* tick(0)
      expect(s.json().slice(1)).toEqual([
        { id: 2, cmd: "update_subscription", params: { sids: [7], market_tickers: ["KX-U"], action: "delete_markets" } },
        { id: 3, cmd: "update_subscription", params: { sids: [8], market_tickers: ["KX-U"], action: "delete_markets" } }
      ])
    }))

  it.scoped("a gap in the snapshot burst before the trade sid is known: the resubscribe waits for both old sids; 'unknown subscription' counts as released", () =>
    Effect.gen(function*() {
      const { venue, writer, metrics, vc } = yield* kalshi()
      yield* vc.control.subscribe([spec(T), spec("KX-U")])
      yield* tick(0)
      const s = venue.last
      // the book channel answers and its snapshot burst starts; seq 2 is lost before the trade channel answers
      s.push(
        { id: 1, type: "subscribed", msg: { channel: "orderbook_delta", sid: 1 } },
        snapshot(1, 1, T, [["0.40", "1.00"]], [["0.55", "1.00"]]),
        snapshot(1, 3, T, [["0.41", "1.00"]], [["0.55", "1.00"]])
      )
      yield* tick(0)
      expect(metrics.seqGaps).toBe(1)
      // the trade sid of command 1 is still coming: subscribing again now would be refused ("6 Already subscribed")
      expect(s.json().slice(1)).toEqual([{ id: 2, cmd: "unsubscribe", params: { sids: [1] } }])
      s.push({ id: 1, type: "subscribed", msg: { channel: "trade", sid: 2 } })
      yield* tick(0)
      expect(s.json().slice(2)).toEqual([{ id: 3, cmd: "unsubscribe", params: { sids: [2] } }])
      // the venue had already dropped sid 1: "7 Unknown subscription ID" means released, not a failure
      s.push(
        { id: 2, type: "error", msg: { code: 7, msg: "Unknown subscription ID" } },
        { id: 3, type: "unsubscribed", sid: 2, seq: 1 }
      )
      // the snapshot round at 2 s counts both markets: resubscribed, not yet confirmed
      yield* tick(2000)
      expect(metrics.unsubscribedMarkets).toBe(2)
      expect(s.json().slice(3)).toEqual([
        { id: 4, cmd: "subscribe", params: { channels: ["orderbook_delta", "trade"], market_tickers: [T, "KX-U"] } }
      ])
      s.push(
        { id: 4, type: "subscribed", msg: { channel: "orderbook_delta", sid: 3 } },
        snapshot(3, 1, T, [["0.45", "2.00"]], [["0.50", "1.00"]]),
        snapshot(3, 2, "KX-U", [["0.10", "1.00"]], [["0.80", "1.00"]]),
        { id: 4, type: "subscribed", msg: { channel: "trade", sid: 4 } }
      )
      yield* tick(2000)
      expect(writer.lastRow("yes")!.status).toBe("ok")
      expect(vc.books.snapshotRow(T, "yes", 0).best_bid_px).toBe(0.45)
      expect(metrics.unsubscribedMarkets).toBe(0)
      expect(metrics.venueErrors).toBe(1)
      expect(metrics.seqGaps).toBe(1)
    }))

  it.scoped("a fresh sid must start at seq 1: a reordered snapshot burst is a gap, never a base that loses the others", () =>
    Effect.gen(function*() {
      const { venue, metrics, vc } = yield* kalshi()
      yield* vc.control.subscribe([spec(T), spec("KX-U")])
      yield* tick(0)
      const s = venue.last
      s.push(
        { id: 1, type: "subscribed", msg: { channel: "orderbook_delta", sid: 1 } },
        snapshot(1, 2, "KX-U", [["0.10", "1.00"]], []),
        snapshot(1, 1, T, [["0.40", "1.00"]], []),
        snapshot(1, 2, "KX-U", [["0.10", "1.00"]], []),
        { id: 1, type: "subscribed", msg: { channel: "trade", sid: 2 } }
      )
      yield* tick(0)
      expect(metrics.seqGaps).toBe(1)
      // the rest of the released sid's burst is ignored: the resubscription brings fresh snapshots
      expect(metrics.seqOutOfOrder).toBe(0)
      expect(metrics.bookResyncs).toBe(1)
      expect(vc.books.snapshotRow(T, "yes", 0).status).toBe("stale")
      expect(s.json().slice(1)).toEqual([
        { id: 2, cmd: "unsubscribe", params: { sids: [1] } },
        { id: 3, cmd: "unsubscribe", params: { sids: [2] } }
      ])
    }))

  it.scoped("'already subscribed' is retried at the next watchdog pass; three in a row replace the socket", () =>
    Effect.gen(function*() {
      const { venue, metrics, vc } = yield* kalshi({ collector: { first_book_timeout_ms: 10_000 } })
      yield* vc.control.subscribe([spec(T)])
      yield* tick(0)
      const s = venue.last
      const refuse = (id: number) => s.push({ id, type: "error", msg: { code: 6, msg: "Already subscribed" } })
      refuse(1)
      yield* tick(0)
      expect(s.json().length).toBe(1)
      // the watchdog looks every second
      yield* tick(1000)
      expect(s.json().slice(1)).toEqual([{ id: 2, cmd: "subscribe", params: { channels: ["orderbook_delta", "trade"], market_tickers: [T] } }])
      refuse(2)
      yield* tick(1000)
      expect(s.json().at(-1)).toMatchObject({ id: 3, cmd: "subscribe" })
      expect(s.closed).toBe(false)
      refuse(3)
      yield* tick(1000)
      expect(metrics.venueErrors).toBe(3)
      expect(s.closed).toBe(true)
      expect(metrics.assetResubscribes).toBe(0)
      // a fresh socket holds nothing: it subscribes the market at once
      yield* tick(300)
      expect(venue.sockets.length).toBe(2)
      expect(venue.last.json()).toEqual([{ id: 5, cmd: "subscribe", params: { channels: ["orderbook_delta", "trade"], market_tickers: [T] } }])
    }))

  it.scoped("another refusal leaves the market to the first-book watchdog, visible as unsubscribed meanwhile", () =>
    Effect.gen(function*() {
      const { venue, metrics, vc } = yield* kalshi({ collector: { first_book_timeout_ms: 10_000 } })
      yield* vc.control.subscribe([spec(T)])
      yield* tick(0)
      const s = venue.last
      s.push({ id: 1, type: "error", msg: { code: 16, msg: "Market not found" } })
      yield* tick(7_500)
      expect(s.json().length).toBe(1)
      expect(metrics.unsubscribedMarkets).toBe(1)
      expect(metrics.unsubscribedSinceMs).toBe(0)
      yield* tick(5_000)
      expect(metrics.venueErrors).toBe(1)
      expect(metrics.assetResubscribes).toBe(1)
      expect(s.json().at(-1)).toEqual({ id: 2, cmd: "subscribe", params: { channels: ["orderbook_delta", "trade"], market_tickers: [T] } })
    }))

  it.scoped("'unknown subscription' on delete_markets: the sid is gone, its other markets are subscribed again", () =>
    Effect.gen(function*() {
      const { venue, metrics, vc } = yield* kalshi()
      yield* vc.control.subscribe([spec(T), spec("KX-U")])
      yield* tick(0)
      const s = venue.last
      s.push(
        { id: 1, type: "subscribed", msg: { channel: "orderbook_delta", sid: 7 } },
        { id: 1, type: "subscribed", msg: { channel: "trade", sid: 8 } }
      )
      yield* tick(0)
      yield* vc.control.unsubscribe(["KX-U"])
      s.push({ id: 2, type: "error", msg: { code: 7, msg: "Unknown subscription ID" } }, { id: 3, type: "ok", sid: 8, seq: 1 })
      yield* tick(0)
      expect(s.json().slice(3)).toEqual([{ id: 4, cmd: "unsubscribe", params: { sids: [8] } }])
      s.push({ id: 4, type: "unsubscribed", sid: 8, seq: 2 })
      yield* tick(0)
      expect(s.json().slice(4)).toEqual([{ id: 5, cmd: "subscribe", params: { channels: ["orderbook_delta", "trade"], market_tickers: [T] } }])
      expect(metrics.venueErrors).toBe(1)
    }))

  it.scoped("an unanswered subscribe is taken as lost after 5 s and sent again; its late answer is released", () =>
    Effect.gen(function*() {
      const { venue, vc } = yield* kalshi()
      yield* vc.control.subscribe([spec(T)])
      yield* tick(0)
      const s = venue.last
      yield* tick(4000)
      expect(s.json().length).toBe(1)
      // the watchdog pass at 5 s finds command 1 unanswered
      yield* tick(1000)
      expect(s.json().slice(1)).toEqual([{ id: 2, cmd: "subscribe", params: { channels: ["orderbook_delta", "trade"], market_tickers: [T] } }])
      s.push({ id: 1, type: "subscribed", msg: { channel: "orderbook_delta", sid: 1 } })
      yield* tick(0)
      expect(s.json().slice(2)).toEqual([{ id: 3, cmd: "unsubscribe", params: { sids: [1] } }])
    }))

  it.scoped("a second resync of the same markets within 1 s waits for the next watchdog pass", () =>
    Effect.gen(function*() {
      const { venue, metrics, vc } = yield* kalshi()
      yield* vc.control.subscribe([spec(T)])
      yield* tick(0)
      const s = venue.last
      const confirm = (id: number, book: number, trade: number) =>
        s.push(
          { id, type: "subscribed", msg: { channel: "orderbook_delta", sid: book } },
          { id, type: "subscribed", msg: { channel: "trade", sid: trade } }
        )
      const released = (ids: Array<[number, number]>) => s.push(...ids.map(([id, sid]) => ({ id, type: "unsubscribed", sid, seq: 1 })))
      confirm(1, 1, 2)
      s.push(snapshot(1, 2, T, [["0.40", "1.00"]], [])) // seq 1 missing: a gap, resynced at once
      yield* tick(0)
      released([[2, 1], [3, 2]])
      yield* tick(0)
      expect(s.json().at(-1)).toEqual({ id: 4, cmd: "subscribe", params: { channels: ["orderbook_delta", "trade"], market_tickers: [T] } })
      confirm(4, 3, 4)
      s.push(snapshot(3, 2, T, [["0.40", "1.00"]], [])) // the fresh sid gaps again within 1 s
      yield* tick(0)
      released([[5, 3], [6, 4]])
      yield* tick(0)
      expect(metrics.bookResyncs).toBe(2)
      expect(s.json().length).toBe(6)
      // the watchdog pass (every second) sends it
      yield* tick(1000)
      expect(s.json().at(-1)).toEqual({ id: 7, cmd: "subscribe", params: { channels: ["orderbook_delta", "trade"], market_tickers: [T] } })
    }))
})
