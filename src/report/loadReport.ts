/**
 * Reads everything the report shows from the data directory, through the FileStore, into a
 * ReportModel (model.ts). Nothing is recomputed that a file already holds: statistics are
 * stats.parquet's rows, the market-making table is mm_viability.parquet's rows, the top-3
 * depth series is the same sum the miner averages into `avg_depth_top3` (stats.ts
 * `prefixSum`), read with the miner's ladder walker (listPrefix.ts). The per-row work is
 * plain loops over columns.
 */
import { Data, Effect } from "effect"
import { decodeHealthRecord, type HealthRecord } from "../domain/HealthRecord.js"
import { STATS_COLUMNS } from "../domain/StatsRow.js"
import type { VenueId } from "../domain/VenueId.js"
import { labelsFromUniverse, type MarketLabel } from "../miner/summary.js"
import { FileStore, type FileStoreError } from "../storage/FileStore.js"
import { listDayFiles, listPartitionDates } from "../storage/partitions.js"
import { exactArrayBuffer, parquetRowCount } from "../storage/parquet/table.js"
import { datasetDayDir, healthPath, statsPath } from "../storage/paths.js"
import { readNewestUniverse } from "../storage/universe.js"
import { DEFAULT_MAX_BUCKETS, downsampleMinMax } from "./downsample.js"
import { loadMarketMaking } from "./marketMaking.js"
import type { ChartData, ColumnTable, ReportModel, TopMarket } from "./model.js"
import { cell, KEY_SEP, labelOf, readParquet, ReportReadError } from "./read.js"
import { scanSnapshots, topChart } from "./scanSnapshots.js"

export { ReportReadError }

/** Nothing to report for the venue and dates: the CLI prints the message and exits 1. */
export class ReportNoDataError extends Data.TaggedError("ReportNoDataError")<{
  readonly venue: string
  readonly from: string
  readonly to: string
  readonly message: string
}> {}

export interface LoadReportOptions {
  readonly dataDir: string
  readonly venue: VenueId
  readonly from: string
  readonly to: string
  /** markets charted in "Market quality" */
  readonly top: number
  readonly maxBuckets?: number
  readonly generatedAt: string
}

/** Dates in [from, to] with snapshot files or stats. */
const datesWithData = (opts: LoadReportOptions) =>
  Effect.gen(function*() {
    const dates = new Set<string>()
    for (const dataset of ["orderbook_snapshots", "stats"] as const) {
      for (const d of yield* listPartitionDates(opts.dataDir, dataset, opts.venue)) if (d >= opts.from && d <= opts.to) dates.add(d)
    }
    const found: Array<string> = []
    for (const d of [...dates].sort()) {
      const files = yield* listDayFiles(opts.dataDir, "orderbook_snapshots", opts.venue, d)
      const stats = yield* Effect.flatMap(FileStore, (s) => s.exists(statsPath(opts.dataDir, opts.venue, d)))
      if (files.length > 0 || stats) found.push(d)
    }
    return found
  })

/** stats.parquet of every date, as written, with the universe's title and outcome label beside the ids. */
const loadStats = (opts: LoadReportOptions, dates: ReadonlyArray<string>, labels: ReadonlyMap<string, MarketLabel>) =>
  Effect.gen(function*() {
    const store = yield* FileStore
    const missing: Array<string> = []
    for (const d of dates) if (!(yield* store.exists(statsPath(opts.dataDir, opts.venue, d)))) missing.push(d)
    if (missing.length > 0) {
      return yield* new ReportNoDataError({
        venue: opts.venue, from: opts.from, to: opts.to,
        message: `no stats for ${opts.venue} ${missing.join(", ")} in ${opts.dataDir} (${statsPath(opts.dataDir, opts.venue, missing[0]!)} is missing): ` +
          `run \`surveillance mine ${opts.venue} ${missing.length === 1 ? missing[0] : `--from ${missing[0]} --to ${missing.at(-1)}`}\` first`
      })
    }
    const numeric = STATS_COLUMNS.filter((c) => !["venue", "market_id", "outcome_id", "date"].includes(c))
    const columns = ["title", "outcome", "date", "market_id", "outcome_id", ...numeric]
    const rows: Array<Array<string | number | boolean | null>> = []
    const sources: Array<string> = []
    for (const d of dates) {
      const file = statsPath(opts.dataDir, opts.venue, d)
      sources.push(file)
      const read = yield* readParquet(file, ["date", "market_id", "outcome_id", ...numeric])
      const c = read.columns
      const n = c.market_id!.length
      for (let i = 0; i < n; i++) {
        const marketId = String(c.market_id![i])
        const outcomeId = String(c.outcome_id![i])
        const label = labelOf(labels, marketId, outcomeId)
        const row: Array<string | number | boolean | null> = [label?.title ?? null, label?.outcome ?? null, String(c.date![i]), marketId, outcomeId]
        for (const name of numeric) row.push(cell(c[name]![i]))
        rows.push(row)
      }
    }
    return { table: { columns, rows } satisfies ColumnTable, sources }
  })

