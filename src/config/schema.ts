import { Schema } from "effect"
import { ALL_VENUES, type VenueId } from "../domain/VenueId.js"

/**
 * The configuration file (README.md, "Configuration reference"). Every key has a default except what a venue
 * truly needs; unknown keys are errors (the loader decodes with onExcessProperty: "error").
 * Keys kept from the seed keep their names and meanings; new keys are documented in
 * config/surveillance.toml.
 */

/** `expected <form>` in config errors, for a wrong type as well as an out-of-range value */
const expectedForm = (form: string) => ({
  message: () => ({ message: `expected ${form}`, override: true })
})
const PositiveInt = Schema.Int.pipe(Schema.positive()).annotations(expectedForm("a positive integer"))
const NonNegativeInt = Schema.Int.pipe(Schema.nonNegative()).annotations(expectedForm("a non-negative integer"))
const NonNegativeNumber = Schema.Number.pipe(Schema.nonNegative()).annotations(
  expectedForm("a non-negative number")
)

const isValidRegExp = (source: string): boolean => {
  try {
    new RegExp(source, "i")
    return true
  } catch {
    return false
  }
}
const TitlePattern = Schema.String.pipe(
  Schema.filter((p) => isValidRegExp(p) || `expected a valid regular expression`)
)

const withDefault = <A, I, R>(schema: Schema.Schema<A, I, R>, value: () => A) =>
  Schema.optionalWith(schema, { default: value })

const venueFields = (defaults: {
  readonly ws_url: string
  readonly rest_url: string
  readonly clob_url: string
  readonly max_assets_per_connection: number
}) => ({
  enabled: withDefault(Schema.Boolean, () => true),
  /** WebSocket endpoint (Polymarket CLOB market channel; Kalshi trade-api/ws/v2) */
  ws_url: withDefault(Schema.String, () => defaults.ws_url),
  /** Discovery REST base (Polymarket Gamma; Kalshi trade-api/v2) */
  rest_url: withDefault(Schema.String, () => defaults.rest_url),
  /** Polymarket CLOB REST base (books); unused for Kalshi */
  clob_url: withDefault(Schema.String, () => defaults.clob_url),
  /** subscriptions held at once (Polymarket: token ids; Kalshi: market tickers) */
  max_subs: withDefault(PositiveInt, () => 200),
  /** subscriptions always on, the top by score; the rest of max_subs rotates */
  hot_count: withDefault(NonNegativeInt, () => 40),
  /**
   * "rotate": max_subs markets at a time, HOT always on and a WARM window rotating;
   * "all": every eligible market of the universe, HOT/WARM decide only the snapshot cadence
   */
  rotation_mode: withDefault(Schema.Literal("rotate", "all").annotations(expectedForm(`"rotate" or "all"`)), () => "rotate" as const),
  rotation_period_secs: withDefault(PositiveInt, () => 180),
  snapshot_interval_ms_hot: withDefault(PositiveInt, () => 2000),
  snapshot_interval_ms_warm: withDefault(PositiveInt, () => 10000),
  subscription_churn_limit_per_minute: withDefault(PositiveInt, () => 20),
  /** case-insensitive regular expressions; a market whose title matches any is not recorded */
  exclude_title_patterns: withDefault(Schema.Array(TitlePattern), () => []),
  min_hours_until_close: withDefault(NonNegativeNumber, () => 1),
  /** Kalshi: access key id. Unused for Polymarket market data. Secret. */
  api_key: withDefault(Schema.String, () => ""),
  /** Kalshi: RSA private key PEM text. Secret. */
  api_secret: withDefault(Schema.String, () => ""),
  /** Kalshi: path to the RSA private key PEM (alternative to api_secret) */
  private_key_path: withDefault(Schema.String, () => ""),
  /** assets per WebSocket connection (Polymarket hard limit ~500) */
  max_assets_per_connection: withDefault(PositiveInt, () => defaults.max_assets_per_connection),
  /**
   * Kalshi: one more socket subscribed to `trade` and `ticker` of every market (the firehose):
   * stall detection and, in rotate mode, the scheduler's ranking. Unused for Polymarket
   */
  firehose: withDefault(Schema.Boolean, () => true),
  /** socket opens (first and reconnects) of this venue are at least this far apart: no burst of handshakes draws a 429 */
  connection_open_interval_ms: withDefault(NonNegativeInt, () => 100),
  /** scanner: per-request timeout */
  request_timeout_ms: withDefault(PositiveInt, () => 15000),
  /** scanner: retries per request on timeout, 429 and 5xx */
  max_retries: withDefault(NonNegativeInt, () => 5),
  /** scanner: request rate ceiling */
  requests_per_second: withDefault(Schema.Number.pipe(Schema.positive()).annotations(expectedForm("a positive number")), () => 20)
})

export const VenueConfig = (defaults: Parameters<typeof venueFields>[0]) =>
  Schema.Struct(venueFields(defaults)).pipe(
    Schema.filter((v) =>
      v.hot_count <= v.max_subs ||
      { path: ["hot_count"], message: `must be <= max_subs (${v.max_subs}) (got ${v.hot_count})` }
    ),
    Schema.filter((v) =>
      v.max_assets_per_connection <= 500 ||
      {
        path: ["max_assets_per_connection"],
        message: `must be <= 500, the venue hard limit (got ${v.max_assets_per_connection})`
      }
    )
  )

