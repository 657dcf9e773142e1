import { Schema } from "effect"
import { VenueId } from "./VenueId.js"

/** Taker side. Polymarket: the frame's `side`. Kalshi: `taker_side` yes -> buy (of YES), no -> sell (of YES). */
export const TakerSide = Schema.Literal("buy", "sell")
export type TakerSide = typeof TakerSide.Type

/**
 * One trade (DESIGN section 6). Kalshi trades are recorded once, on outcome "yes", at the
 * YES price (a NO purchase at q is a YES sale at 1 - q).
 */
export const TradeRow = Schema.Struct({
  ts_recv: Schema.Number,
  source_ts: Schema.NullOr(Schema.Number),
  venue: VenueId,
  market_id: Schema.String,
  outcome_id: Schema.String,
  price: Schema.Number,
  size: Schema.Number,
  side: TakerSide,
  trade_id: Schema.NullOr(Schema.String)
})
export type TradeRow = typeof TradeRow.Type

export const TRADE_COLUMNS = [
  "ts_recv", "source_ts", "venue", "market_id", "outcome_id", "price", "size", "side", "trade_id"
] as const satisfies ReadonlyArray<keyof TradeRow>
