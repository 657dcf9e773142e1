import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { startSimulator } from "../../src/simulator/Simulator.js"
import { TEST_KALSHI_KEY } from "./support.js"

const opts = { seed: 17, polymarketMarkets: 1200, kalshiMarkets: 1200, tickMs: 0, anchorMs: 1_780_000_000_000, kalshiKey: TEST_KALSHI_KEY } as const
const getJson = (url: string) => Effect.promise(async () => {
  const r = await fetch(url)
  return { status: r.status, body: (await r.json()) as unknown }
})

type GammaMarket = { conditionId: string; question: string; clobTokenIds?: string; outcomes: string; active: boolean; closed: boolean; archived: boolean; enableOrderBook: boolean; endDate: string; volumeNum: number }

describe("simulator REST", () => {
  it.scopedLive("Gamma /markets: offset pages (bare arrays, limit capped at 500) yield exactly truth.liveMarkets after the scanner's rules", () =>
    Effect.gen(function* () {
      const sim = yield* startSimulator(opts)
      const all: GammaMarket[] = []
      let pages = 0
      for (let offset = 0; ; offset += 500) {
        const { status, body } = yield* getJson(`${sim.urls.gamma}/markets?closed=false&active=true&archived=false&limit=1000&offset=${offset}`)
        expect(status).toBe(200)
        const page = body as GammaMarket[]
        expect(page.length).toBeLessThanOrEqual(500)
        all.push(...page)
        pages++
        if (page.length < 500) break
      }
      expect(pages).toBeGreaterThan(1)
      expect(all.every((m) => m.active && !m.closed && !m.archived)).toBe(true)
      const kept = all.filter((m) => m.enableOrderBook && m.clobTokenIds !== undefined)
      expect(kept.length).toBeLessThan(all.length) // some have no order book
      const truth = sim.truth.liveMarkets("polymarket")
      expect(kept.map((m) => m.conditionId)).toEqual(truth.map((m) => m.market_id))
      const first = kept[0]!
      expect(JSON.parse(first.clobTokenIds!)).toEqual(truth[0]!.token_ids)
      expect(JSON.parse(first.outcomes)).toEqual(["Yes", "No"])
      expect(Date.parse(first.endDate)).toBe(truth[0]!.close_ts)
      expect(first.question).toBe(truth[0]!.title)
    }))

  it.scopedLive("Gamma /events: filters, order + ascending, nested markets with JSON-string token ids", () =>
    Effect.gen(function* () {
      const sim = yield* startSimulator(opts)
      const closed = (yield* getJson(`${sim.urls.gamma}/events?closed=true&limit=50`)).body as Array<{ closed: boolean; markets: GammaMarket[] }>
      expect(closed.length).toBeGreaterThan(0)
      expect(closed.every((e) => e.closed && e.markets.every((m) => m.closed))).toBe(true)
      const byVol = (yield* getJson(`${sim.urls.gamma}/markets?order=volumeNum&ascending=false&limit=20`)).body as GammaMarket[]
      const vols = byVol.map((m) => m.volumeNum)
      expect(vols).toEqual([...vols].sort((a, b) => b - a))
      const asc = (yield* getJson(`${sim.urls.gamma}/markets?order=volumeNum&ascending=true&limit=20`)).body as GammaMarket[]
      expect(asc[0]!.volumeNum).toBeLessThanOrEqual(asc[19]!.volumeNum)
      const soon = (yield* getJson(`${sim.urls.gamma}/markets?closed=false&end_date_max=${new Date(1_780_000_000_000 + 86_400_000).toISOString()}&limit=500`)).body as GammaMarket[]
      expect(soon.every((m) => Date.parse(m.endDate) <= 1_780_000_000_000 + 86_400_000)).toBe(true)
      expect((yield* getJson(`${sim.urls.gamma}/markets?limit=abc`)).status).toBe(422)
      expect((yield* getJson(`${sim.urls.gamma}/markets?order=bogus`)).status).toBe(422)
    }))

  it.scopedLive("Gamma keyset paging (/events/keyset, /markets/keyset) covers the same markets; gammaRefuseOffset -> 422 on deep offsets", () =>
    Effect.gen(function* () {
      const sim = yield* startSimulator(opts)
      sim.faults.gammaRefuseOffset(true)
      expect((yield* getJson(`${sim.urls.gamma}/events?closed=false&limit=500&offset=0`)).status).toBe(200)
      expect((yield* getJson(`${sim.urls.gamma}/events?closed=false&limit=500&offset=500`)).status).toBe(422)
      const conditionIds: string[] = []
      let cursor: string | undefined = undefined
      let pages = 0
      do {
        const { status, body } = yield* getJson(`${sim.urls.gamma}/events/keyset?closed=false&active=true&archived=false&limit=100${cursor === undefined ? "" : `&after_cursor=${cursor}`}`)
        expect(status).toBe(200)
        const page = body as { events: Array<{ markets: GammaMarket[] }>; next_cursor?: string }
        expect(page.events.length).toBeLessThanOrEqual(100)
        for (const e of page.events) for (const m of e.markets) if (m.active && !m.closed && !m.archived && m.enableOrderBook && m.clobTokenIds !== undefined) conditionIds.push(m.conditionId)
        cursor = page.next_cursor
        pages++
      } while (cursor !== undefined && pages < 50)
      expect(pages).toBeGreaterThan(1)
      expect(new Set(conditionIds)).toEqual(new Set(sim.truth.liveMarkets("polymarket").map((m) => m.market_id)))
      const mk = (yield* getJson(`${sim.urls.gamma}/markets/keyset?closed=false&limit=500`)).body as { markets: unknown[]; next_cursor: string }
      expect(mk.markets.length).toBe(100)
      expect(typeof mk.next_cursor).toBe("string")
    }))

  it.scopedLive("CLOB: unknown or closed token -> 404 with the venue's error text; POST /books skips unknown ids", () =>
    Effect.gen(function* () {
      const sim = yield* startSimulator(opts)
      const r = yield* getJson(`${sim.urls.clob}/book?token_id=999`)
      expect(r).toEqual({ status: 404, body: { error: "No orderbook exists for the requested token id" } })
      const ids = sim.truth.liveMarkets("polymarket").slice(0, 2).map((m) => m.token_ids[1]!)
      const books = yield* Effect.promise(() => fetch(`${sim.urls.clob}/books`, { method: "POST", body: JSON.stringify([...ids.map((token_id) => ({ token_id })), { token_id: "999" }]) }).then((x) => x.json()))
      expect((books as Array<{ asset_id: string }>).map((b) => b.asset_id)).toEqual(ids)
    }))

  it.scopedLive("Kalshi /markets: status filter, limit <= 1000 with cursor until empty; /events and 404s", () =>
    Effect.gen(function* () {
      const sim = yield* startSimulator(opts)
      const seen: string[] = []
      let cursor = ""
      let pages = 0
      do {
        const { body } = yield* getJson(`${sim.urls.kalshiRest}/markets?status=open&limit=300${cursor === "" ? "" : `&cursor=${cursor}`}`)
        const page = body as { markets: Array<{ ticker: string; status: string }>; cursor: string }
        expect(page.markets.every((m) => m.status === "active")).toBe(true)
        seen.push(...page.markets.map((m) => m.ticker))
        cursor = page.cursor
        pages++
      } while (cursor !== "" && pages < 50)
      expect(pages).toBeGreaterThan(2)
      expect(seen).toEqual(sim.truth.liveMarkets("kalshi").map((m) => m.market_id))
      const closed = (yield* getJson(`${sim.urls.kalshiRest}/markets?status=closed&limit=1000`)).body as { markets: Array<{ status: string }> }
      expect(closed.markets.length).toBeGreaterThan(0)
      expect(closed.markets.every((m) => m.status === "closed")).toBe(true)
      expect((yield* getJson(`${sim.urls.kalshiRest}/markets?status=bogus`)).status).toBe(400)
      const capped = (yield* getJson(`${sim.urls.kalshiRest}/markets?limit=5000`)).body as { markets: unknown[] }
      expect(capped.markets.length).toBe(1000)
      const ev = (yield* getJson(`${sim.urls.kalshiRest}/events?limit=3&with_nested_markets=true`)).body as { events: Array<{ event_ticker: string; markets: unknown[] }>; cursor: string }
      expect(ev.events.length).toBe(3)
      expect(ev.events[0]!.markets.length).toBeGreaterThan(0)
      expect(ev.cursor).not.toBe("")
      expect((yield* getJson(`${sim.urls.kalshiRest}/markets/NOPE-1`)).status).toBe(404)
      expect((yield* getJson(`${sim.urls.kalshiRest}/markets/NOPE-1/orderbook`)).status).toBe(404)
    }))
})
