import { Effect, Layer } from "effect"
import type { MarketRecord } from "../../domain/Market.js"
import type { MarketKey } from "../../domain/Subscription.js"
import { PolymarketVenue, type VenueService } from "../Venue.js"
import { type SocketOpener, wsOpener } from "../WebSocketTransport.js"
import { discoverPolymarket } from "./rest.js"
import { PolymarketConnection } from "./stream.js"

/** One subscription per CLOB token id (`token_ids`, else `outcome_ids`, which are the token ids). */
export const polymarketMarketKeys = (m: MarketRecord): ReadonlyArray<MarketKey> => {
  const tokens = m.token_ids.length > 0 ? m.token_ids : m.outcome_ids
  return tokens.map((t) => ({ key: t, outcomeIds: [t] }))
}

export interface PolymarketEndpoints {
  readonly restUrl: string
  readonly wsUrl: string
  readonly openSocket?: SocketOpener
}

export const makePolymarketVenue = (e: PolymarketEndpoints): VenueService => ({
  id: "polymarket",
  restUrl: e.restUrl,
  wsUrl: e.wsUrl,
  discover: (opts) => discoverPolymarket({ restUrl: e.restUrl, ...opts }),
  marketKeys: polymarketMarketKeys,
  // the public market channel needs no credentials
  wire: Effect.succeed((label, ctx) => new PolymarketConnection(label, e.wsUrl, ctx)),
  openSocket: e.openSocket ?? wsOpener
})

export const PolymarketLive = (e: PolymarketEndpoints): Layer.Layer<PolymarketVenue> =>
  Layer.succeed(PolymarketVenue, makePolymarketVenue(e))
