/**
 * The two miner programs as Effects (the CLI in src/cli/mine.ts only parses flags and calls
 * these): `mine` (stats.parquet + summary) and `mine mm-viability` (the report).
 * stdout carries the summary / report (or one JSON document with --json); warnings and the
 * progress line go to stderr.
 */
import { Console, Data, Effect, Either } from "effect"
import type { AppConfig } from "../config/schema.js"
import type { VenueId } from "../domain/VenueId.js"
import { FileStore } from "../storage/FileStore.js"
import { encodeStatsRows } from "../storage/parquet/stats.js"
import { encodeTable, type TableSpec } from "../storage/parquet/table.js"
import { mmViabilityPath, statsPath } from "../storage/paths.js"
import { readNewestUniverse } from "../storage/universe.js"
import { resolveDates } from "./dayInputs.js"
import { mineDay, NothingReadableError } from "./mineDay.js"
import { type Horizon, mmReportColumns, mmReportRows, type MmReportRow, VIABLE_HORIZON_MS } from "./mmReport.js"
import { MmViabilityEngine } from "./mmViability.js"
import { buildSummary, type DaySummary, formatSummary, labelsFromUniverse, type MarketLabel } from "./summary.js"

export class MinerWriteError extends Data.TaggedError("MinerWriteError")<{ readonly path: string; readonly message: string }> {}

/** show a progress line only where a human watches (TTY) and the run is long enough to need one */
const PROGRESS_MIN_FILES = 20

const stderrWarn = (line: string): Effect.Effect<void> => Console.error(line)

const progressReporter = (label: string) => (done: number, total: number): Effect.Effect<void> =>
  Effect.sync(() => {
    if (!process.stderr.isTTY || total < PROGRESS_MIN_FILES) return
    process.stderr.write(`\r${label}: ${done}/${total} files${done === total ? "\n" : ""}`)
  })

const writeAtomic = (path: string, data: Uint8Array) =>
  Effect.flatMap(FileStore, (store) => store.writeAtomic(path, data)).pipe(
    Effect.mapError((e) => new MinerWriteError({ path, message: `cannot write ${path}: ${e.message}` }))
  )

const loadLabels = (dataDir: string, venue: VenueId, date: string): Effect.Effect<ReadonlyMap<string, MarketLabel>, never, FileStore> =>
  readNewestUniverse(dataDir, venue, date).pipe(
    Effect.map((u) => (u === null ? new Map<string, MarketLabel>() : labelsFromUniverse(u.markets))),
    Effect.catchAll((e) =>
      Console.error(`mine: universe titles unavailable: ${e.message}`).pipe(Effect.as(new Map<string, MarketLabel>()))
    )
  )

export interface MineOptions {
  readonly venue: VenueId
  /** YYYY-MM-DD or "all" */
  readonly date: string
  readonly from?: string | undefined
  readonly to?: string | undefined
  readonly top: number
  readonly json: boolean
}

/** Mines every requested date; fails only when no date had a readable file. */
export const runMine = (cfg: AppConfig, opts: MineOptions) =>
  Effect.gen(function*() {
    const venueCfg = cfg.venues[opts.venue]
    const dates = yield* resolveDates(cfg.data_dir, opts.venue, opts)
    const summaries: Array<DaySummary> = []
    let lastFailure: NothingReadableError | null = null
    for (const date of dates) {
      const mined = yield* mineDay({
        dataDir: cfg.data_dir,
        venue: opts.venue,
        date,
        warmIntervalMs: venueCfg.snapshot_interval_ms_warm,
        withLevels: true,
        warn: stderrWarn,
        progress: progressReporter(`mine ${opts.venue} ${date}`)
      }).pipe(
        // a day without readable files is reported below; a data dir that cannot be listed fails the run
        Effect.map(Either.right),
        Effect.catchTag("NothingReadableError", (e) => Effect.succeed(Either.left(e)))
      )
      if (mined._tag === "Left") {
        lastFailure = mined.left
        // with several dates an empty one is a warning; with one date it is the failure below
        if (dates.length > 1) yield* stderrWarn(`mine: ${mined.left.message}`)
        continue
      }
      const file = statsPath(cfg.data_dir, opts.venue, date)
      yield* writeAtomic(file, encodeStatsRows(mined.right.stats))
      const labels = yield* loadLabels(cfg.data_dir, opts.venue, date)
      const summary = buildSummary({
        venue: opts.venue, date, statsPath: file, filesRead: mined.right.filesRead, filesSkipped: mined.right.filesSkipped,
        rowsMisplaced: mined.right.rowsMisplaced,
        snapshotRows: mined.right.snapshotRows, tradeRows: mined.right.tradeRows, stats: mined.right.stats, labels, top: opts.top
      })
      summaries.push(summary)
      if (!opts.json) yield* Console.log(formatSummary(summary))
    }
    if (summaries.length === 0) {
      return yield* (lastFailure ?? new NothingReadableError({
        venue: opts.venue,
        date: opts.date,
        message: `no ${opts.venue} data to mine${opts.from !== undefined || opts.to !== undefined ? ` between ${opts.from ?? "the start"} and ${opts.to ?? "today"}` : ""} under ${cfg.data_dir}`
      }))
    }
    if (opts.json) yield* Console.log(JSON.stringify({ venue: opts.venue, days: summaries }, jsonNumber, 2))
  })

