import { Schema } from "effect"
import { VenueId } from "./VenueId.js"

/**
 * One line of `data/health/venue=V/date=D/health.jsonl`: what the collector saw for one venue
 * in one minute (src/ops/HealthLog.ts writes it, `surveillance status` and `surveillance
 * report` read it). Counters are what happened within the window [ts, ts + covered_ms);
 * gauges are their value at its end. The fractions are over the snapshot rows of the window
 * (null when it had none). A window is shorter than a minute only at start and shutdown.
 */
export const HealthRecord = Schema.Struct({
  /** epoch ms, UTC start of the minute the window lies in */
  ts: Schema.Number,
  venue: VenueId,
  /** ms of the minute this record covers (60000 except the first and last of a run) */
  covered_ms: Schema.Number,
  /** gauge: sockets open / connections that exist (open or reconnecting) */
  connections: Schema.Number,
  connections_total: Schema.Number,
  /** gauges: subscriptions (Polymarket tokens, Kalshi tickers) and books held */
  subscribed: Schema.Number,
  books: Schema.Number,
  /** counters within the window */
  reconnects: Schema.Number,
  seq_gaps: Schema.Number,
  messages: Schema.Number,
  rows: Schema.Number,
  trades: Schema.Number,
  stale_frac: Schema.NullOr(Schema.Number),
  crossed_frac: Schema.NullOr(Schema.Number)
})
export type HealthRecord = typeof HealthRecord.Type

export const decodeHealthRecord = Schema.decodeUnknownEither(Schema.parseJson(HealthRecord))
