import { describe, expect, it } from "@effect/vitest"
import { applyKalshiEvents, type SeqGapReport } from "../../src/venues/kalshi/sequencing.js"
import { BookStore } from "../../src/books/BookStore.js"
import { SidSequencer } from "../../src/venues/kalshi/SidSequencer.js"
import type { BookEvent } from "../../src/domain/BookEvent.js"
import type { SnapshotRow } from "../../src/domain/SnapshotRow.js"
import type { VenueId } from "../../src/domain/VenueId.js"
import { makeDecodeStats } from "../../src/venues/DecodeStats.js"
import { decodeKalshiFrame, type KalshiReply } from "../../src/venues/kalshi/decode.js"
import { decodePolymarketFrame } from "../../src/venues/polymarket/decode.js"
import { kalshiStream, polymarketStream, type Step } from "../support/bookStreams.js"
import { framesOf, wsFrameFiles } from "../support/fixtureFrames.js"
import { ReferenceBooks } from "../support/referenceBook.js"

const same = (a: unknown, b: unknown) => a === b || (Number.isNaN(a) && Number.isNaN(b))
const sameList = (a: ReadonlyArray<number>, b: ReadonlyArray<number>) =>
  a.length === b.length && a.every((x, i) => same(x, b[i]))

/** First differing field of two rows, or null. Fast enough for a million comparisons. */
const rowDiff = (got: SnapshotRow, want: SnapshotRow): string | null => {
  for (const k of Object.keys(want) as Array<keyof SnapshotRow>) {
    const g = got[k]
    const w = want[k]
    const ok = Array.isArray(w) ? sameList(g as ReadonlyArray<number>, w) : same(g, w)
    if (!ok) return `${want.market_id}/${want.outcome_id} ${k}: got ${JSON.stringify(g)} want ${JSON.stringify(w)}`
  }
  return null
}

/** Compare every row of a market (same outcome set, same rows); push a description of differences. */
const compareMarket = (store: BookStore, ref: ReferenceBooks, market: string, ts: number, diffs: string[], statusSeen: Map<string, number>) => {
  const rows: SnapshotRow[] = []
  store.rowsForMarket(market, ts, rows)
  const outcomes = ref.outcomesOf(market)
  if (rows.length !== outcomes.length || !rows.every((r) => outcomes.includes(r.outcome_id))) {
    diffs.push(`${market}: store has outcomes [${rows.map((r) => r.outcome_id)}], reference [${outcomes}]`)
    return
  }
  for (const row of rows) {
    const d = rowDiff(row, ref.row(market, row.outcome_id, ts))
    if (d !== null) diffs.push(d)
    statusSeen.set(row.status, (statusSeen.get(row.status) ?? 0) + 1)
  }
}

const decoderFor = (venue: VenueId) => {
  const stats = makeDecodeStats()
  const replies: KalshiReply[] = []
  const decode = venue === "kalshi"
    ? (text: string, out: BookEvent[]) => decodeKalshiFrame(text, out, replies, stats)
    : (text: string, out: BookEvent[]) => decodePolymarketFrame(text, out, stats)
  return { stats, decode }
}

const runRandom = (venue: VenueId, next: () => Step, steps: number, topK: number) => {
  const store = new BookStore({ venue, topK })
  const ref = new ReferenceBooks(venue, topK)
  const sequencer = venue === "kalshi" ? new SidSequencer() : null
  const { stats, decode } = decoderFor(venue)
  const events: BookEvent[] = []
  const gaps: SeqGapReport[] = []
  const diffs: string[] = []
  const statusSeen = new Map<string, number>()
  let malformedSent = 0
  let comparisons = 0
  for (let i = 0; i < steps && diffs.length < 5; i++) {
    const step = next()
    const ts = 1_000_000 + i
    const c = step.control
    if (c !== null) {
      if (c.op === "reset") store.resetMarket(c.market, c.reason)
      else if (c.op === "resetAll") {
        store.resetAll(c.reason)
        sequencer?.forgetAll()
      } else if (c.op === "stale") store.markStale(c.market, c.reason)
      else store.drop(c.market)
    }
    if (step.frame !== null) {
      events.length = 0
      decode(step.frame, events)
      if (sequencer === null) for (const ev of events) store.apply(ev, ts)
      else applyKalshiEvents(events, store, sequencer, ts, { onGap: (g) => void gaps.push(g) })
    }
    malformedSent += step.malformed
    step.truth(ref)
    for (const m of new Set(step.touched)) {
      compareMarket(store, ref, m, ts, diffs, statusSeen)
      comparisons++
    }
    if (i % 5000 === 4999) {
      const held = new Set(ref.books().map(([m]) => m))
      if (store.size !== held.size) diffs.push(`step ${i}: store holds ${store.size} markets, reference ${held.size}`)
      for (const m of held) compareMarket(store, ref, m, ts, diffs, statusSeen)
    }
  }
  return { store, stats, gaps, diffs, statusSeen, malformedSent, comparisons }
}

