import { Clock, Effect, Fiber, Queue, type Scope } from "effect"
import type { AppConfig, VenueConfig } from "../config/schema.js"
import type { SnapshotRow } from "../domain/SnapshotRow.js"
import type { VenueId } from "../domain/Venue.js"
import { makeDecodeStats } from "../venues/DecodeStats.js"
import { type KalshiCredentials, KalshiConnection } from "../venues/kalshi/stream.js"
import { PolymarketConnection } from "../venues/polymarket/stream.js"
import { BookStore } from "./BookStore.js"
import { type ConnectionDriver, connectionSettings, type SocketOpener, superviseConnection, wsOpener } from "./Connection.js"
import type { IngestContext, VenueConnection } from "./ConnectionAssets.js"
import type { VenueMetrics } from "./Metrics.js"
import { SnapshotSchedule } from "./SnapshotSchedule.js"
import type { SubscriptionControl, SubscriptionSpec, Tier } from "./SubscriptionControl.js"
import { SnapshotWriter } from "./Writer.js"
import { RecentTrades } from "./RecentTrades.js"

/**
 * One venue's collector: shards subscriptions over connections (at most
 * `max_assets_per_connection` each; both tokens of a Polymarket market on one socket), holds
 * the venue's BookStore, and runs the snapshot loop (per-book due times, HOT/WARM cadence).
 * Implements the SubscriptionControl the scheduler drives.
 */
export interface VenueCollectorOptions {
  readonly venue: VenueId
  readonly venueConfig: VenueConfig
  readonly collector: AppConfig["collector"]
  readonly topK: number
  readonly metrics: VenueMetrics
  /** Kalshi only: parsed key (auth.ts) */
  readonly credentials?: KalshiCredentials
  /** tests may replace the ws opener */
  readonly opener?: SocketOpener
  /** rows per writeSnapshots call */
  readonly snapshotBatchRows?: number
}

export interface VenueCollector {
  readonly control: SubscriptionControl
  readonly books: BookStore
  readonly metrics: VenueMetrics
  /** connections (shards) by label, with the number of subscriptions each carries */
  readonly shards: Effect.Effect<ReadonlyArray<{ readonly label: string; readonly size: number }>>
}

type Shard = { readonly conn: VenueConnection & ConnectionDriver; fiber: Fiber.RuntimeFiber<never> | null }

