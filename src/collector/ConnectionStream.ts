import { Cause, Chunk, Clock, Effect, Schedule, Stream } from "effect"
import { backoffSchedule } from "../domain/Backoff.js"
import type { TradeRow } from "../domain/TradeRow.js"
import type { VenueMetrics } from "../ops/Metrics.js"
import type { ConnectionDriver, IngestContext } from "../venues/VenueDriver.js"
import { ConnectionError, type SocketOpener } from "../venues/WebSocketTransport.js"
import { openSocketSource } from "./SocketSource.js"

/**
 * One venue connection as a Stream: socket frames (chunks) -> the driver's plain-loop decode
 * and book update -> the trades those frames carried. Beside the frames run the keep-alive
 * and the silence watchdog; the socket's end, a clean close included, fails the Stream and
 * `superviseConnection` opens a new one after the shared backoff.
 */

export interface ConnectionSettings {
  readonly maxFrameBytes: number
  readonly socketSilenceMs: number
  readonly reconnectBaseMs: number
  readonly reconnectMaxMs: number
  /**
   * a socket that delivered data for this long ends its incident: the next failure starts
   * from the base delay (a socket that opens and fails at once, or stays open but silent,
   * keeps backing off)
   */
  readonly healthyResetMs: number
  /** how often the socket and asset watchdogs look */
  readonly watchdogEveryMs: number
  readonly handshakeTimeoutMs: number
  /** frames per chunk through the decoder */
  readonly chunkFrames: number
  /** buffered frames above which the socket is paused */
  readonly inboxHighWater: number
}

export const connectionSettings = (c: {
  readonly socket_silence_ms: number
  readonly reconnect_base_ms: number
  readonly reconnect_max_ms: number
  readonly max_frame_bytes: number
  readonly first_book_timeout_ms: number
  readonly asset_silence_ms: number
}): ConnectionSettings => ({
  maxFrameBytes: c.max_frame_bytes,
  socketSilenceMs: c.socket_silence_ms,
  reconnectBaseMs: c.reconnect_base_ms,
  reconnectMaxMs: Math.max(c.reconnect_base_ms, c.reconnect_max_ms),
  healthyResetMs: 10_000,
  // a quarter of the shortest timeout, within [50 ms, 1 s]: detection within 125% of a timeout,
  // and deferred Kalshi resubscriptions (kalshi/subscriptions.ts) wait at most a second
  watchdogEveryMs: Math.min(1000, Math.max(50, Math.floor(Math.min(c.socket_silence_ms, c.first_book_timeout_ms, c.asset_silence_ms) / 4))),
  handshakeTimeoutMs: 10_000,
  chunkFrames: 512,
  inboxHighWater: 20_000
})

/**
 * Socket opens of one venue at least `intervalMs` apart, first opens and reconnects alike: each
 * open takes the next free slot on the Clock and sleeps until it, so the 140 connections of a
 * fresh all-mode collector open over 14 s (at 100 ms) instead of in one burst of handshakes that
 * draws HTTP 429 (docs/PROTOCOLS.md, Polymarket market WebSocket).
 */
export const makeOpenSpacing = (intervalMs: number): Effect.Effect<void> => {
  let nextFreeMs = Number.NEGATIVE_INFINITY
  return Effect.flatMap(Clock.currentTimeMillis, (now) => {
    const at = Math.max(now, nextFreeMs)
    nextFreeMs = at + intervalMs
    return at > now ? Effect.sleep(at - now) : Effect.void
  })
}

/** A failed attempt, and for how long its socket delivered data (0 = none, or never opened). */
export class ConnectionEnded {
  constructor(readonly error: ConnectionError, readonly healthyMs: number) {}
}

/** Trades of a chunk, and the warnings its frames raised, taken out of the shared context. */
const drainIngest = (ctx: IngestContext): Effect.Effect<Chunk.Chunk<TradeRow>> =>
  Effect.suspend(() => {
    const trades = ctx.trades.length > 0 ? Chunk.unsafeFromArray(ctx.trades.splice(0)) : Chunk.empty<TradeRow>()
    if (ctx.notices.length === 0) return Effect.succeed(trades)
    const notices = ctx.notices.splice(0)
    return Effect.as(Effect.forEach(notices, (n) => Effect.logWarning(n), { discard: true }), trades)
  })

