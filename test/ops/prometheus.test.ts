import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
// @ts-expect-error no type declarations; an independent parser of the Prometheus text format
import parsePrometheusTextFormat from "parse-prometheus-text-format"
import { CollectorMetrics } from "../../src/ops/Metrics.js"
import { serveMetrics } from "../../src/ops/MetricsServer.js"
import type { WriterStats } from "../../src/sink/ParquetSink.js"

interface Family {
  readonly name: string
  readonly help: string
  readonly type: string
  readonly metrics: ReadonlyArray<{ readonly value?: string; readonly labels?: Record<string, string>; readonly count?: string }>
}
const parse = parsePrometheusTextFormat as (text: string) => ReadonlyArray<Family>

const writer: WriterStats = {
  rowsAccepted: 10, rowsWritten: 7, rowsBuffered: 3, rowsInMemory: 1, filesWritten: 2, lastFlushAtMs: 0,
  lastFlushLatencyMs: 12, oldestUnflushedAgeMs: 1500, backpressureWaits: 0, rowsRejected: 4, walAppends: 4,
  rowsRecovered: 0, filesRecovered: 0, badWalLines: 0, writeErrors: 1,
  rowsDropped: 5, rowsDroppedByReason: { disk_full: 5 }, diskFailure: null
}

describe("/metrics through an independent Prometheus text parser", () => {
  it.live("collector series with their values and types, next to process and Node.js series", () =>
    Effect.scoped(Effect.gen(function*() {
      const metrics = new CollectorMetrics()
      const p = metrics.forVenue("polymarket")
      p.connectionsUp = 2
      p.messagesReceived = 1234
      p.malformed = 3
      const kalshiDrops = metrics.forVenue("kalshi")
      kalshiDrops.seqOutOfOrder = 6
      const k = metrics.forVenue("kalshi")
      k.connectionsUp = 1
      k.messagesReceived = 5
      k.unsubscribedMarkets = 2
      let stats = writer
      const running = yield* serveMetrics({
        addr: "127.0.0.1:0", venues: ["polymarket", "kalshi"], metrics, flushSeconds: 5, staleAfterMs: 30_000,
        writerStats: Effect.sync(() => stats)
      })
      const scrape = () =>
        Effect.promise(() =>
          fetch(`http://${running!.address}/metrics`).then(async (r) => ({ type: r.headers.get("content-type"), text: await r.text() }))
        )
      const first = yield* scrape()
      expect(first.type).toMatch(/^text\/plain; version=0\.0\.4/)
      const families = new Map(parse(first.text).map((f) => [f.name, f]))
      const value = (name: string, venue?: string) => {
        const f = families.get(name)
        expect(f, name).toBeDefined()
        const m = f!.metrics.find((x) => venue === undefined || x.labels?.["venue"] === venue)
        return Number(m?.value)
      }
      expect(families.get("surveillance_messages_received_total")?.type).toBe("COUNTER")
      expect(value("surveillance_messages_received_total", "polymarket")).toBe(1234)
      expect(value("surveillance_messages_received_total", "kalshi")).toBe(5)
      expect(value("surveillance_messages_rejected_total", "polymarket")).toBe(3)
      expect(value("surveillance_seq_out_of_order_total", "kalshi")).toBe(6)
      expect(families.get("surveillance_connections_consolidated_total")?.type).toBe("COUNTER")
      expect(families.get("surveillance_connections_up")?.type).toBe("GAUGE")
      expect(value("surveillance_connections_up", "kalshi")).toBe(1)
      expect(families.get("surveillance_unsubscribed_markets")?.type).toBe("GAUGE")
      expect(value("surveillance_unsubscribed_markets", "kalshi")).toBe(2)
      expect(value("surveillance_writer_rows_buffered")).toBe(3)
      expect(value("surveillance_writer_rows_rejected_total")).toBe(4)
      expect(value("surveillance_writer_errors_total")).toBe(1)
      expect(value("surveillance_writer_flush_latency_seconds")).toBeCloseTo(0.012)
      // prom-client's standard series: CPU, memory, heap, event-loop lag, GC
      expect(value("process_cpu_user_seconds_total")).toBeGreaterThan(0)
      expect(value("process_resident_memory_bytes")).toBeGreaterThan(10_000_000)
      expect(value("nodejs_heap_size_used_bytes")).toBeGreaterThan(0)
      expect(families.has("nodejs_eventloop_lag_p99_seconds")).toBe(true)
      expect(families.get("nodejs_gc_duration_seconds")?.type).toBe("HISTOGRAM")

      // counters follow the collector's totals between scrapes (not added twice)
      p.messagesReceived = 2000
      stats = { ...writer, rowsWritten: 9 }
      const second = new Map(parse((yield* scrape()).text).map((f) => [f.name, f]))
      expect(Number(second.get("surveillance_messages_received_total")!.metrics.find((m) => m.labels?.["venue"] === "polymarket")!.value)).toBe(2000)
      expect(Number(second.get("surveillance_writer_rows_written_total")!.metrics[0]!.value)).toBe(9)
    })))
})
