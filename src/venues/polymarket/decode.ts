import type { BookEvent, BookSide } from "../../domain/BookEvent.js"
import { type DecodeStats, recordMalformed, venueNumber } from "../DecodeStats.js"

/**
 * Polymarket CLOB market-channel frames -> BookEvents (docs/PROTOCOLS.md, "Market WebSocket").
 *
 * Hot path: one JSON.parse per frame, then plain loops; never throws. Facts it relies on:
 * - a frame is one object or an array of objects (documented-shapes.jsonl line 4, nautilus
 *   ws_market_mixed_known_unknown.json);
 * - `event_type` may be absent (captured-2026-01.jsonl, nautilus ws_book_snapshot.json,
 *   ws_last_trade.json, ws_tick_size_change.json): the object is recognised by its shape;
 * - prices/sizes/timestamps are strings (".48" is a valid price); `timestamp` is epoch ms;
 * - `price_change` comes in the current shape (`price_changes[]`, one entry per asset, since
 *   2025-09-15) and the legacy shape (`asset_id` + `changes[]`); `size` is the new absolute
 *   aggregate at that price, "0" removes; BUY = bid, SELL = ask;
 * - book frames may carry `tick_size` / `last_trade_price` (possibly "") and may lack `hash`:
 *   none of those are needed, so none are read.
 * Ids: marketId = `market` (condition id), outcomeId = `asset_id` (token id).
 */

type Obj = Record<string, unknown>

const IGNORED_TYPES = new Set(["best_bid_ask", "new_market", "market_resolved"])

export const decodePolymarketFrame = (text: string, out: BookEvent[], stats: DecodeStats): void => {
  stats.frames++
  // keep-alive answer (docs/PROTOCOLS.md: client sends PING, server answers PONG)
  if (text === "PONG") {
    stats.ignored++
    return
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    recordMalformed(stats, text, "polymarket: frame is not JSON")
    return
  }
  try {
    if (Array.isArray(parsed)) {
      for (let i = 0; i < parsed.length; i++) decodeObject(parsed[i], text, out, stats)
    } else {
      decodeObject(parsed, text, out, stats)
    }
  } catch {
    // defensive: the code above is written not to throw on any JSON value
    recordMalformed(stats, text, "polymarket: decoder fault")
  }
}

/** Ids are strings only: a 77-digit token id sent as a JSON number has already lost its digits. */
const idOf = (v: unknown): string | null => (typeof v === "string" && v.length > 0 ? v : null)

const timestampOf = (v: unknown): number | null => {
  const n = venueNumber(v)
  return Number.isFinite(n) ? n : null
}

const sideOf = (v: unknown): BookSide | null =>
  v === "BUY" || v === "buy" ? "bid" : v === "SELL" || v === "sell" ? "ask" : null

const isPrice = (p: number): boolean => p >= 0 && p <= 1

const decodeObject = (value: unknown, text: string, out: BookEvent[], stats: DecodeStats): void => {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    recordMalformed(stats, text, "polymarket: array element is not an object")
    return
  }
  const o = value as Obj
  let type = o["event_type"]
  if (type === undefined) type = shapeOf(o)
  switch (type) {
    case "book":
      return decodeBook(o, text, out, stats)
    case "price_change":
      return decodePriceChange(o, text, out, stats)
    case "last_trade_price":
      return decodeTrade(o, text, out, stats)
    case "tick_size_change":
      return decodeTickSize(o, text, out, stats)
    default:
      if (typeof type === "string" && IGNORED_TYPES.has(type)) stats.ignored++
      else stats.unknown++
  }
}

/** Recognise an object without `event_type` by the fields only that message type has. */
const shapeOf = (o: Obj): string | undefined => {
  if (Array.isArray(o["price_changes"]) || Array.isArray(o["changes"])) return "price_change"
  if (Array.isArray(o["bids"]) || Array.isArray(o["asks"])) return "book"
  if (o["new_tick_size"] !== undefined) return "tick_size_change"
  if (o["price"] !== undefined && o["side"] !== undefined && o["asset_id"] !== undefined) return "last_trade_price"
  if (o["best_bid"] !== undefined && o["best_ask"] !== undefined && o["asset_id"] !== undefined) return "best_bid_ask"
  return undefined
}

/** Levels as [{price, size}] (documented) or [[price, size]]; null if any level is bad. */
const readLevels = (v: unknown): { prices: number[]; sizes: number[] } | null => {
  const prices: number[] = []
  const sizes: number[] = []
  if (v === undefined || v === null) return { prices, sizes }
  if (!Array.isArray(v)) return null
  for (let i = 0; i < v.length; i++) {
    const level = v[i] as unknown
    let p: number
    let s: number
    if (Array.isArray(level)) {
      p = venueNumber(level[0])
      s = venueNumber(level[1])
    } else if (level !== null && typeof level === "object") {
      p = venueNumber((level as Obj)["price"])
      s = venueNumber((level as Obj)["size"])
    } else return null
    if (!isPrice(p) || !(s >= 0)) return null
    prices.push(p)
    sizes.push(s)
  }
  return { prices, sizes }
}

