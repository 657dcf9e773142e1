import { Schema } from "effect"

/**
 * One line of `data/metadata/venue=V/date=D/universe.jsonl` (docs/DESIGN.md, "Data layout").
 *
 * - Polymarket: `market_id` = conditionId; `outcome_ids` = `token_ids` (the CLOB asset ids,
 *   which is what the WebSocket speaks and what snapshot rows carry as `outcome_id`);
 *   `outcomes` = labels ("Yes", "No", ...) in the same order.
 * - Kalshi: `market_id` = ticker; `outcome_ids` = ["yes", "no"]; `token_ids` = [].
 */
export const MarketRecord = Schema.Struct({
  market_id: Schema.String,
  title: Schema.String,
  outcome_ids: Schema.Array(Schema.String),
  outcomes: Schema.Array(Schema.String),
  /** epoch ms, null when the venue gives no close time */
  close_ts: Schema.NullOr(Schema.Number),
  /** venue status as given (Polymarket: "active"; Kalshi: "active", ...) */
  status: Schema.String,
  tags: Schema.Array(Schema.String),
  token_ids: Schema.Array(Schema.String),
  event_id: Schema.NullOr(Schema.String),
  slug: Schema.NullOr(Schema.String),
  /** lifetime volume in the venue's units (USDC for Polymarket, contracts for Kalshi) */
  volume: Schema.NullOr(Schema.Number),
  liquidity: Schema.NullOr(Schema.Number),
  /** price tick in probability units (0.01, 0.001) */
  tick_size: Schema.NullOr(Schema.Number)
})
export type MarketRecord = typeof MarketRecord.Type
