import { collectDefaultMetrics, Counter, Gauge, Registry } from "prom-client"
import type { WriterStats } from "../sink/ParquetSink.js"
import { DROP_REASONS } from "../sink/writerHold.js"
import type { CollectorMetrics, VenueMetrics } from "./Metrics.js"

/**
 * The /metrics registry, built with prom-client: the collector's own series (read from the
 * plain counters in Metrics.ts at scrape time, so the hot path stays free of library calls)
 * next to prom-client's standard process and Node.js series (CPU, memory, heap, event-loop
 * lag, GC, handles). The exposition text is prom-client's, not hand-written.
 */

/** What a scrape reads besides the venue counters: taken once per scrape. */
export interface CollectorSample {
  readonly writer: WriterStats
  readonly nowMs: number
  /** event-loop delay p99 since the last compact log line */
  readonly loopLagP99Ms: number
}

type Kind = "gauge" | "counter"

const VENUE_SERIES: ReadonlyArray<readonly [keyof VenueMetrics, string, Kind, string]> = [
  ["connectionsUp", "connections_up", "gauge", "WebSocket connections currently open"],
  ["connections", "connections", "gauge", "WebSocket connections (open or reconnecting)"],
  ["subscriptionsHot", "subscriptions_hot", "gauge", "HOT subscriptions"],
  ["subscriptionsWarm", "subscriptions_warm", "gauge", "WARM subscriptions"],
  ["subscriptionsLive", "subscriptions_live", "gauge", "subscriptions the venue confirmed (Polymarket: book received; Kalshi: subscribed)"],
  ["books", "books", "gauge", "order books held in memory"],
  ["unsubscribedMarkets", "unsubscribed_markets", "gauge", "markets to record without a live venue subscription (socket down, subscribe unanswered or refused)"],
  ["framesReceived", "frames_received_total", "counter", "WebSocket text frames received (keep-alive answers and replies included)"],
  ["messagesReceived", "messages_received_total", "counter", "WebSocket data frames received"],
  ["bytesReceived", "bytes_received_total", "counter", "WebSocket bytes received"],
  ["malformed", "messages_rejected_total", "counter", "frames rejected as malformed"],
  ["unknown", "messages_unknown_total", "counter", "events of unknown type (counted, ignored)"],
  ["bookResyncs", "book_resyncs_total", "counter", "books resynchronised (fresh snapshot requested)"],
  ["seqGaps", "seq_gaps_total", "counter", "sequence gaps detected"],
  ["seqOutOfOrder", "seq_out_of_order_total", "counter", "frames with a repeated or older sequence number, dropped"],
  ["reconnects", "reconnects_total", "counter", "WebSocket reconnects"],
  ["connectionsConsolidated", "connections_consolidated_total", "counter", "connections emptied into others and closed after rotation"],
  ["socketSilenceTimeouts", "socket_silence_timeouts_total", "counter", "sockets reconnected by the silence watchdog"],
  ["assetResubscribes", "asset_resubscribes_total", "counter", "single assets resubscribed by their watchdog"],
  ["venueErrors", "venue_errors_total", "counter", "error replies from the venue"],
  ["connectionStalls", "connection_stalls_total", "counter", "book sockets replaced as stalled: silent while the venue-wide feed showed their markets active"],
  ["snapshotRows", "snapshot_rows_total", "counter", "snapshot rows produced"],
  ["snapshotRowsStale", "snapshot_rows_stale_total", "counter", "snapshot rows produced with status stale"],
  ["snapshotRowsCrossed", "snapshot_rows_crossed_total", "counter", "snapshot rows produced with status crossed"],
  ["trades", "trades_total", "counter", "trade rows produced"],
  ["duplicateTrades", "trades_duplicate_total", "counter", "trades received again (same trade) and not written twice"]
]

const WRITER_SERIES: ReadonlyArray<readonly [keyof WriterStats, string, Kind, string, number]> = [
  ["rowsAccepted", "writer_rows_accepted_total", "counter", "rows accepted by the writer", 1],
  ["rowsWritten", "writer_rows_written_total", "counter", "rows written to Parquet files", 1],
  ["rowsBuffered", "writer_rows_buffered", "gauge", "rows not yet in a Parquet file", 1],
  ["rowsInMemory", "writer_rows_in_memory", "gauge", "rows held in memory only (in no file yet)", 1],
  ["filesWritten", "writer_files_written_total", "counter", "Parquet files written", 1],
  ["lastFlushLatencyMs", "writer_flush_latency_seconds", "gauge", "duration of the last flush", 1 / 1000],
  ["oldestUnflushedAgeMs", "writer_oldest_unflushed_row_age_seconds", "gauge", "age of the oldest row not yet durable", 1 / 1000],
  ["backpressureWaits", "writer_backpressure_waits_total", "counter", "times producers waited on a full writer queue", 1],
  ["rowsRejected", "writer_rows_rejected_total", "counter", "rows dropped because their receive time cannot be a bucket", 1],
  ["writeErrors", "writer_errors_total", "counter", "failed writes", 1]
]

