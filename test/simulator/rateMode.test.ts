import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { VenuePlan } from "../../src/simulator/activity.js"
import { startSimulator } from "../../src/simulator/Simulator.js"
import { drained, kalshiHeaders, TEST_KALSHI_KEY, waitFor, WireClient } from "./support.js"

const wait = (f: () => Promise<void>) => Effect.promise(f)
type Frame = { type?: string; event_type?: string; market?: string; msg?: { market_ticker?: string } }

describe("simulator: rate mode (venue-scale activity)", () => {
  it("Zipf plan: rank 1 takes the most, shares fall as 1/r^s, picks follow the weights", () => {
    const keys = Array.from({ length: 1000 }, (_, i) => `k${i}`)
    const plan = new VenuePlan(keys, 1)
    expect(plan.share(0) / plan.share(9)).toBeCloseTo(10, 6)
    let top = 0
    for (let i = 0; i < 10_000; i++) if (plan.pick(i / 10_000) < 10) top++
    // H(10) / H(1000) = 2.93 / 7.49
    expect(top / 10_000).toBeCloseTo(2.929 / 7.485, 2)
  })

  it.scopedLive("the aggregate rate is drawn over the universe, skewed; only watched books are built", () =>
    Effect.gen(function* () {
      const sim = yield* startSimulator({
        seed: 4, polymarketMarkets: 300, kalshiMarkets: 400, tickMs: 0, virtualStepMs: 100, rate: 2000,
        polymarketMaxAssets: 10_000, kalshiKey: TEST_KALSHI_KEY
      })
      // nobody subscribed: 10 virtual seconds of updates build no book
      sim.step(100)
      expect(sim.truth.updatesDrawn()).toBeGreaterThan(19_000)
      expect(sim.truth.booksInMemory()).toBe(0)
      const pmLive = sim.truth.liveMarkets("polymarket")
      const kLive = sim.truth.liveMarkets("kalshi")
      const pm = new WireClient(sim.urls.polymarketWs)
      const k = new WireClient(sim.urls.kalshiWs, kalshiHeaders(sim))
      yield* wait(() => Promise.all([pm.opened, k.opened]).then(() => {}))
      pm.send({ type: "market", assets_ids: pmLive.flatMap((m) => m.token_ids) })
      k.send({ id: 1, cmd: "subscribe", params: { channels: ["orderbook_delta"], market_tickers: kLive.map((m) => m.market_id) } })
      yield* wait(() => waitFor(() => pm.frames.length >= 1 && k.frames.length >= kLive.length + 1, "first books"))
      const pm0 = pm.frames.length, k0 = k.frames.length
      const drawn0 = sim.truth.updatesDrawn()
      sim.step(50) // 5 virtual seconds at 2,000/s
      yield* wait(() => drained(sim, pm, "polymarket"))
      yield* wait(() => drained(sim, k, "kalshi"))
      const drawn = sim.truth.updatesDrawn() - drawn0
      expect(drawn).toBe(10_000)
      const perBook = new Map<string, number>()
      const pmFrames = pm.frames.slice(pm0).flatMap((f) => JSON.parse(f) as Frame | Frame[])
      const kFrames = (k.frames.slice(k0).map((f) => JSON.parse(f)) as Frame[])
      for (const f of pmFrames) perBook.set(`pm:${f.market}`, (perBook.get(`pm:${f.market}`) ?? 0) + 1)
      for (const f of kFrames) perBook.set(`k:${f.msg?.market_ticker}`, (perBook.get(`k:${f.msg?.market_ticker}`) ?? 0) + 1)
      const frames = pmFrames.length + kFrames.length
      // every update is at least one frame (a trade a few more)
      expect(frames).toBeGreaterThanOrEqual(drawn)
      expect(frames).toBeLessThan(drawn * 3)
      // skew: the busiest 1 % of books carry over a fifth of the frames; half the books see
      // a small fraction of the busiest one
      const counts = [...pmLive.map((m) => perBook.get(`pm:${m.market_id}`) ?? 0), ...kLive.map((m) => perBook.get(`k:${m.market_id}`) ?? 0)].sort((a, b) => b - a)
      const top = counts.slice(0, Math.ceil(counts.length / 100)).reduce((a, b) => a + b, 0)
      expect(top / frames).toBeGreaterThan(0.2)
      expect(counts[Math.floor(counts.length / 2)]!).toBeLessThan(counts[0]! / 20)
      pm.close()
      k.close()
    }))

  it.scopedLive("rate mode feeds the Kalshi firehose from every market", () =>
    Effect.gen(function* () {
      const sim = yield* startSimulator({ seed: 4, polymarketMarkets: 10, kalshiMarkets: 400, tickMs: 0, virtualStepMs: 100, rate: 2000, kalshiKey: TEST_KALSHI_KEY })
      const k = new WireClient(sim.urls.kalshiWs, kalshiHeaders(sim))
      yield* wait(() => k.opened)
      k.send({ id: 1, cmd: "subscribe", params: { channels: ["trade"] } })
      yield* wait(() => waitFor(() => k.frames.length >= 1, "subscribed"))
      sim.step(50)
      yield* wait(() => drained(sim, k, "kalshi"))
      const trades = (k.json() as Frame[]).filter((f) => f.type === "trade")
      // ~12 % of updates are trades: hundreds, over many markets
      expect(trades.length).toBeGreaterThan(500)
      expect(new Set(trades.map((f) => f.msg!.market_ticker)).size).toBeGreaterThan(50)
      k.close()
    }))
})
