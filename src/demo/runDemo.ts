import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { Clock, Console, Effect } from "effect"
import { runCollectorProgram } from "../collector/CollectorProgram.js"
import { type AppConfig, mockMarketsPerVenue } from "../config/schema.js"
import { ALL_VENUES, type VenueId } from "../domain/VenueId.js"
import { DEFAULT_HORIZONS, DEFAULT_MIN_TRADES, parseHorizons } from "../miner/mmViability.js"
import { runMine, runMmViability } from "../miner/run.js"
import { DEFAULT_REPORT_TOP, writeReport } from "../report/runReport.js"
import { runScanCommand } from "../scanner/command.js"
import { withMockVenues } from "../simulator/mock.js"
import { VenuesLive } from "../venues/VenueLayers.js"
import { FileStore, type FileStoreError } from "../storage/FileStore.js"
import { listPartitionDates } from "../storage/partitions.js"
import { isTempFile, WAL_DIR_NAME } from "../storage/paths.js"
import { demoQueriesSql } from "./duckdbQueries.js"

/** How the user started this program: `node bin/surveillance.js` in a checkout, else the installed `surveillance`. */
const programName = (): string => {
  const script = process.argv[1] ?? ""
  const rel = path.relative(process.cwd(), script)
  return rel === path.join("bin", "surveillance.js") ? "node bin/surveillance.js" : "surveillance"
}

/** The demo's mm-viability settings, said in its output: a short run has too few trades for the defaults. */
const DEMO_MIN_TRADES = 3
const DEMO_HORIZONS = "1s,5s,30s"

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

/** A directory under `data/demo/` that does not exist yet (one demo per process: no race to win). */
export const freshDemoDir = (root: string, nowMs: number): Effect.Effect<string, FileStoreError, FileStore> =>
  Effect.gen(function* () {
    const store = yield* FileStore
    const stamp = new Date(nowMs).toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z")
    for (let n = 0; ; n++) {
      const dir = path.join(root, n === 0 ? `run-${stamp}` : `run-${stamp}-${n}`)
      if ((yield* store.stat(dir)) !== null) continue
      yield* store.makeDirectory(dir)
      return dir
    }
  })

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

const listWritten = (dir: string): Effect.Effect<ReadonlyArray<{ file: string; bytes: number }>, FileStoreError, FileStore> =>
  Effect.gen(function* () {
    const store = yield* FileStore
    const out: Array<{ file: string; bytes: number }> = []
    const walk = (d: string): Effect.Effect<void, FileStoreError> =>
      Effect.gen(function* () {
        for (const name of yield* store.list(d)) {
          const full = path.join(d, name)
          const info = yield* store.stat(full)
          if (info === null) continue
          if (info.kind === "directory") {
            if (name !== WAL_DIR_NAME) yield* walk(full)
          } else if (!isTempFile(name)) {
            out.push({ file: full, bytes: info.size })
          }
        }
      })
    yield* walk(dir)
    return out.sort((a, b) => (a.file < b.file ? -1 : 1))
  })

export const runDemo = (base: AppConfig, opts: DemoOptions) =>
  Effect.scoped(
    Effect.gen(function* () {
      const started = yield* Clock.currentTimeMillis
      const store = yield* FileStore
      const dataDir = opts.dataDir ?? (yield* freshDemoDir(path.join("data", "demo"), started))
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
      yield* Console.log(
        `mm-viability here uses --min-trades ${DEMO_MIN_TRADES} and --horizons ${DEMO_HORIZONS} (the command's defaults are ` +
          `${DEFAULT_MIN_TRADES} and ${DEFAULT_HORIZONS}): a ${opts.durationMs / 1000} s run has few trades per outcome`
      )
      for (const venue of venues) {
        const dates = yield* listPartitionDates(cfg.data_dir, "orderbook_snapshots", venue)
        for (const date of dates) {
          yield* runMine(cfg, { venue, date, top: 5, json: false })
          yield* runMmViability(cfg, { venue, date, fee: 0, horizons: parseHorizons(DEMO_HORIZONS), minTrades: DEMO_MIN_TRADES, top: 5, json: false }).pipe(
            Effect.catchAll((e) => Console.log(`mm-viability ${venue} ${date}: ${e.message}`))
          )
        }
      }

      // the page to look at: one self-contained HTML report per venue and day
      yield* Console.log("\n== report ==")
      const reports: Array<string> = []
      for (const venue of venues) {
        for (const date of yield* listPartitionDates(cfg.data_dir, "orderbook_snapshots", venue)) {
          const file = yield* writeReport({ dataDir: cfg.data_dir, venue, from: date, to: date, top: DEFAULT_REPORT_TOP }).pipe(
            Effect.catchAll((e) => Effect.as(Console.log(`report ${venue} ${date}: ${e.message}`), null))
          )
          if (file !== null) {
            reports.push(file)
            yield* Console.log(`report: ${file}`)
          }
        }
      }

      // a config for this run's data, so status/mine/DuckDB can be pointed at it afterwards
      const runConfig = path.join(cfg.data_dir, "demo.toml")
      yield* store.writeAtomic(
        runConfig,
        `# written by surveillance demo\ndata_dir = ${JSON.stringify(cfg.data_dir)}\n\n[mock]\nenabled = true\nseed = ${cfg.mock.seed}\nmarkets_per_venue = ${mockMarketsPerVenue(cfg.mock)}\n`
      )
      // README's DuckDB views and queries with this run's paths, runnable without the DuckDB CLI
      const queries = path.join(cfg.data_dir, "queries.sql")
      yield* store.writeAtomic(queries, demoQueriesSql(cfg.data_dir))
      const sqlScript = path.relative(process.cwd(), fileURLToPath(new URL("../../scripts/duckdb-sql.mjs", import.meta.url)))
      const files = yield* listWritten(cfg.data_dir)
      yield* Console.log(`\n== written (${files.length} files) ==`)
      for (const f of files) yield* Console.log(`${f.file}  ${f.bytes} B`)
      const elapsed = ((yield* Clock.currentTimeMillis) - started) / 1000
      yield* Console.log(
        `\ndemo finished in ${elapsed.toFixed(1)} s. Query it, e.g.:\n` +
        `  ${programName()} status --config ${runConfig}\n` +
        `  ${programName()} mine polymarket --config ${runConfig}\n` +
        (reports.length > 0 ? `Look at it: open ${reports[0]} in a browser (self-contained, works offline)\n` : "") +
        `DuckDB (README "Data layout" views and queries, with this run's paths, in ${queries}):\n` +
        `  node ${sqlScript} ${queries}\n` +
        `  (or with the DuckDB CLI, from duckdb.org: duckdb < ${queries})`
      )
    })
  )
