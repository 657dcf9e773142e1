import type { BookEvent, Ladder } from "../../domain/BookEvent.js"
import { type DecodeStats, recordMalformed, venueNumber } from "../DecodeStats.js"

/**
 * Kalshi WebSocket v2 frames -> BookEvents + command replies (docs/PROTOCOLS.md, "WebSocket v2").
 *
 * Hot path: one JSON.parse per frame, plain code, never throws. Facts it relies on:
 * - prices: the current form is dollar strings (`price_dollars`, `yes_dollars_fp` levels
 *   ["0.5600","120.00"]); the older form is integer cents (`price`, `yes` levels [56,120]).
 *   Frames from the transition carry both (kalshi/recorded/ssmd_*): dollar strings win.
 *   Sizes: `*_fp` strings, else integer counts (`delta`, `count`).
 * - `orderbook_delta` is a SIGNED change of resting quantity; the book store sums it.
 * - a snapshot omits the key of an empty side and may carry `market_id: ""`
 *   (haripratiik_demo_ws_frames line 7): only `market_ticker` identifies the market.
 * - time: deltas carry `ts_ms` (epoch ms) and/or `ts` (RFC 3339 string, deprecated); ticker
 *   and trade `ts` are epoch SECONDS. `source_ts` is always epoch ms.
 * - `ok` and `unsubscribed` replies carry a `seq` on their `sid` and CONSUME it: they are
 *   returned as replies AND pushed as `seq_only` events so gap detection counts them. Any
 *   other frame with a sid + seq (ticker, unknown channels) also yields `seq_only`.
 * Ids: marketId = `market_ticker`; Kalshi books are binary, the store derives "yes"/"no" rows.
 */

export type KalshiReply =
  | { readonly type: "subscribed"; readonly id: number | null; readonly channel: string; readonly sid: number }
  | {
    readonly type: "ok"
    readonly id: number | null
    readonly sid: number | null
    readonly seq?: number
    readonly marketTickers?: ReadonlyArray<string>
  }
  | { readonly type: "unsubscribed"; readonly id?: number; readonly sid: number; readonly seq?: number }
  | { readonly type: "error"; readonly id: number | null; readonly code: number | null; readonly msg: string }

type Obj = Record<string, unknown>

const IGNORED_TYPES = new Set(["ticker", "ticker_v2"])

export const decodeKalshiFrame = (
  text: string,
  out: BookEvent[],
  replies: KalshiReply[],
  stats: DecodeStats
): void => {
  stats.frames++
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    recordMalformed(stats, text, "kalshi: frame is not JSON")
    return
  }
  try {
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      recordMalformed(stats, text, "kalshi: frame is not an object")
      return
    }
    decodeObject(parsed as Obj, text, out, replies, stats)
  } catch {
    recordMalformed(stats, text, "kalshi: decoder fault")
  }
}

const intOf = (v: unknown): number | null => {
  const n = venueNumber(v)
  return Number.isInteger(n) ? n : null
}

const objOf = (v: unknown): Obj | null =>
  v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : null

/** Epoch ms from `ts_ms`, else `ts` (RFC 3339 string, or epoch seconds as a number). */
const sourceTsOf = (m: Obj): number | null => {
  const ms = venueNumber(m["ts_ms"])
  if (Number.isFinite(ms)) return ms
  const ts = m["ts"]
  if (typeof ts === "string" && ts.length > 0) {
    const parsed = Date.parse(ts)
    return Number.isFinite(parsed) ? parsed : null
  }
  // seconds per docs/PROTOCOLS.md; a value already in ms (> year 5000 in seconds) is kept as is
  if (typeof ts === "number" && Number.isFinite(ts)) return ts > 1e11 ? ts : ts * 1000
  return null
}

/** Dollar string (preferred) or integer cents -> 0..1; NaN when absent or out of range. */
const priceOf = (m: Obj, dollarKeys: ReadonlyArray<string>, centsKey: string): number => {
  for (let i = 0; i < dollarKeys.length; i++) {
    const v = m[dollarKeys[i]!]
    if (v !== undefined && v !== null) {
      const p = venueNumber(v)
      return p >= 0 && p <= 1 ? p : NaN
    }
  }
  const c = venueNumber(m[centsKey])
  return c >= 0 && c <= 100 ? c / 100 : NaN
}

const numberOf = (m: Obj, keys: ReadonlyArray<string>): number => {
  for (let i = 0; i < keys.length; i++) {
    const v = m[keys[i]!]
    if (v !== undefined && v !== null) return venueNumber(v)
  }
  return NaN
}

/** One side of a snapshot; absent key = empty side. null when a level is bad. */
const readSide = (m: Obj, side: "yes" | "no"): Ladder | null => {
  let levels = m[`${side}_dollars_fp`]
  let cents = false
  if (levels === undefined || levels === null) levels = m[`${side}_dollars`]
  if (levels === undefined || levels === null) {
    levels = m[side]
    cents = true
  }
  const prices: number[] = []
  const sizes: number[] = []
  if (levels === undefined || levels === null) return { prices, sizes }
  if (!Array.isArray(levels)) return null
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i] as unknown
    if (!Array.isArray(level)) return null
    let p = venueNumber(level[0])
    if (cents) p = p / 100
    const s = venueNumber(level[1])
    if (!(p >= 0 && p <= 1) || !(s >= 0)) return null
    prices.push(p)
    sizes.push(s)
  }
  return { prices, sizes }
}

