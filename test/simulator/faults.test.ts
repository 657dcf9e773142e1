import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { startSimulator, type SimulatorHandle, type SimulatorOptions } from "../../src/simulator/Simulator.js"
import { drained, kalshiHeaders, TEST_KALSHI_KEY, waitFor, WireClient } from "./support.js"

/** One test per fault knob, each observed on the wire with a real `ws` client or fetch. */

const base: SimulatorOptions = { seed: 21, polymarketMarkets: 200, kalshiMarkets: 200, tickMs: 0, anchorMs: 1_780_000_000_000, kalshiKey: TEST_KALSHI_KEY }
const wait = (f: () => Promise<void>) => Effect.promise(f)
const sleep = (ms: number) => Effect.promise(() => new Promise<void>((r) => setTimeout(r, ms)))

const pmClient = (sim: SimulatorHandle, markets = 20, extra: Record<string, unknown> = {}) =>
  Effect.promise(async () => {
    const c = new WireClient(sim.urls.polymarketWs)
    await c.opened
    c.send({ type: "market", assets_ids: sim.truth.liveMarkets("polymarket").slice(0, markets).flatMap((m) => m.token_ids), ...extra })
    await waitFor(() => c.frames.length >= 1, "initial books")
    return c
  })

const kClient = (sim: SimulatorHandle, markets = 20, channels = ["orderbook_delta", "trade"]) =>
  Effect.promise(async () => {
    const c = new WireClient(sim.urls.kalshiWs, kalshiHeaders(sim))
    await c.opened
    c.send({ id: 1, cmd: "subscribe", params: { channels, market_tickers: sim.truth.liveMarkets("kalshi").slice(0, markets).map((m) => m.market_id) } })
    await waitFor(() => c.frames.length >= markets + channels.length, "snapshots")
    return c
  })

const stepAndDrain = (sim: SimulatorHandle, c: WireClient, venue: "polymarket" | "kalshi", n = 200) =>
  Effect.gen(function* () {
    sim.step(n)
    yield* wait(() => drained(sim, c, venue))
  })

const seqGaps = (frames: unknown[]): number => {
  const last = new Map<number, number>()
  let gaps = 0
  for (const f of frames as Array<{ sid?: number; seq?: number }>) {
    if (f.sid === undefined || f.seq === undefined) continue
    const p = last.get(f.sid)
    if (p !== undefined && f.seq !== p + 1) gaps++
    last.set(f.sid, f.seq)
  }
  return gaps
}

