import { describe, expect, it } from "@effect/vitest"
import { ASK, BID, BinaryBook, type BookActivity, emptyActivity } from "../../src/simulator/book.js"
import { MarketEngine } from "../../src/simulator/engine.js"
import { generateUniverse } from "../../src/simulator/universe.js"

const ANCHOR = 1_780_000_000_000
const HOUR = 3_600_000

describe("simulator market model", () => {
  it("the same seed gives the same universe; another seed a different one", () => {
    const a = generateUniverse(9, 500, 300, ANCHOR)
    const b = generateUniverse(9, 500, 300, ANCHOR)
    const c = generateUniverse(10, 500, 300, ANCHOR)
    expect(JSON.stringify(b.pmEvents)).toBe(JSON.stringify(a.pmEvents))
    expect(JSON.stringify(b.kEvents)).toBe(JSON.stringify(a.kEvents))
    expect(c.pmMarkets[0]!.conditionId).not.toBe(a.pmMarkets[0]!.conditionId)
  })

  it("20,000 Polymarket + 5,000 Kalshi markets: unique ids, realistic close-time mix, generated in a few seconds at most", () => {
    const t0 = performance.now()
    const u = generateUniverse(42, 20_000, 5_000, ANCHOR)
    const ms = performance.now() - t0
    expect(ms).toBeLessThan(5000) // ~0.5-1 s measured; generous for a loaded 2-core machine
    expect(u.pmMarkets.length).toBe(20_000)
    expect(u.kMarkets.length).toBe(5_000)
    expect(u.pmByToken.size).toBeGreaterThan(39_000) // ~2% have no order book
    expect(new Set(u.pmMarkets.map((m) => m.conditionId)).size).toBe(20_000)
    expect(u.kByTicker.size).toBe(5_000)
    const frac = (xs: ReadonlyArray<{ endMs?: number; closeMs?: number }>, f: (end: number) => boolean) =>
      xs.filter((x) => f(x.endMs ?? x.closeMs!)).length / xs.length
    for (const list of [u.pmMarkets, u.kMarkets]) {
      expect(frac(list, (e) => e < ANCHOR)).toBeGreaterThan(0.03)
      expect(frac(list, (e) => e >= ANCHOR && e < ANCHOR + 24 * HOUR)).toBeGreaterThan(0.03)
      expect(frac(list, (e) => e > ANCHOR + 30 * 24 * HOUR)).toBeGreaterThan(0.5)
    }
    expect(u.pmMarkets.filter((m) => m.closed).length).toBeGreaterThan(500)
    expect(u.pmMarkets.some((m) => !m.closed && m.endMs < ANCHOR)).toBe(true) // past end, still open
    expect(new Set(u.pmMarkets.map((m) => m.tick))).toEqual(new Set([1, 10]))
    expect(u.pmEvents.some((e) => e.markets.length > 3 && e.negRisk)).toBe(true)
    expect(u.kMarkets.every((m) => /^[A-Z0-9.-]+$/.test(m.ticker))).toBe(true)
  })

  it("books stay uncrossed, on the tick grid, 1-30 levels a side, over thousands of steps", () => {
    for (const [id, tick, fair] of [["a", 10, 500], ["b", 1, 30], ["c", 10, 980], ["d", 10, 20]] as const) {
      const book = new BinaryBook({ seed: 1, id, tick, fair, fineTickNearExtremes: true, depthScale: 1 })
      let trades = 0, changes = 0, quietSteps = 0
      const violations: string[] = []
      for (let s = 1; s <= 5000; s++) {
        const act: BookActivity = emptyActivity()
        book.advanceTo(s, act)
        trades += act.trades.length
        changes += act.changes.length
        if (act.changes.length === 0 && act.trades.length === 0) quietSteps++
        const bb = book.bestBid(), ba = book.bestAsk()
        const bad =
          book.bids.size < 1 || book.asks.size < 1 || book.bids.size > 30 || book.asks.size > 30 ||
          !(bb < ba) || bb <= 0 || ba >= 1000 ||
          act.changes.some((c) => c.price % book.tick !== 0 || c.size < 0)
        if (bad) violations.push(`${id} step ${s}: ${book.bids.size}/${book.asks.size} levels, ${bb}/${ba}`)
      }
      expect(violations).toEqual([])
      expect(trades).toBeGreaterThan(5)
      expect(changes).toBeGreaterThan(50)
      // long quiet stretches: most steps change nothing
      expect(quietSteps / 5000).toBeGreaterThan(0.6)
    }
  })

  it("activity comes in bursts: busy windows are far busier than the median window", () => {
    const book = new BinaryBook({ seed: 8, id: "bursty", tick: 10, fair: 400, fineTickNearExtremes: false, depthScale: 1 })
    const perWindow: number[] = []
    for (let w = 0; w < 400; w++) {
      const act = emptyActivity()
      book.advanceTo((w + 1) * 50, act)
      perWindow.push(act.changes.length + act.trades.length)
    }
    const sorted = [...perWindow].sort((a, b) => a - b)
    const median = sorted[200]!, p95 = sorted[380]!
    // a Poisson stream at one rate would have p95 close to the median; bursts make it many times larger
    expect(p95).toBeGreaterThan(4 * Math.max(1, median))
    expect(sorted[0]).toBe(0)
  })

  it("a trade consumes the touch it prints at", () => {
    const book = new BinaryBook({ seed: 3, id: "t", tick: 10, fair: 500, fineTickNearExtremes: false, depthScale: 1 })
    let checked = 0
    for (let s = 1; s <= 20_000 && checked < 20; s++) {
      const touchBid = book.bestBid(), touchAsk = book.bestAsk()
      const bidSize = book.bids.get(touchBid)!, askSize = book.asks.get(touchAsk)!
      const act = emptyActivity()
      book.advanceTo(s, act)
      if (act.trades.length !== 1 || act.changes.length === 0) continue
      const t = act.trades[0]!
      const first = act.changes[0]!
      expect(t.price).toBe(t.takerSide === "BUY" ? touchAsk : touchBid)
      expect(first.side).toBe(t.takerSide === "BUY" ? ASK : BID)
      expect(first.price).toBe(t.price)
      expect(first.size).toBe((t.takerSide === "BUY" ? askSize : bidSize) - t.size)
      checked++
    }
    expect(checked).toBe(20)
  })

  it("the engine advances only watched books, lazily, and unwatched books catch up on read", () => {
    const u = generateUniverse(4, 2000, 10, ANCHOR)
    const engine = new MarketEngine(4, u, 100)
    const live = u.pmMarkets.filter((m) => m.enableOrderBook && !m.closed && m.active)
    const seen: string[] = []
    const watcher = { onActivity: (key: string) => { seen.push(key) }, onTickEnd: () => {} }
    engine.pmBook(live[0]!)
    engine.watch(live[0]!.conditionId, watcher)
    for (let i = 0; i < 500; i++) engine.tick()
    expect(engine.watchedBooks()).toBe(1)
    expect(new Set(seen)).toEqual(new Set([live[0]!.conditionId]))
    const other = engine.pmBook(live[1]!)!
    expect(other.step).toBe(500)
    expect(engine.nowMs()).toBe(ANCHOR + 500 * 100)
    // 100k ticks with one watched book stay cheap: no O(universe) work per tick
    const t0 = performance.now()
    for (let i = 0; i < 100_000; i++) engine.tick()
    expect(performance.now() - t0).toBeLessThan(3000)
  })
})
