import { generateKeyPairSync } from "node:crypto"
import { Effect, Layer } from "effect"
import { AppConfig } from "../../src/config/schema.js"
import { Schema } from "effect"
import type { SnapshotRow } from "../../src/domain/SnapshotRow.js"
import type { EventRow } from "../../src/domain/EventRow.js"
import type { TradeRow } from "../../src/domain/TradeRow.js"
import { ConnectionError, type SocketEvents, type SocketHandle, type SocketOpener, type SocketRequest } from "../../src/venues/WebSocketTransport.js"
import { makeVenuePipeline } from "../../src/collector/VenuePipeline.js"
import type { VenueId } from "../../src/domain/VenueId.js"
import { makeVenueMetrics, type VenueMetrics } from "../../src/ops/Metrics.js"
import { makeKalshiVenue } from "../../src/venues/kalshi/KalshiLive.js"
import type { KalshiCredentials } from "../../src/venues/kalshi/stream.js"
import { makePolymarketVenue } from "../../src/venues/polymarket/PolymarketLive.js"
import { ParquetSink } from "../../src/sink/ParquetSink.js"

/**
 * In-memory venue sockets for TestClock tests of the connection machinery: the test plays the
 * venue (pushes frames, closes, refuses), the real drivers/BookStore/schedule run unchanged.
 */
export class FakeSocket implements SocketHandle {
  readonly sent: Array<string> = []
  closed = false
  /** answer PING with PONG like the Polymarket server */
  answerPings = true
  constructor(
    readonly req: SocketRequest,
    private readonly events: SocketEvents,
    private readonly onSubscribe: ((assetIds: ReadonlyArray<string>) => ReadonlyArray<string | object>) | null = null
  ) {}
  send(text: string): void {
    if (this.closed) return
    this.sent.push(text)
    if (this.answerPings && text === "PING") this.events.onText("PONG")
    if (this.onSubscribe !== null && text.startsWith("{")) {
      const msg = JSON.parse(text) as { type?: string; operation?: string; assets_ids?: Array<string> }
      if (msg.type === "market" || msg.operation === "subscribe") this.push(...this.onSubscribe(msg.assets_ids ?? []))
    }
  }
  pauses = 0
  resumes = 0
  pause(): void {
    this.pauses++
  }
  resume(): void {
    this.resumes++
  }
  push(...frames: Array<string | object>): void {
    for (const f of frames) this.events.onText(typeof f === "string" ? f : JSON.stringify(f))
  }
  /** server-side close (a clean close: code 1000) */
  drop(code = 1000): void {
    this.closed = true
    this.events.onClose(code, "")
  }
  json(): Array<Record<string, unknown>> {
    return this.sent.filter((t) => t.startsWith("{")).map((t) => JSON.parse(t) as Record<string, unknown>)
  }
}

export class FakeVenue {
  readonly sockets: Array<FakeSocket> = []
  refuseNext = 0
  /** Retry-After the refusals carry (null: none) */
  retryAfterMs: number | null = null
  private onSubscribe: ((assetIds: ReadonlyArray<string>) => ReadonlyArray<string | object>) | null = null
  /** Polymarket-style: every (re)subscription is answered at once with these frames. */
  answerSubscriptions(frames: (assetIds: ReadonlyArray<string>) => ReadonlyArray<string | object>): void {
    this.onSubscribe = frames
  }
  readonly opener: SocketOpener = (req, events) =>
    Effect.acquireRelease(
      Effect.suspend(() => {
        if (this.refuseNext > 0) {
          this.refuseNext--
          return Effect.fail(new ConnectionError({
            label: req.label, url: req.url, kind: "connect", reason: "HTTP 429 on upgrade",
            ...(this.retryAfterMs !== null ? { retryAfterMs: this.retryAfterMs } : {})
          }))
        }
        const s = new FakeSocket(req, events, this.onSubscribe)
        this.sockets.push(s)
        return Effect.succeed(s)
      }),
      (s) => Effect.sync(() => {
        s.closed = true
      })
    )
  get last(): FakeSocket {
    const s = this.sockets[this.sockets.length - 1]
    if (s === undefined) throw new Error("no socket opened yet")
    return s
  }
  get open(): Array<FakeSocket> {
    return this.sockets.filter((s) => !s.closed)
  }
}

