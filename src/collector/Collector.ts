import { Cause, Clock, Effect, type Scope } from "effect"
import type { ConfigError } from "../config/ConfigError.js"
import { configError } from "../config/ConfigError.js"
import { resolveKalshiPrivateKey } from "../config/load.js"
import { type AppConfig, namedOrEnabledVenues } from "../config/schema.js"
import type { VenueId } from "../domain/Venue.js"
import { runScheduler } from "../scheduler/Scheduler.js"
import { parseKalshiPrivateKey } from "../venues/kalshi/auth.js"
import type { KalshiCredentials } from "../venues/kalshi/stream.js"
import type { SocketOpener } from "./Connection.js"
import { CollectorMetrics } from "./Metrics.js"
import type { SubscriptionControl } from "./SubscriptionControl.js"
import { makeVenueCollector, type VenueCollector } from "./VenueCollector.js"
import type { SnapshotWriter } from "./Writer.js"

/**
 * The collector: one supervised fiber tree per venue (connections + snapshot loop + its
 * scheduler), all in the caller's scope. A venue's connection failures are retried inside its
 * own tree and never reach another venue; only configuration problems found at start are
 * fatal (ConfigError, exit 2).
 */
export interface CollectorOptions {
  readonly venues: ReadonlyArray<VenueId>
  /** the config file, for error messages */
  readonly configFile?: string
  readonly metrics?: CollectorMetrics
  /** tests may replace the WebSocket opener */
  readonly opener?: SocketOpener
  /**
   * Who drives the subscriptions. Default "scheduler" (runScheduler per venue, DESIGN
   * section 8); "none" leaves it to the caller through the returned controls.
   */
  readonly driver?: "scheduler" | "none"
}

export interface RunningCollector {
  readonly metrics: CollectorMetrics
  readonly venues: ReadonlyMap<VenueId, VenueCollector>
  readonly controls: ReadonlyMap<VenueId, SubscriptionControl>
}

/** Venues to run: the requested ones (each must be enabled), else every enabled venue. */
export const selectVenues = (
  cfg: AppConfig,
  requested: ReadonlyArray<VenueId>,
  file = "config"
): Effect.Effect<ReadonlyArray<VenueId>, ConfigError> => {
  if (requested.length === 0) {
    const enabled = namedOrEnabledVenues(cfg, [])
    return enabled.length > 0
      ? Effect.succeed(enabled)
      : Effect.fail(configError(file, "venues", "no venue is enabled (set venues.<name>.enabled = true)"))
  }
  for (const v of requested) {
    if (!cfg.venues[v].enabled) {
      return Effect.fail(configError(file, `venues.${v}.enabled`, `--venue ${v} was requested but the venue is disabled`))
    }
  }
  return Effect.succeed(namedOrEnabledVenues(cfg, requested))
}

const kalshiCredentials = (cfg: AppConfig, file: string): Effect.Effect<KalshiCredentials, ConfigError> =>
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

/** Restarts the scheduler after a defect (logged) instead of leaving the venue without one. */
const superviseScheduler = (venue: VenueId, run: Effect.Effect<never>): Effect.Effect<never> =>
  Effect.forever(
    run.pipe(
      Effect.catchAllCause((cause) =>
        Cause.isInterruptedOnly(cause)
          ? Effect.failCause(cause)
          : Effect.logError(`scheduler ${venue} failed: ${Cause.pretty(cause).split("\n")[0]}; restarting in 5 s`).pipe(
            Effect.zipRight(Effect.sleep(5000))
          )
      )
    )
  ) as Effect.Effect<never>

/** A path as one shell word, quoted only when it needs to be (the hint is meant to be pasted). */
const shellWord = (text: string): string => (/^[\w./=@%+:,-]+$/.test(text) ? text : `'${text.replace(/'/g, "'\\''")}'`)

/** Starts every venue in the current scope and returns at once (the fibers live in the scope). */
export const startCollector = (
  cfg: AppConfig,
  opts: CollectorOptions
): Effect.Effect<RunningCollector, ConfigError, Scope.Scope | SnapshotWriter> =>
  Effect.gen(function*() {
    const file = opts.configFile ?? "config"
    const metrics = opts.metrics ?? new CollectorMetrics()
    const venues = new Map<VenueId, VenueCollector>()
    const controls = new Map<VenueId, SubscriptionControl>()
    // credentials first: a bad key is a startup error before any socket opens
    const credentials = opts.venues.includes("kalshi") ? yield* kalshiCredentials(cfg, file) : undefined
    for (const venue of opts.venues) {
      const vc = cfg.venues[venue]
      const collector = yield* makeVenueCollector({
        venue,
        venueConfig: vc,
        collector: cfg.collector,
        topK: cfg.storage.top_k,
        metrics: metrics.forVenue(venue),
        ...(venue === "kalshi" && credentials !== undefined ? { credentials } : {}),
        ...(opts.opener !== undefined ? { opener: opts.opener } : {})
      })
      venues.set(venue, collector)
      controls.set(venue, collector.control)
      if ((opts.driver ?? "scheduler") === "scheduler") {
        yield* Effect.forkScoped(
          superviseScheduler(
            venue,
            runScheduler({
              venue,
              venueConfig: vc,
              dataDir: cfg.data_dir,
              rotationEnabled: cfg.rotation.enabled,
              control: collector.control,
              ...(opts.configFile !== undefined ? { scanCommand: `surveillance scan --config ${shellWord(opts.configFile)} --venue ${venue}` } : {})
            })
          ).pipe(Effect.annotateLogs({ venue }))
        )
      }
      yield* Effect.logInfo(
        `collector ${venue}: started (max_subs ${vc.max_subs}, hot ${vc.hot_count}, ` +
          `${vc.max_assets_per_connection} per connection, hot every ${vc.snapshot_interval_ms_hot} ms, warm every ${vc.snapshot_interval_ms_warm} ms)`
      )
    }
    return { metrics, venues, controls }
  })

/** One line per venue: what was produced (logged at shutdown; tests compare it with the files). */
export const collectorSummary = (metrics: CollectorMetrics): ReadonlyArray<string> =>
  [...metrics.venues.values()].map((m) =>
    `collector ${m.venue}: snapshot_rows=${m.snapshotRows} trades=${m.trades} messages=${m.messagesReceived} ` +
    `malformed=${m.malformed} unknown=${m.unknown} reconnects=${m.reconnects} resyncs=${m.bookResyncs} ` +
    `seq_gaps=${m.seqGaps} asset_resubscribes=${m.assetResubscribes}`
  )

/**
 * Runs the collector until `durationMs` elapses (Clock) or the fiber is interrupted
 * (SIGINT/SIGTERM); the scope then closes every socket and the caller's writer layer drains.
 */
export const runCollector = (
  cfg: AppConfig,
  opts: CollectorOptions & { readonly durationMs?: number }
): Effect.Effect<CollectorMetrics, ConfigError, SnapshotWriter> =>
  Effect.gen(function*() {
    const metrics = opts.metrics ?? new CollectorMetrics()
    yield* Effect.scoped(
      Effect.gen(function*() {
        yield* startCollector(cfg, { ...opts, metrics })
        const started = yield* Clock.currentTimeMillis
        if (opts.durationMs === undefined) return yield* Effect.never
        yield* Effect.sleep(opts.durationMs)
        yield* Effect.logInfo(`collector: duration ${opts.durationMs} ms reached after ${(yield* Clock.currentTimeMillis) - started} ms; shutting down`)
      })
    )
    return metrics
  })
