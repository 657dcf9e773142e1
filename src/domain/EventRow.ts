/**
 * One row of the event log (docs/DESIGN.md, "Data layout"; README "book_events"): every change
 * the collector made to a venue's books, every trade and tick-size change it decoded, and a
 * marker for everything that breaks continuity. Replaying a bucket's rows in `event_seq` order
 * through a BookStore rebuilds every book at any instant of the bucket (src/replay/rebuild.ts).
 *
 * Plain TypeScript (hot path): built in a plain loop by src/books/EventLog.ts, no Schema.
 *
 * Kinds:
 * - `checkpoint`: the state of one live book at the start of the bucket (file self-contained):
 *   `book_seq` = the book's update count, `source_ts`, `reason` = why it is stale (null = trusted),
 *   its levels in `bid_px`/`bid_sz`/`ask_px`/`ask_sz`. `outcome_id` null = a binary (Kalshi)
 *   market: `bid_*` hold its YES bids, `ask_*` its NO bids.
 * - `snapshot`: a full book from the venue, levels in the same lists: the reader replaces the book.
 * - `level`: new aggregate size at one price (0 removes the level).
 * - `trade`: price, size, taker side (`side` buy/sell), `trade_id` when the venue gives one.
 * - `tick_size`: `price` = the new tick size.
 * - markers: `session_start` (a collector started: no book known), `subscribed`, `unsubscribed`,
 *   `resubscribed` (watchdog asked the venue again; the book is kept), `connection_lost` and
 *   `seq_gap` (the book is stale until its next snapshot; `reason` says why), `resync` (levels
 *   cleared, stale until a fresh snapshot), `silence` (the collector wrote a stale row because
 *   the book had no message for `stale_after_ms`; until the book's next message).
 */
export type EventKind =
  | "checkpoint" | "snapshot" | "level" | "trade" | "tick_size"
  | "session_start" | "subscribed" | "unsubscribed" | "resubscribed"
  | "connection_lost" | "seq_gap" | "resync" | "silence"

export const EVENT_KINDS: ReadonlyArray<EventKind> = [
  "checkpoint", "snapshot", "level", "trade", "tick_size",
  "session_start", "subscribed", "unsubscribed", "resubscribed",
  "connection_lost", "seq_gap", "resync", "silence"
]

export interface EventRow {
  /** collector receive time, epoch ms (TIMESTAMP MILLIS UTC in the file) */
  readonly ts_recv: number
  /** per-venue position in the log: increases by one per event; the rows of one snapshot or checkpoint share it */
  readonly event_seq: number
  readonly kind: EventKind
  readonly market_id: string
  /** Polymarket token id, Kalshi "yes"/"no"; null when the row concerns the whole market */
  readonly outcome_id: string | null
  /** level: "bid" | "ask"; trade: taker "buy" | "sell" */
  readonly side: string | null
  readonly price: number | null
  readonly size: number | null
  /** the venue's own time, epoch ms, when the frame carries one */
  readonly source_ts: number | null
  /** the venue's sequence number (Kalshi seq on its subscription) */
  readonly venue_seq: number | null
  readonly trade_id: string | null
  /** why a book is stale (markers, checkpoints) */
  readonly reason: string | null
  /** checkpoint only: the book's update count (the snapshot rows' `seq`) */
  readonly book_seq: number | null
  /** snapshot and checkpoint: the levels, best first (Kalshi, outcome null: YES bids, then NO bids in `ask_*`) */
  readonly bid_px: ReadonlyArray<number> | null
  readonly bid_sz: ReadonlyArray<number> | null
  readonly ask_px: ReadonlyArray<number> | null
  readonly ask_sz: ReadonlyArray<number> | null
}

export const EVENT_COLUMNS = [
  "ts_recv", "event_seq", "kind", "market_id", "outcome_id", "side", "price", "size",
  "source_ts", "venue_seq", "trade_id", "reason", "book_seq", "bid_px", "bid_sz", "ask_px", "ask_sz"
] as const satisfies ReadonlyArray<keyof EventRow>