/** JSON has no NaN: an undefined statistic is null */
const jsonNumber = (_key: string, value: unknown): unknown =>
  typeof value === "number" && !Number.isFinite(value) ? null : value

export interface MmViabilityOptions {
  readonly venue: VenueId
  readonly date: string
  readonly fee: number
  readonly horizons: ReadonlyArray<Horizon>
  readonly minTrades: number
  readonly top: number
  readonly json: boolean
}

const INT64_REPORT_COLUMNS = /^(n_trades|trade_count|n_.+)$/

export const mmReportTable = (columns: ReadonlyArray<string>): TableSpec =>
  columns.map((name) =>
    ["venue", "market_id", "outcome_id", "date"].includes(name)
      ? { name, kind: "STRING" as const }
      : name === "viable"
      ? { name, kind: "BOOLEAN" as const }
      : INT64_REPORT_COLUMNS.test(name)
      ? { name, kind: "INT64" as const }
      : { name, kind: "DOUBLE" as const, missingAsNull: true }
  )

export const runMmViability = (cfg: AppConfig, opts: MmViabilityOptions) =>
  Effect.gen(function*() {
    const warmMs = cfg.venues[opts.venue].snapshot_interval_ms_warm
    // the viability rule reads ev at 30 s: always compute that horizon
    const horizons = opts.horizons.some((h) => h.ms === VIABLE_HORIZON_MS)
      ? [...opts.horizons]
      : [...opts.horizons, { label: "30s", ms: VIABLE_HORIZON_MS }].sort((a, b) => a.ms - b.ms)
    const engine = new MmViabilityEngine({
      horizonsMs: horizons.map((h) => h.ms),
      midMaxAgeMs: 2 * warmMs,
      lookAheadToleranceMs: 2 * warmMs
    })
    const mined = yield* mineDay({
      dataDir: cfg.data_dir,
      venue: opts.venue,
      date: opts.date,
      warmIntervalMs: warmMs,
      withLevels: false,
      mmEngine: engine,
      warn: stderrWarn,
      progress: progressReporter(`mm-viability ${opts.venue} ${opts.date}`)
    })
    const rows = mmReportRows(engine, mined.stats, { horizons, fee: opts.fee, minTrades: opts.minTrades })
    const columns = mmReportColumns(horizons)
    const file = mmViabilityPath(cfg.data_dir, opts.venue, opts.date)
    yield* writeAtomic(file, encodeTable(mmReportTable(columns), rows))
    const labels = yield* loadLabels(cfg.data_dir, opts.venue, opts.date)
    const label30 = horizons.find((h) => h.ms === VIABLE_HORIZON_MS)!.label
    if (opts.json) {
      yield* Console.log(JSON.stringify({
        venue: opts.venue, date: opts.date, report_path: file, fee: opts.fee, min_trades: opts.minTrades,
        horizons: horizons.map((h) => h.label), markets: rows.length, viable: rows.filter((r) => r.viable === true).length,
        rows: rows.slice(0, opts.top).map((r) => ({ ...r, title: labels.get(`${String(r.market_id)}\u0000${String(r.outcome_id)}`)?.title ?? null }))
      }, jsonNumber, 2))
    } else {
      yield* Console.log(formatMmReport(rows, {
        venue: opts.venue, date: opts.date, file, label30, top: opts.top, labels,
        minTrades: opts.minTrades, horizons: horizons.map((h) => h.label), fee: opts.fee
      }))
    }
  })

const fmt = (x: unknown, digits: number): string => (typeof x === "number" && Number.isFinite(x) ? x.toFixed(digits) : "-")

export const formatMmReport = (
  rows: ReadonlyArray<MmReportRow>,
  ctx: {
    venue: string; date: string; file: string; label30: string; top: number; labels: ReadonlyMap<string, MarketLabel>
    minTrades: number; horizons: ReadonlyArray<string>; fee: number
  }
): string => {
  const l = ctx.label30
  const lines = [
    `${ctx.venue} ${ctx.date} mm-viability: ${rows.length} outcomes with trades, ${rows.filter((r) => r.viable === true).length} viable` +
      ` (min-trades ${ctx.minTrades}, horizons ${ctx.horizons.join(",")}, fee ${ctx.fee})`,
    `  report: ${ctx.file}`,
    `  rank  pnl/h_${l}     ev_${l}  toxic_${l}  trades  2-sided  viable  market`
  ]
  rows.slice(0, ctx.top).forEach((r, i) => {
    const label = ctx.labels.get(`${String(r.market_id)}\u0000${String(r.outcome_id)}`)
    const name = label === undefined ? `${String(r.market_id)} [${String(r.outcome_id)}]` : `${label.title.slice(0, 60)} [${label.outcome ?? String(r.outcome_id)}]`
    lines.push(
      `  ${String(i + 1).padStart(4)}  ${fmt(r[`pnl_per_hour_${l}`], 4).padStart(10)}  ${fmt(r[`ev_${l}`], 5).padStart(8)}` +
      `  ${fmt(r[`toxicity_${l}`], 2).padStart(8)}  ${String(r.n_trades).padStart(6)}  ${fmt(r.two_sided_frac, 2).padStart(7)}` +
      `  ${(r.viable === true ? "yes" : "no").padStart(6)}  ${name}`
    )
  })
  return lines.join("\n")
}
