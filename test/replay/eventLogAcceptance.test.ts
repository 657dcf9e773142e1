import * as fs from "node:fs"
import { runRebuild } from "../support/replayFiles.js"
import * as os from "node:os"
import * as path from "node:path"
import { spawnSync } from "node:child_process"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Schema } from "effect"
import { startCollector } from "../../src/collector/Collector.js"
import { AppConfig } from "../../src/config/schema.js"
import type { SnapshotRow } from "../../src/domain/SnapshotRow.js"
import type { VenueId } from "../../src/domain/VenueId.js"
import { ParquetSinkLive } from "../../src/sink/ParquetSink.js"
import { startSimulator } from "../../src/simulator/Simulator.js"
import { FileStoreLayer } from "../../src/storage/FileStore.js"
import { readSnapshotFile } from "../../src/storage/parquet/snapshots.js"
import { readEventColumns } from "../../src/storage/parquet/events.js"
import { VenuesLive } from "../../src/venues/VenueLayers.js"
import { duckdb } from "../sink/sinkTestRows.js"

/**
 * Acceptance of the event log: the collector against the simulator over real sockets, with drops, a
 * Kalshi seq gap and silent assets, the event log on; random snapshot rows from the live files
 * (and rows of every kind of break) come back from `rebuild` with the same levels and status.
 */
const TOP_K = 10

const listParquet = (dir: string): string[] =>
  fs.existsSync(dir) ? (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith(".parquet")).map((f) => path.join(dir, f)) : []

const rng = (seed: number) => () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff
  return seed / 0x80000000
}

const levels = (r: SnapshotRow) => ({
  status: r.status, err: r.err, seq: r.seq,
  bid_px: r.bid_px.slice(0, TOP_K), bid_sz: r.bid_sz.slice(0, TOP_K), ask_px: r.ask_px.slice(0, TOP_K), ask_sz: r.ask_sz.slice(0, TOP_K)
})

/** Polls (real time) until `pred` holds; dies naming what it waited for after 15 s. */
const waitFor = (pred: () => boolean, what: string) => Effect.gen(function*() {
  for (let i = 0; i < 750; i++) {
    if (pred()) return
    yield* Effect.sleep(20)
  }
  return yield* Effect.dieMessage(`timed out waiting for ${what}`)
})

