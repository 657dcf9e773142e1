import type { ReferenceBooks } from "./referenceBook.js"

/**
 * Seeded random venue streams for replay tests. Each step is what the collector would see
 * (a WebSocket text frame, or a control action of its own such as a reconnect reset) plus the
 * ground truth of that step applied to the reference model. Frames are written in every shape
 * the decoders accept (current/legacy, with/without event_type, cents/dollars, varying key
 * order and price spelling), so decode is under test too: the reference never sees the frame.
 */

export type Control =
  | { readonly op: "reset"; readonly market: string; readonly reason: string }
  | { readonly op: "resetAll"; readonly reason: string }
  | { readonly op: "stale"; readonly market: string; readonly reason: string }
  | { readonly op: "drop"; readonly market: string }

export interface Step {
  readonly frame: string | null
  readonly control: Control | null
  /** markets whose rows may have changed */
  readonly touched: ReadonlyArray<string>
  /** frames the decoder must count as malformed */
  readonly malformed: number
  readonly truth: (ref: ReferenceBooks) => void
}

import { mulberry32 } from "./mulberry32.js"

export { mulberry32 }

type Rnd = () => number
const pick = <T>(rnd: Rnd, xs: ReadonlyArray<T>): T => xs[Math.floor(rnd() * xs.length)]!
const int = (rnd: Rnd, lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1))

/** Object with its keys in a random order, 30% of the time (the venues do not keep one order). */
const shuffled = (rnd: Rnd, o: Record<string, unknown>): Record<string, unknown> => {
  if (rnd() < 0.7) return o
  const entries = Object.entries(o)
  for (let i = entries.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1))
    ;[entries[i], entries[j]] = [entries[j]!, entries[i]!]
  }
  return Object.fromEntries(entries)
}

/** A grid price (micro-units) spelled as the venues do: "0.48", ".48", "0.480". */
const spell = (rnd: Rnd, units: number, decimals: number): string => {
  const s = (units / 1e6).toFixed(decimals)
  const r = rnd()
  if (r < 0.15 && s.startsWith("0.")) return s.slice(1)
  if (r < 0.3) return (units / 1e6).toFixed(decimals + 1)
  return s
}

const sizeString = (rnd: Rnd): string => (int(rnd, 1, 500_000) / 100).toString()

// ---------------------------------------------------------------------------------------
// Polymarket

interface PmMarket {
  readonly id: string
  readonly tokens: readonly [string, string]
  readonly tickUnits: number
  readonly decimals: number
  midUnits: number
}

