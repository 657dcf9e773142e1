import { Cause, Clock, Data, Deferred, Effect, Exit, Random, type Scope } from "effect"
import WebSocket from "ws"
import type { VenueMetrics } from "../ops/Metrics.js"

/**
 * One supervised WebSocket connection: open (under a Scope), let the venue driver
 * (re)subscribe, drain inbound frames in chunks through the driver's plain-loop `ingest`,
 * keep it alive, watch it for silence, and on any end (clean close included) reconnect with
 * jittered exponential backoff. Venue protocol lives in `src/venues/{venue}/stream.ts`.
 */

export class ConnectionError extends Data.TaggedError("ConnectionError")<{
  readonly label: string
  readonly url: string
  readonly kind: "connect" | "closed" | "error" | "silent"
  readonly reason: string
}> {
  override get message(): string {
    return `${this.label}: ${this.kind} (${this.reason}) at ${this.url}`
  }
}

/** What the rest of the collector sees of an open socket. */
export interface SocketHandle {
  send(text: string): void
  /** stop reading (TCP backpressure) while the inbox is over its high-water mark */
  pause(): void
  resume(): void
}

export interface SocketEvents {
  onText(text: string): void
  onClose(code: number, reason: string): void
  onError(error: Error): void
}

export interface SocketRequest {
  /** the connection's label (e.g. "polymarket#0"), for error messages */
  readonly label: string
  readonly url: string
  readonly headers: Record<string, string>
  readonly maxPayload: number
  readonly handshakeTimeoutMs: number
}

/** Opens a socket, resolving once it is open; the scope closes it. */
export type SocketOpener = (
  req: SocketRequest,
  events: SocketEvents
) => Effect.Effect<SocketHandle, ConnectionError, Scope.Scope>

const frameText = (data: WebSocket.RawData): string =>
  Buffer.isBuffer(data)
    ? data.toString("utf8")
    : Array.isArray(data)
    ? Buffer.concat(data).toString("utf8")
    : Buffer.from(data).toString("utf8")

/** The real opener: `ws` with `maxPayload` (an oversized frame closes the socket with 1009). */
export const wsOpener: SocketOpener = (req, events) =>
  Effect.acquireRelease(
    Effect.async<WebSocket, ConnectionError>((resume) => {
      const ws = new WebSocket(req.url, {
        headers: req.headers,
        maxPayload: req.maxPayload,
        handshakeTimeout: req.handshakeTimeoutMs,
        perMessageDeflate: false
      })
      let opened = false
      let settled = false
      // a refused upgrade can raise 'unexpected-response', 'error' and 'close': report the first
      const fail = (kind: ConnectionError["kind"], reason: string) => {
        if (settled) return
        settled = true
        resume(Effect.fail(new ConnectionError({ label: req.label, url: req.url, kind, reason })))
      }
      ws.on("open", () => {
        if (settled) return
        opened = true
        settled = true
        resume(Effect.succeed(ws))
      })
      // ws answers the server's ping control frames itself (Kalshi pings every ~10 s).
      ws.on("message", (data) => events.onText(frameText(data)))
      ws.on("unexpected-response", (_req, res) => {
        // e.g. HTTP 429 when too many sockets open at once (PROTOCOLS.md Polymarket), 401 bad auth
        fail("connect", `HTTP ${res.statusCode ?? "?"} on upgrade`)
        ws.terminate()
      })
      ws.on("error", (err) => {
        if (opened) events.onError(err)
        else fail("connect", err.message)
      })
      ws.on("close", (code, reason) => {
        if (opened) events.onClose(code, reason.toString("utf8"))
        else fail("connect", `closed during handshake (${code})`)
      })
      return Effect.sync(() => ws.terminate())
    }),
    (ws) => Effect.sync(() => ws.terminate())
  ).pipe(Effect.map((ws): SocketHandle => ({
    send: (text) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(text)
    },
    pause: () => ws.pause(),
    resume: () => ws.resume()
  })))

/**
 * Inbound frames between the ws 'message' callback (no Effect) and the one fiber that
 * drains them. Over `highWater` frames the socket is paused, so a slow consumer pushes back
 * on the venue through TCP instead of growing memory.
 */
