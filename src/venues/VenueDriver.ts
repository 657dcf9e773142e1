import type { BookEvent, TradeEvent } from "../domain/BookEvent.js"
import type { SnapshotRow } from "../domain/SnapshotRow.js"
import type { SubscriptionSpec } from "../domain/Subscription.js"
import type { TradeRow } from "../domain/TradeRow.js"
import type { VenueId } from "../domain/VenueId.js"
import type { DecodeStats } from "./DecodeStats.js"
import type { MarketActivity } from "./MarketActivity.js"
import type { RecentTrades } from "./RecentTrades.js"

/**
 * The seam between a venue's wire protocol (src/venues/{venue}/stream.ts) and the collector's
 * pipeline (src/collector/). A driver owns one connection's subscriptions and turns chunks of
 * text frames into book updates and trades with plain loops (no Effect per frame); the
 * collector owns the socket, the Streams, the timers and the retries.
 */

/** What a driver needs of the book store (implemented by src/books/BookStore.ts). */
export interface BookSink {
  apply(ev: BookEvent, recvTs: number): void
  snapshotRow(marketId: string, outcomeId: string, tsRecv: number): SnapshotRow
  markStale(marketId: string, reason: string): void
  resetMarket(marketId: string, reason?: string): void
  drop(marketId: string): void
  /** Kalshi: the markets whose book last came from subscription `sid` */
  marketsWithSid(sid: number): ReadonlyArray<string>
  /** event log (src/books/EventLog.ts): every decoded trade, repeats included */
  noteTrade?(ev: TradeEvent, recvTs: number): void
  /** event log: the watchdog asked the venue again (outcome null = the whole market); depth is unchanged */
  noteResubscribe?(marketId: string, outcomeId: string | null): void
}

/** Counters a driver bumps on the hot path (a subset of the collector's per-venue metrics). */
export interface DriverCounters {
  messagesReceived: number
  trades: number
  /** trades received again and not written twice */
  duplicateTrades: number
  malformed: number
  unknown: number
  lastMalformed: string | null
  assetResubscribes: number
  seqGaps: number
  /** Kalshi frames with a repeated or older seq: dropped, not a gap */
  seqOutOfOrder: number
  bookResyncs: number
  venueErrors: number
  /** book sockets replaced because the venue-wide feed showed activity they never delivered */
  connectionStalls: number
}

/** Shared by all connections of one venue; filled in the hot path, drained by the collector. */
export interface IngestContext {
  readonly venue: VenueId
  readonly books: BookSink
  readonly metrics: DriverCounters
  readonly decodeStats: DecodeStats
  /** trades decoded since the last drain (the collector hands them to the sink) */
  readonly trades: Array<TradeRow>
  /** trades recorded lately, so a repeated one is counted instead of written twice */
  readonly recentTrades: RecentTrades
  /** warnings to log (seq gaps, venue errors); bounded, drained with the trades */
  readonly notices: Array<string>
  readonly firstBookTimeoutMs: number
  readonly assetSilenceMs: number
  /** what a venue-wide feed (Kalshi firehose) says is active; absent = no such feed */
  readonly activity?: MarketActivity
  /**
   * a book socket silent this long after the feed showed one of its markets active is stalled
   * (the feed and the books ride different sockets, so a little skew is normal)
   */
  readonly stallGraceMs?: number
}

/** The venue protocol of one connection. */
export interface ConnectionDriver {
  readonly label: string
  readonly url: string
  /** headers for this attempt (Kalshi signs with the current time) */
  handshakeHeaders(nowMs: number): Record<string, string>
  /** text keep-alive, sent only once `hasSubscribed()` (Polymarket PING); null when the venue pings us */
  readonly keepAlive: { readonly text: string; readonly intervalMs: number } | null
  /** socket open: reset books of this connection and (re)subscribe everything it carries */
  attach(send: (text: string) => void, nowMs: number): void
  /** socket gone: books of this connection are written stale until their fresh snapshot */
  detach(reason: string, nowMs: number): void
  hasSubscribed(): boolean
  /** keep-alive answers (`PONG`) do not count as data for the silence watchdog */
  isKeepAliveReply(text: string): boolean
  /** hot path: decode + apply frames[from, to), plain loops, no Effect per frame */
  ingest(frames: ReadonlyArray<string>, from: number, to: number, recvTs: number): void
  /** per-asset first-book / silence watchdog; may resubscribe single assets */
  watchAssets(nowMs: number): void
  /** why this socket must be replaced (the venue keeps refusing what it should accept); null = it need not */
  reconnectReason(): string | null
  /**
   * markets this connection should carry that have no live subscription on the venue (socket
   * down, subscribe unanswered or refused), and since when the longest-waiting one has had none
   */
  unsubscribedMarkets(): { readonly count: number; readonly sinceMs: number | null }
  /**
   * subscriptions the venue confirmed on the current socket (Polymarket: its book arrived;
   * Kalshi: the book channel's `subscribed` reply came)
   */
  liveSubscriptions(): number
}

/** The subscription operations the collector uses for sharding. */
export interface VenueConnection {
  readonly label: string
  /** subscriptions carried (what max_assets_per_connection bounds) */
  readonly size: number
  has(key: string): boolean
  add(specs: ReadonlyArray<SubscriptionSpec>, nowMs: number): void
  remove(keys: ReadonlyArray<string>, nowMs: number): void
  updateSpec(spec: SubscriptionSpec): void
  /** markets (not keys) this connection carries; used to route both tokens of a market together */
  hasMarket(marketId: string): boolean
  /** Clock ms of the last data message for `key` on the current socket (or its (re)subscribe); null = unknown key */
  lastActivityMs(key: string): number | null
}

export type VenueDriver = ConnectionDriver & VenueConnection
