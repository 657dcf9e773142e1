import { Effect, Layer } from "effect"
import type { ConfigError } from "../../config/ConfigError.js"
import type { MarketRecord } from "../../domain/Market.js"
import type { MarketKey } from "../../domain/Subscription.js"
import { KalshiVenue, type VenueService } from "../Venue.js"
import { type SocketOpener, wsOpener } from "../WebSocketTransport.js"
import { kalshiDiscoveryPages } from "./rest.js"
import type { IngestContext } from "../VenueDriver.js"
import { KalshiFirehose } from "./firehose.js"
import { type KalshiCredentials, KalshiConnection } from "./stream.js"

/** One subscription per ticker, carrying both sides. */
export const kalshiMarketKeys = (m: MarketRecord): ReadonlyArray<MarketKey> => [
  { key: m.market_id, outcomeIds: m.outcome_ids.length > 0 ? m.outcome_ids : ["yes", "no"] }
]

export interface KalshiEndpoints {
  readonly restUrl: string
  readonly wsUrl: string
  /** the WebSocket's signing key; REST discovery is public and never asks for it */
  readonly credentials: Effect.Effect<KalshiCredentials, ConfigError>
  readonly openSocket?: SocketOpener
}

export const makeKalshiVenue = (e: KalshiEndpoints): VenueService => ({
  id: "kalshi",
  restUrl: e.restUrl,
  wsUrl: e.wsUrl,
  discoverPages: (opts) => kalshiDiscoveryPages({ restUrl: e.restUrl, ...opts }),
  marketKeys: kalshiMarketKeys,
  wire: Effect.map(e.credentials, (credentials) =>
    Object.assign((label: string, ctx: IngestContext) => new KalshiConnection(label, e.wsUrl, ctx, credentials), {
      firehose: (label: string, ctx: IngestContext) => new KalshiFirehose(label, e.wsUrl, ctx, credentials)
    })),
  openSocket: e.openSocket ?? wsOpener
})

export const KalshiLive = (e: KalshiEndpoints): Layer.Layer<KalshiVenue> => Layer.succeed(KalshiVenue, makeKalshiVenue(e))