export class Inbox {
  private frames: Array<string> = []
  private wake: (() => void) | null = null
  constructor(readonly highWater: number, private readonly onHighWater: () => void) {}
  push(text: string): void {
    this.frames.push(text)
    if (this.frames.length === this.highWater) this.onHighWater()
    const w = this.wake
    if (w !== null) {
      this.wake = null
      w()
    }
  }
  get length(): number {
    return this.frames.length
  }
  private swap(): Array<string> {
    const out = this.frames
    this.frames = []
    return out
  }
  /** Waits until at least one frame is there, then takes all of them. */
  readonly takeAll: Effect.Effect<Array<string>> = Effect.async<Array<string>>((resume) => {
    if (this.frames.length > 0) {
      resume(Effect.succeed(this.swap()))
      return
    }
    this.wake = () => resume(Effect.sync(() => this.swap()))
    return Effect.sync(() => {
      this.wake = null
    })
  })
}

/** The venue protocol of one connection (implemented in src/venues/{venue}/stream.ts). */
export interface ConnectionDriver {
  readonly label: string
  readonly url: string
  /** headers for this attempt (Kalshi signs with the current time) */
  handshakeHeaders(nowMs: number): Record<string, string>
  /** text keep-alive, sent only once `hasSubscribed()` (Polymarket PING); null when the venue pings us */
  readonly keepAlive: { readonly text: string; readonly intervalMs: number } | null
  /** socket open: reset books of this connection and (re)subscribe everything it carries */
  attach(send: (text: string) => void, nowMs: number): void
  /** socket gone: books of this connection are written stale until their fresh snapshot */
  detach(reason: string, nowMs: number): void
  hasSubscribed(): boolean
  /** keep-alive answers (`PONG`) do not count as data for the silence watchdog */
  isKeepAliveReply(text: string): boolean
  /** hot path: decode + apply, plain loops, no Effect per frame */
  ingest(frames: ReadonlyArray<string>, from: number, to: number, recvTs: number): void
  /** per-asset first-book / silence watchdog; may resubscribe single assets */
  watchAssets(nowMs: number): void
}

export interface ConnectionSettings {
  readonly maxFrameBytes: number
  readonly socketSilenceMs: number
  readonly reconnectBaseMs: number
  readonly reconnectMaxMs: number
  /** backoff returns to the base delay after the socket stayed up this long */
  readonly healthyResetMs: number
  /** how often the socket and asset watchdogs look */
  readonly watchdogEveryMs: number
  readonly handshakeTimeoutMs: number
  /** frames per ingest call before yielding to other fibers */
  readonly chunkFrames: number
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
  healthyResetMs: 60_000,
  // a quarter of the shortest timeout, within [50 ms, 5 s]: detection within 125% of a timeout
  watchdogEveryMs: Math.min(5000, Math.max(50, Math.floor(Math.min(c.socket_silence_ms, c.first_book_timeout_ms, c.asset_silence_ms) / 4))),
  handshakeTimeoutMs: 10_000,
  chunkFrames: 512,
  inboxHighWater: 20_000
})

/**
 * Equal-jitter exponential backoff: the ceiling doubles from `base` to `max`; the delay is
 * uniform in [ceiling/2, ceiling], so many connections failing together spread out (never a
 * reconnect storm) and none retries faster than half the ceiling.
 */
export const backoffDelayMs = (attempt: number, baseMs: number, maxMs: number, unit: number): number => {
  const ceiling = Math.min(maxMs, baseMs * Math.pow(2, Math.min(attempt, 30)))
  return Math.round(ceiling / 2 + (ceiling / 2) * unit)
}