export const polymarketStream = (seed: number, markets: number): (() => Step) => {
  const rnd = mulberry32(seed)
  const ms: PmMarket[] = []
  for (let i = 0; i < markets; i++) {
    const fine = rnd() < 0.3
    const tickUnits = fine ? 1000 : 10_000
    ms.push({
      id: `0x${(i + 1).toString(16).padStart(64, "0")}`,
      tokens: [`${int(rnd, 1e9, 9e9)}${i}1`, `${int(rnd, 1e9, 9e9)}${i}2`],
      tickUnits,
      decimals: fine ? 3 : 2,
      midUnits: tickUnits * int(rnd, 10, fine ? 990 : 90)
    })
  }
  let ts = 1_770_000_000_000

  const levelPrice = (m: PmMarket, side: "bid" | "ask"): number => {
    // mostly on the right side of mid, sometimes through it (crossed moments)
    const offset = int(rnd, -2, 12) * m.tickUnits
    const u = side === "bid" ? m.midUnits - offset : m.midUnits + offset
    return Math.min(1_000_000 - m.tickUnits, Math.max(m.tickUnits, u))
  }

  const bookEvent = (m: PmMarket, token: string) => {
    const bids = new Map<number, string>()
    const asks = new Map<number, string>()
    const nb = rnd() < 0.1 ? 0 : int(rnd, 1, 25)
    const na = rnd() < 0.1 ? 0 : int(rnd, 1, 25)
    for (let i = 0; i < nb; i++) bids.set(levelPrice(m, "bid"), sizeString(rnd))
    for (let i = 0; i < na; i++) asks.set(levelPrice(m, "ask"), sizeString(rnd))
    // venue order is worst-first; sometimes shuffled
    const bidList = [...bids].sort((a, b) => a[0] - b[0])
    const askList = [...asks].sort((a, b) => b[0] - a[0])
    if (rnd() < 0.2) bidList.reverse()
    if (rnd() < 0.2) askList.sort(() => rnd() - 0.5)
    const sourceTs = ++ts
    const o: Record<string, unknown> = {
      market: m.id, asset_id: token, timestamp: String(sourceTs),
      bids: bidList.map(([p, s]) => ({ price: spell(rnd, p, m.decimals), size: s })),
      asks: askList.map(([p, s]) => ({ price: spell(rnd, p, m.decimals), size: s }))
    }
    if (rnd() < 0.7) o["event_type"] = "book"
    if (rnd() < 0.5) o["hash"] = rnd() < 0.5 ? "0xabc" : "abc"
    if (rnd() < 0.3) {
      o["tick_size"] = (m.tickUnits / 1e6).toString()
      o["last_trade_price"] = rnd() < 0.5 ? "" : "0.5"
    }
    const truth = (ref: ReferenceBooks) =>
      ref.replaceBook(m.id, token, bidList.map(([p, s]) => [p / 1e6, Number(s)]), askList.map(([p, s]) => [p / 1e6, Number(s)]), sourceTs)
    return { obj: shuffled(rnd, o), truth, market: m.id }
  }

  const priceChangeEvent = (m: PmMarket) => {
    const legacy = rnd() < 0.15
    const n = int(rnd, 1, 4)
    const changes: Array<{ token: string; side: "bid" | "ask"; units: number; size: string }> = []
    const legacyToken = pick(rnd, m.tokens)
    for (let i = 0; i < n; i++) {
      const side = rnd() < 0.5 ? "bid" : "ask"
      changes.push({ token: legacy ? legacyToken : pick(rnd, m.tokens), side, units: levelPrice(m, side), size: rnd() < 0.35 ? "0" : sizeString(rnd) })
    }
    if (rnd() < 0.05) m.midUnits = Math.min(1_000_000 - 10 * m.tickUnits, Math.max(10 * m.tickUnits, m.midUnits + int(rnd, -3, 3) * m.tickUnits))
    const hasTs = rnd() < 0.9
    const sourceTs = hasTs ? ++ts : null
    const entry = (c: (typeof changes)[number]) => shuffled(rnd, {
      price: spell(rnd, c.units, m.decimals), size: c.size, side: c.side === "bid" ? "BUY" : "SELL",
      ...(legacy ? {} : { asset_id: c.token, hash: "h", best_bid: "0.1", best_ask: "0.9" })
    })
    const o: Record<string, unknown> = legacy
      ? { market: m.id, asset_id: legacyToken, changes: changes.map(entry), hash: "0x1" }
      : { market: m.id, price_changes: changes.map(entry) }
    if (sourceTs !== null) o["timestamp"] = String(sourceTs)
    if (rnd() < 0.7) o["event_type"] = "price_change"
    const truth = (ref: ReferenceBooks) => {
      for (const c of changes) ref.setLevel(m.id, c.token, c.side, c.units / 1e6, Number(c.size), sourceTs)
    }
    return { obj: shuffled(rnd, o), truth, market: m.id }
  }

  const noDepthEvent = (m: PmMarket): Record<string, unknown> => {
    const r = rnd()
    const token = pick(rnd, m.tokens)
    if (r < 0.5) {
      return shuffled(rnd, {
        market: m.id, asset_id: token, price: spell(rnd, m.midUnits, m.decimals), size: "3.5", side: rnd() < 0.5 ? "BUY" : "SELL",
        fee_rate_bps: "0", timestamp: String(++ts), ...(rnd() < 0.7 ? { event_type: "last_trade_price" } : {})
      })
    }
    if (r < 0.75) return shuffled(rnd, { market: m.id, asset_id: token, old_tick_size: "0.01", new_tick_size: "0.001", timestamp: String(++ts), ...(rnd() < 0.7 ? { event_type: "tick_size_change" } : {}) })
    if (r < 0.9) return { event_type: "best_bid_ask", market: m.id, asset_id: token, best_bid: "0.4", best_ask: "0.6", spread: "0.2", timestamp: "1" }
    return { event_type: "settlement_preview", sequence: int(rnd, 1, 100) }
  }

  const oneEvent = () => {
    const m = pick(rnd, ms)
    const r = rnd()
    if (r < 0.06) return bookEvent(m, pick(rnd, m.tokens))
    if (r < 0.9) return priceChangeEvent(m)
    return { obj: noDepthEvent(m), truth: (_: ReferenceBooks) => {}, market: m.id }
  }

  return (): Step => {
    const r = rnd()
    if (r < 0.004) {
      const m = pick(rnd, ms)
      return { frame: null, control: { op: "reset", market: m.id, reason: "reconnect" }, touched: [m.id], malformed: 0, truth: (ref) => ref.reset(m.id, "reconnect") }
    }
    if (r < 0.006) {
      const m = pick(rnd, ms)
      return { frame: null, control: { op: "stale", market: m.id, reason: "silent asset" }, touched: [m.id], malformed: 0, truth: (ref) => ref.markStale(m.id, "silent asset") }
    }
    if (r < 0.0075) {
      const m = pick(rnd, ms)
      return { frame: null, control: { op: "drop", market: m.id }, touched: [m.id], malformed: 0, truth: (ref) => ref.drop(m.id) }
    }
    if (r < 0.0095) {
      return { frame: pick(rnd, ["{\"event_type\":", "[{\"event_type\":\"book\",\"market\":\"0x1\"}]", "nope"]), control: null, touched: [], malformed: 1, truth: () => {} }
    }
    const n = r < 0.05 ? int(rnd, 2, 4) : 1
    const events = Array.from({ length: n }, oneEvent)
    const touched = events.map((e) => e.market)
    const frame = n === 1 && rnd() < 0.9 ? JSON.stringify(events[0]!.obj) : JSON.stringify(events.map((e) => e.obj))
    return { frame, control: null, touched, malformed: 0, truth: (ref) => events.forEach((e) => e.truth(ref)) }
  }
}

