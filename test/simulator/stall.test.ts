import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { type SimulatorHandle, startSimulator } from "../../src/simulator/Simulator.js"
import { drained, kalshiHeaders, TEST_KALSHI_KEY, waitFor, WireClient } from "./support.js"

/**
 * The silent stall (faults.ts `stall`, `stallAboveAssets`): the socket stays open and answers
 * PING, but sends no data again, as Polymarket sockets above ~200-250 tokens have been seen to.
 */

const wait = (f: () => Promise<void>) => Effect.promise(f)
const base = { seed: 8, polymarketMarkets: 100, kalshiMarkets: 100, tickMs: 0, kalshiKey: TEST_KALSHI_KEY } as const
const dataFrames = (c: WireClient) => c.frames.filter((f) => f !== "PONG").length
/** every frame the simulator sent on connection `id` has arrived at `c` */
const drainedConn = (sim: SimulatorHandle, c: WireClient, id: string) =>
  wait(() => waitFor(() => c.frames.length >= (sim.connections().find((x) => x.id === id)?.framesSent ?? 0), `frames of ${id}`))

describe("simulator: silent stall", () => {
  it.scopedLive("Polymarket: a socket past stallAboveAssets stalls at that subscribe (no books, PONG only); others flow", () =>
    Effect.gen(function* () {
      const sim = yield* startSimulator({ ...base, faults: { polymarket: { stallAboveAssets: 20 } } })
      const tokens = sim.truth.liveMarkets("polymarket").flatMap((m) => m.token_ids)
      const small = new WireClient(sim.urls.polymarketWs)
      const big = new WireClient(sim.urls.polymarketWs)
      yield* wait(() => Promise.all([small.opened, big.opened]).then(() => {}))
      small.send({ type: "market", assets_ids: tokens.slice(0, 10) })
      yield* wait(() => waitFor(() => small.frames.length >= 1, "small socket's books"))
      big.send({ type: "market", assets_ids: tokens.slice(10, 40) })
      yield* wait(() => waitFor(() => sim.connections().some((c) => c.stalled), "the big socket to stall"))
      big.send("PING")
      yield* wait(() => waitFor(() => big.frames.includes("PONG"), "PONG from the stalled socket"))
      sim.step(500)
      yield* drainedConn(sim, small, "pm-1")
      expect(dataFrames(big)).toBe(0)
      expect(big.ws.readyState).toBe(big.ws.OPEN)
      expect(dataFrames(small)).toBeGreaterThan(3)
      expect(sim.connections().map((c) => c.stalled)).toEqual([false, true])
      // the small socket crosses the threshold later: its new books never come, nor updates
      small.send({ operation: "subscribe", assets_ids: tokens.slice(40, 52) })
      yield* wait(() => waitFor(() => sim.connections()[0]!.stalled, "the small socket to stall"))
      const before = dataFrames(small)
      sim.step(500)
      yield* drainedConn(sim, small, "pm-1")
      expect(dataFrames(small)).toBe(before)
      small.close()
      big.close()
    }))

  it.scopedLive("the stall control action names a connection; a new socket (the heal) flows again", () =>
    Effect.gen(function* () {
      const sim = yield* startSimulator(base)
      const tokens = sim.truth.liveMarkets("polymarket").slice(0, 30).flatMap((m) => m.token_ids)
      const c = new WireClient(sim.urls.polymarketWs)
      yield* wait(() => c.opened)
      c.send({ type: "market", assets_ids: tokens })
      yield* wait(() => waitFor(() => c.frames.length >= 1, "books"))
      const id = sim.connections()[0]!.id
      const res = yield* Effect.promise(() =>
        fetch(`${sim.urls.control}/faults`, { method: "POST", body: JSON.stringify({ action: "stall", connId: id }) }).then((r) => r.json())
      )
      expect(res).toEqual({ ok: true, affected: 1 })
      const listed = yield* Effect.promise(() => fetch(`${sim.urls.control}/connections`).then((r) => r.json() as Promise<Array<{ id: string; stalled: boolean }>>))
      expect(listed).toMatchObject([{ id, stalled: true }])
      const before = dataFrames(c)
      sim.step(500)
      c.send("PING")
      yield* wait(() => waitFor(() => c.frames.includes("PONG"), "PONG"))
      expect(dataFrames(c)).toBe(before)
      // clear() lifts knobs, not a stall: only a new socket heals
      sim.faults.clear()
      sim.step(200)
      expect(dataFrames(c)).toBe(before)
      const fresh = new WireClient(sim.urls.polymarketWs)
      yield* wait(() => fresh.opened)
      fresh.send({ type: "market", assets_ids: tokens })
      yield* wait(() => waitFor(() => fresh.frames.length >= 1, "books on the new socket"))
      sim.step(500)
      yield* drainedConn(sim, fresh, "pm-2")
      expect(dataFrames(fresh)).toBeGreaterThan(3)
      c.close()
      fresh.close()
    }))

  it.scopedLive("Kalshi: a stalled socket keeps its pings and command replies, sends no data", () =>
    Effect.gen(function* () {
      const sim = yield* startSimulator({ ...base, kalshiPingMs: 50, faults: { kalshi: { stallAboveAssets: 10 } } })
      const tickers = sim.truth.liveMarkets("kalshi").slice(0, 20).map((m) => m.market_id)
      const c = new WireClient(sim.urls.kalshiWs, kalshiHeaders(sim))
      yield* wait(() => c.opened)
      c.send({ id: 1, cmd: "subscribe", params: { channels: ["orderbook_delta"], market_tickers: tickers.slice(0, 5) } })
      yield* wait(() => waitFor(() => c.frames.length >= 6, "subscribed + 5 snapshots"))
      c.send({ id: 2, cmd: "update_subscription", params: { sids: [1], market_tickers: tickers.slice(5, 20), action: "add_markets" } })
      yield* wait(() => waitFor(() => c.frames.some((f) => f.includes('"id":2')), "ok"))
      expect(sim.connections()[0]!.stalled).toBe(true)
      const before = c.frames.length
      const pings = c.pings
      sim.step(500)
      yield* wait(() => waitFor(() => c.pings > pings + 1, "pings go on"))
      c.send({ id: 3, cmd: "subscribe", params: { channels: ["trade"] } })
      yield* wait(() => waitFor(() => c.frames.some((f) => f.includes('"id":3')), "subscribed"))
      sim.step(500)
      yield* wait(() => drained(sim, c, "kalshi"))
      // after the ok: only the reply to id 3, no snapshot, delta or trade
      expect(c.frames.slice(before).map((f) => (JSON.parse(f) as { type: string }).type)).toEqual(["subscribed"])
      c.close()
    }))
})
