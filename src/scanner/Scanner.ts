import { Clock, Effect } from "effect"
import { type AppConfig, namedOrEnabledVenues, type VenueConfig } from "../config/schema.js"
import type { VenueId } from "../domain/VenueId.js"
import { utcDate } from "../storage/paths.js"
import { readNewestUniverse, writeUniverse } from "../storage/universe.js"
import { makeRateLimiter, type FetchJsonOptions, type FetchLike } from "../venues/http.js"
import type { Discovery } from "../venues/Discovery.js"
import { venueService, type Venues } from "../venues/Venue.js"
import { applyFilters, type FilterDrops } from "./filters.js"

export interface VenueScanSuccess {
  readonly _tag: "ok"
  readonly venue: VenueId
  /** markets the venue listed (decoded + skipped + malformed) */
  readonly found: number
  readonly kept: number
  readonly dropped: FilterDrops & { readonly no_orderbook: number; readonly no_token_ids: number; readonly malformed: number }
  readonly pages: number
  readonly seconds: number
  readonly file: string
}

export interface VenueScanFailure {
  readonly _tag: "failed"
  readonly venue: VenueId
  readonly seconds: number
  /** one line: what failed and where (URL/host) */
  readonly reason: string
}

export type VenueScanResult = VenueScanSuccess | VenueScanFailure

export interface ScanOptions {
  /** test hooks: smaller pages to exercise paging, injected fetch */
  readonly pageLimit?: number
  readonly fetch?: FetchLike
  readonly backoffBaseMs?: number
}

const httpOptions = (v: VenueConfig, opts: ScanOptions): FetchJsonOptions => ({
  timeoutMs: v.request_timeout_ms,
  maxRetries: v.max_retries,
  limiter: makeRateLimiter(v.requests_per_second),
  ...(opts.fetch === undefined ? {} : { fetch: opts.fetch }),
  ...(opts.backoffBaseMs === undefined ? {} : { backoffBaseMs: opts.backoffBaseMs })
})

const discover = (venue: VenueId, v: VenueConfig, opts: ScanOptions) =>
  Effect.flatMap(venueService(venue), (service) =>
    service.discover({
      http: httpOptions(v, opts),
      ...(opts.pageLimit === undefined ? {} : { pageLimit: opts.pageLimit })
    }))

const countSkipped = (d: Discovery): number => Object.values(d.skipped).reduce((a, b) => a + b, 0)

/**
 * Discover, filter and write one venue's universe for today (UTC). Never fails: a venue
 * that cannot be scanned is reported as `failed` and its previous universe files are left
 * untouched (the new file is only published, atomically, after discovery succeeded).
 */
export const scanVenue = (cfg: AppConfig, venue: VenueId, opts: ScanOptions = {}): Effect.Effect<VenueScanResult, never, Venues> =>
  Effect.gen(function* () {
    const startMs = yield* Clock.currentTimeMillis
    const v = cfg.venues[venue]
    const elapsed = Effect.map(Clock.currentTimeMillis, (now) => Math.round(now - startMs) / 1000)
    const discovered = yield* Effect.either(discover(venue, v, opts))
    if (discovered._tag === "Left") {
      return { _tag: "failed", venue, seconds: yield* elapsed, reason: discovered.left.message } as const
    }
    const d = discovered.right
    if (d.markets.length + countSkipped(d) + d.malformed === 0) {
      // No venue ever has zero open markets: an empty listing is an outage or an API change,
      // and publishing it would leave the collector with nothing to record today.
      return {
        _tag: "failed",
        venue,
        seconds: yield* elapsed,
        reason: `${(yield* venueService(venue)).restUrl} listed no open markets (${d.pages} page${d.pages === 1 ? "" : "s"})`
      } as const
    }
    if (d.firstMalformed !== null) {
      yield* Effect.logDebug(`${venue}: ${d.malformed} malformed records skipped; first: ${d.firstMalformed}`)
    }
    const nowMs = yield* Clock.currentTimeMillis
    const { kept, dropped } = applyFilters(d.markets, v, nowMs)
    const date = utcDate(nowMs)
    const written = yield* Effect.either(
      Effect.tryPromise({
        try: () => writeUniverse(cfg.data_dir, venue, date, kept),
        catch: (e) => `cannot write the universe under ${cfg.data_dir}: ${e instanceof Error ? e.message : String(e)}`
      })
    )
    if (written._tag === "Left") {
      return { _tag: "failed", venue, seconds: yield* elapsed, reason: written.left } as const
    }
    return {
      _tag: "ok",
      venue,
      found: d.markets.length + countSkipped(d) + d.malformed,
      kept: kept.length,
      dropped: {
        ...dropped,
        no_orderbook: d.skipped["no_orderbook"] ?? 0,
        no_token_ids: d.skipped["no_token_ids"] ?? 0,
        malformed: d.malformed
      },
      pages: d.pages,
      seconds: yield* elapsed,
      file: written.right
    } as const
  })

/** The venues a scan covers: the named ones (a disabled venue may be scanned on request), else every enabled one. */
export const selectVenues = namedOrEnabledVenues

/** Scan venues concurrently; one venue's failure never stops the others. */
export const runScan = (
  cfg: AppConfig,
  venues: ReadonlyArray<VenueId>,
  opts: ScanOptions = {}
): Effect.Effect<ReadonlyArray<VenueScanResult>, never, Venues> =>
  Effect.forEach(venues, (venue) => scanVenue(cfg, venue, opts), { concurrency: "unbounded" })

export const summaryLine = (r: VenueScanSuccess): string => {
  const d = r.dropped
  return (
    `${r.venue}: found ${r.found}, kept ${r.kept}; dropped closed ${d.closed}, closing_soon ${d.closing_soon}, ` +
    `excluded_title ${d.excluded_title}, no_orderbook ${d.no_orderbook}, no_token_ids ${d.no_token_ids}, ` +
    `malformed ${d.malformed}; ${r.pages} pages in ${r.seconds.toFixed(1)} s -> ${r.file}`
  )
}

export const failureLine = (r: VenueScanFailure): string =>
  `${r.venue}: scan failed after ${r.seconds.toFixed(1)} s, previous universe kept: ${r.reason}`

/**
 * Scans the venues that have no universe yet (mock mode: the simulator is scanned once at
 * start, so a fresh demo or test collector has something to subscribe).
 */
export const scanWhereMissing = (cfg: AppConfig, venues: ReadonlyArray<VenueId>): Effect.Effect<void, never, Venues> =>
  Effect.gen(function* () {
    const today = utcDate(yield* Clock.currentTimeMillis)
    const missing: Array<VenueId> = []
    for (const v of venues) {
      if ((yield* Effect.promise(() => readNewestUniverse(cfg.data_dir, v, today))) === null) missing.push(v)
    }
    if (missing.length === 0) return
    yield* Effect.logInfo(`no universe for ${missing.join(", ")}; scanning`)
    yield* runScan(cfg, missing)
  })
