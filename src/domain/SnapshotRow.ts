import { Schema } from "effect"
import { VenueId } from "./VenueId.js"

export const SnapshotStatus = Schema.Literal("ok", "partial", "empty", "stale", "crossed")
export type SnapshotStatus = typeof SnapshotStatus.Type

/**
 * One order-book snapshot row (docs/DESIGN.md, "Data layout"), as held in memory.
 *
 * In memory `ts_recv`, `seq` and `source_ts` are JS numbers (epoch ms and counters are far
 * below 2^53); the Parquet codec writes them as INT64 and reads them back as numbers.
 * Missing prices are NaN (seed convention: a one-sided book has NaN `mid` and `spread`),
 * missing sizes are 0. Prices are probabilities in 0..1 for both venues.
 * `bid_px` is descending, `ask_px` ascending, each at most `top_k` long, px/sz equal length.
 */
export const SnapshotRow = Schema.Struct({
  ts_recv: Schema.Number,
  venue: VenueId,
  market_id: Schema.String,
  outcome_id: Schema.String,
  seq: Schema.Number,
  best_bid_px: Schema.Number,
  best_bid_sz: Schema.Number,
  best_ask_px: Schema.Number,
  best_ask_sz: Schema.Number,
  mid: Schema.Number,
  spread: Schema.Number,
  bid_px: Schema.Array(Schema.Number),
  bid_sz: Schema.Array(Schema.Number),
  ask_px: Schema.Array(Schema.Number),
  ask_sz: Schema.Array(Schema.Number),
  status: SnapshotStatus,
  /** why the row is not `ok` (e.g. "seq gap", "connection down"); null when ok */
  err: Schema.NullOr(Schema.String),
  source_ts: Schema.NullOr(Schema.Number),
  /**
   * The event-log position this row reflects (src/books/EventLog.ts): every event with an
   * `event_seq` up to this one was applied, none after. Absent in files written before the
   * event log, and when the log is off.
   */
  event_seq: Schema.optional(Schema.NullOr(Schema.Number))
})
export type SnapshotRow = typeof SnapshotRow.Type

export const SNAPSHOT_COLUMNS = [
  "ts_recv", "venue", "market_id", "outcome_id", "seq",
  "best_bid_px", "best_bid_sz", "best_ask_px", "best_ask_sz", "mid", "spread",
  "bid_px", "bid_sz", "ask_px", "ask_sz", "status", "err", "source_ts", "event_seq"
] as const satisfies ReadonlyArray<keyof SnapshotRow>
