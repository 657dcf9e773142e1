import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { startSimulator } from "../../src/simulator/Simulator.js"
import { drained, kalshiHeaders, TEST_KALSHI_KEY, waitFor, WireClient } from "./support.js"

const opts = { seed: 12, polymarketMarkets: 10, kalshiMarkets: 300, tickMs: 0, anchorMs: 1_780_000_000_000, kalshiKey: TEST_KALSHI_KEY } as const
const wait = (f: () => Promise<void>) => Effect.promise(f)
type Frame = { id?: number | null; type: string; sid?: number; seq?: number; msg?: Record<string, unknown> }

const reply = (c: WireClient, id: number) =>
  wait(() => waitFor(() => c.frames.some((f) => f.includes(`"id":${id},`)), `reply to command ${id}`)).pipe(
    Effect.map(() => (c.json() as Frame[]).filter((f) => f.id === id))
  )

describe("simulator: Kalshi firehose, update_subscription, market cap", () => {
  it.scopedLive("trade and ticker with no market_tickers deliver every market; orderbook_delta needs tickers", () =>
    Effect.gen(function* () {
      const sim = yield* startSimulator(opts)
      const live = sim.truth.liveMarkets("kalshi").map((m) => m.market_id)
      const c = new WireClient(sim.urls.kalshiWs, kalshiHeaders(sim))
      yield* wait(() => c.opened)
      c.send({ id: 1, cmd: "subscribe", params: { channels: ["trade", "ticker"] } })
      expect(yield* reply(c, 1)).toEqual([
        { id: 1, type: "subscribed", msg: { channel: "trade", sid: 1 } },
        { id: 1, type: "subscribed", msg: { channel: "ticker", sid: 2 } }
      ])
      expect(sim.connections()[0]).toMatchObject({ firehose: ["trade", "ticker"], subscriptions: [] })
      // a keyed book subscription beside it: its markets' trades still come once, on the firehose sid
      c.send({ id: 2, cmd: "subscribe", params: { channels: ["orderbook_delta"], market_tickers: live.slice(0, 5) } })
      c.send({ id: 3, cmd: "subscribe", params: { channels: ["orderbook_delta"] } })
      c.send({ id: 4, cmd: "subscribe", params: { channels: ["trade"] } })
      c.send({ id: 5, cmd: "update_subscription", params: { sids: [1], market_tickers: live.slice(0, 1), action: "add_markets" } })
      expect(yield* reply(c, 3)).toEqual([{ id: 3, type: "error", msg: { code: 14, msg: "Market Ticker required" } }])
      expect(yield* reply(c, 4)).toEqual([{ id: 4, type: "error", msg: { code: 6, msg: "Already subscribed" } }])
      expect(yield* reply(c, 5)).toEqual([{ id: 5, type: "error", msg: { code: 11, msg: "Invalid parameter" } }])
      sim.step(400)
      yield* wait(() => drained(sim, c, "kalshi"))
      const frames = c.json() as Frame[]
      const trades = frames.filter((f) => f.type === "trade")
      const tickers = frames.filter((f) => f.type === "ticker")
      const traded = new Set(trades.map((f) => f.msg!.market_ticker as string))
      // every market is covered, not only the 5 the book subscription names
      expect(traded.size).toBeGreaterThan(30)
      expect(new Set(tickers.map((f) => f.msg!.market_ticker)).size).toBeGreaterThan(traded.size)
      for (const t of traded) expect(live).toContain(t)
      expect(trades.every((f) => f.sid === 1)).toBe(true)
      expect(trades.map((f) => f.seq)).toEqual(trades.map((_, i) => i + 1))
      expect(new Set(trades.map((f) => f.msg!.trade_id)).size).toBe(trades.length)
      expect(tickers.every((f) => f.sid === 2 && f.seq === undefined)).toBe(true)
      // unsubscribing the firehose stops it; the keyed book subscription keeps flowing
      c.send({ id: 6, cmd: "unsubscribe", params: { sids: [1, 2] } })
      expect((yield* reply(c, 6)).map((f) => [f.type, f.sid])).toEqual([["unsubscribed", 1], ["unsubscribed", 2]])
      const before = c.frames.length
      sim.step(400)
      yield* wait(() => drained(sim, c, "kalshi"))
      const after = (c.json() as Frame[]).slice(before)
      expect(after.filter((f) => f.type === "trade" || f.type === "ticker")).toEqual([])
      expect(after.filter((f) => f.type === "orderbook_delta").length).toBeGreaterThan(0)
      expect(sim.connections()[0]!.firehose).toEqual([])
      c.close()
    }))

  it.scopedLive("update_subscription: add/delete/get_snapshot, errors 12/13/15/16, cap -> 26", () =>
    Effect.gen(function* () {
      const sim = yield* startSimulator({ ...opts, kalshiMaxMarketsPerSubscription: 10 })
      const live = sim.truth.liveMarkets("kalshi").map((m) => m.market_id)
      const c = new WireClient(sim.urls.kalshiWs, kalshiHeaders(sim))
      yield* wait(() => c.opened)
      c.send({ id: 1, cmd: "subscribe", params: { channels: ["orderbook_delta"], market_tickers: live.slice(0, 11) } })
      expect(yield* reply(c, 1)).toEqual([{ id: 1, type: "error", msg: { code: 26, msg: "Subscription market limit exceeded" } }])
      c.send({ id: 2, cmd: "subscribe", params: { channels: ["orderbook_delta"], market_tickers: live.slice(0, 10) } })
      expect((yield* reply(c, 2))[0]).toEqual({ id: 2, type: "subscribed", msg: { channel: "orderbook_delta", sid: 1 } })
      c.send({ id: 3, cmd: "update_subscription", params: { sids: [1], market_tickers: [live[10]], action: "add_markets" } })
      expect(yield* reply(c, 3)).toEqual([{ id: 3, type: "error", msg: { code: 26, msg: "Subscription market limit exceeded" } }])
      c.send({ id: 4, cmd: "update_subscription", params: { sids: [1], market_tickers: live.slice(0, 2), action: "delete_markets" } })
      c.send({ id: 5, cmd: "update_subscription", params: { sid: 1, market_tickers: live.slice(10, 12), action: "add_markets" } })
      const ok = (yield* reply(c, 5))[0]!
      expect(ok).toMatchObject({ type: "ok", sid: 1 })
      expect(ok.msg!.market_tickers).toEqual([...live.slice(2, 10), ...live.slice(10, 12)])
      c.send({ id: 6, cmd: "update_subscription", params: { sids: [1], market_tickers: [live[3]], action: "get_snapshot" } })
      c.send({ id: 7, cmd: "update_subscription", params: { sids: [1], market_tickers: [live[3]] } })
      c.send({ id: 8, cmd: "update_subscription", params: { sids: [1], market_tickers: [live[3]], action: "replace" } })
      c.send({ id: 9, cmd: "update_subscription", params: { sids: [1, 2], market_tickers: [live[3]], action: "add_markets" } })
      c.send({ id: 10, cmd: "update_subscription", params: { sids: [1], market_tickers: ["NOPE-1"], action: "add_markets" } })
      expect(yield* reply(c, 7)).toEqual([{ id: 7, type: "error", msg: { code: 15, msg: "Action required" } }])
      expect(yield* reply(c, 8)).toEqual([{ id: 8, type: "error", msg: { code: 13, msg: "Unsupported action" } }])
      expect(yield* reply(c, 9)).toEqual([{ id: 9, type: "error", msg: { code: 12, msg: "Exactly one subscription ID is required" } }])
      expect(yield* reply(c, 10)).toEqual([{ id: 10, type: "error", msg: { code: 16, msg: "Market not found", market_ticker: "NOPE-1" } }])
      yield* wait(() => drained(sim, c, "kalshi"))
      const frames = c.json() as Frame[]
      // get_snapshot: one fresh snapshot of that market on sid 1, with the next seq, no reply of its own
      // (after the two snapshots add_markets sent)
      const snapIdx = frames.findIndex((f) => f.type === "ok" && f.id === 5) + 3
      expect(frames[snapIdx]).toMatchObject({ type: "orderbook_snapshot", sid: 1, msg: { market_ticker: live[3] } })
      const seqs = frames.filter((f) => f.sid === 1 && f.seq !== undefined).map((f) => f.seq)
      expect(seqs).toEqual(seqs.map((_, i) => i + 1))
      c.close()
    }))
})