export const makeVenueCollector = (
  opts: VenueCollectorOptions
): Effect.Effect<VenueCollector, never, Scope.Scope | SnapshotWriter> =>
  Effect.gen(function*() {
    const { venue, venueConfig: vc, metrics } = opts
    const writer = yield* SnapshotWriter
    const scope = yield* Effect.scope
    const books = new BookStore({ venue, topK: opts.topK })
    const schedule = new SnapshotSchedule()
    const specs = new Map<string, SubscriptionSpec>()
    const shardOf = new Map<string, Shard>()
    const shards: Array<Shard> = []
    const settings = connectionSettings(opts.collector)
    const opener = opts.opener ?? wsOpener
    const wake = yield* Queue.sliding<void>(1)
    const batchRows = opts.snapshotBatchRows ?? 5000
    const staleAfterMs = opts.collector.stale_after_ms
    let nextShardId = 0

    const ctx: IngestContext = {
      venue,
      books,
      metrics,
      decodeStats: makeDecodeStats(),
      trades: [],
      recentTrades: new RecentTrades(),
      notices: [],
      firstBookTimeoutMs: opts.collector.first_book_timeout_ms,
      assetSilenceMs: opts.collector.asset_silence_ms
    }

    // After each ingested chunk: trades to the writer, warnings to the log.
    const afterIngest = Effect.suspend(() => {
      const trades = ctx.trades.length > 0 ? ctx.trades.splice(0) : null
      const notices = ctx.notices.length > 0 ? ctx.notices.splice(0) : null
      return Effect.gen(function*() {
        if (notices !== null) for (const n of notices) yield* Effect.logWarning(n)
        // spliced out of ctx: the hand-over must complete, or these trades would be lost
        if (trades !== null) yield* Effect.uninterruptible(writer.writeTrades(trades))
      })
    })
    // Trades decoded by the last chunk before shutdown (interrupted before afterIngest ran)
    // still reach the writer, whose scope outlives this one.
    yield* Effect.addFinalizer(() =>
      Effect.suspend(() => (ctx.trades.length > 0 ? writer.writeTrades(ctx.trades.splice(0)) : Effect.void))
    )

    const intervalOf = (tier: Tier) => tier === "hot" ? vc.snapshot_interval_ms_hot : vc.snapshot_interval_ms_warm

    const countTiers = () => {
      let hot = 0
      for (const s of specs.values()) if (s.tier === "hot") hot++
      metrics.subscriptionsHot = hot
      metrics.subscriptionsWarm = specs.size - hot
      metrics.connections = shards.length
    }

    const newShard = Effect.gen(function*() {
      const label = `${venue}#${nextShardId++}`
      const conn: VenueConnection & ConnectionDriver = venue === "polymarket"
        ? new PolymarketConnection(label, vc.ws_url, ctx)
        : new KalshiConnection(label, vc.ws_url, ctx, opts.credentials!)
      const shard: Shard = { conn, fiber: null }
      shards.push(shard)
      shard.fiber = yield* superviseConnection(conn, opener, settings, metrics, afterIngest).pipe(
        Effect.annotateLogs({ venue, connection: label }),
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
        for (const [marketId, list] of byMarket) {
          const shard = yield* pickShard(marketId, list.length, perShard)
          for (const spec of list) {
            specs.set(spec.key, spec)
            shardOf.set(spec.key, shard)
            schedule.add(spec.key, intervalOf(spec.tier), now)
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
        const perShard = new Map<Shard, Array<string>>()
        for (const key of keys) {
          const shard = shardOf.get(key)
          if (shard === undefined) continue
          shardOf.delete(key)
          specs.delete(key)
          schedule.remove(key)
          const acc = perShard.get(shard)
          if (acc === undefined) perShard.set(shard, [key])
          else acc.push(key)
        }
        for (const [shard, list] of perShard) {
          shard.conn.remove(list)
          if (shard.conn.size === 0) {
            // an empty connection is closed, not kept alive for nothing
            const i = shards.indexOf(shard)
            if (i >= 0) shards.splice(i, 1)
            if (shard.fiber !== null) yield* Fiber.interrupt(shard.fiber)
          }
        }
        metrics.books = books.size
        countTiers()
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

    // Snapshot loop: sleep on the Clock until the earliest due book (or a schedule change),
    // build rows for the due books only, hand them to the writer in batches.
    // Uninterruptible so `snapshotRows` equals what the writer accepted even when shutdown
    // lands mid-call (the writer drains concurrently, so a backpressure wait still ends).
    const handOver = (batch: ReadonlyArray<SnapshotRow>) =>
      Effect.uninterruptible(Effect.tap(writer.writeSnapshots(batch), () => {
        metrics.snapshotRows += batch.length
      }))
    const snapshotLoop = Effect.gen(function*() {
      const due: Array<string> = []
      let rows: Array<SnapshotRow> = []
      while (true) {
        const now = yield* Clock.currentTimeMillis
        due.length = 0
        schedule.takeDue(now, due)
        for (let i = 0; i < due.length; i++) {
          const spec = specs.get(due[i]!)
          if (spec === undefined) continue
          // collector.stale_after_ms: an `ok`-looking book with no message for that long is not trusted
          let quietMs = 0
          if (staleAfterMs > 0) {
            const last = shardOf.get(spec.key)?.conn.lastActivityMs(spec.key) ?? null
            if (last !== null && now - last > staleAfterMs) quietMs = now - last
          }
          for (let j = 0; j < spec.outcomeIds.length; j++) {
            const row = books.snapshotRow(spec.marketId, spec.outcomeIds[j]!, now)
            rows.push(quietMs > 0 && row.status !== "stale"
              ? { ...row, status: "stale", err: `no message for ${quietMs} ms (stale_after_ms ${staleAfterMs})` }
              : row)
          }
          if (rows.length >= batchRows) {
            const batch = rows
            rows = []
            yield* handOver(batch)
          }
        }
        if (rows.length > 0) {
          const batch = rows
          rows = []
          yield* handOver(batch)
        }
        metrics.books = books.size
        const next = schedule.nextDueAt()
        const after = yield* Clock.currentTimeMillis
        const wait = next === null ? Effect.never : Effect.sleep(Math.max(0, next - after))
        yield* Effect.raceFirst(wait, Queue.take(wake))
      }
    })
    yield* Effect.forkIn(snapshotLoop.pipe(Effect.annotateLogs({ venue })), scope)

    return {
      control,
      books,
      metrics,
      shards: Effect.sync(() => shards.map((s) => ({ label: s.conn.label, size: s.conn.size })))
    }
  })
