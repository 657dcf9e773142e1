import { Chunk, Clock, Effect, Fiber, Queue, Scheduler, type Scope, Stream } from "effect"
import { BookStore } from "../books/BookStore.js"
import { EventLog } from "../books/EventLog.js"
import { SnapshotSchedule } from "../books/SnapshotSchedule.js"
import type { AppConfig, VenueConfig } from "../config/schema.js"
import type { SnapshotRow } from "../domain/SnapshotRow.js"
import type { SubscriptionControl, SubscriptionSpec, Tier } from "../domain/Subscription.js"
import type { TradeRow } from "../domain/TradeRow.js"
import type { VenueMetrics } from "../ops/Metrics.js"
import { ParquetSink } from "../sink/ParquetSink.js"
import { makeDecodeStats } from "../venues/DecodeStats.js"
import type { DriverFactory, VenueService } from "../venues/Venue.js"
import type { IngestContext, VenueDriver } from "../venues/VenueDriver.js"
import { RecentTrades } from "../venues/RecentTrades.js"
import { MarketActivity } from "../venues/MarketActivity.js"
import { connectionSettings, makeOpenSpacing, superviseConnection } from "./ConnectionStream.js"

/**
 * One venue's pipeline. Subscriptions are sharded over connections (at most
 * `max_assets_per_connection` each; both tokens of a Polymarket market on one socket); each
 * connection is a supervised Stream of trades into the sink (ConnectionStream.ts) feeding the
 * venue's BookStore on the way; the snapshot schedule is a Stream of rows (per-book due
 * times, HOT/WARM cadence) into the same sink. Implements the SubscriptionControl the
 * scheduler drives.
 */
export interface VenuePipelineOptions {
  readonly venue: VenueService
  /** the venue's wire driver factory (`venue.wire`, resolved once at start) */
  readonly driver: DriverFactory
  readonly venueConfig: VenueConfig
  readonly collector: AppConfig["collector"]
  readonly topK: number
  readonly metrics: VenueMetrics
  /** rows per sink call */
  readonly snapshotBatchRows?: number
  /** the event log (`[storage] event_log`); null = off */
  readonly eventLog?: { readonly bucketMinutes: number } | null
}

export interface VenuePipeline {
  readonly control: SubscriptionControl
  readonly books: BookStore
  readonly metrics: VenueMetrics
  /** what the venue-wide feed says is active (Kalshi firehose); null = the venue has none or it is off */
  readonly activity: MarketActivity | null
  /** subscriptions the venue confirmed, over all connections (what "live" means) */
  readonly liveSubscriptions: Effect.Effect<number>
  /** connections (shards) by label, with the number of subscriptions each carries */
  readonly shards: Effect.Effect<ReadonlyArray<{ readonly label: string; readonly size: number }>>
}

type Shard = { readonly conn: VenueDriver; fiber: Fiber.RuntimeFiber<never> | null }

/** the first rows of a large fill are spread over one interval in slots this long */
const SPREAD_SLOT_MS = 100
/** per-venue subscription gauges are recounted at most this often (a count walks every subscription) */
const GAUGES_EVERY_MS = 1000

/**
 * Connection fibers yield to the Node event loop often. Effect's default scheduler drains its
 * queue in up to 2,048 microtask rounds of up to 2,048 operations per fiber before a macrotask:
 * with 160 sockets holding buffered frames (a whole universe in all mode), that kept timers and
 * socket reads waiting for over 2 s (bench P10). A fiber here yields after 256 operations (a few
 * chunks) and its scheduler goes through a macrotask after 4 rounds.
 */
const CONNECTION_MAX_OPS_BEFORE_YIELD = 256
const CONNECTION_ROUNDS_BEFORE_TIMER = 4

/** how often the pipeline hands event-log rows to the writer */
const EVENT_DRAIN_MS = 500