const bookProblem = (marketId: string | null, outcomeId: string | null, bids: unknown, asks: unknown): string =>
  marketId === null ? "polymarket book: missing market"
  : outcomeId === null ? "polymarket book: missing asset_id"
  : `polymarket book ${outcomeId}: bad ${bids === null ? "bids" : "asks"} level (price outside 0..1 or bad size)`

const levelProblem = (what: string, marketId: string | null, outcomeId: string | null, side: unknown, price: number, size: number): string =>
  marketId === null ? `${what}: missing market`
  : outcomeId === null ? `${what}: missing asset_id`
  : side === null ? `${what} ${outcomeId}: side is not BUY/SELL`
  : !isPrice(price) ? `${what} ${outcomeId}: price not in 0..1`
  : `${what} ${outcomeId}: bad size ${size}`

const decodeBook = (o: Obj, text: string, out: BookEvent[], stats: DecodeStats): void => {
  const marketId = idOf(o["market"])
  const outcomeId = idOf(o["asset_id"])
  const bids = readLevels(o["bids"])
  const asks = readLevels(o["asks"])
  if (marketId === null || outcomeId === null || bids === null || asks === null) {
    recordMalformed(stats, text, bookProblem(marketId, outcomeId, bids, asks))
    return
  }
  out.push({ kind: "snapshot", marketId, outcomeId, bids, asks, sourceTs: timestampOf(o["timestamp"]) })
  stats.events++
}

const decodePriceChange = (o: Obj, text: string, out: BookEvent[], stats: DecodeStats): void => {
  const frameMarket = idOf(o["market"])
  const sourceTs = timestampOf(o["timestamp"])
  const current = o["price_changes"]
  // current shape: one entry per (asset, price); legacy: the asset is on the frame
  const entries = Array.isArray(current) ? current : o["changes"]
  if (!Array.isArray(entries)) {
    recordMalformed(stats, text, "polymarket price_change: no price_changes/changes array")
    return
  }
  const frameAsset = Array.isArray(current) ? null : idOf(o["asset_id"])
  for (let i = 0; i < entries.length; i++) {
    const c = entries[i] as unknown
    if (c === null || typeof c !== "object") {
      recordMalformed(stats, text, "polymarket price_change: entry is not an object")
      continue
    }
    const e = c as Obj
    const marketId = frameMarket ?? idOf(e["market"])
    const outcomeId = frameAsset ?? idOf(e["asset_id"])
    const side = sideOf(e["side"])
    const price = venueNumber(e["price"])
    const size = venueNumber(e["size"])
    if (marketId === null || outcomeId === null || side === null || !isPrice(price) || !(size >= 0)) {
      recordMalformed(stats, text, levelProblem("polymarket price_change", marketId, outcomeId, side, price, size))
      continue
    }
    out.push({ kind: "level_set", marketId, outcomeId, side, price, size, sourceTs })
    stats.events++
  }
}

const decodeTrade = (o: Obj, text: string, out: BookEvent[], stats: DecodeStats): void => {
  const marketId = idOf(o["market"])
  const outcomeId = idOf(o["asset_id"])
  const price = venueNumber(o["price"])
  const size = venueNumber(o["size"])
  const s = o["side"]
  const side = s === "BUY" || s === "buy" ? "buy" : s === "SELL" || s === "sell" ? "sell" : null
  if (marketId === null || outcomeId === null || side === null || !isPrice(price) || !(size >= 0)) {
    recordMalformed(stats, text, levelProblem("polymarket last_trade_price", marketId, outcomeId, side, price, size))
    return
  }
  const tx = o["transaction_hash"]
  out.push({
    kind: "trade",
    marketId,
    outcomeId,
    price,
    size,
    side,
    tradeId: typeof tx === "string" && tx.length > 0 ? tx : null,
    sourceTs: timestampOf(o["timestamp"])
  })
  stats.events++
}

const decodeTickSize = (o: Obj, text: string, out: BookEvent[], stats: DecodeStats): void => {
  const marketId = idOf(o["market"])
  const outcomeId = idOf(o["asset_id"])
  const tickSize = venueNumber(o["new_tick_size"])
  if (marketId === null || outcomeId === null || !(tickSize > 0 && tickSize < 1)) {
    recordMalformed(stats, text, "polymarket tick_size_change: missing market/asset_id or new_tick_size not in (0,1)")
    return
  }
  out.push({ kind: "tick_size", marketId, outcomeId, tickSize, sourceTs: timestampOf(o["timestamp"]) })
  stats.events++
}
