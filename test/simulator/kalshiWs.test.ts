import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { generateKeyPairSync } from "node:crypto"
import { startSimulator } from "../../src/simulator/Simulator.js"
import { drained, kalshiHeaders, NaiveKalshiBooks, roundBook, TEST_KALSHI_KEY, waitFor, WireClient } from "./support.js"

const opts = { seed: 11, polymarketMarkets: 20, kalshiMarkets: 300, tickMs: 0, anchorMs: 1_780_000_000_000, kalshiKey: TEST_KALSHI_KEY } as const
const wait = (f: () => Promise<void>) => Effect.promise(f)

const rejectedWith = (url: string, headers: Record<string, string>) =>
  Effect.promise(async () => {
    const c = new WireClient(url, headers)
    await c.opened.catch(() => {})
    await waitFor(() => c.unexpectedStatus !== null || c.ws.readyState === c.ws.OPEN, "handshake outcome")
    const status = c.unexpectedStatus
    c.close()
    return status
  })

describe("simulator: Kalshi WebSocket", () => {
  it.scopedLive("handshake: wrong signature, stale timestamp, missing header or unknown key -> 401; correct one accepted", () =>
    Effect.gen(function* () {
      const sim = yield* startSimulator(opts)
      const other = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString()
      expect(yield* rejectedWith(sim.urls.kalshiWs, kalshiHeaders(sim, { keyPem: other }))).toBe(401)
      expect(yield* rejectedWith(sim.urls.kalshiWs, kalshiHeaders(sim, { tsMs: Date.now() - 60_000 }))).toBe(401)
      expect(yield* rejectedWith(sim.urls.kalshiWs, kalshiHeaders(sim, { path: "/trade-api/v2/markets" }))).toBe(401)
      expect(yield* rejectedWith(sim.urls.kalshiWs, kalshiHeaders(sim, { keyId: "someone-else" }))).toBe(401)
      const { ["KALSHI-ACCESS-SIGNATURE"]: _s, ...noSig } = kalshiHeaders(sim)
      expect(yield* rejectedWith(sim.urls.kalshiWs, noSig)).toBe(401)
      expect(yield* rejectedWith(sim.urls.kalshiWs, {})).toBe(401)
      const ok = new WireClient(sim.urls.kalshiWs, kalshiHeaders(sim))
      yield* wait(() => ok.opened)
      expect(ok.ws.readyState).toBe(ok.ws.OPEN)
      ok.close()
    }))

  it.scopedLive("subscribe -> subscribed (no seq) + snapshots; ok/unsubscribed consume seq; deltas keep +1 per sid", () =>
    Effect.gen(function* () {
      const sim = yield* startSimulator(opts)
      const tickers = sim.truth.liveMarkets("kalshi").slice(0, 30).map((m) => m.market_id)
      const c = new WireClient(sim.urls.kalshiWs, kalshiHeaders(sim))
      yield* wait(() => c.opened)
      c.send({ id: 1, cmd: "subscribe", params: { channels: ["orderbook_delta", "trade"], market_tickers: tickers.slice(0, 20) } })
      yield* wait(() => waitFor(() => c.frames.length >= 22, "subscribed + snapshots"))
      const first = c.json() as Array<Record<string, unknown>>
      expect(first[0]).toEqual({ id: 1, type: "subscribed", msg: { channel: "orderbook_delta", sid: 1 } })
      expect(first[0]).not.toHaveProperty("seq")
      const snaps = first.filter((f) => f.type === "orderbook_snapshot")
      expect(snaps.map((s) => s.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
      sim.step(200)
      c.send({ id: 2, cmd: "update_subscription", params: { sids: [1], market_tickers: tickers.slice(20), action: "add_markets" } })
      yield* wait(() => waitFor(() => c.frames.some((f) => f.includes('"type":"ok"')), "ok"))
      sim.step(200)
      c.send({ id: 3, cmd: "update_subscription", params: { sids: [1], market_tickers: tickers.slice(0, 5), action: "delete_markets" } })
      c.send({ id: 4, cmd: "subscribe", params: { channels: ["orderbook_delta"], market_tickers: [tickers[10]] } })
      c.send({ id: 5, cmd: "subscribe", params: { channels: ["fills_and_stuff"], market_tickers: [tickers[10]] } })
      c.send({ id: 6, cmd: "unsubscribe", params: { sids: [2] } })
      yield* wait(() => waitFor(() => c.frames.some((f) => f.includes('"unsubscribed"')), "unsubscribed"))
      sim.step(100)
      yield* wait(() => drained(sim, c, "kalshi"))
      const frames = c.json() as Array<{ id?: number; type: string; sid?: number; seq?: number; msg?: Record<string, unknown> }>
      const ok = frames.find((f) => f.type === "ok" && f.id === 2)!
      expect(typeof ok.seq).toBe("number")
      expect((ok.msg!.market_tickers as string[]).length).toBe(30)
      expect(frames.find((f) => f.id === 4)).toEqual({ id: 4, type: "error", msg: { code: 6, msg: "Already subscribed" } })
      expect(frames.find((f) => f.id === 5)).toEqual({ id: 5, type: "error", msg: { code: 8, msg: "Unknown channel name" } })
      const unsub = frames.find((f) => f.type === "unsubscribed")!
      expect(unsub).toMatchObject({ id: 6, sid: 2 })
      // seq on each sid is +1 per message, counting ok/unsubscribed replies
      const books = new NaiveKalshiBooks()
      for (const f of frames) books.apply(f)
      expect(books.gaps).toBe(0)
      expect(frames.filter((f) => f.type === "orderbook_delta").length).toBeGreaterThan(10)
      expect(frames.filter((f) => f.type === "trade").length).toBeGreaterThan(0)
      // deleted markets stop; the replica of every remaining market equals the simulator's book
      const deleteOk = frames.findIndex((f) => f.id === 3)
      expect(frames[deleteOk]).toMatchObject({ type: "ok", sid: 1 })
      for (const f of frames.slice(deleteOk)) if (f.type === "orderbook_delta") expect(tickers.slice(0, 5)).not.toContain(f.msg!.market_ticker)
      for (const t of tickers.slice(5)) {
        expect(roundBook(books.yesView(t)!)).toEqual(roundBook(sim.truth.book("kalshi", t, "yes")!))
      }
      c.close()
    }))

  it.scopedLive("snapshot omits an empty side's key; delta carries price_dollars, signed delta_fp, side, ts and ts_ms", () =>
    Effect.gen(function* () {
      const sim = yield* startSimulator(opts)
      const c = new WireClient(sim.urls.kalshiWs, kalshiHeaders(sim))
      yield* wait(() => c.opened)
      // a closed market has no book: its snapshot carries neither side
      const res = yield* Effect.promise(() => fetch(`${sim.urls.kalshiRest}/markets?status=closed&limit=1`).then((r) => r.json() as Promise<{ markets: Array<{ ticker: string }> }>))
      const closedTicker = res.markets[0]!.ticker
      const liveTicker = sim.truth.liveMarkets("kalshi")[0]!.market_id
      c.send({ id: 1, cmd: "subscribe", params: { channels: ["orderbook_delta"], market_tickers: [closedTicker, liveTicker] } })
      yield* wait(() => waitFor(() => c.frames.length >= 3, "snapshots"))
      const snapClosed = JSON.parse(c.frames[1]!) as { msg: Record<string, unknown> }
      expect(Object.keys(snapClosed.msg).sort()).toEqual(["market_id", "market_ticker"])
      const snapLive = JSON.parse(c.frames[2]!) as { msg: Record<string, unknown> }
      expect(snapLive.msg).toHaveProperty("yes_dollars_fp")
      sim.step(400)
      yield* wait(() => drained(sim, c, "kalshi"))
      const delta = c.json().find((f) => (f as { type: string }).type === "orderbook_delta") as { msg: Record<string, unknown> }
      expect(Object.keys(delta.msg).sort()).toEqual(["delta_fp", "market_id", "market_ticker", "price_dollars", "side", "ts", "ts_ms"])
      expect(delta.msg.price_dollars).toMatch(/^0\.\d{4}$/)
      expect(delta.msg.delta_fp).toMatch(/^-?\d+\.\d{2}$/)
      expect(typeof delta.msg.ts_ms).toBe("number")
      c.close()
    }))

  it.scopedLive("same seed and same command script give the same Kalshi message sequence", () =>
    Effect.gen(function* () {
      const run = Effect.gen(function* () {
        const sim = yield* startSimulator(opts)
        const tickers = sim.truth.liveMarkets("kalshi").slice(0, 25).map((m) => m.market_id)
        const c = new WireClient(sim.urls.kalshiWs, kalshiHeaders(sim))
        yield* wait(() => c.opened)
        c.send({ id: 1, cmd: "subscribe", params: { channels: ["orderbook_delta", "trade", "ticker"], market_tickers: tickers.slice(0, 20) } })
        yield* wait(() => waitFor(() => c.frames.length >= 23, "snapshots"))
        sim.step(150)
        c.send({ id: 2, cmd: "update_subscription", params: { sids: [1], market_tickers: tickers.slice(20), action: "add_markets" } })
        yield* wait(() => waitFor(() => c.frames.some((f) => f.includes('"type":"ok"')), "ok"))
        sim.step(150)
        yield* wait(() => drained(sim, c, "kalshi"))
        c.close()
        return c.frames.slice()
      }).pipe(Effect.scoped)
      const a = yield* run
      const b = yield* run
      expect(a.length).toBeGreaterThan(50)
      expect(b).toEqual(a)
    }))

  it.scopedLive("sends WebSocket ping control frames on the configured period", () =>
    Effect.gen(function* () {
      const sim = yield* startSimulator({ ...opts, kalshiPingMs: 100 })
      const c = new WireClient(sim.urls.kalshiWs, kalshiHeaders(sim))
      yield* wait(() => c.opened)
      yield* wait(() => waitFor(() => c.pings >= 2, "two pings"))
      c.close()
    }))
})