export const POLYMARKET_DEFAULTS = {
  ws_url: "wss://ws-subscriptions-clob.polymarket.com/ws/market",
  rest_url: "https://gamma-api.polymarket.com",
  clob_url: "https://clob.polymarket.com",
  max_assets_per_connection: 200
} as const

export const KALSHI_DEFAULTS = {
  ws_url: "wss://api.elections.kalshi.com/trade-api/ws/v2",
  rest_url: "https://api.elections.kalshi.com/trade-api/v2",
  clob_url: "",
  max_assets_per_connection: 500
} as const

const PolymarketConfig = VenueConfig(POLYMARKET_DEFAULTS)
const KalshiConfig = VenueConfig(KALSHI_DEFAULTS)
export type VenueConfig = typeof PolymarketConfig.Type

const StorageConfig = Schema.Struct({
  /** levels per side kept in snapshot rows */
  top_k: withDefault(PositiveInt, () => 50),
  flush_rows: withDefault(PositiveInt, () => 50000),
  flush_seconds: withDefault(PositiveInt, () => 5),
  /** must divide 60 */
  bucket_minutes: withDefault(PositiveInt, () => 5),
  /** record every book change, trade and continuity break in `book_events` (README "Data layout") */
  event_log: withDefault(Schema.Boolean, () => true)
}).pipe(
  Schema.filter((s) =>
    60 % s.bucket_minutes === 0 || {
      path: ["bucket_minutes"],
      message: `must divide 60: 1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30 or 60 (got ${s.bucket_minutes})`
    }
  )
)

const RotationConfig = Schema.Struct({
  enabled: withDefault(Schema.Boolean, () => true)
})

const MockConfig = Schema.Struct({
  /** start the venue simulator in-process and point the venues at it */
  enabled: withDefault(Schema.Boolean, () => false),
  /** seed-compatible alias: total markets across venues when markets_per_venue is unset */
  universe_size: withDefault(PositiveInt, () => 2000),
  /** markets the simulator creates per venue; unset = universe_size split across the venues */
  markets_per_venue: Schema.optional(PositiveInt),
  seed: withDefault(NonNegativeInt, () => 42)
})

const CollectorConfig = Schema.Struct({
  /** Prometheus /metrics and /healthz listen address; "" disables */
  metrics_addr: withDefault(Schema.String, () => "127.0.0.1:9464"),
  /** a socket with no inbound message for this long is reconnected */
  socket_silence_ms: withDefault(PositiveInt, () => 60000),
  /** an asset with no book for this long after (re)subscribe is resubscribed */
  first_book_timeout_ms: withDefault(PositiveInt, () => 30000),
  /** a subscribed asset silent this long (while its socket is alive) is resubscribed */
  asset_silence_ms: withDefault(PositiveInt, () => 900000),
  /** rows of a book with no message for this long are written stale; 0 = never by age */
  stale_after_ms: withDefault(NonNegativeInt, () => 0),
  reconnect_base_ms: withDefault(PositiveInt, () => 250),
  reconnect_max_ms: withDefault(PositiveInt, () => 30000),
  /** ws maxPayload bound per frame */
  max_frame_bytes: withDefault(PositiveInt, () => 16 * 1024 * 1024),
  /** rows the writer holds in memory; full: the snapshotter waits, or while the disk refuses, the oldest are dropped (counted) */
  writer_queue_rows: withDefault(PositiveInt, () => 200000)
})

/** Simulator size per venue in mock mode: `markets_per_venue`, else the seed's `universe_size` split over both venues. */
export const mockMarketsPerVenue = (mock: { readonly universe_size: number; readonly markets_per_venue?: number | undefined }): number =>
  mock.markets_per_venue ?? Math.ceil(mock.universe_size / 2)

export const AppConfig = Schema.Struct({
  data_dir: withDefault(Schema.String, () => "data"),
  venues: withDefault(
    Schema.Struct({
      polymarket: withDefault(PolymarketConfig, () => Schema.decodeSync(PolymarketConfig)({})),
      kalshi: withDefault(KalshiConfig, () => Schema.decodeSync(KalshiConfig)({}))
    }),
    () => ({
      polymarket: Schema.decodeSync(PolymarketConfig)({}),
      kalshi: Schema.decodeSync(KalshiConfig)({})
    })
  ),
  storage: withDefault(StorageConfig, () => Schema.decodeSync(StorageConfig)({})),
  rotation: withDefault(RotationConfig, () => ({ enabled: true })),
  mock: withDefault(MockConfig, () => Schema.decodeSync(MockConfig)({})),
  collector: withDefault(CollectorConfig, () => Schema.decodeSync(CollectorConfig)({}))
})
export type AppConfig = typeof AppConfig.Type
export type AppConfigEncoded = typeof AppConfig.Encoded

/** Key paths whose values are secrets: redacted in every dump and never logged. */
export const SECRET_KEYS = ["api_key", "api_secret"] as const

/** The venues a command acts on: the named ones (deduplicated), else every enabled one. */
export const namedOrEnabledVenues = (cfg: AppConfig, named: ReadonlyArray<VenueId>): Array<VenueId> =>
  named.length > 0 ? [...new Set(named)] : ALL_VENUES.filter((venue) => cfg.venues[venue].enabled)
