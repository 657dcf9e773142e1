import { describe, expect, it } from "@effect/vitest"
import { Chain, ClobClient } from "@polymarket/clob-client"
import { Effect } from "effect"
import { Configuration, MarketApi } from "kalshi-typescript"
import { startSimulator } from "../../src/simulator/Simulator.js"
import { TEST_KALSHI_KEY } from "./support.js"

/**
 * Evidence we did not write: the venues' official clients (devDependencies) pointed at the
 * simulator parse its answers and see the books the simulator holds.
 */

const opts = { seed: 3, polymarketMarkets: 1500, kalshiMarkets: 2500, tickMs: 0, kalshiKey: TEST_KALSHI_KEY } as const

const toPairs = (levels: ReadonlyArray<{ price: string; size: string }>) => levels.map((l) => [Number(l.price), Number(l.size)] as const)

describe("simulator against the official clients", () => {
  it.scopedLive("@polymarket/clob-client: getOrderBook / getOrderBooks / getMarkets parse and match the simulator's books", () =>
    Effect.gen(function* () {
      const sim = yield* startSimulator(opts)
      const client = new ClobClient(sim.urls.clob, Chain.POLYGON)
      const live = sim.truth.liveMarkets("polymarket").slice(0, 3)
      sim.step(50)
      for (const m of live) {
        for (const token of m.token_ids) {
          const book = yield* Effect.promise(() => client.getOrderBook(token))
          expect(book.asset_id).toBe(token)
          expect(book.market).toBe(m.market_id)
          const truth = sim.truth.book("polymarket", m.market_id, token)!
          // the CLOB lists worst first: bids ascending, asks descending
          expect(toPairs(book.bids)).toEqual([...truth.bids].reverse())
          expect(toPairs(book.asks)).toEqual([...truth.asks].reverse())
          expect(Number(book.tick_size)).toBe(truth.tickSize)
        }
      }
      const many = yield* Effect.promise(() => client.getOrderBooks(live.map((m) => ({ token_id: m.token_ids[0]! })) as never))
      expect(many.map((b) => b.asset_id)).toEqual(live.map((m) => m.token_ids[0]))
      const tick = yield* Effect.promise(() => client.getTickSize(live[0]!.token_ids[0]!))
      expect(Number(tick)).toBe(live[0]!.tick_size)
      // CLOB market pages: next_cursor until "LTE="
      let cursor: string | undefined = undefined
      let seen = 0
      for (let page = 0; page < 10; page++) {
        const res: { data: Array<{ condition_id: string; tokens: Array<{ token_id: string }> }>; next_cursor: string } =
          yield* Effect.promise(() => client.getMarkets(cursor))
        seen += res.data.length
        if (res.next_cursor === "LTE=") break
        cursor = res.next_cursor
      }
      expect(seen).toBe(1500)
    }))

  it.scopedLive("kalshi-typescript: getMarkets with cursor pagination and getMarketOrderbook match the simulator", () =>
    Effect.gen(function* () {
      const sim = yield* startSimulator(opts)
      const api = new MarketApi(new Configuration({ basePath: sim.urls.kalshiRest }))
      const tickers: string[] = []
      let cursor: string | undefined = undefined
      let pages = 0
      do {
        const res = yield* Effect.promise(() => api.getMarkets(1000, cursor, undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined, "open"))
        for (const m of res.data.markets) {
          expect(m.status).toBe("active")
          tickers.push(m.ticker)
        }
        cursor = res.data.cursor === "" ? undefined : res.data.cursor
        pages++
      } while (cursor !== undefined && pages < 20)
      const truthLive = sim.truth.liveMarkets("kalshi").map((m) => m.market_id)
      expect(pages).toBeGreaterThan(1)
      expect(tickers).toEqual(truthLive)
      sim.step(30)
      for (const t of tickers.slice(0, 5)) {
        const ob = yield* Effect.promise(() => api.getMarketOrderbook(t))
        const yes = ob.data.orderbook_fp.yes_dollars.map(([p, s]) => [Number(p), Number(s)] as const)
        const no = ob.data.orderbook_fp.no_dollars.map(([p, s]) => [Number(p), Number(s)] as const)
        const truth = sim.truth.book("kalshi", t, "yes")!
        expect(yes).toEqual([...truth.bids].reverse()) // ascending by price
        // no_dollars ascending by NO price = YES asks descending
        expect(no.map(([p, s]) => [Math.round((1 - p) * 1000) / 1000, s])).toEqual([...truth.asks].reverse())
        const one = yield* Effect.promise(() => api.getMarket(t))
        expect(one.data.market.ticker).toBe(t)
        if (truth.bids.length > 0) expect(Number(one.data.market.yes_bid_dollars)).toBe(truth.bids[0]![0])
      }
    }))
})
