/**
 * Trades exactly once: a bounded memory of the trades recorded in the last `windowMs`, so a
 * trade the venue sends twice (a repeated frame, the same fill on two sockets while a rotation
 * overlaps them) becomes one row and a counted duplicate.
 *
 * Identity: the venue's trade id (Polymarket `transaction_hash`, Kalshi `trade_id`) together
 * with market, outcome, price, size and side: one Polymarket transaction can settle several
 * fills, and those are distinct trades with the same hash. Without an id: market, outcome,
 * price, size, side and the venue's timestamp (a trade without either is never called a
 * duplicate: nothing tells it from a new one).
 */
import type { TradeRow } from "../domain/TradeRow.js"

export const RECENT_TRADES_WINDOW_MS = 60_000
export const RECENT_TRADES_MAX = 100_000

type TradeIdentity = Pick<TradeRow, "market_id" | "outcome_id" | "price" | "size" | "side" | "trade_id" | "source_ts">

/** The identity key, or null when the trade has neither an id nor a venue timestamp. */
export const tradeKey = (t: TradeIdentity): string | null => {
  if (t.trade_id === null && t.source_ts === null) return null
  // "\u0000" cannot occur in venue ids, so fields never run into each other. join() makes one
  // flat string: a template literal leaves a tree of concatenation nodes per key, which the
  // memory of a minute of trades kept (4 MB of them at 10,000 books, bench P5)
  return [t.market_id, t.outcome_id, t.price, t.size, t.side, t.trade_id !== null ? `id:${t.trade_id}` : `ts:${t.source_ts}`].join("\u0000")
}

export class RecentTrades {
  /** key -> ms it was first seen; a Map iterates in insertion order, so the oldest come first */
  private readonly seenAt = new Map<string, number>()

  constructor(readonly windowMs: number = RECENT_TRADES_WINDOW_MS, readonly maxKeys: number = RECENT_TRADES_MAX) {}

  /** True when the same trade was seen within the window (a duplicate); otherwise remembers it. */
  isRepeat(t: TradeIdentity, nowMs: number): boolean {
    const key = tradeKey(t)
    if (key === null) return false
    for (const [k, at] of this.seenAt) {
      if (at > nowMs - this.windowMs && this.seenAt.size < this.maxKeys) break
      this.seenAt.delete(k)
    }
    if (this.seenAt.has(key)) return true
    this.seenAt.set(key, nowMs)
    return false
  }

  get size(): number {
    return this.seenAt.size
  }
}