const decodeObject = (o: Obj, text: string, out: BookEvent[], replies: KalshiReply[], stats: DecodeStats): void => {
  const type = o["type"]
  const sid = intOf(o["sid"])
  const seq = intOf(o["seq"])
  const msg = objOf(o["msg"])
  switch (type) {
    case "orderbook_snapshot": {
      const market = msg === null ? null : msg["market_ticker"]
      const yesBids = msg === null ? null : readSide(msg, "yes")
      const noBids = msg === null ? null : readSide(msg, "no")
      if (typeof market !== "string" || market.length === 0 || sid === null || seq === null || yesBids === null || noBids === null) {
        recordMalformed(stats, text, `kalshi orderbook_snapshot: ${typeof market !== "string" || market.length === 0 ? "missing market_ticker" : sid === null || seq === null ? "missing sid/seq" : "bad level (price outside 0..1 or bad size)"}`)
        return
      }
      out.push({ kind: "binary_snapshot", marketId: market, yesBids, noBids, sid, seq, sourceTs: sourceTsOf(msg!) })
      stats.events++
      return
    }
    case "orderbook_delta": {
      if (msg === null || sid === null || seq === null) {
        recordMalformed(stats, text, "kalshi orderbook_delta: missing msg/sid/seq")
        return
      }
      const market = msg["market_ticker"]
      const side = msg["side"]
      const price = priceOf(msg, ["price_dollars", "price_dollars_fp"], "price")
      const delta = numberOf(msg, ["delta_fp", "delta_dollars_fp", "delta"])
      if (typeof market !== "string" || market.length === 0 || (side !== "yes" && side !== "no") || Number.isNaN(price) || !Number.isFinite(delta)) {
        recordMalformed(stats, text, `kalshi orderbook_delta: ${typeof market !== "string" || market.length === 0 ? "missing market_ticker" : side !== "yes" && side !== "no" ? "side is not yes/no" : Number.isNaN(price) ? "price missing or outside 0..1" : "bad delta"}`)
        return
      }
      out.push({ kind: "binary_delta", marketId: market, outcome: side, price, delta, sid, seq, sourceTs: sourceTsOf(msg) })
      stats.events++
      return
    }
    case "trade": {
      if (msg === null) {
        recordMalformed(stats, text, "kalshi trade: missing msg")
        return
      }
      const market = msg["market_ticker"]
      const taker = msg["taker_side"]
      // recorded once, on "yes", at the YES price (domain/TradeRow.ts)
      const price = priceOf(msg, ["yes_price_dollars"], "yes_price")
      const size = numberOf(msg, ["count_fp", "count"])
      if (typeof market !== "string" || market.length === 0 || (taker !== "yes" && taker !== "no") || Number.isNaN(price) || !(size >= 0)) {
        recordMalformed(stats, text, `kalshi trade: ${typeof market !== "string" || market.length === 0 ? "missing market_ticker" : taker !== "yes" && taker !== "no" ? "taker_side is not yes/no" : Number.isNaN(price) ? "price missing or outside 0..1" : "bad count"}`)
        return
      }
      const tradeId = msg["trade_id"]
      const base = {
        kind: "trade" as const,
        marketId: market,
        outcomeId: "yes",
        price,
        size,
        side: taker === "yes" ? "buy" as const : "sell" as const,
        tradeId: typeof tradeId === "string" && tradeId.length > 0 ? tradeId : null,
        sourceTs: sourceTsOf(msg)
      }
      out.push(sid !== null && seq !== null ? { ...base, sid, seq } : base)
      stats.events++
      return
    }
    case "subscribed": {
      const subSid = msg === null ? null : intOf(msg["sid"])
      const channel = msg === null ? null : msg["channel"]
      if (subSid === null) {
        recordMalformed(stats, text, "kalshi subscribed: missing msg.sid")
        return
      }
      replies.push({ type: "subscribed", id: intOf(o["id"]), channel: typeof channel === "string" ? channel : "", sid: subSid })
      return
    }
    case "ok": {
      const tickers = okTickers(o["msg"])
      replies.push({
        type: "ok",
        id: intOf(o["id"]),
        sid,
        ...(seq !== null ? { seq } : {}),
        ...(tickers !== null ? { marketTickers: tickers } : {})
      })
      pushSeqOnly(sid, seq, out, stats)
      return
    }
    case "unsubscribed": {
      if (sid === null) {
        recordMalformed(stats, text, "kalshi unsubscribed: missing sid")
        return
      }
      const id = intOf(o["id"])
      replies.push({ type: "unsubscribed", sid, ...(id !== null ? { id } : {}), ...(seq !== null ? { seq } : {}) })
      pushSeqOnly(sid, seq, out, stats)
      return
    }
    case "error": {
      const code = msg === null ? null : intOf(msg["code"])
      const m = msg === null ? null : msg["msg"]
      replies.push({ type: "error", id: intOf(o["id"]), code, msg: typeof m === "string" ? m : "" })
      return
    }
    default: {
      if (typeof type === "string" && IGNORED_TYPES.has(type)) stats.ignored++
      else stats.unknown++
      // still consumes a seq on its own subscription
      pushSeqOnly(sid, seq, out, stats)
    }
  }
}

const pushSeqOnly = (sid: number | null, seq: number | null, out: BookEvent[], stats: DecodeStats): void => {
  if (sid === null || seq === null) return
  out.push({ kind: "seq_only", sid, seq })
  stats.events++
}

/** `ok` for update_subscription: `msg: { market_tickers: [...] }` (demo capture) or a bare array. */
const okTickers = (v: unknown): string[] | null => {
  const list = Array.isArray(v) ? v : objOf(v)?.["market_tickers"]
  if (!Array.isArray(list)) return null
  const out: string[] = []
  for (const t of list) if (typeof t === "string") out.push(t)
  return out
}
