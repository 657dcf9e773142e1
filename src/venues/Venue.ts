import { Context, type Effect, type Stream } from "effect"
import type { ConfigError } from "../config/ConfigError.js"
import type { MarketRecord } from "../domain/Market.js"
import type { MarketKey } from "../domain/Subscription.js"
import type { VenueId } from "../domain/VenueId.js"
import type { DiscoveryPage } from "./Discovery.js"
import type { FetchJsonOptions, VenueHttpError } from "./http.js"
import type { ConnectionDriver, IngestContext, VenueDriver } from "./VenueDriver.js"
import type { SocketOpener } from "./WebSocketTransport.js"

/**
 * A venue as a service: everything the scanner, the scheduler and the collector need to know
 * about one venue, so none of them branches on a venue name. One tag per venue id; the live
 * Layers (PolymarketLive, KalshiLive) point at the venue's URLs, mock mode provides the same
 * tags pointed at the in-process simulator. Adding a venue: a folder under venues/ and one
 * line in `VenueTags`.
 */
export interface DiscoveryOptions {
  readonly http: FetchJsonOptions
  /** smaller pages (tests exercise paging with these) */
  readonly pageLimit?: number
}

/**
 * Builds the wire driver of one connection; `label` names it in logs ("kalshi#3"). A venue with
 * a feed of every market's activity (Kalshi's trade/ticker firehose) also builds that socket's
 * driver, which writes `ctx.activity`.
 */
export type DriverFactory = ((label: string, ctx: IngestContext) => VenueDriver) & {
  readonly firehose?: (label: string, ctx: IngestContext) => ConnectionDriver
}

export interface VenueService {
  readonly id: VenueId
  readonly restUrl: string
  readonly wsUrl: string
  /** every open market the venue lists, one page per REST request (fold with `collectDiscovery`) */
  readonly discoverPages: (opts: DiscoveryOptions) => Stream.Stream<DiscoveryPage, VenueHttpError>
  /** the subscriptions a market needs (what `max_subs` counts) */
  readonly marketKeys: (m: MarketRecord) => ReadonlyArray<MarketKey>
  /** what the WebSocket needs (Kalshi: a signing key), checked before any socket opens */
  readonly wire: Effect.Effect<DriverFactory, ConfigError>
  /** how sockets are opened (the `ws` client; an in-memory one in tests) */
  readonly openSocket: SocketOpener
}

export class PolymarketVenue extends Context.Tag("surveillance/Venue/polymarket")<PolymarketVenue, VenueService>() {}
export class KalshiVenue extends Context.Tag("surveillance/Venue/kalshi")<KalshiVenue, VenueService>() {}

/** The venue registry: one tag per id. */
export const VenueTags = {
  polymarket: PolymarketVenue,
  kalshi: KalshiVenue
} as const satisfies Record<VenueId, Context.Tag<any, VenueService>>

/** Every venue tag (what a program that may use any venue requires). */
export type Venues = PolymarketVenue | KalshiVenue

/** The service of venue `id`. */
export const venueService = (id: VenueId): Effect.Effect<VenueService, never, Venues> => VenueTags[id]
