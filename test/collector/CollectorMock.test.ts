import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DuckDBInstance } from "@duckdb/node-api"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { runCollectorProgram } from "../../src/collector/CollectorProgram.js"
import { scanWhereMissing } from "../../src/scanner/Scanner.js"
import { MockVenues } from "../../src/simulator/MockVenues.js"
import { AppConfig } from "../../src/config/schema.js"

const venueCfg = { snapshot_interval_ms_hot: 200, snapshot_interval_ms_warm: 500, subscription_churn_limit_per_minute: 1000, max_subs: 10, hot_count: 4 }

describe("collect in [mock] mode", () => {
  it.live("starts the simulator in-process, scans it once (no universe yet), and records both venues", () =>
    Effect.gen(function*() {
      const dir = yield* Effect.promise(() => mkdtemp(join(tmpdir(), "collect-mock-")))
      const cfg = Schema.decodeUnknownSync(AppConfig)({
        data_dir: dir,
        mock: { enabled: true, markets_per_venue: 6, seed: 5 },
        collector: { metrics_addr: "" },
        storage: { flush_seconds: 1 },
        venues: { polymarket: venueCfg, kalshi: venueCfg }
      })
      // what `surveillance collect` wires in mock mode (src/cli/collect.ts)
      yield* Effect.zipRight(
        scanWhereMissing(cfg, ["polymarket", "kalshi"]),
        runCollectorProgram(cfg, { configFile: "(test)", venues: [], durationMs: 2000 })
      ).pipe(Effect.provide(MockVenues(cfg, "(test)")))
      const rows = yield* Effect.promise(async () => {
        const db = await DuckDBInstance.create(":memory:")
        const c = await db.connect()
        const r = await c.runAndReadAll(
          `select venue, count(*)::INTEGER n, count(*) filter (where status = 'ok')::INTEGER ok from read_parquet('${dir}/orderbook_snapshots/venue=*/date=*/hour=*/*.parquet', hive_partitioning=true) group by venue order by venue`
        )
        c.closeSync()
        return r.getRowObjects()
      })
      expect(rows.map((r) => r["venue"])).toEqual(["kalshi", "polymarket"])
      for (const r of rows) expect(r["ok"] as number).toBeGreaterThan(0)
      yield* Effect.promise(() => rm(dir, { recursive: true, force: true }))
    }), 60_000)
})
