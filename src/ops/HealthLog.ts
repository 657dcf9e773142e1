/**
 * The collector's health over time, beside the data: one JSON line per venue per minute in
 * `data/health/venue=V/date=D/health.jsonl` (src/domain/HealthRecord.ts says what each field
 * is). `/metrics` shows the present; these records are the history `surveillance report`
 * charts and `surveillance status` summarises, and they survive restarts.
 *
 * The figures are the collector's own counters (src/ops/Metrics.ts): each record holds the
 * difference of the counters over its window and the gauges at its end. Windows end on UTC
 * minute boundaries (the first one starts when the collector does, the last one ends at
 * shutdown), driven by the Clock through a Schedule so TestClock runs it in tests. A failed
 * append is logged and the next minute tries again: health records never stop the collector.
 */
import { Clock, Duration, Effect, Schedule, type Scope, Stream } from "effect"
import type { HealthRecord } from "../domain/HealthRecord.js"
import type { VenueId } from "../domain/VenueId.js"
import { FileStore } from "../storage/FileStore.js"
import { healthPath, utcDate } from "../storage/paths.js"
import type { CollectorMetrics, VenueMetrics } from "./Metrics.js"

export const HEALTH_INTERVAL_MS = 60_000

/** The counters a record takes differences of. */
export interface HealthCounters {
  readonly reconnects: number
  readonly seqGaps: number
  readonly messages: number
  readonly rows: number
  readonly staleRows: number
  readonly crossedRows: number
  readonly trades: number
}

export const healthCounters = (m: VenueMetrics): HealthCounters => ({
  reconnects: m.reconnects,
  seqGaps: m.seqGaps,
  messages: m.messagesReceived,
  rows: m.snapshotRows,
  staleRows: m.snapshotRowsStale,
  crossedRows: m.snapshotRowsCrossed,
  trades: m.trades
})

/** The gauges a record takes as they are at the end of its window. */
export interface HealthGauges {
  readonly connections: number
  readonly connectionsTotal: number
  readonly subscribed: number
  readonly books: number
}

export const healthGauges = (m: VenueMetrics): HealthGauges => ({
  connections: m.connectionsUp,
  connectionsTotal: m.connections,
  subscribed: m.subscriptionsHot + m.subscriptionsWarm,
  books: m.books
})

const ZERO: HealthCounters = { reconnects: 0, seqGaps: 0, messages: 0, rows: 0, staleRows: 0, crossedRows: 0, trades: 0 }

/** The record of the window [startMs, endMs) of one venue: counter differences, gauges now (or as given). */
export const healthRecordOf = (
  venue: VenueId,
  m: VenueMetrics,
  before: HealthCounters,
  startMs: number,
  endMs: number,
  intervalMs: number = HEALTH_INTERVAL_MS,
  gauges: HealthGauges = healthGauges(m)
): HealthRecord => {
  const now = healthCounters(m)
  const rows = now.rows - before.rows
  return {
    ts: startMs - (startMs % intervalMs),
    venue,
    covered_ms: endMs - startMs,
    connections: gauges.connections,
    connections_total: gauges.connectionsTotal,
    subscribed: gauges.subscribed,
    books: gauges.books,
    reconnects: now.reconnects - before.reconnects,
    seq_gaps: now.seqGaps - before.seqGaps,
    messages: now.messages - before.messages,
    rows,
    trades: now.trades - before.trades,
    stale_frac: rows > 0 ? (now.staleRows - before.staleRows) / rows : null,
    crossed_frac: rows > 0 ? (now.crossedRows - before.crossedRows) / rows : null
  }
}

export interface HealthLogOptions {
  readonly dataDir: string
  readonly venues: ReadonlyArray<VenueId>
  readonly metrics: CollectorMetrics
  /** window length; default one minute */
  readonly intervalMs?: number
}

/**
 * Starts the health log in the current scope: a fiber that appends one record per venue at
 * every interval boundary, and a finalizer that appends the last, partial window when the
 * scope closes (after the fiber is interrupted, so the two never write at once). Sockets may
 * already be closing then, so the last record takes the gauges as sampled every second while
 * the collector ran, not their value during shutdown.
 */
export const startHealthLog = (opts: HealthLogOptions): Effect.Effect<void, never, FileStore | Scope.Scope> =>
  Effect.gen(function*() {
    const store = yield* FileStore
    const intervalMs = opts.intervalMs ?? HEALTH_INTERVAL_MS
    let windowStart = yield* Clock.currentTimeMillis
    const before = new Map<VenueId, HealthCounters>()
    const sampled = new Map<VenueId, HealthGauges>()
    const sampleGauges = Effect.sync(() => {
      for (const venue of opts.venues) sampled.set(venue, healthGauges(opts.metrics.forVenue(venue)))
    })
    for (const venue of opts.venues) {
      const m = opts.metrics.venues.get(venue)
      before.set(venue, m === undefined ? ZERO : healthCounters(m))
    }

    const append = (record: HealthRecord) => {
      const file = healthPath(opts.dataDir, record.venue, utcDate(record.ts))
      return store.appendFile(file, JSON.stringify(record) + "\n", { fsync: true }).pipe(
        Effect.catchAll((e) => Effect.logWarning(`health: cannot append to ${file}: ${e.message}; the next minute tries again`))
      )
    }

    // uninterruptible: a record is appended whole or not at all, and the counters move with it
    const writeWindow = (atShutdown: boolean): Effect.Effect<void> => Effect.uninterruptible(Effect.gen(function*() {
      const end = yield* Clock.currentTimeMillis
      if (end <= windowStart) return
      for (const venue of opts.venues) {
        const m = opts.metrics.forVenue(venue)
        const gauges = atShutdown ? sampled.get(venue) ?? healthGauges(m) : healthGauges(m)
        yield* append(healthRecordOf(venue, m, before.get(venue) ?? ZERO, windowStart, end, intervalMs, gauges))
        before.set(venue, healthCounters(m))
      }
      windowStart = end
    }))

    // added before the fiber is forked, so it runs after the fiber's interruption
    yield* Effect.addFinalizer(() => writeWindow(true))
    yield* sampleGauges.pipe(Effect.repeat(Schedule.spaced(Duration.seconds(1))), Effect.forkScoped)

    const toBoundary = intervalMs - (windowStart % intervalMs)
    yield* Effect.sleep(Duration.millis(toBoundary)).pipe(
      Effect.zipRight(writeWindow(false)),
      Effect.zipRight(Stream.runForEach(Stream.fromSchedule(Schedule.fixed(Duration.millis(intervalMs))), () => writeWindow(false))),
      Effect.forkScoped
    )
  })
