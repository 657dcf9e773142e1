import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { startCollector } from "../../src/collector/Collector.js"
import { CollectorMetrics } from "../../src/ops/Metrics.js"
import { healthStaleAfterMs, serveMetrics } from "../../src/ops/MetricsServer.js"
import { ParquetSink, ParquetSinkLive } from "../../src/sink/ParquetSink.js"
import { AppConfig } from "../../src/config/schema.js"
import { runScan } from "../../src/scanner/Scanner.js"
import { startSimulator } from "../../src/simulator/Simulator.js"
import { VenuesLive } from "../../src/venues/VenueLayers.js"

const get = (url: string) =>
  Effect.promise(() => fetch(url).then(async (r) => ({ status: r.status, body: await r.text() })))

/** Polls `url` until `pred` holds; returns the elapsed ms. Fails after `timeoutMs`. */
const waitFor = (url: string, pred: (r: { status: number; body: string }) => boolean, timeoutMs: number) =>
  Effect.gen(function* () {
    const t0 = Date.now()
    for (;;) {
      const r = yield* get(url)
      if (pred(r)) return Date.now() - t0
      if (Date.now() - t0 > timeoutMs) return yield* Effect.die(new Error(`timed out waiting on ${url}: last ${r.status} ${r.body}`))
      yield* Effect.sleep("100 millis")
    }
  })

describe("collector metrics and health against the simulator", () => {
  it.live("/metrics shows live counters; /healthz is 200, then 503 within stale_after once the venue goes silent", () =>
    Effect.scoped(Effect.gen(function* () {
      const dataDir = yield* Effect.promise(() => fs.mkdtemp(path.join(os.tmpdir(), "health-")))
      const sim = yield* startSimulator({ seed: 7, polymarketMarkets: 40, kalshiMarkets: 5 })
      const cfg = Schema.decodeUnknownSync(AppConfig)(sim.configFor({
        data_dir: dataDir,
        venues: {
          polymarket: { max_subs: 20, hot_count: 4, snapshot_interval_ms_hot: 200, snapshot_interval_ms_warm: 500, min_hours_until_close: 0 },
          kalshi: { enabled: false }
        },
        storage: { flush_seconds: 1, bucket_minutes: 1 },
        collector: { metrics_addr: "127.0.0.1:0", stale_after_ms: 2000 }
      }))
      yield* runScan(cfg, ["polymarket"]).pipe(Effect.provide(VenuesLive(cfg)))
      const staleAfter = healthStaleAfterMs(cfg.collector)
      expect(staleAfter).toBe(2000)

      yield* Effect.gen(function* () {
        const writer = yield* ParquetSink
        const metrics = new CollectorMetrics()
        yield* startCollector(cfg, { venues: ["polymarket"], metrics })
        const server = yield* serveMetrics({
          addr: cfg.collector.metrics_addr, venues: ["polymarket"], metrics, writerStats: writer.stats,
          flushSeconds: cfg.storage.flush_seconds, staleAfterMs: staleAfter
        })
        const base = `http://${server!.address}`
        yield* waitFor(`${base}/healthz`, (r) => r.status === 200, 20_000)
        // rows reach the writer once the first snapshots are due and durable after flush_seconds
        yield* waitFor(`${base}/metrics`, (r) => /^surveillance_writer_rows_written_total [1-9]/m.test(r.body) ||
          /^surveillance_writer_rows_buffered [1-9]/m.test(r.body), 20_000)
        yield* waitFor(`${base}/healthz`, (r) => r.status === 200, 20_000)
        const text = (yield* get(`${base}/metrics`)).body
        const sample = (name: string) => Number(new RegExp(`^surveillance_${name}\\{venue="polymarket"\\} (\\S+)$`, "m").exec(text)?.[1])
        expect(sample("messages_received_total")).toBeGreaterThan(0)
        expect(sample("connections_up")).toBeGreaterThan(0)
        expect(sample("subscriptions_hot") + sample("subscriptions_warm")).toBe(20)
        expect(text).toMatch(/^surveillance_writer_rows_accepted_total [1-9]\d*$/m)

        yield* Effect.sync(() => sim.faults.setStream({ silent: true }, { venue: "polymarket" }))
        const elapsed = yield* waitFor(`${base}/healthz`, (r) => r.status === 503, staleAfter + 10_000)
        const verdict = JSON.parse((yield* get(`${base}/healthz`)).body) as { status: string; reasons: string[] }
        expect(verdict.status).toBe("unhealthy")
        expect(verdict.reasons.join(" ")).toMatch(/polymarket: no data for \d+ s/)
        // within stale_after (plus polling and scheduling slack on a loaded machine)
        expect(elapsed).toBeLessThan(staleAfter + 2_500)
      }).pipe(Effect.provide(VenuesLive(cfg)), Effect.provide(ParquetSinkLive({ dataDir, storage: cfg.storage, queueRows: 100_000 })))
    })), 60_000)
})
