import * as http from "node:http"
import { monitorEventLoopDelay, type IntervalHistogram } from "node:perf_hooks"
import { Clock, Duration, Effect, Runtime, Schedule, type Scope } from "effect"
import type { VenueId } from "../domain/VenueId.js"
import type { CollectorMetrics } from "./Metrics.js"
import { makeCollectorRegistry } from "./prometheus.js"
import type { WriterStats } from "../sink/ParquetSink.js"
import { DROP_REASONS } from "../sink/writerHold.js"

/**
 * Collector observability: Prometheus text at `GET /metrics`, a health verdict at
 * `GET /healthz`, and a compact log line every 60 s with the same figures.
 *
 * Health is 200 only when, for every venue the collector runs, a socket is open and data
 * arrived within `staleAfterMs`, and the writer made rows durable (write-ahead append or
 * Parquet file) within 2 x flush_seconds, and the disk is not refusing the writer's writes,
 * and no market has been without a live venue subscription for over UNSUBSCRIBED_GRACE_MS.
 * Otherwise 503 with a JSON list of reasons; `status` is "degraded" when the only reasons are
 * markets without a subscription (data flows, some markets are not recorded), else "unhealthy".
 */
export interface MetricsServerOptions {
  /** "host:port"; port 0 picks a free one (tests) */
  readonly addr: string
  readonly venues: ReadonlyArray<VenueId>
  readonly metrics: CollectorMetrics
  readonly writerStats: Effect.Effect<WriterStats>
  readonly flushSeconds: number
  /** no inbound data for this long makes a venue unhealthy */
  readonly staleAfterMs: number
  readonly logEveryMs?: number
}

export interface HealthVerdict {
  readonly healthy: boolean
  readonly reasons: ReadonlyArray<string>
  /** every reason is markets without a live subscription: data flows, but not for all of them */
  readonly degraded?: true
}

/**
 * Markets may wait this long for the venue to confirm their subscription before /healthz says
 * so: a subscribe is answered within milliseconds, a resync within a second; longer means the
 * market is not being recorded.
 */
export const UNSUBSCRIBED_GRACE_MS = 5000

export interface RunningMetricsServer {
  /** the bound address, e.g. "127.0.0.1:9464" */
  readonly address: string
}

/** Parse "host:port" (IPv6 in brackets allowed); a clear error naming the key otherwise. */
export const parseListenAddr = (addr: string): { host: string; port: number } => {
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(addr.trim())
  const port = m === null ? NaN : Number(m[2])
  if (m === null || !(port >= 0 && port <= 65535)) {
    throw new Error(`collector.metrics_addr: expected "host:port" (e.g. "127.0.0.1:9464"), got ${JSON.stringify(addr)}`)
  }
  return { host: (m[1] as string).replace(/^\[|\]$/g, ""), port }
}

/**
 * How long a venue may go without inbound data before /healthz says so: `stale_after_ms`
 * when set (the same bound that makes its rows stale), else the socket silence watchdog's
 * bound (after which the collector itself replaces the socket).
 */
export const healthStaleAfterMs = (collector: { readonly stale_after_ms: number; readonly socket_silence_ms: number }): number =>
  collector.stale_after_ms > 0 ? collector.stale_after_ms : collector.socket_silence_ms

export const healthVerdict = (
  opts: Pick<MetricsServerOptions, "venues" | "metrics" | "flushSeconds" | "staleAfterMs">,
  writer: WriterStats,
  nowMs: number,
  startedAtMs: number
): HealthVerdict => {
  const reasons: Array<string> = []
  let subscriptionReasons = 0
  for (const venue of opts.venues) {
    const m = opts.metrics.venues.get(venue)
    if (m === undefined || m.connectionsUp <= 0) {
      reasons.push(`${venue}: no live connection`)
      continue
    }
    const since = m.lastMessageAtMs > 0 ? m.lastMessageAtMs : startedAtMs
    if (nowMs - since > opts.staleAfterMs) {
      reasons.push(`${venue}: no data for ${Math.round((nowMs - since) / 1000)} s (bound ${Math.round(opts.staleAfterMs / 1000)} s)`)
    }
    if (m.unsubscribedMarkets > 0 && m.unsubscribedSinceMs !== null && nowMs - m.unsubscribedSinceMs > UNSUBSCRIBED_GRACE_MS) {
      subscriptionReasons++
      reasons.push(`${venue}: ${m.unsubscribedMarkets} markets without a live subscription, the longest for ` +
        `${Math.round((nowMs - m.unsubscribedSinceMs) / 1000)} s (bound ${UNSUBSCRIBED_GRACE_MS / 1000} s)`)
    }
  }
  const failure = writer.diskFailure
  if (failure !== null) {
    reasons.push(`writer: disk refuses writes for ${Math.round((nowMs - failure.sinceMs) / 1000)} s (${failure.reason}: ${failure.message}); ` +
      `${writer.rowsInMemory} rows wait in memory, ${writer.rowsDropped} dropped`)
  }
  const flushBound = 2 * opts.flushSeconds * 1000
  const lastFlush = writer.lastFlushAtMs > 0 ? writer.lastFlushAtMs : startedAtMs
  if (nowMs - lastFlush > flushBound) {
    reasons.push(`writer: no rows flushed for ${Math.round((nowMs - lastFlush) / 1000)} s (bound ${Math.round(flushBound / 1000)} s)`)
  }
  return {
    healthy: reasons.length === 0,
    reasons,
    ...(subscriptionReasons > 0 && subscriptionReasons === reasons.length ? { degraded: true as const } : {})
  }
}