// ---------------------------------------------------------------------------------------
// Kalshi

interface KxMarket {
  readonly ticker: string
  readonly tickUnits: number
  sid: number
  midUnits: number
}

export const kalshiStream = (seed: number, markets: number, sidGroups = 3): (() => Step) => {
  const rnd = mulberry32(seed)
  let nextSid = 1
  const seqOf = new Map<number, number>()
  const groupSids: number[] = []
  for (let g = 0; g < sidGroups; g++) groupSids.push(nextSid++)
  const tradeSid = nextSid++
  const ms: KxMarket[] = []
  for (let i = 0; i < markets; i++) {
    const sub = rnd() < 0.3
    ms.push({ ticker: `KX${i}-26NOV-T${int(rnd, 1, 999)}.99`, tickUnits: sub ? 1000 : 10_000, sid: groupSids[i % sidGroups]!, midUnits: 10_000 * int(rnd, 5, 95) })
  }
  let ts = 1_780_000_000_000
  let gapNext = false
  /** markets waiting for a fresh snapshot after a gap or reconnect */
  const resync: KxMarket[] = []

  const takeSeq = (sid: number): number => {
    let seq = (seqOf.get(sid) ?? 0) + 1
    if (gapNext) {
      seq += int(rnd, 1, 3)
      gapNext = false
    }
    seqOf.set(sid, seq)
    return seq
  }

  const yesPrice = (m: KxMarket) => Math.min(1_000_000 - m.tickUnits, Math.max(m.tickUnits, m.midUnits - int(rnd, -1, 10) * m.tickUnits))
  const noPrice = (m: KxMarket) => Math.min(1_000_000 - m.tickUnits, Math.max(m.tickUnits, 1_000_000 - m.midUnits - int(rnd, -1, 10) * m.tickUnits))

  const snapshot = (m: KxMarket): Step => {
    const yes = new Map<number, number>()
    const no = new Map<number, number>()
    const ny = rnd() < 0.1 ? 0 : int(rnd, 1, 15)
    const nn = rnd() < 0.1 ? 0 : int(rnd, 1, 15)
    const wholeCents = m.tickUnits === 10_000
    for (let i = 0; i < ny; i++) yes.set(yesPrice(m), wholeCents && rnd() < 0.5 ? int(rnd, 1, 500) : int(rnd, 1, 50_000) / 100)
    for (let i = 0; i < nn; i++) no.set(noPrice(m), wholeCents && rnd() < 0.5 ? int(rnd, 1, 500) : int(rnd, 1, 50_000) / 100)
    const allInts = [...yes.values(), ...no.values()].every(Number.isInteger)
    const cents = wholeCents && allInts && rnd() < 0.4
    const transitional = cents && rnd() < 0.5
    const seq = takeSeq(m.sid)
    const msg: Record<string, unknown> = { market_ticker: m.ticker, market_id: rnd() < 0.3 ? "" : `id-${m.ticker}` }
    const dollars = (l: Map<number, number>) => [...l].map(([p, s]) => [(p / 1e6).toFixed(4), s.toFixed(2)])
    const centLevels = (l: Map<number, number>) => [...l].map(([p, s]) => [p / 10_000, s])
    if (!cents || transitional) {
      if (yes.size > 0 || rnd() < 0.3) msg["yes_dollars_fp"] = dollars(yes)
      if (no.size > 0 || rnd() < 0.3) msg["no_dollars_fp"] = dollars(no)
    }
    if (cents) {
      // a transitional frame carrying cents that disagree would be caught: keep them equal
      if (yes.size > 0) msg["yes"] = centLevels(yes)
      if (no.size > 0) msg["no"] = centLevels(no)
    }
    const sid = m.sid
    const frame = JSON.stringify(shuffled(rnd, { type: "orderbook_snapshot", sid, seq, msg: shuffled(rnd, msg) }))
    const yesL = [...yes].map(([p, s]) => [p / 1e6, s] as const)
    const noL = [...no].map(([p, s]) => [p / 1e6, s] as const)
    return { frame, control: null, touched: [m.ticker], malformed: 0, truth: (ref) => ref.replaceBinary(m.ticker, yesL, noL, seq, null) }
  }

  const delta = (m: KxMarket): Step => {
    const side = rnd() < 0.5 ? "yes" : "no"
    const units = side === "yes" ? yesPrice(m) : noPrice(m)
    const wholeCents = m.tickUnits === 10_000
    const intDelta = rnd() < 0.5
    const d = intDelta ? int(rnd, -300, 300) || 1 : int(rnd, -30_000, 30_000) / 100 || 0.5
    const seq = takeSeq(m.sid)
    const sourceTsMs = ++ts
    const msg: Record<string, unknown> = { market_ticker: m.ticker, side }
    const form = rnd()
    let sourceTs: number | null = sourceTsMs
    if (form < 0.5 || !wholeCents || !intDelta) {
      msg["price_dollars"] = (units / 1e6).toFixed(4)
      msg["delta_fp"] = d.toFixed(2)
      if (rnd() < 0.5) msg["ts_ms"] = sourceTsMs
      if (rnd() < 0.5) msg["ts"] = new Date(sourceTsMs).toISOString()
      if (msg["ts_ms"] === undefined && msg["ts"] === undefined) sourceTs = null
      if (wholeCents && intDelta && rnd() < 0.5) {
        msg["price"] = units / 10_000
        msg["delta"] = d
      }
    } else if (form < 0.75) {
      msg["price_dollars_fp"] = (units / 1e6).toFixed(4)
      msg["delta_dollars_fp"] = d.toFixed(2)
      msg["ts_ms"] = sourceTsMs
    } else {
      msg["price"] = units / 10_000
      msg["delta"] = d
      sourceTs = null
    }
    if (rnd() < 0.03) m.midUnits = Math.min(950_000, Math.max(50_000, m.midUnits + int(rnd, -2, 2) * 10_000))
    const frame = JSON.stringify(shuffled(rnd, { type: "orderbook_delta", sid: m.sid, seq, msg: shuffled(rnd, msg) }))
    return { frame, control: null, touched: [m.ticker], malformed: 0, truth: (ref) => ref.applyDelta(m.ticker, side, units / 1e6, d, seq, sourceTs) }
  }

  /** wraps a step so that a gap revealed by its seq marks the sid's markets stale first */
  const withGapTruth = (step: Step, sid: number, before: number): Step => {
    const after = seqOf.get(sid)!
    if (after === before + 1 || !seqOf.has(sid) || before === 0) return step
    const stale = ms.filter((m) => m.sid === sid)
    const reason = `seq gap on sid ${sid}: expected ${before + 1}, got ${after}`
    for (const m of stale) if (!resync.includes(m)) resync.push(m)
    return {
      ...step,
      touched: [...step.touched, ...stale.map((m) => m.ticker)],
      truth: (ref) => {
        for (const m of stale) ref.markStale(m.ticker, reason)
        step.truth(ref)
      }
    }
  }

  const sequenced = (sid: number, make: () => Step): Step => {
    const before = seqOf.get(sid) ?? 0
    return withGapTruth(make(), sid, before)
  }

  for (const m of ms) resync.push(m) // initial subscribe: every market gets a snapshot

  return (): Step => {
    const r = rnd()
    if (resync.length > 0 && r < 0.3) {
      const m = resync.shift()!
      // resubscribe: fresh snapshots arrive on a new sid
      if (rnd() < 0.5) m.sid = nextSid++
      return sequenced(m.sid, () => snapshot(m))
    }
    if (r < 0.3) {
      const m = pick(rnd, ms)
      return sequenced(m.sid, () => delta(m))
    }
    if (r < 0.31) {
      // the next message on this sid skips one or more seqs
      gapNext = true
      const m = pick(rnd, ms)
      return sequenced(m.sid, () => delta(m))
    }
    if (r < 0.313) {
      // a new connection: Kalshi numbers sids per connection, so old numbers come back from seq 1
      for (const m of ms) if (!resync.includes(m)) resync.push(m)
      seqOf.clear()
      return { frame: null, control: { op: "resetAll", reason: "reconnect" }, touched: ms.map((m) => m.ticker), malformed: 0, truth: (ref) => ms.forEach((m) => ref.reset(m.ticker, "reconnect")) }
    }
    if (r < 0.315) {
      const m = pick(rnd, ms)
      return { frame: null, control: { op: "drop", market: m.ticker }, touched: [m.ticker], malformed: 0, truth: (ref) => ref.drop(m.ticker) }
    }
    if (r < 0.33) {
      const sid = pick(rnd, [...new Set(ms.map((m) => m.sid))])
      return sequenced(sid, () => {
        const seq = takeSeq(sid)
        return { frame: JSON.stringify({ type: "ok", id: int(rnd, 1, 99), sid, seq, msg: { market_tickers: [] } }), control: null, touched: [], malformed: 0, truth: () => {} }
      })
    }
    if (r < 0.36) {
      const m = pick(rnd, ms)
      return sequenced(tradeSid, () => {
        const seq = takeSeq(tradeSid)
        const yes = m.midUnits / 1e6
        const frame = JSON.stringify({ type: "trade", sid: tradeSid, seq, msg: { trade_id: "t", market_ticker: m.ticker, yes_price_dollars: yes.toFixed(4), no_price_dollars: (1 - yes).toFixed(4), count_fp: "3.00", taker_side: pick(rnd, ["yes", "no"]), ts: 1_780_000_000 } })
        return { frame, control: null, touched: [], malformed: 0, truth: () => {} }
      })
    }
    if (r < 0.37) {
      return { frame: JSON.stringify({ type: "ticker", sid: 999, msg: { market_ticker: "X", price: 5 } }), control: null, touched: [], malformed: 0, truth: () => {} }
    }
    if (r < 0.373) {
      return { frame: pick(rnd, ["{", "[]", "{\"type\":\"orderbook_delta\",\"sid\":1,\"msg\":{}}"]), control: null, touched: [], malformed: 1, truth: () => {} }
    }
    if (r < 0.4) {
      const m = pick(rnd, ms)
      return sequenced(m.sid, () => snapshot(m))
    }
    const m = pick(rnd, ms)
    return sequenced(m.sid, () => delta(m))
  }
}
