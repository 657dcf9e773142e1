import type { SnapshotRow } from "../domain/SnapshotRow.js"
import type { VenueId } from "../domain/VenueId.js"
import { bestLevels, type Ladder, PRICE_SCALE } from "./Ladder.js"

/**
 * Build one snapshot row (docs/DESIGN.md, "Data layout") from a bid ladder and an ask ladder (see Ladder.ts for the
 * key orientation: both sides hold their best level last; ask price = (SCALE - key) / SCALE).
 *
 * Conventions (documented in docs/PROTOCOLS.md):
 * - missing best price = NaN, missing best size = 0 (seed convention);
 * - `mid` and `spread` are NaN unless both sides have a level; a crossed book still gets them
 *   (spread <= 0), because the crossed moment is exactly what an analyst wants to see;
 * - status precedence: stale > empty > partial > crossed > ok; a LOCKED book (best bid ==
 *   best ask) counts as crossed: on a real exchange such orders would have matched;
 * - stale rows keep the last known levels (err says why) so the moment is inspectable;
 *   consumers filter on status.
 */
export const buildSnapshotRow = (
  venue: VenueId,
  marketId: string,
  outcomeId: string,
  tsRecv: number,
  bids: Ladder,
  asks: Ladder,
  topK: number,
  seq: number,
  sourceTs: number | null,
  staleReason: string | null,
  /** the event-log position the row reflects (null: no event log) */
  eventSeq: number | null = null
): SnapshotRow => {
  const nb = bids.count < topK ? bids.count : topK
  const na = asks.count < topK ? asks.count : topK
  const { px: bidPx, sz: bidSz } = bestLevels(bids, nb, false)
  const { px: askPx, sz: askSz } = bestLevels(asks, na, true)
  const bk = bids.keys
  const ak = asks.keys
  const bestBidPx = nb > 0 ? bidPx[0]! : NaN
  const bestBidSz = nb > 0 ? bidSz[0]! : 0
  const bestAskPx = na > 0 ? askPx[0]! : NaN
  const bestAskSz = na > 0 ? askSz[0]! : 0
  const twoSided = nb > 0 && na > 0
  // integer grid units of the best levels: mid and spread from exact integers give the
  // double nearest the decimal answer (0.02, not 0.020000000000000018)
  const bestBidUnits = nb > 0 ? bk[bids.count - 1]! : 0
  const bestAskUnits = na > 0 ? PRICE_SCALE - ak[asks.count - 1]! : 0
  let status: SnapshotRow["status"]
  if (staleReason !== null) status = "stale"
  else if (nb === 0 && na === 0) status = "empty"
  else if (!twoSided) status = "partial"
  else if (bestBidUnits >= bestAskUnits) status = "crossed"
  else status = "ok"
  return {
    ts_recv: tsRecv,
    venue,
    market_id: marketId,
    outcome_id: outcomeId,
    seq,
    best_bid_px: bestBidPx,
    best_bid_sz: bestBidSz,
    best_ask_px: bestAskPx,
    best_ask_sz: bestAskSz,
    mid: twoSided ? (bestBidUnits + bestAskUnits) / (2 * PRICE_SCALE) : NaN,
    spread: twoSided ? (bestAskUnits - bestBidUnits) / PRICE_SCALE : NaN,
    bid_px: bidPx,
    bid_sz: bidSz,
    ask_px: askPx,
    ask_sz: askSz,
    status,
    err: staleReason,
    source_ts: sourceTs,
    ...(eventSeq !== null ? { event_seq: eventSeq } : {})
  }
}
