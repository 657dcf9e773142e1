import { describe, expect, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import { CollectorMetrics } from "../../src/ops/Metrics.js"
import { healthStatus, healthVerdict, parseListenAddr, serveMetrics } from "../../src/ops/MetricsServer.js"
import { makeCollectorRegistry } from "../../src/ops/prometheus.js"
import type { WriterStats } from "../../src/sink/ParquetSink.js"

const writer = (over: Partial<WriterStats> = {}): WriterStats => ({
  rowsAccepted: 10, rowsWritten: 7, rowsBuffered: 3, rowsInMemory: 1, filesWritten: 2, lastFlushAtMs: 0,
  lastFlushLatencyMs: 12, oldestUnflushedAgeMs: 1500, backpressureWaits: 0, rowsRejected: 0, walAppends: 4,
  rowsRecovered: 0, filesRecovered: 0, badWalLines: 0, writeErrors: 0, rowsDropped: 0, rowsDroppedByReason: {},
  diskFailure: null, ...over
})

const liveMetrics = (now: number) => {
  const metrics = new CollectorMetrics()
  const p = metrics.forVenue("polymarket")
  p.connectionsUp = 2; p.connections = 2; p.messagesReceived = 1234; p.snapshotRows = 99; p.lastMessageAtMs = now - 1000
  const k = metrics.forVenue("kalshi")
  k.connectionsUp = 1; k.connections = 1; k.messagesReceived = 5; k.lastMessageAtMs = now - 2000
  return metrics
}

const opts = (metrics: CollectorMetrics) => ({
  venues: ["polymarket", "kalshi"] as const, metrics, flushSeconds: 5, staleAfterMs: 30_000
})

describe("health verdict", () => {
  it("is healthy when every venue is connected, data is recent and rows were flushed", () => {
    const now = 1_000_000
    expect(healthVerdict(opts(liveMetrics(now)), writer({ lastFlushAtMs: now - 4000 }), now, 0))
      .toEqual({ healthy: true, reasons: [] })
  })

  it("names each failing condition", () => {
    const now = 1_000_000
    const metrics = liveMetrics(now)
    metrics.forVenue("kalshi").connectionsUp = 0
    metrics.forVenue("polymarket").lastMessageAtMs = now - 45_000
    const v = healthVerdict(opts(metrics), writer({ lastFlushAtMs: now - 11_000 }), now, 0)
    expect(v.healthy).toBe(false)
    expect(v.reasons).toEqual([
      "polymarket: no data for 45 s (bound 30 s)",
      "kalshi: no live connection",
      "writer: no rows flushed for 11 s (bound 10 s)"
    ])
  })

  it("markets without a live subscription beyond the grace make it degraded, naming how many and how long", () => {
    const now = 1_000_000
    const metrics = liveMetrics(now)
    const k = metrics.forVenue("kalshi")
    k.unsubscribedMarkets = 3
    k.unsubscribedSinceMs = now - 4000
    const flushed = writer({ lastFlushAtMs: now - 1000 })
    expect(healthVerdict(opts(metrics), flushed, now, 0)).toEqual({ healthy: true, reasons: [] })
    k.unsubscribedSinceMs = now - 12_000
    const v = healthVerdict(opts(metrics), flushed, now, 0)
    expect(v).toEqual({
      healthy: false,
      degraded: true,
      reasons: ["kalshi: 3 markets without a live subscription, the longest for 12 s (bound 5 s)"]
    })
    expect(healthStatus(v)).toBe("degraded")
    // with any other reason it is unhealthy
    metrics.forVenue("polymarket").connectionsUp = 0
    expect(healthStatus(healthVerdict(opts(metrics), flushed, now, 0))).toBe("unhealthy")
  })

  it("a venue that never received data counts from start-up", () => {
    const metrics = new CollectorMetrics()
    metrics.forVenue("polymarket").connectionsUp = 1
    const o = { ...opts(metrics), venues: ["polymarket"] as const }
    expect(healthVerdict(o, writer({ lastFlushAtMs: 10_000 }), 12_000, 0).reasons).toEqual([])
    expect(healthVerdict(o, writer({ lastFlushAtMs: 39_000 }), 40_000, 0).reasons).toEqual(["polymarket: no data for 40 s (bound 30 s)"])
  })
})

describe("prometheus text", () => {
  it("renders per-venue series and writer figures with HELP/TYPE lines", async () => {
    const now = 2_000_000
    const text = await makeCollectorRegistry(liveMetrics(now), { processMetrics: false })
      .render({ writer: writer({ lastFlushAtMs: now - 3000 }), nowMs: now, loopLagP99Ms: 7 })
    expect(text).toContain('surveillance_messages_received_total{venue="polymarket"} 1234')
    expect(text).toContain('surveillance_connections_up{venue="kalshi"} 1')
    expect(text).toContain('surveillance_last_message_age_seconds{venue="kalshi"} 2')
    expect(text).toContain("surveillance_writer_rows_buffered 3")
    expect(text).toContain("surveillance_writer_flush_latency_seconds 0.012")
    expect(text).toContain("surveillance_writer_last_flush_age_seconds 3")
    expect(text).toContain("surveillance_event_loop_lag_p99_seconds 0.007")
    expect(text).toContain("# TYPE surveillance_reconnects_total counter")
    // every sample line is `name{labels} number` or `name number`
    for (const line of text.trim().split("\n").filter((l) => !l.startsWith("#") && l !== "")) {
      expect(line).toMatch(/^surveillance_[a-z0-9_]+(\{(venue|reason)="[a-z_]+"\})? -?[0-9.e+-]+$/)
    }
  })

  it("rejects a malformed listen address with the key name", () => {
    expect(parseListenAddr("127.0.0.1:9464")).toEqual({ host: "127.0.0.1", port: 9464 })
    expect(parseListenAddr("[::1]:0")).toEqual({ host: "::1", port: 0 })
    expect(() => parseListenAddr("localhost")).toThrow(/collector\.metrics_addr: expected "host:port"/)
  })
})

describe("metrics server", () => {
  it.live("serves /metrics and /healthz over HTTP, 503 with reasons when unhealthy", () =>
    Effect.scoped(Effect.gen(function* () {
      const now = Date.now()
      const metrics = liveMetrics(now)
      let stats = writer({ lastFlushAtMs: now })
      const running = yield* serveMetrics({ ...opts(metrics), addr: "127.0.0.1:0", writerStats: Effect.sync(() => stats) })
      const base = `http://${running!.address}`
      const m = yield* Effect.promise(() => fetch(`${base}/metrics`).then(async (r) => [r.status, await r.text()] as const))
      expect(m[0]).toBe(200)
      expect(m[1]).toContain('surveillance_snapshot_rows_total{venue="polymarket"} 99')
      const ok = yield* Effect.promise(() => fetch(`${base}/healthz`).then(async (r) => [r.status, await r.json()] as const))
      expect(ok).toEqual([200, { status: "ok", reasons: [] }])
      metrics.forVenue("kalshi").connectionsUp = 0
      stats = writer({ lastFlushAtMs: Date.now() })
      const bad = yield* Effect.promise(() => fetch(`${base}/healthz`).then(async (r) => [r.status, await r.json()] as const))
      expect(bad).toEqual([503, { status: "unhealthy", reasons: ["kalshi: no live connection"] }])
      const nf = yield* Effect.promise(() => fetch(`${base}/nope`).then((r) => r.status))
      expect(nf).toBe(404)
    })))

  it.effect("logs the compact line every 60 s (TestClock) and serves nothing when addr is empty", () =>
    Effect.scoped(Effect.gen(function* () {
      const metrics = liveMetrics(0)
      let reads = 0
      const running = yield* serveMetrics({
        ...opts(metrics), addr: "", writerStats: Effect.sync(() => { reads++; return writer() })
      })
      expect(running).toBeNull()
      yield* TestClock.adjust("59 seconds")
      expect(reads).toBe(0)
      yield* TestClock.adjust("1 second")
      expect(reads).toBe(1)
      yield* TestClock.adjust("120 seconds")
      expect(reads).toBe(3)
    })))
})
