/**
 * What venue decoders produce from WebSocket frames and the book store consumes.
 * Plain TypeScript (hot path): no Schema, no Effect per message.
 *
 * Prices are probabilities in 0..1 (Kalshi cents / 100); sizes are contracts/shares.
 * `sourceTs` is the venue timestamp in epoch ms when the frame carries one, else null.
 */
export type BookSide = "bid" | "ask"

/** Parallel arrays, any order (the book store sorts). */
export interface Ladder {
  readonly prices: ReadonlyArray<number>
  readonly sizes: ReadonlyArray<number>
}

/** Full replacement of one outcome's book (Polymarket `book`). */
export interface BookSnapshotEvent {
  readonly kind: "snapshot"
  readonly marketId: string
  readonly outcomeId: string
  readonly bids: Ladder
  readonly asks: Ladder
  readonly sourceTs: number | null
}

/** Absolute new aggregate size at one price (Polymarket `price_change`); size 0 removes. */
export interface LevelSetEvent {
  readonly kind: "level_set"
  readonly marketId: string
  readonly outcomeId: string
  readonly side: BookSide
  readonly price: number
  readonly size: number
  readonly sourceTs: number | null
}

/**
 * Kalshi: full replacement of a market's YES and NO bid ladders (`orderbook_snapshot`).
 * The book store derives YES asks = 1 - NO bids and NO asks = 1 - YES bids.
 */
export interface BinarySnapshotEvent {
  readonly kind: "binary_snapshot"
  readonly marketId: string
  readonly yesBids: Ladder
  readonly noBids: Ladder
  readonly sid: number
  readonly seq: number
  readonly sourceTs: number | null
}

/** Kalshi: signed change of resting quantity on the YES or NO bid ladder (`orderbook_delta`). */
export interface BinaryDeltaEvent {
  readonly kind: "binary_delta"
  readonly marketId: string
  readonly outcome: "yes" | "no"
  readonly price: number
  readonly delta: number
  readonly sid: number
  readonly seq: number
  readonly sourceTs: number | null
}

export interface TradeEvent {
  readonly kind: "trade"
  readonly marketId: string
  readonly outcomeId: string
  readonly price: number
  readonly size: number
  readonly side: "buy" | "sell"
  readonly tradeId: string | null
  readonly sourceTs: number | null
  /** Kalshi sid/seq when present: trades consume a seq on their sid */
  readonly sid?: number
  readonly seq?: number
}

export interface TickSizeEvent {
  readonly kind: "tick_size"
  readonly marketId: string
  readonly outcomeId: string
  readonly tickSize: number
  readonly sourceTs: number | null
}

/** A frame that only consumes a sequence number on a subscription (Kalshi `ok`, `unsubscribed`). */
export interface SeqOnlyEvent {
  readonly kind: "seq_only"
  readonly sid: number
  readonly seq: number
}

export type BookEvent =
  | BookSnapshotEvent
  | LevelSetEvent
  | BinarySnapshotEvent
  | BinaryDeltaEvent
  | TradeEvent
  | TickSizeEvent
  | SeqOnlyEvent
