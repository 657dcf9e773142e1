import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { startSimulator } from "../../src/simulator/Simulator.js"
import { drained, NaivePolymarketBooks, roundBook, TEST_KALSHI_KEY, waitFor, WireClient } from "./support.js"

const ANCHOR = 1_780_000_000_000
const opts = { seed: 7, polymarketMarkets: 300, kalshiMarkets: 50, tickMs: 0, anchorMs: ANCHOR, kalshiKey: TEST_KALSHI_KEY } as const
const wait = (f: () => Promise<void>) => Effect.promise(f)

describe("simulator: Polymarket market WebSocket", () => {
  it.scopedLive("answers the initial subscription with one array of book frames, worst-first levels", () =>
    Effect.gen(function* () {
      const sim = yield* startSimulator(opts)
      const live = sim.truth.liveMarkets("polymarket").slice(0, 3)
      const ids = live.flatMap((m) => m.token_ids)
      const c = new WireClient(sim.urls.polymarketWs)
      yield* wait(() => c.opened)
      c.send({ type: "market", assets_ids: ids, initial_dump: true })
      yield* wait(() => waitFor(() => c.frames.length >= 1, "initial books"))
      const first = JSON.parse(c.frames[0]!) as Array<Record<string, unknown>>
      expect(Array.isArray(first)).toBe(true)
      expect(first.map((b) => b.asset_id)).toEqual(ids)
      for (const b of first) {
        expect(b.event_type).toBe("book")
        expect(typeof b.timestamp).toBe("string")
        expect(b.timestamp).toBe(String(ANCHOR))
        const bids = (b.bids as Array<{ price: string }>).map((l) => Number(l.price))
        const asks = (b.asks as Array<{ price: string }>).map((l) => Number(l.price))
        expect(bids).toEqual([...bids].sort((x, y) => x - y)) // bids ascending (worst first)
        expect(asks).toEqual([...asks].sort((x, y) => y - x)) // asks descending (worst first)
        expect(bids.length).toBeGreaterThanOrEqual(1)
        expect(bids.length).toBeLessThanOrEqual(30)
        expect(Math.max(...bids)).toBeLessThan(Math.min(...asks))
      }
      // YES/NO mirror: NO best bid = 1 - YES best ask
      const yes = first[0]!, no = first[1]!
      const yesBestAsk = Math.min(...(yes.asks as Array<{ price: string }>).map((l) => Number(l.price)))
      const noBestBid = Math.max(...(no.bids as Array<{ price: string }>).map((l) => Number(l.price)))
      expect(noBestBid).toBeCloseTo(1 - yesBestAsk, 9)
      c.close()
    }))

  it.scopedLive("a client applying book + price_change frames holds exactly the simulator's books", () =>
    Effect.gen(function* () {
      const sim = yield* startSimulator(opts)
      const live = sim.truth.liveMarkets("polymarket").slice(0, 40)
      const c = new WireClient(sim.urls.polymarketWs)
      yield* wait(() => c.opened)
      c.send({ type: "market", assets_ids: live.flatMap((m) => m.token_ids) })
      yield* wait(() => waitFor(() => c.frames.length >= 1, "initial books"))
      const books = new NaivePolymarketBooks()
      const kinds = new Set<string>()
      for (let round = 0; round < 6; round++) {
        sim.step(50)
        yield* wait(() => drained(sim, c, "polymarket"))
      }
      for (const f of c.json()) {
        books.apply(f)
        for (const o of Array.isArray(f) ? f : [f]) kinds.add((o as { event_type: string }).event_type)
      }
      expect(kinds.has("price_change")).toBe(true)
      expect(kinds.has("last_trade_price")).toBe(true)
      for (const m of live) {
        for (const t of m.token_ids) {
          const truth = sim.truth.book("polymarket", m.market_id, t)!
          expect(roundBook(books.view(t)!)).toEqual(roundBook(truth))
        }
      }
      c.close()
    }))

  it.scopedLive("PING before subscribing is closed with 1008; after subscribing PING gets PONG", () =>
    Effect.gen(function* () {
      const sim = yield* startSimulator(opts)
      const early = new WireClient(sim.urls.polymarketWs)
      yield* wait(() => early.opened)
      early.send("PING")
      yield* wait(() => early.closed)
      expect(early.closeCode).toBe(1008)
      expect(early.closeReason).toBe("invalid subscription payload")
      const c = new WireClient(sim.urls.polymarketWs)
      yield* wait(() => c.opened)
      c.send({ type: "market", assets_ids: sim.truth.liveMarkets("polymarket")[0]!.token_ids })
      c.send("PING")
      yield* wait(() => waitFor(() => c.frames.includes("PONG"), "PONG"))
      c.close()
    }))

  it.scopedLive("closes a connection that never subscribes after the timeout", () =>
    Effect.gen(function* () {
      const sim = yield* startSimulator({ ...opts, polymarketSubscribeTimeoutMs: 300 })
      const c = new WireClient(sim.urls.polymarketWs)
      yield* wait(() => c.opened)
      yield* wait(() => c.closed)
      expect(c.closeCode).toBe(1008)
    }))

  it.scopedLive("operation subscribe/unsubscribe changes what flows; unknown asset ids are ignored", () =>
    Effect.gen(function* () {
      const sim = yield* startSimulator(opts)
      const [a, b] = sim.truth.liveMarkets("polymarket")
      const c = new WireClient(sim.urls.polymarketWs)
      yield* wait(() => c.opened)
      c.send({ type: "market", assets_ids: [a!.token_ids[0], "123"] })
      yield* wait(() => waitFor(() => c.frames.length >= 1, "books"))
      expect((JSON.parse(c.frames[0]!) as unknown[]).length).toBe(1)
      c.send({ operation: "subscribe", assets_ids: [b!.token_ids[0]] })
      yield* wait(() => waitFor(() => c.frames.length >= 2, "book for added asset"))
      expect((JSON.parse(c.frames[1]!) as Array<{ asset_id: string }>)[0]!.asset_id).toBe(b!.token_ids[0])
      c.send({ operation: "unsubscribe", assets_ids: [a!.token_ids[0], b!.token_ids[0], "123"] })
      yield* wait(() => waitFor(() => sim.connections()[0]?.subscriptions.length === 0, "unsubscribe"))
      const before = c.frames.length
      sim.step(300)
      yield* wait(() => new Promise((r) => setTimeout(r, 100)))
      expect(c.frames.length).toBe(before)
      expect(sim.truth.watchedBooks()).toBe(0)
      c.close()
    }))

  it.scopedLive("assets beyond the per-connection limit get their book but no updates", () =>
    Effect.gen(function* () {
      const sim = yield* startSimulator({ ...opts, polymarketMaxAssets: 4 })
      const ids = sim.truth.liveMarkets("polymarket").slice(0, 20).flatMap((m) => m.token_ids)
      const c = new WireClient(sim.urls.polymarketWs)
      yield* wait(() => c.opened)
      c.send({ type: "market", assets_ids: ids })
      yield* wait(() => waitFor(() => c.frames.length >= 1, "books"))
      expect((JSON.parse(c.frames[0]!) as unknown[]).length).toBe(ids.length)
      sim.step(400)
      yield* wait(() => drained(sim, c, "polymarket"))
      const updated = new Set<string>()
      for (const f of c.json().slice(1)) {
        for (const o of Array.isArray(f) ? f : [f]) {
          const e = o as { asset_id?: string; price_changes?: Array<{ asset_id: string }> }
          if (e.asset_id !== undefined) updated.add(e.asset_id)
          for (const pc of e.price_changes ?? []) updated.add(pc.asset_id)
        }
      }
      expect(updated.size).toBeGreaterThan(0)
      for (const id of updated) expect(ids.slice(0, 4)).toContain(id)
      c.close()
    }))

  it.scopedLive("same seed and same subscription script give the same message sequence", () =>
    Effect.gen(function* () {
      const run = Effect.gen(function* () {
        const sim = yield* startSimulator(opts)
        const ids = sim.truth.liveMarkets("polymarket").slice(5, 25).flatMap((m) => m.token_ids)
        const c = new WireClient(sim.urls.polymarketWs)
        yield* wait(() => c.opened)
        c.send({ type: "market", assets_ids: ids.slice(0, 20) })
        yield* wait(() => waitFor(() => c.frames.length >= 1, "books"))
        sim.step(100)
        c.send({ operation: "subscribe", assets_ids: ids.slice(20) })
        yield* wait(() => waitFor(() => sim.connections()[0]!.subscriptions.length === ids.length, "subscribe"))
        sim.step(100)
        yield* wait(() => drained(sim, c, "polymarket"))
        c.close()
        return c.frames.slice()
      }).pipe(Effect.scoped)
      const a = yield* run
      const b = yield* run
      expect(a.length).toBeGreaterThan(20)
      expect(b).toEqual(a)
    }))
})