describe("event log acceptance: collector + simulator with faults", () => {
  it.scopedLive("random live snapshot rows, and every stale one, are rebuilt exactly from the log at their ts_recv and event_seq", () =>
    Effect.gen(function*() {
      const dataDir = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), "eventlog-accept-"))
      const sim = yield* startSimulator({ seed: 3, polymarketMarkets: 4, kalshiMarkets: 3, tickMs: 25 })
      const cfg = Schema.decodeUnknownSync(AppConfig)(sim.configFor({
        data_dir: dataDir,
        storage: { flush_seconds: 1, bucket_minutes: 1, top_k: TOP_K },
        collector: { reconnect_base_ms: 50, reconnect_max_ms: 300, stale_after_ms: 300, metrics_addr: "" },
        venues: {
          polymarket: { snapshot_interval_ms_hot: 100, snapshot_interval_ms_warm: 250 },
          kalshi: { snapshot_interval_ms_hot: 100, snapshot_interval_ms_warm: 250 }
        }
      } as never))
      yield* Effect.scoped(Effect.gen(function*() {
        const running = yield* startCollector(cfg, { venues: ["polymarket", "kalshi"], driver: "none" })
        const pm = sim.truth.liveMarkets("polymarket").slice(0, 3)
        const k = sim.truth.liveMarkets("kalshi").slice(0, 3)
        yield* running.controls.get("polymarket")!.subscribe(pm.flatMap((m, i) =>
          m.token_ids.map((t) => ({ key: t, marketId: m.market_id, outcomeIds: [t], tier: i === 0 ? "warm" as const : "hot" as const }))))
        yield* running.controls.get("kalshi")!.subscribe(k.map((m) => ({ key: m.market_id, marketId: m.market_id, outcomeIds: ["yes", "no"], tier: "hot" as const })))
        // faults only once both venues' books are live (a loaded machine may take longer than
        // the 1.2 s of a quiet one), and the seq gap only counts once the collector saw it
        yield* Effect.sleep(1200)
        const pmMetrics = running.metrics.forVenue("polymarket")
        const kMetrics = running.metrics.forVenue("kalshi")
        yield* waitFor(() => pmMetrics.snapshotRows - pmMetrics.snapshotRowsStale > 0 && kMetrics.snapshotRows - kMetrics.snapshotRowsStale > 0, "live books on both venues")
        sim.faults.skipSeq({ venue: "kalshi" })
        sim.faults.drop({ venue: "polymarket", mode: "terminate" })
        yield* waitFor(() => kMetrics.seqGaps > 0, "the Kalshi seq gap")
        yield* Effect.sleep(600)
        sim.faults.setStream({ silentAssets: [pm[1]!.token_ids[0]!, k[1]!.market_id] })
        yield* Effect.sleep(800)
        sim.faults.setStream({ silentAssets: [] })
        sim.faults.drop({ venue: "kalshi", mode: "close" })
        yield* Effect.sleep(900)
      })).pipe(
        Effect.provide(Layer.merge(ParquetSinkLive({ dataDir, storage: cfg.storage, queueRows: 200_000 }), VenuesLive(cfg)).pipe(Layer.provideMerge(FileStoreLayer)))
      )

      const result = yield* Effect.promise(async () => {
        let compared = 0
        let staleCompared = 0
        const errs = new Set<string>()
        const breaks = new Set<string>()
        for (const venue of ["polymarket", "kalshi"] as const satisfies ReadonlyArray<VenueId>) {
          const rows: SnapshotRow[] = []
          for (const f of listParquet(path.join(dataDir, "orderbook_snapshots", `venue=${venue}`))) rows.push(...(await readSnapshotFile(f)) as SnapshotRow[])
          expect(rows.length, venue).toBeGreaterThan(100)
          const r = rng(venue === "kalshi" ? 5 : 9)
          const picked = new Set<SnapshotRow>()
          while (picked.size < 30) picked.add(rows[Math.floor(r() * rows.length)]!)
          // every row around a continuity break (capped, spread over the run)
          const stale = rows.filter((x) => x.status === "stale")
          expect(stale.length, `${venue} stale rows`).toBeGreaterThan(0)
          const byKind = new Map<string, SnapshotRow[]>()
          for (const x of stale) {
            const key = x.err!.replace(/\d+/g, "N")
            byKind.set(key, [...(byKind.get(key) ?? []), x])
          }
          for (const group of byKind.values()) for (let i = 0; i < group.length; i += Math.max(1, Math.floor(group.length / 8))) picked.add(group[i]!)
          // and the rows of each market just before and after each break the log recorded
          for (const f of listParquet(path.join(dataDir, "book_events", `venue=${venue}`))) {
            const c = await readEventColumns(f)
            for (let i = 0; i < c.length; i++) {
              const kind = c.kind[i]!
              if (kind !== "seq_gap" && kind !== "connection_lost" && kind !== "resync") continue
              breaks.add(kind)
              const near = rows.filter((x) => x.market_id === c.market_id[i] && Math.abs(x.ts_recv - c.ts_recv[i]!) <= 250)
              for (const x of near.slice(0, 6)) picked.add(x)
            }
          }
          for (const row of picked) {
            const rebuilt = await runRebuild({ dataDir, venue, atMs: row.ts_recv, maxSeq: row.event_seq ?? null, markets: [row.market_id] })
            const same = rebuilt.rows.find((x) => x.outcome_id === row.outcome_id)
            expect(same === undefined ? undefined : levels(same), `${venue} ${row.market_id}/${row.outcome_id} at ${row.ts_recv} seq ${row.event_seq}`).toEqual(levels(row))
            compared++
            if (row.status === "stale") {
              staleCompared++
              errs.add(row.err!.replace(/\d+/g, "N"))
            }
          }
        }
        return { compared, staleCompared, errs: [...errs], breaks: [...breaks].sort() }
      })
      expect(result.compared).toBeGreaterThanOrEqual(50)
      expect(result.staleCompared).toBeGreaterThan(5)
      console.log(`compared ${result.compared} rows, ${result.staleCompared} stale: ${result.errs.join(" / ")}`)
      // the breaks the faults made: a reconnect, a seq gap, a silence
      expect(result.breaks).toEqual(["connection_lost", "resync", "seq_gap"])
      expect(result.errs.some((e) => e.startsWith("no message for"))).toBe(true)
      expect(result.errs.some((e) => e.includes("reset") || e.includes("connection"))).toBe(true)

      // DuckDB reads every event file; the CLI prints the same book as the library
      const [count] = yield* Effect.promise(() => duckdb(
        `select count(*)::BIGINT from read_parquet('${dataDir}/book_events/venue=*/date=*/hour=*/*.parquet', hive_partitioning=true, hive_types={'hour': INTEGER})`))
      expect(Number((count as Array<bigint>)[0])).toBeGreaterThan(300)
      const some = (yield* Effect.promise(() => readSnapshotFile(listParquet(path.join(dataDir, "orderbook_snapshots", "venue=kalshi"))[0]!))) as SnapshotRow[]
      const row = some.find((x) => x.status === "ok") ?? some[0]!
      const configFile = path.join(dataDir, "surveillance.toml")
      fs.writeFileSync(configFile, `data_dir = ${JSON.stringify(dataDir)}\n`)
      const cli = spawnSync(process.execPath, ["bin/surveillance.js", "rebuild", "kalshi", "--config", configFile, "--at", new Date(row.ts_recv).toISOString(), "--seq", String(row.event_seq), "--market", row.market_id], {
        cwd: path.resolve(__dirname, "../.."), encoding: "utf8"
      })
      expect(cli.status, cli.stderr).toBe(0)
      const printed = cli.stdout.trim().split("\n").map((l) => JSON.parse(l) as SnapshotRow)
      expect(printed.map((p) => p.outcome_id)).toEqual(["no", "yes"])
      const mine = printed.find((p) => p.outcome_id === row.outcome_id)!
      expect({ ...levels(mine), market_id: mine.market_id }).toEqual({ ...levels(row), market_id: row.market_id })
      fs.rmSync(dataDir, { recursive: true, force: true })
    }), 90_000)
})