/** The `status` word of /healthz: ok (200), degraded or unhealthy (both 503). */
export const healthStatus = (v: HealthVerdict): "ok" | "degraded" | "unhealthy" =>
  v.healthy ? "ok" : v.degraded === true ? "degraded" : "unhealthy"

export const compactLogLine = (metrics: CollectorMetrics, writer: WriterStats, nowMs: number, loopLagP99Ms: number): string => {
  const venues = [...metrics.venues.values()].map((m) =>
    `${m.venue} conn=${m.connectionsUp}/${m.connections} subs=${m.subscriptionsHot}h+${m.subscriptionsWarm}w ` +
    `msgs=${m.messagesReceived} bad=${m.malformed} resyncs=${m.bookResyncs} reconnects=${m.reconnects} rows=${m.snapshotRows} ` +
    `unsubscribed=${m.unsubscribedMarkets} ` +
    `last_msg=${m.lastMessageAtMs > 0 ? ((nowMs - m.lastMessageAtMs) / 1000).toFixed(1) + "s" : "never"}`
  )
  return `metrics: ${venues.join(" | ")} | writer written=${writer.rowsWritten} buffered=${writer.rowsBuffered} ` +
    `files=${writer.filesWritten} flush=${writer.lastFlushLatencyMs}ms oldest_unflushed=${(writer.oldestUnflushedAgeMs / 1000).toFixed(1)}s ` +
    `loop_lag_p99=${loopLagP99Ms.toFixed(1)}ms`
}

const p99Ms = (h: IntervalHistogram): number => (h.count > 0 ? h.percentile(99) / 1e6 : 0)

/**
 * Serves /metrics and /healthz in the current scope (closed with it) and logs the compact
 * line every `logEveryMs` (Clock-driven). An empty `addr` disables the HTTP part only.
 */
export const serveMetrics = (opts: MetricsServerOptions): Effect.Effect<RunningMetricsServer | null, Error, Scope.Scope> =>
  Effect.gen(function* () {
    const runtime = yield* Effect.runtime<never>()
    const runPromise = Runtime.runPromise(runtime)
    const startedAtMs = yield* Clock.currentTimeMillis
    const loopDelay = yield* Effect.acquireRelease(
      Effect.sync(() => {
        const h = monitorEventLoopDelay({ resolution: 10 })
        h.enable()
        return h
      }),
      (h) => Effect.sync(() => h.disable())
    )

    yield* Effect.forkScoped(
      Effect.gen(function* () {
        const stats = yield* opts.writerStats
        const now = yield* Clock.currentTimeMillis
        yield* Effect.logInfo(compactLogLine(opts.metrics, stats, now, p99Ms(loopDelay)))
        loopDelay.reset()
      }).pipe(Effect.repeat(Schedule.spaced(Duration.millis(opts.logEveryMs ?? 60_000))), Effect.delay(Duration.millis(opts.logEveryMs ?? 60_000)))
    )

    if (opts.addr.trim() === "") return null
    const registry = makeCollectorRegistry(opts.metrics)
    const { host, port } = yield* Effect.try({ try: () => parseListenAddr(opts.addr), catch: (e) => e as Error })

    const respond = Effect.fnUntraced(function* (url: string) {
      const stats = yield* opts.writerStats
      const now = yield* Clock.currentTimeMillis
      if (url === "/metrics") {
        const body = yield* Effect.promise(() => registry.render({ writer: stats, nowMs: now, loopLagP99Ms: p99Ms(loopDelay) }))
        return { status: 200, type: registry.contentType, body }
      }
      if (url === "/healthz") {
        const verdict = healthVerdict(opts, stats, now, startedAtMs)
        return {
          status: verdict.healthy ? 200 : 503,
          type: "application/json",
          body: JSON.stringify({ status: healthStatus(verdict), reasons: verdict.reasons }) + "\n"
        }
      }
      return { status: 404, type: "text/plain", body: "not found: try /metrics or /healthz\n" }
    })

    const server = yield* Effect.acquireRelease(
      Effect.async<http.Server, Error>((resume) => {
        const srv = http.createServer((req, res) => {
          const url = (req.url ?? "/").split("?")[0] as string
          if (req.method !== "GET") {
            res.writeHead(405, { "content-type": "text/plain" }).end("GET only\n")
            return
          }
          runPromise(respond(url)).then(
            (r) => res.writeHead(r.status, { "content-type": r.type }).end(r.body),
            (e) => res.writeHead(500, { "content-type": "text/plain" }).end(`metrics error: ${String(e)}\n`)
          )
        })
        srv.once("error", (e) => resume(Effect.fail(new Error(`collector.metrics_addr ${opts.addr}: cannot listen: ${e.message}`))))
        srv.listen(port, host, () => resume(Effect.succeed(srv)))
      }),
      (srv) => Effect.async<void>((resume) => {
        srv.closeAllConnections()
        srv.close(() => resume(Effect.void))
      })
    )
    const bound = server.address()
    const address = typeof bound === "object" && bound !== null ? `${host.includes(":") ? `[${host}]` : host}:${bound.port}` : opts.addr
    yield* Effect.logInfo(`metrics: serving http://${address}/metrics and /healthz`)
    return { address }
  })
