import type { VenueId } from "../domain/VenueId.js"

/**
 * Per-venue collector counters: plain mutable numbers, written on the hot path without any
 * Effect and read by the /metrics endpoint. Counters only ever increase; gauges
 * (`connectionsUp`, `subscriptionsHot`, `subscriptionsWarm`, `subscriptionsLive`, `books`, `unsubscribedMarkets`,
 * `unsubscribedSinceMs`, `lastMessageAtMs`)
 * are overwritten.
 */
export interface VenueMetrics {
  readonly venue: VenueId
  /** gauge: sockets currently open */
  connectionsUp: number
  /** gauge: connections (shards) that exist, open or reconnecting */
  connections: number
  /** gauge: subscriptions by tier */
  subscriptionsHot: number
  subscriptionsWarm: number
  /** gauge: subscriptions the venue confirmed (Polymarket: book received; Kalshi: subscribed reply) */
  subscriptionsLive: number
  /** gauge: books held in memory */
  books: number
  /** gauge: markets to record that have no live subscription on the venue (socket down, subscribe unanswered or refused) */
  unsubscribedMarkets: number
  /** gauge: Clock ms since which the longest-waiting of them has had none; null = none waiting */
  unsubscribedSinceMs: number | null
  /** counters */
  /** every WebSocket text frame the sockets delivered (keep-alive answers and venue replies included) */
  framesReceived: number
  messagesReceived: number
  bytesReceived: number
  malformed: number
  unknown: number
  bookResyncs: number
  seqGaps: number
  /** Kalshi frames with a repeated or older seq: dropped, not a gap */
  seqOutOfOrder: number
  reconnects: number
  /** connections emptied into others after rotation left them below half full */
  connectionsConsolidated: number
  socketSilenceTimeouts: number
  assetResubscribes: number
  venueErrors: number
  connectionStalls: number
  snapshotRows: number
  /** of `snapshotRows`: rows written `stale` and `crossed` (the per-minute health record's fractions) */
  snapshotRowsStale: number
  snapshotRowsCrossed: number
  trades: number
  /** trades seen again (same trade) and not written */
  duplicateTrades: number
  /** gauge: epoch ms of the last inbound data frame (keep-alive answers excluded); 0 = never */
  lastMessageAtMs: number
  /** first 200 chars of the last malformed frame, for debugging */
  lastMalformed: string | null
}

export const makeVenueMetrics = (venue: VenueId): VenueMetrics => ({
  venue,
  connectionsUp: 0,
  connections: 0,
  subscriptionsHot: 0,
  subscriptionsWarm: 0,
  subscriptionsLive: 0,
  books: 0,
  unsubscribedMarkets: 0,
  unsubscribedSinceMs: null,
  framesReceived: 0,
  messagesReceived: 0,
  bytesReceived: 0,
  malformed: 0,
  unknown: 0,
  bookResyncs: 0,
  seqGaps: 0,
  seqOutOfOrder: 0,
  reconnects: 0,
  connectionsConsolidated: 0,
  socketSilenceTimeouts: 0,
  assetResubscribes: 0,
  venueErrors: 0,
  connectionStalls: 0,
  snapshotRows: 0,
  snapshotRowsStale: 0,
  snapshotRowsCrossed: 0,
  trades: 0,
  duplicateTrades: 0,
  lastMessageAtMs: 0,
  lastMalformed: null
})

/** The registry the collector fills and /metrics reads: one entry per running venue. */
export class CollectorMetrics {
  readonly venues = new Map<VenueId, VenueMetrics>()
  forVenue(venue: VenueId): VenueMetrics {
    let m = this.venues.get(venue)
    if (m === undefined) {
      m = makeVenueMetrics(venue)
      this.venues.set(venue, m)
    }
    return m
  }
}