describe("BookStore against the reference model", () => {
  it("replays every recorded Polymarket frame with identical rows after each frame", () => {
    const store = new BookStore({ venue: "polymarket", topK: 20 })
    const ref = new ReferenceBooks("polymarket", 20)
    const { stats, decode } = decoderFor("polymarket")
    const diffs: string[] = []
    const statusSeen = new Map<string, number>()
    let frames = 0
    for (const file of wsFrameFiles("polymarket")) {
      for (const text of framesOf(file)) {
        frames++
        const events: BookEvent[] = []
        decode(text, events)
        for (const ev of events) store.apply(ev, frames)
        // the reference reads the frame itself, in the simplest way that covers the fixtures
        const parsed = JSON.parse(text) as Record<string, any> | Array<Record<string, any>>
        for (const o of Array.isArray(parsed) ? parsed : [parsed]) {
          const type = o["event_type"] ?? (o["price_changes"] || o["changes"] ? "price_change" : o["bids"] || o["asks"] ? "book" : null)
          const ts = o["timestamp"] ? Number(o["timestamp"]) : null
          const lv = (xs: Array<{ price: string; size: string }> | undefined) => (xs ?? []).map((l) => [Number(l.price), Number(l.size)] as const)
          if (type === "book") ref.replaceBook(o["market"], o["asset_id"], lv(o["bids"]), lv(o["asks"]), ts)
          if (type === "price_change") {
            for (const c of o["price_changes"] ?? o["changes"]) {
              ref.setLevel(o["market"], c.asset_id ?? o["asset_id"], c.side === "BUY" ? "bid" : "ask", Number(c.price), Number(c.size), ts)
            }
          }
        }
        for (const [m] of ref.books()) compareMarket(store, ref, m, frames, diffs, statusSeen)
      }
    }
    expect(diffs.slice(0, 5)).toEqual([])
    expect(stats.malformed).toBe(0)
    expect(store.bookCount).toBe(ref.books().length)
    expect(store.bookCount).toBeGreaterThanOrEqual(15)
    // crossed: nautilus ws_market_price_change_msg.json bids 0.51 into the 0.51 ask of ws_market_book_msg.json (locked)
    expect([...statusSeen.keys()].sort()).toEqual(["crossed", "empty", "ok", "partial"])
  })

  it("replays every recorded Kalshi frame, gaps included, with identical rows after each frame", () => {
    const store = new BookStore({ venue: "kalshi", topK: 20 })
    const ref = new ReferenceBooks("kalshi", 20)
    const sequencer = new SidSequencer()
    const { stats, decode } = decoderFor("kalshi")
    const diffs: string[] = []
    const statusSeen = new Map<string, number>()
    const lastSeq = new Map<number, number>()
    const marketSid = new Map<string, number>()
    let frames = 0
    let dropped = 0
    for (const file of wsFrameFiles("kalshi")) {
      // each recording is its own connection: Kalshi numbers sids per connection
      sequencer.forgetAll()
      lastSeq.clear()
      for (const text of framesOf(file)) {
        frames++
        const events: BookEvent[] = []
        decode(text, events)
        applyKalshiEvents(events, store, sequencer, frames)
        const o = JSON.parse(text) as Record<string, any>
        const { sid, seq } = o
        const msg = o["msg"] ?? {}
        if (typeof sid === "number" && typeof seq === "number") {
          const prev = lastSeq.get(sid)
          // a repeated or older seq is a replayed frame: dropped, the book untouched
          if (prev !== undefined && seq <= prev) {
            dropped++
            for (const [m] of ref.books()) compareMarket(store, ref, m, frames, diffs, statusSeen)
            continue
          }
          if (prev !== undefined && seq !== prev + 1) {
            for (const [m, s] of marketSid) if (s === sid) ref.markStale(m, `seq gap on sid ${sid}: expected ${prev + 1}, got ${seq}`)
          }
          lastSeq.set(sid, seq)
        }
        const side = (name: "yes" | "no") =>
          msg[`${name}_dollars_fp`]
            ? (msg[`${name}_dollars_fp`] as string[][]).map(([p, s]) => [Number(p), Number(s)] as const)
            : ((msg[name] ?? []) as number[][]).map(([p, s]) => [p! / 100, s!] as const)
        const ts = msg.ts_ms ?? (msg.ts ? Date.parse(msg.ts) : null)
        if (o["type"] === "orderbook_snapshot") {
          ref.replaceBinary(msg.market_ticker, side("yes"), side("no"), seq, null)
          marketSid.set(msg.market_ticker, sid)
        }
        if (o["type"] === "orderbook_delta" && ref.outcomesOf(msg.market_ticker).length > 0) {
          const price = msg.price_dollars !== undefined ? Number(msg.price_dollars) : msg.price / 100
          const delta = msg.delta_fp !== undefined ? Number(msg.delta_fp) : msg.delta
          ref.applyDelta(msg.market_ticker, msg.side, price, delta, seq, ts)
          marketSid.set(msg.market_ticker, sid)
        }
        for (const [m] of ref.books()) compareMarket(store, ref, m, frames, diffs, statusSeen)
      }
    }
    expect(diffs.slice(0, 5)).toEqual([])
    expect(stats.malformed).toBe(0)
    // dropped, not gaps: the demo capture's last snapshot restarts sid 1 at seq 1 after seq
    // 108 (so its market never gets a book from this capture), and shapes.jsonl repeats seq 3
    expect(dropped).toBe(2)
    expect(store.size).toBe(4)
    // the demo capture's ok (seq 108 after 2 on sid 1) is a gap for sid 1's books
    expect(statusSeen.get("stale")).toBeGreaterThan(0)
    expect(statusSeen.get("ok")).toBeGreaterThan(0)
  })

  it("matches the reference on every touched row of a 45k-frame (100k+ event) random Polymarket stream", () => {
    const r = runRandom("polymarket", polymarketStream(20260101, 30), 45_000, 10)
    expect(r.diffs).toEqual([])
    expect(r.stats.events).toBeGreaterThan(100_000)
    expect(r.stats.malformed).toBe(r.malformedSent)
    expect(r.malformedSent).toBeGreaterThan(0)
    expect(r.stats.unknown).toBeGreaterThan(0)
    expect(r.store.counters.ignoredDeltas).toBeGreaterThan(0)
    for (const status of ["ok", "partial", "empty", "crossed", "stale"]) expect(r.statusSeen.get(status), status).toBeGreaterThan(0)
    expect(r.comparisons).toBeGreaterThan(45_000)
  })

  it("matches the reference on every touched row of a 110k-frame random Kalshi stream with seq gaps and reconnects", () => {
    const r = runRandom("kalshi", kalshiStream(20260102, 30), 110_000, 10)
    expect(r.diffs).toEqual([])
    expect(r.stats.events).toBeGreaterThan(100_000)
    expect(r.stats.malformed).toBe(r.malformedSent)
    expect(r.gaps.length).toBeGreaterThan(50)
    expect(r.gaps.some((g) => g.marketIds.length > 0)).toBe(true)
    for (const status of ["ok", "partial", "crossed", "stale"]) expect(r.statusSeen.get(status), status).toBeGreaterThan(0)
  })

  it("agrees with the reference at top_k 1 and 50 on shorter streams with other seeds", () => {
    for (const topK of [1, 50]) {
      expect(runRandom("polymarket", polymarketStream(7 + topK, 8), 5000, topK).diffs).toEqual([])
      expect(runRandom("kalshi", kalshiStream(9 + topK, 8, 2), 5000, topK).diffs).toEqual([])
    }
  })
})
