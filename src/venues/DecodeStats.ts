/**
 * Counters a venue decoder keeps while it turns WebSocket text frames into BookEvents.
 * Mutable on purpose: the decoder runs in the hot path and bumps plain fields.
 */
export interface DecodeStats {
  /** text frames seen */
  frames: number
  /** BookEvents produced */
  events: number
  /** objects with an event type we do not know (counted and ignored, e.g. `settlement_preview`) */
  unknown: number
  /** known but unused message types (Polymarket best_bid_ask/new_market/market_resolved, PONG; Kalshi ticker) */
  ignored: number
  /** frames or objects inside a frame that could not be decoded (bad JSON, missing or bad fields) */
  malformed: number
  /** first 200 characters of the most recent malformed frame */
  lastMalformed: string | null
  /** what was wrong with it, e.g. "polymarket book: missing asset_id" */
  lastMalformedReason: string | null
}

export const makeDecodeStats = (): DecodeStats => ({
  frames: 0,
  events: 0,
  unknown: 0,
  ignored: 0,
  malformed: 0,
  lastMalformed: null,
  lastMalformedReason: null
})

export const MALFORMED_SAMPLE_CHARS = 200

export const recordMalformed = (stats: DecodeStats, text: string, reason: string): void => {
  stats.malformed++
  stats.lastMalformed = text.length > MALFORMED_SAMPLE_CHARS ? text.slice(0, MALFORMED_SAMPLE_CHARS) : text
  stats.lastMalformedReason = reason
}

/**
 * A venue number: finite JS number, or a decimal string ("0.48", ".48", "120.00").
 * NaN for anything else (including "" and null), so callers check with Number.isFinite.
 */
export const venueNumber = (v: unknown): number => {
  if (typeof v === "number") return v
  if (typeof v === "string" && v.length > 0) return Number(v)
  return NaN
}