const countTrades = (opts: LoadReportOptions, dates: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const store = yield* FileStore
    let rows = 0
    let files = 0
    // left out of the count, and named on the page like unreadable snapshot files
    const unreadable: Array<string> = []
    for (const d of dates) {
      for (const path of yield* listDayFiles(opts.dataDir, "trades", opts.venue, d)) {
        files++
        const bytes = yield* store.readFile(path)
        const count = yield* Effect.tryPromise(() => parquetRowCount(exactArrayBuffer(bytes), path)).pipe(Effect.option)
        if (count._tag === "Some") rows += count.value
        else unreadable.push(path)
      }
    }
    return { rows, files, unreadable }
  })

const loadHealth = (opts: LoadReportOptions, dates: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const store = yield* FileStore
    const records: Array<HealthRecord> = []
    for (const d of dates) {
      const file = healthPath(opts.dataDir, opts.venue, d)
      if (!(yield* store.exists(file))) continue
      const text = yield* store.readText(file)
      for (const line of text.split("\n")) {
        if (line.trim() === "") continue
        const decoded = decodeHealthRecord(line)
        if (decoded._tag === "Right") records.push(decoded.right)
      }
    }
    records.sort((a, b) => a.ts - b.ts)
    const chart: ChartData | null = records.length === 0 ? null : {
      series: ["connections", "reconnects", "sequence gaps", "stale fraction", "crossed fraction"],
      table: downsampleMinMax(records.map((r) => r.ts / 1000), [
        records.map((r) => r.connections),
        records.map((r) => r.reconnects),
        records.map((r) => r.seq_gaps),
        records.map((r) => r.stale_frac ?? Number.NaN),
        records.map((r) => r.crossed_frac ?? Number.NaN)
      ], opts.maxBuckets ?? DEFAULT_MAX_BUCKETS)
    }
    return { chart, count: records.length }
  })

export const loadReport = (opts: LoadReportOptions): Effect.Effect<ReportModel, ReportNoDataError | ReportReadError | FileStoreError, FileStore> =>
  Effect.gen(function*() {
    const span = opts.from === opts.to ? opts.from : `${opts.from}..${opts.to}`
    const dates = yield* datesWithData(opts)
    if (dates.length === 0) {
      return yield* new ReportNoDataError({
        venue: opts.venue, from: opts.from, to: opts.to,
        message: `no ${opts.venue} data for ${span} in ${opts.dataDir}: no snapshot files and no stats under ` +
          `${datasetDayDir(opts.dataDir, "orderbook_snapshots", opts.venue, opts.from)}${opts.from === opts.to ? "" : " (or any date of the range)"}`
      })
    }
    const universe = yield* readNewestUniverse(opts.dataDir, opts.venue, opts.to).pipe(Effect.orElseSucceed(() => null))
    const labels = universe === null ? new Map<string, MarketLabel>() : labelsFromUniverse(universe.markets)
    const { table: stats, sources } = yield* loadStats(opts, dates, labels)

    // top markets by the miner's score: the best-scoring outcome of each market
    const col = (name: string) => stats.columns.indexOf(name)
    const ranked = [...stats.rows].sort((a, b) => ((b[col("score")] as number | null) ?? -1) - ((a[col("score")] as number | null) ?? -1))
    const topRows: Array<ReadonlyArray<string | number | boolean | null>> = []
    const seenMarkets = new Set<string>()
    for (const r of ranked) {
      if (topRows.length >= opts.top) break
      // a key seen only in trades has no book to chart
      if (!(((r[col("snapshot_count")] as number | null) ?? 0) > 0)) continue
      const marketId = String(r[col("market_id")])
      if (seenMarkets.has(marketId)) continue
      seenMarkets.add(marketId)
      topRows.push(r)
    }
    const topKeys = new Set(topRows.map((r) => `${String(r[col("market_id")])}${KEY_SEP}${String(r[col("outcome_id")])}`))
    const scan = yield* scanSnapshots(opts, dates, topKeys)
    const top: Array<TopMarket> = topRows.map((r) => {
      const key = `${String(r[col("market_id")])}${KEY_SEP}${String(r[col("outcome_id")])}`
      return {
        market_id: String(r[col("market_id")]),
        outcome_id: String(r[col("outcome_id")]),
        title: r[col("title")] as string | null,
        outcome: r[col("outcome")] as string | null,
        score: r[col("score")] as number | null,
        chart: topChart(scan.series.get(key)!, opts.maxBuckets ?? DEFAULT_MAX_BUCKETS)
      }
    })
    const trades = yield* countTrades(opts, dates)
    const health = yield* loadHealth(opts, dates)
    const marketMaking = yield* loadMarketMaking(opts, dates, trades.rows, labels)
    return {
      venue: opts.venue,
      from: opts.from,
      to: opts.to,
      dataDir: opts.dataDir,
      generatedAt: opts.generatedAt,
      maxBuckets: opts.maxBuckets ?? DEFAULT_MAX_BUCKETS,
      overview: {
        universeDate: universe?.date ?? null,
        universeMarkets: universe?.markets.length ?? 0,
        watchedMarkets: scan.watched,
        marketsWithBook: scan.withBook,
        snapshotRows: scan.rowsTotal,
        snapshotFiles: scan.files,
        tradeRows: trades.rows,
        tradeFiles: trades.files,
        healthRecords: health.count,
        unreadableFiles: [...scan.unreadable, ...trades.unreadable]
      },
      coverage: scan.coverage,
      health: health.chart,
      top,
      stats,
      statsSources: sources,
      marketMaking
    }
  })