export class MemoryWriter {
  readonly snapshots: Array<SnapshotRow> = []
  readonly trades: Array<TradeRow> = []
  readonly events: Array<EventRow> = []
  readonly layer = Layer.succeed(ParquetSink, {
    writeSnapshots: (rows) => Effect.sync(() => void this.snapshots.push(...rows)),
    writeTrades: (rows) => Effect.sync(() => void this.trades.push(...rows)),
    writeEvents: (_venue, rows) => Effect.sync(() => { for (const r of rows) this.events.push(r) }),
    flushNow: Effect.void,
    stats: Effect.dieMessage("MemoryWriter has no stats")
  })
  rowsFor(outcomeId: string): Array<SnapshotRow> {
    return this.snapshots.filter((r) => r.outcome_id === outcomeId)
  }
  lastRow(outcomeId: string): SnapshotRow | undefined {
    const rows = this.rowsFor(outcomeId)
    return rows[rows.length - 1]
  }
}

export const testConfig = (over: Record<string, unknown> = {}): AppConfig =>
  Schema.decodeUnknownSync(AppConfig)({
    data_dir: "/nonexistent",
    collector: {
      socket_silence_ms: 60_000,
      first_book_timeout_ms: 30_000,
      asset_silence_ms: 900_000,
      reconnect_base_ms: 250,
      reconnect_max_ms: 30_000,
      ...(over["collector"] as object | undefined)
    },
    ...(over["storage"] !== undefined ? { storage: over["storage"] } : {}),
    venues: {
      polymarket: { ws_url: "ws://fake/ws/market", ...(over["polymarket"] as object | undefined) },
      // the firehose adds a socket: off unless a test is about it
      kalshi: { ws_url: "ws://fake/trade-api/ws/v2", api_key: "key-1", firehose: false, ...(over["kalshi"] as object | undefined) }
    }
  })

export const testKalshiKey = (() => {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 })
  return privateKey
})()

export const pmBook = (market: string, asset: string, bids: Array<[number, number]>, asks: Array<[number, number]>, ts = 1) => ({
  event_type: "book",
  asset_id: asset,
  market,
  bids: bids.map(([p, s]) => ({ price: String(p), size: String(s) })),
  asks: asks.map(([p, s]) => ({ price: String(p), size: String(s) })),
  timestamp: String(ts),
  hash: "0x0"
})

export const pmPriceChange = (market: string, asset: string, side: "BUY" | "SELL", price: number, size: number) => ({
  event_type: "price_change",
  market,
  timestamp: "2",
  price_changes: [{ asset_id: asset, price: String(price), size: String(size), side, hash: "0x1", best_bid: "0", best_ask: "0" }]
})

/**
 * A venue pipeline over the real venue service (decoders, drivers, BookStore, schedule):
 * sockets come from `opener` (an in-memory FakeVenue, or the real `ws` client when absent).
 */
export const venuePipeline = (opts: {
  readonly venue: VenueId
  readonly cfg: AppConfig
  readonly metrics: VenueMetrics
  readonly opener?: SocketOpener
  readonly credentials?: KalshiCredentials
  readonly topK?: number
  /** event log on (bucket minutes from cfg) unless false */
  readonly eventLog?: boolean
}) =>
  Effect.gen(function*() {
    const { cfg, venue } = opts
    const openSocket = opts.opener !== undefined ? { openSocket: opts.opener } : {}
    const service = venue === "polymarket"
      ? makePolymarketVenue({ restUrl: cfg.venues.polymarket.rest_url, wsUrl: cfg.venues.polymarket.ws_url, ...openSocket })
      : makeKalshiVenue({
        restUrl: cfg.venues.kalshi.rest_url,
        wsUrl: cfg.venues.kalshi.ws_url,
        credentials: Effect.succeed(opts.credentials ?? { keyId: "key-1", privateKey: testKalshiKey }),
        ...openSocket
      })
    const driver = yield* service.wire
    return yield* makeVenuePipeline({
      venue: service,
      driver,
      venueConfig: cfg.venues[venue],
      collector: cfg.collector,
      topK: opts.topK ?? cfg.storage.top_k,
      metrics: opts.metrics,
      eventLog: opts.eventLog === false || !cfg.storage.event_log ? null : { bucketMinutes: cfg.storage.bucket_minutes }
    })
  })

/** A venue pipeline over an in-memory FakeVenue into a MemoryWriter, with fresh metrics. */
export const fakeVenuePipeline = (venue: VenueId, cfg: AppConfig) =>
  Effect.gen(function*() {
    const fake = new FakeVenue()
    const writer = new MemoryWriter()
    const metrics = makeVenueMetrics(venue)
    const vc = yield* venuePipeline({ venue, cfg, metrics, opener: fake.opener }).pipe(Effect.provide(writer.layer))
    return { venue: fake, writer, metrics, vc }
  })