export const makeVenuePipeline = (
  opts: VenuePipelineOptions
): Effect.Effect<VenuePipeline, never, Scope.Scope | ParquetSink> =>
  Effect.gen(function*() {
    const { venue, venueConfig: vc, metrics } = opts
    const id = venue.id
    const sink = yield* ParquetSink
    const scope = yield* Effect.scope
    const clock = yield* Effect.clock
    // Positions start at the start time x 1000, so a restarted collector continues above the
    // previous run's positions (fewer than 1000 events per ms on average).
    const log = opts.eventLog == null ? null : new EventLog({
      bucketMinutes: opts.eventLog.bucketMinutes,
      now: () => clock.unsafeCurrentTimeMillis(),
      startSeq: clock.unsafeCurrentTimeMillis() * 1000
    })
    const books = new BookStore({ venue: id, topK: opts.topK, log })
    const schedule = new SnapshotSchedule()
    const specs = new Map<string, SubscriptionSpec>()
    const shardOf = new Map<string, Shard>()
    const shards: Array<Shard> = []
    const settings = connectionSettings(opts.collector)
    const openSpacing = makeOpenSpacing(vc.connection_open_interval_ms)
    const connectionScheduler = new Scheduler.MixedScheduler(CONNECTION_ROUNDS_BEFORE_TIMER)
    const yielding = <A, E, R>(self: Effect.Effect<A, E, R>) =>
      self.pipe(Effect.withMaxOpsBeforeYield(CONNECTION_MAX_OPS_BEFORE_YIELD), Effect.withScheduler(connectionScheduler))
    const wake = yield* Queue.sliding<void>(1)
    const batchRows = opts.snapshotBatchRows ?? 5000
    const staleAfterMs = opts.collector.stale_after_ms
    let nextShardId = 0
    const firehose = vc.firehose ? opts.driver.firehose ?? null : null
    const activity = firehose === null ? null : new MarketActivity()

    const ctx: IngestContext = {
      ...(activity !== null ? { activity } : {}),
      // a quarter of socket_silence_ms, at most 5 s: a stall is healed well within socket_silence_ms
      stallGraceMs: Math.min(5000, Math.floor(opts.collector.socket_silence_ms / 4)),
      venue: id,
      books,
      metrics,
      decodeStats: makeDecodeStats(),
      trades: [],
      recentTrades: new RecentTrades(),
      notices: [],
      firstBookTimeoutMs: opts.collector.first_book_timeout_ms,
      assetSilenceMs: opts.collector.asset_silence_ms
    }

    // The sink's side of both streams. A hand-over is uninterruptible, so the counters equal
    // what the sink accepted even when shutdown lands mid-call (the sink drains concurrently,
    // so a backpressure wait still ends).
    const writeTradeRows = (trades: Chunk.Chunk<TradeRow>) =>
      Chunk.isEmpty(trades) ? Effect.void : Effect.uninterruptible(sink.writeTrades(Chunk.toReadonlyArray(trades)))
    const writeSnapshots = (rows: Chunk.Chunk<SnapshotRow>) =>
      Chunk.isEmpty(rows) ? Effect.void : Effect.uninterruptible(Effect.tap(sink.writeSnapshots(Chunk.toReadonlyArray(rows)), () => {
        metrics.snapshotRows += rows.length
        for (const row of rows) {
          if (row.status === "stale") metrics.snapshotRowsStale++
          else if (row.status === "crossed") metrics.snapshotRowsCrossed++
        }
      }))
    // Event-log rows leave the log in the order they were made, one hand-over at a time.
    const writeEvents = log === null ? Effect.void : Effect.uninterruptible(Effect.suspend(() =>
      log.pending === 0 ? Effect.void : sink.writeEvents(id, log.drain())
    ))
    // Trades decoded by the last chunk before shutdown still reach the sink, whose scope
    // outlives this one; so do the last events (registered first: runs after the connections closed).
    yield* Effect.addFinalizer(() => writeEvents)
    yield* Effect.addFinalizer(() =>
      Effect.suspend(() => (ctx.trades.length > 0 ? sink.writeTrades(ctx.trades.splice(0)) : Effect.void))
    )
    // after each chunk of frames: its trades, then the events it made (bounded by the chunk)
    const writeTrades = log === null ? writeTradeRows : (trades: Chunk.Chunk<TradeRow>) => Effect.zipRight(writeTradeRows(trades), writeEvents)
    if (log !== null) {
      // Also drained on a beat, for changes made outside a chunk (markers, subscriptions, rows'
      // silences); the writer's flush_seconds makes them durable.
      yield* Effect.forkIn(Effect.forever(Effect.zipRight(Effect.sleep(EVENT_DRAIN_MS), writeEvents)), scope)
    }

    const intervalOf = (tier: Tier) => tier === "hot" ? vc.snapshot_interval_ms_hot : vc.snapshot_interval_ms_warm

    const countTiers = () => {
      let hot = 0
      for (const s of specs.values()) if (s.tier === "hot") hot++
      metrics.subscriptionsHot = hot
      metrics.subscriptionsWarm = specs.size - hot
      metrics.connections = shards.length + (firehose === null ? 0 : 1)
    }

    if (firehose !== null) {
      const conn = firehose(`${id}#firehose`, ctx)
      metrics.connections = 1
      yield* superviseConnection(conn, ctx, venue.openSocket, settings, metrics, writeTrades, openSpacing).pipe(
        yielding,
        Effect.annotateLogs({ venue: id, connection: conn.label }),
        Effect.forkIn(scope)
      )
    }

    const newShard = Effect.gen(function*() {
      const label = `${id}#${nextShardId++}`
      const shard: Shard = { conn: opts.driver(label, ctx), fiber: null }
      shards.push(shard)
      shard.fiber = yield* superviseConnection(shard.conn, ctx, venue.openSocket, settings, metrics, writeTrades, openSpacing).pipe(
        yielding,
        Effect.annotateLogs({ venue: id, connection: label }),
        Effect.forkIn(scope)
      )
      return shard
    })

    /**
     * Where a market's new keys go: its existing shard if it has room, else the first with
     * room. `planned` counts keys assigned in this call but not yet added.
     */
    const pickShard = (marketId: string, n: number, planned: Map<Shard, Array<SubscriptionSpec>>) =>
      Effect.gen(function*() {
        const cap = vc.max_assets_per_connection
        const load = (s: Shard) => s.conn.size + (planned.get(s)?.length ?? 0)
        for (const s of shards) if (s.conn.hasMarket(marketId) && load(s) + n <= cap) return s
        for (const s of shards) if (load(s) + n <= cap) return s
        return yield* newShard
      })

    const subscribe = (add: ReadonlyArray<SubscriptionSpec>) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const byMarket = new Map<string, Array<SubscriptionSpec>>()
        for (const spec of add) {
          const known = specs.get(spec.key)
          if (known === undefined) log?.subscribed(spec.marketId, spec.outcomeIds)
          if (known !== undefined) {
            if (known.tier !== spec.tier) schedule.setInterval(spec.key, intervalOf(spec.tier))
            specs.set(spec.key, spec)
            shardOf.get(spec.key)?.conn.updateSpec(spec)
            continue
          }
          const list = byMarket.get(spec.marketId)
          if (list === undefined) byMarket.set(spec.marketId, [spec])
          else list.push(spec)
        }
        // one add per shard, so each shard sends one subscribe message for the whole call
        const perShard = new Map<Shard, Array<SubscriptionSpec>>()
        // A fill of more books than one row chunk would make them all due at the same instants
        // forever (68,000 rows in one burst every WARM interval for a whole universe): their
        // first rows are spread evenly over one interval instead, in 100 ms slots (a round per
        // slot, not per book).
        let fresh = 0
        for (const list of byMarket.values()) fresh += list.length
        const spread = fresh > batchRows
        let j = 0
        for (const [marketId, list] of byMarket) {
          const shard = yield* pickShard(marketId, list.length, perShard)
          for (const spec of list) {
            specs.set(spec.key, spec)
            shardOf.set(spec.key, shard)
            const interval = intervalOf(spec.tier)
            const slot = Math.ceil((interval * ++j) / fresh / SPREAD_SLOT_MS) * SPREAD_SLOT_MS
            schedule.add(spec.key, interval, now, spread ? now + Math.min(interval, slot) : undefined)
          }
          const acc = perShard.get(shard)
          if (acc === undefined) perShard.set(shard, [...list])
          else acc.push(...list)
        }
        for (const [shard, list] of perShard) shard.conn.add(list, now)
        countTiers()
        wake.unsafeOffer(undefined)
      })

    const unsubscribe = (keys: ReadonlyArray<string>) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const perShard = new Map<Shard, Array<string>>()
        for (const key of keys) {
          const shard = shardOf.get(key)
          if (shard === undefined) continue
          const spec = specs.get(key)
          if (spec !== undefined) log?.unsubscribed(spec.marketId, spec.outcomeIds)
          shardOf.delete(key)
          specs.delete(key)
          schedule.remove(key)
          const acc = perShard.get(shard)
          if (acc === undefined) perShard.set(shard, [key])
          else acc.push(key)
        }
        for (const [shard, list] of perShard) {
          shard.conn.remove(list, now)
          // an empty connection is closed, not kept alive for nothing
          if (shard.conn.size === 0) yield* closeShard(shard)
        }
        yield* consolidate
        metrics.books = books.size
        countUnsubscribed()
        countTiers()
      })

    const closeShard = (shard: Shard) =>
      Effect.suspend(() => {
        const i = shards.indexOf(shard)
        if (i >= 0) shards.splice(i, 1)
        return shard.fiber !== null ? Fiber.interrupt(shard.fiber) : Effect.void
      })

    /**
     * Rotation leaves connections half empty: a connection below half of
     * `max_assets_per_connection` is emptied into the others when they have room for all of
     * its markets (whole markets, so both tokens of a Polymarket market stay on one socket),
     * then closed. Its markets are resubscribed on their new connection and are `stale` until
     * the fresh snapshot, like after a reconnect.
     */
    const consolidate: Effect.Effect<void> = Effect.gen(function*() {
      const cap = vc.max_assets_per_connection
      for (;;) {
        const victim = shards
          .filter((sh) => sh.conn.size > 0 && sh.conn.size < cap / 2)
          .sort((a, b) => a.conn.size - b.conn.size)[0]
        if (victim === undefined || shards.length < 2) return
        const byMarket = new Map<string, Array<SubscriptionSpec>>()
        for (const [key, sh] of shardOf) {
          if (sh !== victim) continue
          const spec = specs.get(key)!
          const list = byMarket.get(spec.marketId)
          if (list === undefined) byMarket.set(spec.marketId, [spec])
          else list.push(spec)
        }
        const planned = new Map<Shard, Array<SubscriptionSpec>>()
        for (const list of byMarket.values()) {
          const target = shards.find((sh) => sh !== victim && sh.conn.size + (planned.get(sh)?.length ?? 0) + list.length <= cap)
          if (target === undefined) return
          const acc = planned.get(target)
          if (acc === undefined) planned.set(target, [...list])
          else acc.push(...list)
        }
        const now = yield* Clock.currentTimeMillis
        victim.conn.remove([...byMarket.values()].flat().map((spec) => spec.key), now)
        yield* closeShard(victim)
        for (const [target, list] of planned) {
          for (const spec of list) shardOf.set(spec.key, target)
          target.conn.add(list, now)
        }
        metrics.connectionsConsolidated++
      }
    })

    const setTier = (keys: ReadonlyArray<string>, tier: Tier) =>
      Effect.sync(() => {
        for (const key of keys) {
          const spec = specs.get(key)
          if (spec === undefined || spec.tier === tier) continue
          const next = { ...spec, tier }
          specs.set(key, next)
          shardOf.get(key)?.conn.updateSpec(next)
          schedule.setInterval(key, intervalOf(tier))
        }
        countTiers()
        wake.unsafeOffer(undefined)
      })

    const control: SubscriptionControl = {
      subscribe,
      unsubscribe,
      setTier,
      current: Effect.sync(() => new Map(specs) as ReadonlyMap<string, SubscriptionSpec>)
    }

    // /metrics and /healthz: markets without a live venue subscription, over all shards;
    // counted at snapshot rounds, at most once a second (every subscribed market is due at least once per
    // snapshot_interval_ms_warm) and after every unsubscribe
    const countLive = () => {
      let live = 0
      for (const sh of shards) live += sh.conn.liveSubscriptions()
      metrics.subscriptionsLive = live
      return live
    }
    const countUnsubscribed = () => {
      countLive()
      let count = 0
      let since: number | null = null
      for (const sh of shards) {
        const u = sh.conn.unsubscribedMarkets()
        count += u.count
        if (u.sinceMs !== null && (since === null || u.sinceMs < since)) since = u.sinceMs
      }
      metrics.unsubscribedMarkets = count
      metrics.unsubscribedSinceMs = count > 0 ? since : null
    }

    // The snapshot schedule as a Stream of row chunks: sleep on the Clock until the earliest
    // due book (or a schedule change), then build rows for the due books only, at most
    // `batchRows` per chunk.
    const due: Array<string> = []
    let gaugesAt = Number.NEGATIVE_INFINITY
    let dueIndex = 0
    let dueAt = 0
    const buildDueRows = (): Chunk.Chunk<SnapshotRow> => {
      const rows: Array<SnapshotRow> = []
      while (dueIndex < due.length && rows.length < batchRows) {
        const spec = specs.get(due[dueIndex++]!)
        if (spec === undefined) continue
        // collector.stale_after_ms: an `ok`-looking book with no message for that long is not trusted
        let quietMs = 0
        if (staleAfterMs > 0) {
          const last = shardOf.get(spec.key)?.conn.lastActivityMs(spec.key) ?? null
          if (last !== null && dueAt - last > staleAfterMs) quietMs = dueAt - last
        }
        for (let j = 0; j < spec.outcomeIds.length; j++) {
          const row = books.snapshotRow(spec.marketId, spec.outcomeIds[j]!, dueAt)
          if (quietMs > 0 && row.status !== "stale") {
            const err = `no message for ${quietMs} ms (stale_after_ms ${staleAfterMs})`
            // the log records the silence the row reports, so a rebuild at this row agrees
            if (log !== null) {
              log.marker("silence", spec.marketId, spec.outcomeIds[j]!, err, dueAt)
              rows.push({ ...row, status: "stale", err, event_seq: log.position })
            } else {
              rows.push({ ...row, status: "stale", err })
            }
          } else {
            rows.push(row)
          }
        }
      }
      return Chunk.unsafeFromArray(rows)
    }
    const nextRows: Effect.Effect<Chunk.Chunk<SnapshotRow>> = Effect.gen(function*() {
      while (dueIndex >= due.length) {
        metrics.books = books.size
        const next = schedule.nextDueAt()
        const now = yield* Clock.currentTimeMillis
        if (next !== null && next <= now) {
          due.length = 0
          dueIndex = 0
          dueAt = now
          schedule.takeDue(now, due)
          if (now - gaugesAt >= GAUGES_EVERY_MS) {
            gaugesAt = now
            countUnsubscribed()
          }
          continue
        }
        const wait = next === null ? Effect.never : Effect.sleep(next - now)
        yield* Effect.raceFirst(wait, Queue.take(wake))
      }
      return buildDueRows()
    })
    yield* Stream.repeatEffectChunk(nextRows).pipe(
      Stream.runForEachChunk(writeSnapshots),
      Effect.annotateLogs({ venue: id }),
      Effect.forkIn(scope)
    )

    return {
      control,
      books,
      metrics,
      activity,
      liveSubscriptions: Effect.sync(countLive),
      shards: Effect.sync(() => shards.map((s) => ({ label: s.conn.label, size: s.conn.size })))
    }
  })
