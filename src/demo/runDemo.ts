import * as fs from "node:fs/promises"
import * as path from "node:path"
import { Clock, Console, Effect } from "effect"
import { runCollectorProgram } from "../collector/CollectorProgram.js"
import { type AppConfig, mockMarketsPerVenue } from "../config/schema.js"
import { ALL_VENUES, type VenueId } from "../domain/VenueId.js"
import { parseHorizons } from "../miner/mmViability.js"
import { runMine, runMmViability } from "../miner/run.js"
import { runScanCommand } from "../scanner/command.js"
import { withMockVenues } from "../simulator/mock.js"
import { VenuesLive } from "../venues/VenueLayers.js"
import { listPartitionDates, WAL_DIR_NAME } from "../storage/paths.js"
import { DIR_MODE, makeDirs } from "../storage/permissions.js"

/**
 * `surveillance demo`: the whole product in one process with no network and no credentials.
 * The simulator starts in-process; the real scanner scans it; the real collector (with its
 * scheduler, on a fast rotation so several rotations happen) records it for the duration;
 * the real miner mines what was written. Every run writes into a fresh directory, so a second
 * run never touches the first one's data.
 */
export interface DemoOptions {
  readonly durationMs: number
  /** explicit data dir; default a fresh `data/demo/run-<UTC time>` */
  readonly dataDir?: string
  readonly seed?: number
  readonly marketsPerVenue?: number
}

/** A directory under `data/demo/` that does not exist yet. */
export const freshDemoDir = async (root: string, nowMs: number): Promise<string> => {
  const stamp = new Date(nowMs).toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z")
  await makeDirs(root)
  for (let n = 0; ; n++) {
    const dir = path.join(root, n === 0 ? `run-${stamp}` : `run-${stamp}-${n}`)
    try {
      await fs.mkdir(dir, { mode: DIR_MODE })
      await fs.chmod(dir, DIR_MODE) // (the mkdir mode is masked by the umask)
      return dir
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e
    }
  }
}

/**
 * The demo's settings on top of the user's base config: fast enough to show several
 * rotations and bucket files within a minute, small enough to finish well within 30 s of the
 * duration on a laptop.
 */
export const demoConfig = (base: AppConfig, dataDir: string, opts: DemoOptions): AppConfig => {
  const rotationSecs = Math.max(5, Math.floor(opts.durationMs / 1000 / 6))
  const venue = (v: AppConfig["venues"]["polymarket"]): AppConfig["venues"]["polymarket"] => ({
    ...v,
    enabled: true,
    max_subs: 60,
    hot_count: 10,
    rotation_period_secs: rotationSecs,
    snapshot_interval_ms_hot: 1000,
    snapshot_interval_ms_warm: 3000,
    subscription_churn_limit_per_minute: 600,
    min_hours_until_close: 1
  })
  return {
    ...base,
    data_dir: dataDir,
    venues: { polymarket: venue(base.venues.polymarket), kalshi: venue(base.venues.kalshi) },
    storage: { ...base.storage, top_k: 20, bucket_minutes: 1, flush_seconds: 2 },
    rotation: { enabled: true },
    mock: {
      ...base.mock,
      enabled: true,
      seed: opts.seed ?? base.mock.seed,
      markets_per_venue: opts.marketsPerVenue ?? 300
    },
    collector: { ...base.collector, metrics_addr: "" }
  }
}

const listWritten = async (dir: string): Promise<ReadonlyArray<{ file: string; bytes: number }>> => {
  const out: Array<{ file: string; bytes: number }> = []
  const walk = async (d: string): Promise<void> => {
    for (const entry of await fs.readdir(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name)
      if (entry.isDirectory()) {
        if (entry.name !== WAL_DIR_NAME) await walk(full)
      } else if (!entry.name.endsWith(".tmp")) {
        out.push({ file: full, bytes: (await fs.stat(full)).size })
      }
    }
  }
  await walk(dir)
  return out.sort((a, b) => (a.file < b.file ? -1 : 1))
}

export const runDemo = (base: AppConfig, opts: DemoOptions) =>
  Effect.scoped(
    Effect.gen(function* () {
      const started = yield* Clock.currentTimeMillis
      const dataDir = opts.dataDir ?? (yield* Effect.promise(() => freshDemoDir(path.join("data", "demo"), started)))
      const { cfg } = yield* withMockVenues(demoConfig(base, dataDir, opts))
      const venues: ReadonlyArray<VenueId> = ALL_VENUES
      yield* Console.log(`demo: data in ${dataDir}; simulator on 127.0.0.1; collecting ${opts.durationMs / 1000} s`)

      yield* Console.log("\n== scan ==")
      const venuesLive = VenuesLive(cfg, "(demo)")
      const scan = yield* runScanCommand(cfg, venues).pipe(Effect.provide(venuesLive))
      for (const line of scan.lines) yield* Console.log(line)
      for (const line of scan.failures) yield* Console.log(`FAILED ${line}`)

      yield* Console.log(`\n== collect (${opts.durationMs / 1000} s, rotation every ${cfg.venues.polymarket.rotation_period_secs} s) ==`)
      yield* runCollectorProgram(cfg, { configFile: "(demo)", venues, durationMs: opts.durationMs }).pipe(Effect.provide(venuesLive))

      yield* Console.log("\n== mine ==")
      for (const venue of venues) {
        const dates = yield* Effect.promise(() => listPartitionDates(cfg.data_dir, "orderbook_snapshots", venue))
        for (const date of dates) {
          yield* runMine(cfg, { venue, date, top: 5, json: false })
          yield* runMmViability(cfg, { venue, date, fee: 0, horizons: parseHorizons("1s,5s,30s"), minTrades: 3, top: 5, json: false }).pipe(
            Effect.catchAll((e) => Console.log(`mm-viability ${venue} ${date}: ${e.message}`))
          )
        }
      }

      // a config for this run's data, so status/mine/DuckDB can be pointed at it afterwards
      const runConfig = path.join(cfg.data_dir, "demo.toml")
      yield* Effect.promise(() =>
        fs.writeFile(runConfig, `# written by surveillance demo\ndata_dir = ${JSON.stringify(cfg.data_dir)}\n\n[mock]\nenabled = true\nseed = ${cfg.mock.seed}\nmarkets_per_venue = ${mockMarketsPerVenue(cfg.mock)}\n`)
      )
      const files = yield* Effect.promise(() => listWritten(cfg.data_dir))
      yield* Console.log(`\n== written (${files.length} files) ==`)
      for (const f of files) yield* Console.log(`${f.file}  ${f.bytes} B`)
      const elapsed = ((yield* Clock.currentTimeMillis) - started) / 1000
      yield* Console.log(
        `\ndemo finished in ${elapsed.toFixed(1)} s. Query it, e.g.:\n` +
        `  npx surveillance status --config ${runConfig}\n` +
        `  npx surveillance mine polymarket --config ${runConfig}\n` +
        `  duckdb -c "select market_id, count(*), avg(spread) from read_parquet('${cfg.data_dir}/orderbook_snapshots/venue=*/date=*/hour=*/*.parquet', hive_partitioning=true) where status = 'ok' group by 1 order by 2 desc limit 10"`
      )
    })
  )
