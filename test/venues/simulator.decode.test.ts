import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { applyKalshiEvents, type SeqGapReport } from "../../src/venues/kalshi/sequencing.js"
import { BookStore } from "../../src/books/BookStore.js"
import { SidSequencer } from "../../src/venues/kalshi/SidSequencer.js"
import type { BookEvent } from "../../src/domain/BookEvent.js"
import { startSimulator } from "../../src/simulator/Simulator.js"
import { makeDecodeStats } from "../../src/venues/DecodeStats.js"
import { decodeKalshiFrame, type KalshiReply } from "../../src/venues/kalshi/decode.js"
import { decodePolymarketFrame } from "../../src/venues/polymarket/decode.js"
import { drained, kalshiHeaders, TEST_KALSHI_KEY, waitFor, WireClient } from "../simulator/support.js"

/**
 * The simulator's frames through OUR decoders and book store, compared with the simulator's
 * own books (sim.truth): the two rooms agree on the wire, in every shape the simulator can
 * emit (current and legacy price_change, array frames, Kalshi deltas, ok/unsubscribed seqs).
 */
const opts = { seed: 11, polymarketMarkets: 120, kalshiMarkets: 40, tickMs: 0, anchorMs: 1_780_000_000_000, kalshiKey: TEST_KALSHI_KEY } as const
const wait = (f: () => Promise<void>) => Effect.promise(f)
const r6 = (x: number) => Math.round(x * 1e6) / 1e6
const levels = (px: ReadonlyArray<number>, sz: ReadonlyArray<number>) => px.map((p, i) => [r6(p), r6(sz[i]!)])
const truthLevels = (l: ReadonlyArray<readonly [number, number]>) => l.map(([p, s]) => [r6(p), r6(s)])

describe("our decoders + BookStore on the simulator's wire", () => {
  it.scopedLive("Polymarket: every book equals the simulator's, in current, legacy and array shapes", () =>
    Effect.gen(function* () {
      const sim = yield* startSimulator(opts)
      const live = sim.truth.liveMarkets("polymarket").slice(0, 30)
      const c = new WireClient(sim.urls.polymarketWs)
      yield* wait(() => c.opened)
      c.send({ type: "market", assets_ids: live.flatMap((m) => m.token_ids), initial_dump: true })
      yield* wait(() => waitFor(() => c.frames.length >= 1, "initial books"))
      for (const [round, patch] of [{}, { legacyPriceChange: true }, { arrayFrames: true }, { legacyPriceChange: false, arrayFrames: false }].entries()) {
        sim.faults.setStream(patch, { venue: "polymarket" })
        sim.step(40 + round)
        yield* wait(() => drained(sim, c, "polymarket"))
      }
      const store = new BookStore({ venue: "polymarket", topK: 1000 })
      const stats = makeDecodeStats()
      const events: BookEvent[] = []
      for (const f of c.frames) decodePolymarketFrame(f, events, stats)
      for (const ev of events) store.apply(ev, 0)
      expect(stats.malformed).toBe(0)
      expect(stats.unknown).toBe(0)
      expect(events.filter((e) => e.kind === "level_set").length).toBeGreaterThan(100)
      // the knobs did produce both shapes
      expect(c.frames.some((f) => f.includes("\"changes\":"))).toBe(true)
      expect(c.frames.slice(1).some((f) => f.startsWith("[") && f.includes("price_change"))).toBe(true)
      for (const m of live) {
        for (const t of m.token_ids) {
          const row = store.snapshotRow(m.market_id, t, 0)
          const truth = sim.truth.book("polymarket", m.market_id, t)!
          expect(row.status === "ok" || row.status === "partial" || row.status === "empty").toBe(true)
          expect({ bids: levels(row.bid_px, row.bid_sz), asks: levels(row.ask_px, row.ask_sz) })
            .toEqual({ bids: truthLevels(truth.bids), asks: truthLevels(truth.asks) })
        }
      }
      c.close()
    }))

  it.scopedLive("Kalshi: YES and NO rows equal the simulator's books; ok/unsubscribed seqs are no gap; skipSeq is", () =>
    Effect.gen(function* () {
      const sim = yield* startSimulator(opts)
      const tickers = sim.truth.liveMarkets("kalshi").slice(0, 20).map((m) => m.market_id)
      const c = new WireClient(sim.urls.kalshiWs, kalshiHeaders(sim))
      yield* wait(() => c.opened)
      c.send({ id: 1, cmd: "subscribe", params: { channels: ["orderbook_delta", "trade"], market_tickers: tickers.slice(0, 15) } })
      yield* wait(() => waitFor(() => c.frames.length >= 16, "subscribed + snapshots"))
      sim.step(100)
      c.send({ id: 2, cmd: "update_subscription", params: { sids: [1], market_tickers: tickers.slice(15), action: "add_markets" } })
      yield* wait(() => waitFor(() => c.frames.some((f) => f.includes("\"type\":\"ok\"")), "ok"))
      sim.step(100)
      yield* wait(() => drained(sim, c, "kalshi"))

      const store = new BookStore({ venue: "kalshi", topK: 1000 })
      const sequencer = new SidSequencer()
      const stats = makeDecodeStats()
      const replies: KalshiReply[] = []
      const gaps: SeqGapReport[] = []
      const feed = (frames: ReadonlyArray<string>) => {
        const events: BookEvent[] = []
        for (const f of frames) decodeKalshiFrame(f, events, replies, stats)
        applyKalshiEvents(events, store, sequencer, 0, { onGap: (g) => void gaps.push(g) })
      }
      feed(c.frames)
      expect(stats.malformed).toBe(0)
      expect(gaps).toEqual([])
      expect(replies.some((r) => r.type === "ok" && r.seq !== undefined)).toBe(true)
      for (const t of tickers) {
        for (const outcome of ["yes", "no"] as const) {
          const row = store.snapshotRow(t, outcome, 0)
          const truth = sim.truth.book("kalshi", t, outcome)!
          expect(row.status).not.toBe("stale")
          expect({ bids: levels(row.bid_px, row.bid_sz), asks: levels(row.ask_px, row.ask_sz) })
            .toEqual({ bids: truthLevels(truth.bids), asks: truthLevels(truth.asks) })
        }
      }

      // a skipped seq marks the sid's books stale
      const seen = c.frames.length
      sim.faults.skipSeq({ venue: "kalshi" })
      sim.step(30)
      yield* wait(() => drained(sim, c, "kalshi"))
      feed(c.frames.slice(seen))
      expect(gaps.length).toBeGreaterThan(0)
      expect(gaps.some((g) => g.sid === 1 && g.marketIds.length > 0)).toBe(true)
      expect(store.snapshotRow(gaps.find((g) => g.sid === 1)!.marketIds[0]!, "yes", 0).status).toBe("stale")
      c.close()
    }))
})