const PREFIX = "surveillance_"

/**
 * Our counters are totals kept elsewhere; a prom-client Counter only increments, so at scrape
 * time each is reset and incremented to the current total (the text still says `counter`).
 */
const setCounter = (c: Counter<string>, value: number, labels?: Record<string, string>) => {
  if (labels === undefined) c.inc(Math.max(0, value))
  else c.inc(labels, Math.max(0, value))
}

export interface CollectorRegistry {
  readonly registry: Registry
  readonly contentType: string
  /** the exposition text for this sample */
  readonly render: (sample: CollectorSample) => Promise<string>
}

export const makeCollectorRegistry = (
  metrics: CollectorMetrics,
  opts: { readonly processMetrics?: boolean } = {}
): CollectorRegistry => {
  const registry = new Registry()
  let sample: CollectorSample | null = null
  const venues = () => [...metrics.venues.values()]

  for (const [key, name, kind, help] of VENUE_SERIES) {
    const config = { name: PREFIX + name, help, labelNames: ["venue"] as const, registers: [registry] }
    if (kind === "gauge") {
      new Gauge({ ...config, collect() {
        this.reset()
        for (const m of venues()) this.set({ venue: m.venue }, Number(m[key]))
      } })
    } else {
      new Counter({ ...config, collect() {
        this.reset()
        for (const m of venues()) setCounter(this, Number(m[key]), { venue: m.venue })
      } })
    }
  }
  new Gauge({
    name: `${PREFIX}last_message_age_seconds`,
    help: "seconds since the last inbound data frame (-1 = never)",
    labelNames: ["venue"] as const,
    registers: [registry],
    collect() {
      this.reset()
      const now = sample?.nowMs ?? Date.now()
      for (const m of venues()) this.set({ venue: m.venue }, m.lastMessageAtMs > 0 ? (now - m.lastMessageAtMs) / 1000 : -1)
    }
  })
  for (const [key, name, kind, help, scale] of WRITER_SERIES) {
    const config = { name: PREFIX + name, help, registers: [registry] }
    if (kind === "gauge") {
      new Gauge({ ...config, collect() {
        if (sample !== null) this.set(Number(sample.writer[key]) * scale)
      } })
    } else {
      new Counter({ ...config, collect() {
        this.reset()
        if (sample !== null) setCounter(this, Number(sample.writer[key]) * scale)
      } })
    }
  }
  new Counter({
    name: `${PREFIX}rows_dropped_total`,
    help: "rows that will never reach a file, by reason",
    labelNames: ["reason"] as const,
    registers: [registry],
    collect() {
      this.reset()
      if (sample === null) return
      for (const reason of DROP_REASONS) setCounter(this, sample.writer.rowsDroppedByReason[reason] ?? 0, { reason })
    }
  })
  new Gauge({
    name: `${PREFIX}writer_disk_refusing`,
    help: "1 while the disk refuses the writer's writes",
    registers: [registry],
    collect() {
      if (sample !== null) this.set(sample.writer.diskFailure !== null ? 1 : 0)
    }
  })
  new Gauge({
    name: `${PREFIX}writer_last_flush_age_seconds`,
    help: "seconds since rows were last made durable (-1 = never)",
    registers: [registry],
    collect() {
      if (sample !== null) this.set(sample.writer.lastFlushAtMs > 0 ? (sample.nowMs - sample.writer.lastFlushAtMs) / 1000 : -1)
    }
  })
  new Gauge({
    name: `${PREFIX}event_loop_lag_p99_seconds`,
    help: "event-loop delay p99 since the last compact log line",
    registers: [registry],
    collect() {
      if (sample !== null) this.set(sample.loopLagP99Ms / 1000)
    }
  })
  // process_* and nodejs_*: CPU, resident memory, heap, event-loop lag, GC, handles, versions
  if (opts.processMetrics !== false) collectDefaultMetrics({ register: registry })

  return {
    registry,
    contentType: registry.contentType,
    render: async (s) => {
      sample = s
      return registry.metrics()
    }
  }
}