/** One connection attempt; always ends in a failure (a clean close is a failure too). */
const runOnce = (
  driver: ConnectionDriver,
  opener: SocketOpener,
  s: ConnectionSettings,
  metrics: VenueMetrics,
  afterIngest: Effect.Effect<void>,
  onOpen: (openedAtMs: number) => void
): Effect.Effect<never, ConnectionError> =>
  Effect.scoped(Effect.gen(function*() {
    const closed = yield* Deferred.make<never, ConnectionError>()
    let socket: SocketHandle | null = null
    let paused = false
    const inbox = new Inbox(s.inboxHighWater, () => {
      if (socket !== null && !paused) {
        paused = true
        socket.pause()
      }
    })
    const end = (kind: ConnectionError["kind"], reason: string) =>
      Deferred.unsafeDone(closed, Exit.fail(new ConnectionError({ label: driver.label, url: driver.url, kind, reason })))
    const headers = driver.handshakeHeaders(yield* Clock.currentTimeMillis)
    socket = yield* opener(
      { label: driver.label, url: driver.url, headers, maxPayload: s.maxFrameBytes, handshakeTimeoutMs: s.handshakeTimeoutMs },
      {
        onText: (text) => inbox.push(text),
        onClose: (code, reason) => end("closed", `code ${code}${reason === "" ? "" : ` ${reason}`}`),
        onError: (err) => end("error", err.message)
      }
    )
    const openedAt = yield* Clock.currentTimeMillis
    let lastDataAt = openedAt
    onOpen(openedAt)
    metrics.connectionsUp++
    const sock = socket
    yield* Effect.addFinalizer(() =>
      Effect.gen(function*() {
        metrics.connectionsUp--
        driver.detach("connection down", yield* Clock.currentTimeMillis)
      })
    )
    driver.attach((text) => sock.send(text), openedAt)

    const drain = Effect.gen(function*() {
      while (true) {
        const frames = yield* inbox.takeAll
        const recvTs = yield* Clock.currentTimeMillis
        let data = false
        for (let i = 0; i < frames.length; i++) {
          const f = frames[i]!
          metrics.bytesReceived += f.length
          if (!driver.isKeepAliveReply(f)) data = true
        }
        if (data) {
          lastDataAt = recvTs
          metrics.lastMessageAtMs = recvTs
        }
        for (let from = 0; from < frames.length; from += s.chunkFrames) {
          const to = Math.min(frames.length, from + s.chunkFrames)
          driver.ingest(frames, from, to, recvTs)
          yield* afterIngest
          if (to < frames.length) yield* Effect.yieldNow()
        }
        if (paused && inbox.length === 0) {
          paused = false
          sock.resume()
        }
      }
    })

    // Polymarket: PING only after the first subscription, else 1008 (PROTOCOLS.md).
    const keepAlive = driver.keepAlive === null ? Effect.never : Effect.gen(function*() {
      const ka = driver.keepAlive!
      while (true) {
        yield* Effect.sleep(ka.intervalMs)
        if (driver.hasSubscribed()) sock.send(ka.text)
      }
    })

    // A socket can stay open and answer PONG while delivering nothing (PROTOCOLS.md):
    // only data frames reset the silence clock.
    const watchdog = Effect.gen(function*() {
      while (true) {
        yield* Effect.sleep(s.watchdogEveryMs)
        const now = yield* Clock.currentTimeMillis
        if (now - lastDataAt >= s.socketSilenceMs) {
          metrics.socketSilenceTimeouts++
          return yield* new ConnectionError({
            label: driver.label,
            url: driver.url,
            kind: "silent",
            reason: `no data for ${now - lastDataAt} ms`
          })
        }
        driver.watchAssets(now)
      }
    })

    return yield* Deferred.await(closed).pipe(
      Effect.raceFirst(watchdog),
      Effect.raceFirst(drain),
      Effect.raceFirst(keepAlive)
    )
  }))

/**
 * Runs a connection forever: attempt, and after any end wait a jittered exponential
 * backoff (reset once a socket stayed healthy for `healthyResetMs`). Interrupting the fiber
 * closes the socket. Decoder defects end the attempt, not the venue.
 */
export const superviseConnection = (
  driver: ConnectionDriver,
  opener: SocketOpener,
  s: ConnectionSettings,
  metrics: VenueMetrics,
  afterIngest: Effect.Effect<void> = Effect.void
): Effect.Effect<never> =>
  Effect.gen(function*() {
    let attempt = 0
    while (true) {
      let openedAt: number | null = null
      const exit = yield* Effect.exit(runOnce(driver, opener, s, metrics, afterIngest, (t) => {
        openedAt = t
      }))
      const now = yield* Clock.currentTimeMillis
      if (openedAt !== null && now - openedAt >= s.healthyResetMs) attempt = 0
      const delay = backoffDelayMs(attempt, s.reconnectBaseMs, s.reconnectMaxMs, yield* Random.next)
      attempt++
      metrics.reconnects++
      const failure = Exit.isFailure(exit) ? Cause.squash(exit.cause) : null
      const why = failure instanceof Error ? failure.message : String(failure)
      yield* Effect.logWarning(`${why}; reconnecting in ${delay} ms`)
      yield* Effect.sleep(delay)
    }
  })
