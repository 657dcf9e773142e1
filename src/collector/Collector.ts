import { Cause, Clock, Effect, type Scope } from "effect"
import { backoffSchedule } from "../domain/Backoff.js"
import type { ConfigError } from "../config/ConfigError.js"
import { configError } from "../config/ConfigError.js"
import { type AppConfig, namedOrEnabledVenues } from "../config/schema.js"
import type { VenueId } from "../domain/VenueId.js"
import { runScheduler } from "../scheduler/Scheduler.js"
import { CollectorMetrics } from "../ops/Metrics.js"
import type { SubscriptionControl } from "../domain/Subscription.js"
import { makeVenuePipeline, type VenuePipeline } from "./VenuePipeline.js"
import { venueService, type Venues } from "../venues/Venue.js"
import type { ParquetSink } from "../sink/ParquetSink.js"
import type { FileStore } from "../storage/FileStore.js"

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
  /**
   * Who drives the subscriptions. Default "scheduler" (runScheduler per venue, README
   * "Scheduler"); "none" leaves it to the caller through the returned controls.
   */
  readonly driver?: "scheduler" | "none"
}

export interface RunningCollector {
  readonly metrics: CollectorMetrics
  readonly venues: ReadonlyMap<VenueId, VenuePipeline>
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

/**
 * Restarts the scheduler after a defect (logged, shared backoff from 5 s) instead of leaving
 * the venue without one. Interruption is shutdown, never retried.
 */
const superviseScheduler = <R>(venue: VenueId, run: Effect.Effect<never, never, R>): Effect.Effect<never, never, R> =>
  run.pipe(
    Effect.sandbox,
    Effect.retry({
      schedule: backoffSchedule<Cause.Cause<never>>({
        baseMs: 5000,
        maxMs: 60_000,
        onRetry: (cause, delayMs) =>
          Effect.logError(`scheduler ${venue} failed: ${Cause.pretty(cause).split("\n")[0]}; restarting in ${delayMs} ms`)
      }),
      while: (cause) => !Cause.isInterruptedOnly(cause)
    }),
    Effect.unsandbox
  )

/** A path as one shell word, quoted only when it needs to be (the hint is meant to be pasted). */
const shellWord = (text: string): string => (/^[\w./=@%+:,-]+$/.test(text) ? text : `'${text.replace(/'/g, "'\\''")}'`)

/** Starts every venue in the current scope and returns at once (the fibers live in the scope). */
export const startCollector = (
  cfg: AppConfig,
  opts: CollectorOptions
): Effect.Effect<RunningCollector, ConfigError, Scope.Scope | ParquetSink | Venues | FileStore> =>
  Effect.gen(function*() {
    const file = opts.configFile ?? "config"
    const metrics = opts.metrics ?? new CollectorMetrics()
    const venues = new Map<VenueId, VenuePipeline>()
    const controls = new Map<VenueId, SubscriptionControl>()
    // every venue's wire first (Kalshi: its signing key): a bad key is a startup error
    // before any socket opens
    const wired = yield* Effect.forEach(opts.venues, (venue) =>
      Effect.flatMap(venueService(venue), (service) => Effect.map(service.wire, (driver) => ({ venue, service, driver }))))
    for (const { venue, service, driver } of wired) {
      const vc = cfg.venues[venue]
      const collector = yield* makeVenuePipeline({
        venue: service,
        driver,
        venueConfig: vc,
        collector: cfg.collector,
        topK: cfg.storage.top_k,
        metrics: metrics.forVenue(venue),
        eventLog: cfg.storage.event_log ? { bucketMinutes: cfg.storage.bucket_minutes } : null
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
              keysOf: service.marketKeys,
              rotationEnabled: cfg.rotation.enabled,
              control: collector.control,
              activity: collector.activity,
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
): Effect.Effect<CollectorMetrics, ConfigError, ParquetSink | Venues | FileStore> =>
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
