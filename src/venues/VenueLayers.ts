import { Effect, Layer } from "effect"
import { type ConfigError, configError } from "../config/ConfigError.js"
import { resolveKalshiPrivateKey } from "../config/load.js"
import type { AppConfig } from "../config/schema.js"
import { parseKalshiPrivateKey } from "./kalshi/auth.js"
import { KalshiLive } from "./kalshi/KalshiLive.js"
import type { KalshiCredentials } from "./kalshi/stream.js"
import { PolymarketLive } from "./polymarket/PolymarketLive.js"
import type { Venues } from "./Venue.js"

/**
 * Every venue's live Layer from the config: the URLs of `[venues.NAME]`, and for Kalshi the
 * signing key (api_key + api_secret or private_key_path, or their env vars), resolved only
 * when a WebSocket is about to be used, so a scan needs no credentials.
 */
export const kalshiCredentials = (cfg: AppConfig, file: string): Effect.Effect<KalshiCredentials, ConfigError> =>
  Effect.gen(function*() {
    const pem = yield* resolveKalshiPrivateKey(cfg, file)
    const keyId = cfg.venues.kalshi.api_key
    if (pem === null || keyId === "") {
      return yield* configError(
        file,
        "venues.kalshi.api_key",
        "the Kalshi WebSocket needs api_key and api_secret or private_key_path (env KALSHI_API_KEY_ID, KALSHI_PRIVATE_KEY[_PATH]); or disable venues.kalshi"
      )
    }
    const privateKey = yield* Effect.try({
      try: () => parseKalshiPrivateKey(pem),
      catch: (e) =>
        configError(file, "venues.kalshi.api_secret", (e instanceof Error ? e.message : String(e)).replace(/^venues\.kalshi: /, ""))
    })
    return { keyId, privateKey }
  })

export const VenuesLive = (cfg: AppConfig, file = "config"): Layer.Layer<Venues> =>
  Layer.mergeAll(
    PolymarketLive({ restUrl: cfg.venues.polymarket.rest_url, wsUrl: cfg.venues.polymarket.ws_url }),
    KalshiLive({
      restUrl: cfg.venues.kalshi.rest_url,
      wsUrl: cfg.venues.kalshi.ws_url,
      credentials: kalshiCredentials(cfg, file)
    })
  )
