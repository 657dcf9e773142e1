import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { startSimulator } from "../../src/simulator/Simulator.js"
import { kalshiHeaders, TEST_KALSHI_KEY, waitFor, WireClient } from "./support.js"

/**
 * Opt-in (SIM_SCALE=1 npx vitest run test/simulator/scale.test.ts, ~1 min): the simulator at
 * venue scale in rate mode. Every live book of 14,000 Polymarket + 20,000 Kalshi markets is
 * subscribed and has its first book within 60 s, and updates keep flowing at the set rate.
 * The suite's fast checks of the same code are in rateMode.test.ts; bench/sim-scale.ts measures
 * CPU and memory from outside.
 */
describe.skipIf(process.env.SIM_SCALE === undefined)("simulator at venue scale (opt-in)", () => {
  it.scopedLive("14,000 + 20,000 markets: every first book within 60 s, updates at the rate", () =>
    Effect.gen(function* () {
      const sim = yield* startSimulator({
        seed: 42, polymarketMarkets: 14_000, kalshiMarkets: 20_000, kalshiComboShare: 0.92, rate: 2000, allLive: true,
        polymarketIdleTimeoutMs: 0, kalshiKey: TEST_KALSHI_KEY
      })
      const tokens = sim.truth.liveMarkets("polymarket").flatMap((m) => m.token_ids)
      const tickers = sim.truth.liveMarkets("kalshi").map((m) => m.market_id)
      const t0 = Date.now()
      const pm: WireClient[] = []
      for (let i = 0; i * 400 < tokens.length; i++) {
        const c = new WireClient(sim.urls.polymarketWs)
        pm.push(c)
        void c.opened.then(() => c.send({ type: "market", assets_ids: tokens.slice(i * 400, (i + 1) * 400) }))
      }
      const k = new WireClient(sim.urls.kalshiWs, kalshiHeaders(sim))
      yield* Effect.promise(() => k.opened)
      for (let i = 0; i * 1000 < tickers.length; i++) {
        k.send({ id: i + 1, cmd: "subscribe", params: { channels: ["orderbook_delta"], market_tickers: tickers.slice(i * 1000, (i + 1) * 1000) } })
      }
      const books = new Set<string>()
      const countBooks = () => {
        for (const c of pm) for (const f of c.frames.splice(0)) for (const m of f.matchAll(/"event_type":"book","asset_id":"(\d+)"/g)) books.add(m[1]!)
        return books.size
      }
      const snapshots = () => k.frames.filter((f) => f.startsWith('{"type":"orderbook_snapshot"')).length
      yield* Effect.promise(() => waitFor(() => countBooks() >= tokens.length && snapshots() >= tickers.length, "every first book", 60_000))
      const firstBooksS = (Date.now() - t0) / 1000
      expect(firstBooksS).toBeLessThan(60)
      const drawn0 = sim.truth.updatesDrawn()
      yield* Effect.sleep("5 seconds")
      const perS = (sim.truth.updatesDrawn() - drawn0) / 5
      console.log(JSON.stringify({ tokens: tokens.length, kalshiMarkets: tickers.length, firstBooksS, updatesPerS: perS }))
      expect(perS).toBeGreaterThan(1500)
      for (const c of [...pm, k]) c.close()
    }), 120_000)
})