/** One socket's life: open, subscribe, stream trades until it ends (always in a failure). */
export const connectionAttempt = (
  driver: ConnectionDriver,
  ctx: IngestContext,
  opener: SocketOpener,
  s: ConnectionSettings,
  metrics: VenueMetrics,
  /** waited before the socket opens (the venue's open spacing) */
  beforeOpen: Effect.Effect<void> = Effect.void
): Stream.Stream<TradeRow, ConnectionEnded> =>
  Stream.unwrapScoped(Effect.gen(function*() {
    yield* beforeOpen
    let firstDataAt: number | null = null
    let lastDataAt = 0
    const ended = (error: ConnectionError) =>
      Effect.sync(() => new ConnectionEnded(error, firstDataAt === null ? 0 : lastDataAt - firstDataAt))
    const headers = driver.handshakeHeaders(yield* Clock.currentTimeMillis)
    const socket = yield* openSocketSource(
      opener,
      { label: driver.label, url: driver.url, headers, maxPayload: s.maxFrameBytes, handshakeTimeoutMs: s.handshakeTimeoutMs },
      { highWater: s.inboxHighWater, chunkFrames: s.chunkFrames }
    ).pipe(Effect.catchAll((e) => Effect.flatMap(ended(e), Effect.fail)))
    const openedAt = yield* Clock.currentTimeMillis
    lastDataAt = openedAt
    metrics.connectionsUp++
    yield* Effect.addFinalizer(() =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.sync(() => {
          metrics.connectionsUp--
          driver.detach("connection down", now)
        }))
    )
    driver.attach(socket.send, openedAt)

    const ingest = (frames: Chunk.Chunk<string>) =>
      Effect.flatMap(Clock.currentTimeMillis, (recvTs) => {
        const batch = Chunk.toReadonlyArray(frames)
        metrics.framesReceived += batch.length
        let data = false
        for (let i = 0; i < batch.length; i++) {
          const f = batch[i]!
          metrics.bytesReceived += f.length
          if (!driver.isKeepAliveReply(f)) data = true
        }
        if (data) {
          if (firstDataAt === null) firstDataAt = recvTs
          lastDataAt = recvTs
          metrics.lastMessageAtMs = recvTs
        }
        driver.ingest(batch, 0, batch.length, recvTs)
        return drainIngest(ctx)
      })

    // A socket can stay open and answer PONG while delivering nothing: only data frames
    // reset the silence clock.
    const watchdog = Stream.fromSchedule(Schedule.spaced(s.watchdogEveryMs)).pipe(
      Stream.mapEffect(() =>
        Effect.flatMap(Clock.currentTimeMillis, (now) => {
          if (now - lastDataAt >= s.socketSilenceMs) {
            metrics.socketSilenceTimeouts++
            return Effect.fail(new ConnectionError({ label: driver.label, url: driver.url, kind: "silent", reason: `no data for ${now - lastDataAt} ms` }))
          }
          driver.watchAssets(now)
          const replace = driver.reconnectReason()
          if (replace !== null) {
            return Effect.zipRight(
              drainIngest(ctx),
              Effect.fail(new ConnectionError({ label: driver.label, url: driver.url, kind: "error", reason: replace }))
            )
          }
          return drainIngest(ctx)
        })
      ),
      Stream.flattenChunks
    )

    // Polymarket: PING only after the first subscription, else the venue closes with 1008.
    const ka = driver.keepAlive
    const keepAlive = ka === null ? Stream.empty : Stream.fromSchedule(Schedule.spaced(ka.intervalMs)).pipe(
      Stream.tap(() => Effect.sync(() => {
        if (driver.hasSubscribed()) socket.send(ka.text)
      })),
      Stream.drain
    )

    const trades = socket.frames.pipe(Stream.mapChunksEffect(ingest))
    return Stream.mergeAll([trades, watchdog, keepAlive], { concurrency: 3 }).pipe(
      // a decoder defect ends this socket, not the venue
      Stream.catchAllCause((cause) =>
        Stream.fromEffect(Effect.flatMap(
          ended(Cause.isFailType(cause) ? cause.error : toConnectionError(driver, cause)),
          (e) => Cause.isInterruptedOnly(cause) ? Effect.failCause(cause as Cause.Cause<never>) : Effect.fail(e)
        ))
      )
    )
  }))

const toConnectionError = (driver: ConnectionDriver, cause: Cause.Cause<unknown>): ConnectionError => {
  const failure = Cause.squash(cause)
  return new ConnectionError({
    label: driver.label,
    url: driver.url,
    kind: "error",
    reason: failure instanceof Error ? failure.message : String(failure)
  })
}

/**
 * Runs a connection forever into `writeTrades`: every end is retried with the shared backoff,
 * which starts over after a socket that delivered data for `healthyResetMs` (one incident's
 * backoff never carries over to the next), and waits what a 429's Retry-After asks (capped at
 * reconnect_max_ms). Interrupting the fiber closes the socket.
 */
export const superviseConnection = (
  driver: ConnectionDriver,
  ctx: IngestContext,
  opener: SocketOpener,
  s: ConnectionSettings,
  metrics: VenueMetrics,
  writeTrades: (trades: Chunk.Chunk<TradeRow>) => Effect.Effect<void>,
  beforeOpen: Effect.Effect<void> = Effect.void
): Effect.Effect<never> =>
  connectionAttempt(driver, ctx, opener, s, metrics, beforeOpen).pipe(
    Stream.runForEachChunk(writeTrades),
    Effect.zipRight(Effect.dieMessage("a connection stream ended without failing")),
    Effect.retry(backoffSchedule<ConnectionEnded>({
      baseMs: s.reconnectBaseMs,
      maxMs: s.reconnectMaxMs,
      resetWhen: (e) => e.healthyMs >= s.healthyResetMs,
      requestedDelayMs: (e) => e.error.retryAfterMs ?? null,
      onRetry: (e, delayMs) =>
        Effect.suspend(() => {
          metrics.reconnects++
          return Effect.logWarning(`${e.error.message}; reconnecting in ${delayMs} ms`)
        })
    })),
    Effect.orDie
  ) as Effect.Effect<never>