describe("simulator fault knobs on the wire", () => {
  it.scopedLive("drop close: a clean close frame with the given code", () =>
    Effect.gen(function* () {
      const sim = yield* startSimulator(base)
      const c = yield* pmClient(sim)
      expect(sim.faults.drop({ venue: "polymarket", mode: "close", code: 4001, reason: "bye" })).toBe(1)
      yield* wait(() => c.closed)
      expect(c.closeCode).toBe(4001)
      expect(c.closeReason).toBe("bye")
    }))

  it.scopedLive("drop terminate: the TCP connection is cut without a close frame (1006)", () =>
    Effect.gen(function* () {
      const sim = yield* startSimulator(base)
      const c = yield* kClient(sim)
      expect(sim.faults.drop({ venue: "kalshi", mode: "terminate" })).toBe(1)
      yield* wait(() => c.closed)
      expect(c.closeCode).toBe(1006)
    }))

  it.scopedLive("silent: no data frames, while PING still gets PONG", () =>
    Effect.gen(function* () {
      const sim = yield* startSimulator(base)
      const c = yield* pmClient(sim)
      sim.faults.setStream({ silent: true }, { venue: "polymarket" })
      const before = c.frames.length
      sim.step(300)
      c.send("PING")
      yield* wait(() => waitFor(() => c.frames.includes("PONG"), "PONG"))
      yield* sleep(50)
      expect(c.frames.slice(before)).toEqual(["PONG"])
      sim.faults.setStream({ silent: false }, { venue: "polymarket" })
      yield* stepAndDrain(sim, c, "polymarket")
      expect(c.frames.length).toBeGreaterThan(before + 1)
    }))

  it.scopedLive("silent on Kalshi: no data frames, ping control frames continue, no seq gap afterwards", () =>
    Effect.gen(function* () {
      const sim = yield* startSimulator({ ...base, kalshiPingMs: 50 })
      const c = yield* kClient(sim)
      sim.faults.setStream({ silent: true }, { venue: "kalshi" })
      const before = c.frames.length
      const pings = c.pings
      sim.step(300)
      yield* wait(() => waitFor(() => c.pings >= pings + 2, "pings while silent"))
      expect(c.frames.length).toBe(before)
      sim.faults.setStream({ silent: false }, { venue: "kalshi" })
      yield* stepAndDrain(sim, c, "kalshi")
      expect(c.frames.length).toBeGreaterThan(before)
      expect(seqGaps(c.json())).toBe(0)
    }))

  it.scopedLive("silentAssets: one asset goes quiet while the others on the socket flow", () =>
    Effect.gen(function* () {
      const sim = yield* startSimulator(base)
      const c = yield* pmClient(sim, 30)
      const quiet = sim.truth.liveMarkets("polymarket").slice(0, 30).flatMap((m) => m.token_ids)
      const mutedMarket = sim.truth.liveMarkets("polymarket")[0]!
      sim.faults.setStream({ silentAssets: [...mutedMarket.token_ids] })
      const before = c.frames.length
      yield* stepAndDrain(sim, c, "polymarket", 400)
      const seen = new Set<string>()
      for (const f of c.json().slice(before)) {
        for (const o of Array.isArray(f) ? f : [f]) {
          const e = o as { asset_id?: string; price_changes?: Array<{ asset_id: string }> }
          if (e.asset_id !== undefined) seen.add(e.asset_id)
          for (const pc of e.price_changes ?? []) seen.add(pc.asset_id)
        }
      }
      expect(seen.size).toBeGreaterThan(5)
      for (const id of mutedMarket.token_ids) expect(seen.has(id)).toBe(false)
      expect(quiet.length).toBe(60)
    }))

  it.scopedLive("malformed: one frame that is not JSON", () =>
    Effect.gen(function* () {
      const sim = yield* startSimulator(base)
      const c = yield* pmClient(sim)
      expect(sim.faults.malformed()).toBe(1)
      yield* wait(() => waitFor(() => c.frames.length >= 2, "malformed frame"))
      expect(() => JSON.parse(c.frames[1]!)).toThrow()
    }))

  it.scopedLive("skipSeq: the next Kalshi data frame on each sid jumps the seq", () =>
    Effect.gen(function* () {
      const sim = yield* startSimulator(base)
      const c = yield* kClient(sim, 40)
      expect(seqGaps(c.json())).toBe(0)
      expect(sim.faults.skipSeq({ venue: "kalshi", by: 3 })).toBe(1)
      yield* stepAndDrain(sim, c, "kalshi", 300)
      const frames = c.json() as Array<{ sid?: number; seq?: number }>
      expect(seqGaps(frames)).toBeGreaterThanOrEqual(1)
      const sid1 = frames.filter((f) => f.sid === 1 && f.seq !== undefined).map((f) => f.seq!)
      expect(sid1.some((s, i) => i > 0 && s === sid1[i - 1]! + 4)).toBe(true)
    }))

  it.scopedLive("crossedBook (Polymarket): a book frame with best bid >= best ask, healed by a true book next tick", () =>
    Effect.gen(function* () {
      const sim = yield* startSimulator(base)
      const c = yield* pmClient(sim, 5)
      const asset = sim.truth.liveMarkets("polymarket")[0]!.token_ids[0]!
      expect(sim.faults.crossedBook({ asset })).toBe(1)
      yield* wait(() => waitFor(() => c.frames.length >= 2, "crossed book"))
      const crossed = JSON.parse(c.frames[1]!) as { asset_id: string; bids: Array<{ price: string }>; asks: Array<{ price: string }> }
      expect(crossed.asset_id).toBe(asset)
      expect(Math.max(...crossed.bids.map((l) => Number(l.price)))).toBeGreaterThanOrEqual(Math.min(...crossed.asks.map((l) => Number(l.price))))
      yield* stepAndDrain(sim, c, "polymarket", 1)
      const healed = c.json().slice(2).flatMap((f) => (Array.isArray(f) ? f : [f])).find((o) => (o as { event_type: string; asset_id: string }).event_type === "book" && (o as { asset_id: string }).asset_id === asset) as { bids: Array<{ price: string }>; asks: Array<{ price: string }> }
      expect(Math.max(...healed.bids.map((l) => Number(l.price)))).toBeLessThan(Math.min(...healed.asks.map((l) => Number(l.price))))
    }))

  it.scopedLive("crossedBook (Kalshi): a delta lifts a YES bid to the YES ask, withdrawn next tick", () =>
    Effect.gen(function* () {
      const sim = yield* startSimulator(base)
      const c = yield* kClient(sim, 3, ["orderbook_delta"])
      const ticker = sim.truth.liveMarkets("kalshi")[0]!.market_id
      const yesAsk = sim.truth.book("kalshi", ticker, "yes")!.asks[0]![0]
      expect(sim.faults.crossedBook({ venue: "kalshi", asset: ticker })).toBe(1)
      yield* stepAndDrain(sim, c, "kalshi", 1)
      const deltas = (c.json() as Array<{ type: string; msg: { market_ticker: string; side: string; price_dollars: string; delta_fp: string } }>).filter((f) => f.type === "orderbook_delta" && f.msg.market_ticker === ticker && f.msg.side === "yes" && Number(f.msg.price_dollars) === yesAsk)
      expect(deltas.map((d) => d.msg.delta_fp)).toEqual(["100.00", "-100.00"])
      expect(seqGaps(c.json())).toBe(0)
    }))

  it.scopedLive("oversized: one valid JSON frame of at least the requested size; a client with a smaller maxPayload is closed 1009", () =>
    Effect.gen(function* () {
      const sim = yield* startSimulator(base)
      const c = yield* pmClient(sim, 2)
      expect(sim.faults.oversized({ bytes: 2_000_000 })).toBe(1)
      yield* wait(() => waitFor(() => c.frames.length >= 2, "oversized frame"))
      expect(c.frames[1]!.length).toBeGreaterThanOrEqual(2_000_000)
      expect(Array.isArray(JSON.parse(c.frames[1]!))).toBe(true)
      const small = new WireClient(sim.urls.polymarketWs, undefined, 1_000_000)
      yield* wait(() => small.opened)
      small.send({ type: "market", assets_ids: sim.truth.liveMarkets("polymarket")[0]!.token_ids })
      yield* wait(() => waitFor(() => small.frames.length >= 1, "books"))
      sim.faults.oversized({ connId: sim.connections()[1]!.id, bytes: 2_000_000 })
      yield* wait(() => small.closed)
      // ws fails the read (WS_ERR_UNSUPPORTED_MESSAGE_LENGTH, close 1009 sent) and reports 1006 locally
      expect([1006, 1009]).toContain(small.closeCode)
      expect(small.frames.length).toBe(1)
    }))

  it.scopedLive("slowMs: data frames are spaced by at least the delay, order kept", () =>
    Effect.gen(function* () {
      const sim = yield* startSimulator(base)
      const c = yield* kClient(sim, 20)
      sim.faults.setStream({ slowMs: 40 }, { connId: sim.connections()[0]!.id })
      const before = c.frames.length
      const t0 = Date.now()
      sim.step(40)
      yield* wait(() => waitFor(() => c.frames.length >= before + 5, "five slow frames"))
      expect(Date.now() - t0).toBeGreaterThanOrEqual(4 * 40)
      yield* wait(() => drained(sim, c, "kalshi"))
      expect(seqGaps(c.json())).toBe(0)
    }))

  it.scopedLive("duplicate: every data frame arrives twice", () =>
    Effect.gen(function* () {
      const sim = yield* startSimulator(base)
      const c = yield* kClient(sim, 20)
      sim.faults.setStream({ duplicate: true })
      const before = c.frames.length
      yield* stepAndDrain(sim, c, "kalshi", 100)
      const after = c.frames.slice(before)
      expect(after.length).toBeGreaterThan(2)
      expect(after.length % 2).toBe(0)
      for (let i = 0; i < after.length; i += 2) expect(after[i + 1]).toBe(after[i])
    }))

  it.scopedLive("reorder: the frames of a tick arrive in reverse order (seq runs backwards)", () =>
    Effect.gen(function* () {
      const sim = yield* startSimulator(base)
      const c = yield* kClient(sim, 60, ["orderbook_delta"])
      sim.faults.setStream({ reorder: true }, { venue: "kalshi" })
      const before = c.frames.length
      yield* stepAndDrain(sim, c, "kalshi", 200)
      const seqs = (c.json().slice(before) as Array<{ seq: number }>).map((f) => f.seq)
      expect(seqs.some((s, i) => i > 0 && s < seqs[i - 1]!)).toBe(true)
      expect([...seqs].sort((a, b) => a - b)).toEqual(Array.from({ length: seqs.length }, (_, i) => seqs.length > 0 ? Math.min(...seqs) + i : 0))
    }))

  it.scopedLive("legacyPriceChange and arrayFrames: the pre-2025-09 price_change shape, batched in arrays", () =>
    Effect.gen(function* () {
      const sim = yield* startSimulator({ ...base, faults: { polymarket: { legacyPriceChange: true, arrayFrames: true } } })
      const c = yield* pmClient(sim, 40)
      yield* stepAndDrain(sim, c, "polymarket", 200)
      const later = c.json().slice(1)
      expect(later.some((f) => Array.isArray(f) && f.length > 1)).toBe(true)
      const legacy = later.flatMap((f) => (Array.isArray(f) ? f : [f])).filter((o) => (o as { event_type: string }).event_type === "price_change") as Array<Record<string, unknown>>
      expect(legacy.length).toBeGreaterThan(0)
      for (const p of legacy) {
        expect(Object.keys(p).sort()).toEqual(["asset_id", "changes", "event_type", "hash", "market", "timestamp"])
        expect(Object.keys((p.changes as object[])[0]!).sort()).toEqual(["price", "side", "size"])
      }
    }))

  it.scopedLive("failRest: 429 with Retry-After for the next N matching requests, then 500 by fraction", () =>
    Effect.gen(function* () {
      const sim = yield* startSimulator(base)
      sim.faults.failRest({ pathPrefix: "/gamma/events", status: 429, count: 2, retryAfterSec: 3 })
      const statuses: number[] = []
      for (let i = 0; i < 3; i++) {
        const r = yield* Effect.promise(() => fetch(`${sim.urls.gamma}/events?limit=1`))
        statuses.push(r.status)
        if (r.status === 429) expect(r.headers.get("retry-after")).toBe("3")
        yield* Effect.promise(() => r.arrayBuffer())
      }
      expect(statuses).toEqual([429, 429, 200])
      const other = yield* Effect.promise(() => fetch(`${sim.urls.kalshiRest}/markets?limit=1`))
      expect(other.status).toBe(200)
      sim.faults.failRest({ pathPrefix: "/trade-api/v2/markets", status: 500, fraction: 0.5 })
      let fails = 0
      for (let i = 0; i < 40; i++) {
        const r = yield* Effect.promise(() => fetch(`${sim.urls.kalshiRest}/markets?limit=1`))
        if (r.status === 500) fails++
        yield* Effect.promise(() => r.arrayBuffer())
      }
      expect(fails).toBeGreaterThan(5)
      expect(fails).toBeLessThan(35)
    }))

  it.scopedLive("malformedRecords: the next page carries one broken record; restDown resets connections", () =>
    Effect.gen(function* () {
      const sim = yield* startSimulator(base)
      sim.faults.malformedRecords({ pathPrefix: "/gamma/markets" })
      const page = (yield* Effect.promise(() => fetch(`${sim.urls.gamma}/markets?closed=false&limit=5`).then((r) => r.json()))) as Array<Record<string, unknown>>
      expect(page[0]).not.toHaveProperty("conditionId")
      expect(() => JSON.parse(page[0]!.clobTokenIds as string)).toThrow()
      expect(page[1]).toHaveProperty("conditionId")
      sim.faults.malformedRecords({ pathPrefix: "/trade-api/v2/markets" })
      const k = (yield* Effect.promise(() => fetch(`${sim.urls.kalshiRest}/markets?limit=2`).then((r) => r.json()))) as { markets: Array<Record<string, unknown>> }
      expect(k.markets[0]).not.toHaveProperty("ticker")
      sim.faults.restDown(true)
      const down = yield* Effect.promise(() => fetch(`${sim.urls.clob}/book?token_id=1`).then(() => "answered", (e: unknown) => `failed: ${String(e)}`))
      expect(down).toMatch(/^failed/)
      sim.faults.restDown(false)
      const up = yield* Effect.promise(() => fetch(`${sim.urls.gamma}/events?limit=1`))
      expect(up.status).toBe(200)
    }))

  it.scopedLive("failUpgrade: the next WebSocket upgrades get HTTP 429 with Retry-After, then succeed", () =>
    Effect.gen(function* () {
      const sim = yield* startSimulator(base)
      sim.faults.failUpgrade({ venue: "polymarket", count: 2, retryAfterSec: 2 })
      for (let i = 0; i < 2; i++) {
        const c = new WireClient(sim.urls.polymarketWs)
        yield* Effect.promise(() => c.opened.catch(() => {}))
        expect(c.unexpectedStatus).toBe(429)
      }
      const k = new WireClient(sim.urls.kalshiWs, kalshiHeaders(sim))
      yield* wait(() => k.opened)
      const ok = new WireClient(sim.urls.polymarketWs)
      yield* wait(() => ok.opened)
      expect(sim.faults.state().upgradeFailures[0]!.remaining).toBe(0)
      ok.close()
      k.close()
    }))

  it.scopedLive("control API: HTTP POST /control/faults drives the same knobs; GET lists connections and state", () =>
    Effect.gen(function* () {
      const sim = yield* startSimulator(base)
      const c = yield* pmClient(sim)
      const conns = (yield* Effect.promise(() => fetch(`${sim.urls.control}/connections`).then((r) => r.json()))) as Array<{ id: string; venue: string }>
      expect(conns).toMatchObject([{ id: "pm-1", venue: "polymarket" }])
      const post = (body: unknown) => Effect.promise(() => fetch(`${sim.urls.control}/faults`, { method: "POST", body: JSON.stringify(body) }).then((r) => r.json() as Promise<Record<string, unknown>>))
      expect(yield* post({ action: "failRest", status: 503, count: 1 })).toEqual({ ok: true, affected: null })
      expect((yield* Effect.promise(() => fetch(`${sim.urls.gamma}/events`))).status).toBe(503)
      expect(yield* post({ action: "nope" })).toHaveProperty("error")
      const stepped = yield* Effect.promise(() => fetch(`${sim.urls.control}/step`, { method: "POST", body: JSON.stringify({ n: 7 }) }).then((r) => r.json()))
      expect(stepped).toEqual({ ok: true })
      expect(sim.truth.step()).toBe(7)
      const state = (yield* Effect.promise(() => fetch(`${sim.urls.control}/faults`).then((r) => r.json()))) as { restRules: unknown[] }
      expect(state.restRules.length).toBe(1)
      expect(yield* post({ action: "drop", connId: "pm-1", mode: "close", code: 4002 })).toEqual({ ok: true, affected: 1 })
      yield* wait(() => c.closed)
      expect(c.closeCode).toBe(4002)
      yield* wait(() => waitFor(() => sim.connections().length === 0, "connection gone"))
    }))
})
