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
import { readListPrefix, type ListPrefix } from "../miner/listPrefix.js"
import { prefixSum } from "../miner/stats.js"
import { labelsFromUniverse, type MarketLabel } from "../miner/summary.js"
import { FileStore, type FileStoreError } from "../storage/FileStore.js"
import { listDayFiles, listPartitionDates } from "../storage/partitions.js"
import { exactArrayBuffer, parquetColumnNames, parquetRowCount, readColumnsFromBytes } from "../storage/parquet/table.js"
import { datasetDayDir, healthPath, mmViabilityPath, statsPath } from "../storage/paths.js"
import { readNewestUniverse } from "../storage/universe.js"
import { parquetMetadata } from "hyparquet"
import { DEFAULT_MAX_BUCKETS, downsampleMinMax } from "./downsample.js"
import type { ChartData, ColumnTable, MarketMakingSection, ReportModel, TopMarket } from "./model.js"

/** Nothing to report for the venue and dates: the CLI prints the message and exits 1. */
export class ReportNoDataError extends Data.TaggedError("ReportNoDataError")<{
  readonly venue: string
  readonly from: string
  readonly to: string
  readonly message: string
}> {}

/** A file the report needs could not be read (stats, mm_viability): names the file. */
export class ReportReadError extends Data.TaggedError("ReportReadError")<{ readonly path: string; readonly message: string }> {}

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

const MINUTE_MS = 60_000
const MARKOUT_MARKETS = 5
const BOOK_STATUSES = new Set(["ok", "partial", "crossed"])
const KEY_SEP = "\u0000"

const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null)
const cell = (v: unknown): string | number | boolean | null =>
  typeof v === "number" ? num(v) : typeof v === "bigint" ? Number(v) : typeof v === "string" || typeof v === "boolean" ? v : null

const readParquet = (path: string, columns?: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const store = yield* FileStore
    const bytes = yield* store.readFile(path)
    return yield* Effect.tryPromise({
      try: async () => {
        const file = exactArrayBuffer(bytes)
        const names = columns ?? await parquetColumnNames(file, path)
        return { names, columns: await readColumnsFromBytes(file, path, names), file }
      },
      catch: (e) => new ReportReadError({ path, message: `cannot read ${path}: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}` })
    })
  })

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

const labelOf = (labels: ReadonlyMap<string, MarketLabel>, marketId: string, outcomeId: string): MarketLabel | undefined =>
  labels.get(`${marketId}${KEY_SEP}${outcomeId}`) ?? labels.get(`${marketId}${KEY_SEP}`)

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

/** Per-key series of the top markets, gathered while the snapshot files are read. */
interface KeySeries {
  ts: Array<number>
  mid: Array<number>
  bid: Array<number>
  ask: Array<number>
  depth: Array<number>
}

/** The ladders' first three sizes: the miner's walker, or hyparquet's row assembly for a layout it refuses. */
const readTop3Sizes = async (file: ArrayBuffer, path: string): Promise<{ bid: ListPrefix; ask: ListPrefix }> => {
  try {
    const metadata = parquetMetadata(file)
    return { bid: readListPrefix(file, metadata, "bid_sz", 3), ask: readListPrefix(file, metadata, "ask_sz", 3) }
  } catch {
    const lists = await readColumnsFromBytes(file, path, ["bid_sz", "ask_sz"])
    const toPrefix = (col: ArrayLike<unknown>): ListPrefix => {
      const values = new Float64Array(col.length * 3).fill(Number.NaN)
      for (let r = 0; r < col.length; r++) {
        const list = (col[r] ?? []) as ReadonlyArray<number | null>
        for (let i = 0; i < Math.min(3, list.length); i++) values[r * 3 + i] = list[i] ?? Number.NaN
      }
      return { values, k: 3, rows: col.length }
    }
    return { bid: toPrefix(lists.bid_sz!), ask: toPrefix(lists.ask_sz!) }
  }
}

const SNAPSHOT_COLUMNS_READ = ["ts_recv", "market_id", "outcome_id", "status", "mid", "best_bid_px", "best_ask_px"] as const

const scanSnapshots = (opts: LoadReportOptions, dates: ReadonlyArray<string>, topKeys: ReadonlySet<string>) =>
  Effect.gen(function*() {
    const store = yield* FileStore
    const perMinuteRows = new Map<number, number>()
    const perMinuteKeys = new Map<number, Set<string>>()
    const watched = new Set<string>()
    const withBook = new Set<string>()
    const series = new Map<string, KeySeries>()
    for (const key of topKeys) series.set(key, { ts: [], mid: [], bid: [], ask: [], depth: [] })
    const unreadable: Array<string> = []
    let rowsTotal = 0
    let files = 0
    for (const d of dates) {
      for (const path of yield* listDayFiles(opts.dataDir, "orderbook_snapshots", opts.venue, d)) {
        files++
        const bytes = yield* store.readFile(path)
        const read = yield* Effect.tryPromise(async () => {
          const file = exactArrayBuffer(bytes)
          const columns = await readColumnsFromBytes(file, path, SNAPSHOT_COLUMNS_READ)
          return { columns, sizes: await readTop3Sizes(file, path) }
        }).pipe(Effect.option)
        if (read._tag === "None") {
          unreadable.push(path)
          continue
        }
        const { columns: c, sizes } = read.value
        const ts = c.ts_recv as ArrayLike<number>
        const marketIds = c.market_id as ArrayLike<string>
        const outcomeIds = c.outcome_id as ArrayLike<string>
        const status = c.status as ArrayLike<string>
        const mid = c.mid as ArrayLike<number>
        const bid = c.best_bid_px as ArrayLike<number>
        const ask = c.best_ask_px as ArrayLike<number>
        const n = ts.length
        rowsTotal += n
        for (let i = 0; i < n; i++) {
          const marketId = marketIds[i]!
          const key = marketId + KEY_SEP + outcomeIds[i]!
          const minute = Math.floor(ts[i]! / MINUTE_MS)
          perMinuteRows.set(minute, (perMinuteRows.get(minute) ?? 0) + 1)
          let keys = perMinuteKeys.get(minute)
          if (keys === undefined) perMinuteKeys.set(minute, (keys = new Set()))
          keys.add(key)
          watched.add(marketId)
          if (BOOK_STATUSES.has(status[i]!)) withBook.add(marketId)
          const s = series.get(key)
          if (s !== undefined) {
            s.ts.push(ts[i]!)
            s.mid.push(mid[i]!)
            s.bid.push(bid[i]!)
            s.ask.push(ask[i]!)
            s.depth.push(prefixSum(sizes.bid, i, 3) + prefixSum(sizes.ask, i, 3))
          }
        }
      }
    }
    const minutes = [...perMinuteRows.keys()].sort((a, b) => a - b)
    const coverage: ChartData | null = minutes.length === 0 ? null : {
      series: ["books with a row", "rows written"],
      table: downsampleMinMax(
        minutes.map((m) => m * 60),
        [minutes.map((m) => perMinuteKeys.get(m)!.size), minutes.map((m) => perMinuteRows.get(m)!)],
        opts.maxBuckets ?? DEFAULT_MAX_BUCKETS
      )
    }
    return { coverage, watched: watched.size, withBook: withBook.size, rowsTotal, files, series, unreadable }
  })

/** Series of one key in time order (files are in time order; parts of a bucket may interleave). */
const topChart = (s: KeySeries, maxBuckets: number): ChartData => {
  const order = s.ts.map((_, i) => i).sort((a, b) => s.ts[a]! - s.ts[b]!)
  const pick = (arr: ReadonlyArray<number>) => order.map((i) => arr[i]!)
  return {
    series: ["mid", "best bid", "best ask", "top-3 depth"],
    table: downsampleMinMax(order.map((i) => s.ts[i]! / 1000), [pick(s.mid), pick(s.bid), pick(s.ask), pick(s.depth)], maxBuckets)
  }
}

const countTrades = (opts: LoadReportOptions, dates: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const store = yield* FileStore
    let rows = 0
    let files = 0
    for (const d of dates) {
      for (const path of yield* listDayFiles(opts.dataDir, "trades", opts.venue, d)) {
        files++
        const bytes = yield* store.readFile(path)
        rows += yield* Effect.tryPromise(() => parquetRowCount(exactArrayBuffer(bytes), path)).pipe(Effect.orElseSucceed(() => 0))
      }
    }
    return { rows, files }
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

const loadMarketMaking = (
  opts: LoadReportOptions,
  dates: ReadonlyArray<string>,
  tradeRows: number,
  labels: ReadonlyMap<string, MarketLabel>
): Effect.Effect<MarketMakingSection, ReportReadError | FileStoreError, FileStore> =>
  Effect.gen(function*() {
    const none = (status: MarketMakingSection["status"], message: string, source: string | null = null): MarketMakingSection =>
      ({ status, message, source, table: null, horizons: [], markout: null, markoutNote: "" })
    const span = opts.from === opts.to ? opts.from : `${opts.from} to ${opts.to}`
    if (tradeRows === 0) {
      return none("no-trades", `No trades were recorded for ${opts.venue} on ${span}: market-making viability needs trades, so there is nothing to show here.`)
    }
    const store = yield* FileStore
    const files: Array<string> = []
    for (const d of dates) {
      const file = mmViabilityPath(opts.dataDir, opts.venue, d)
      if (yield* store.exists(file)) files.push(file)
    }
    if (files.length === 0) {
      return none("no-report", `No market-making viability report for ${opts.venue} on ${span}: run \`surveillance mine mm-viability ${opts.venue} ${dates[0] ?? opts.from}\` and rebuild this page.`)
    }
    let columns: Array<string> | null = null
    const rows: Array<Array<string | number | boolean | null>> = []
    for (const file of files) {
      const read = yield* readParquet(file)
      const names = read.names
      if (columns === null) {
        columns = ["title", "outcome", ...names]
      }
      const n = read.columns[names[0]!]!.length
      for (let i = 0; i < n; i++) {
        const byName = new Map<string, string | number | boolean | null>(names.map((c) => [c, cell(read.columns[c]![i])]))
        const label = labelOf(labels, String(byName.get("market_id")), String(byName.get("outcome_id")))
        byName.set("title", label?.title ?? null)
        byName.set("outcome", label?.outcome ?? null)
        rows.push(columns.map((c) => byName.get(c) ?? null))
      }
    }
    const cols = columns ?? []
    if (rows.length === 0) return { ...none("empty-report", `The market-making viability report has no rows (no outcome had trades and mids).`, files.join(", ")), table: { columns: cols, rows } }
    const horizons = cols.filter((c) => c.startsWith("realized_")).map((c) => c.slice("realized_".length))
    const at = (name: string) => cols.indexOf(name)
    // the file is ranked by pnl per hour at 30 s: the first viable rows are the top viable ones
    const viable = rows.filter((r) => r[at("viable")] === true)
    const withMarkouts = (rs: ReadonlyArray<ReadonlyArray<unknown>>) =>
      rs.filter((r) => horizons.some((h) => typeof r[at(`realized_${h}`)] === "number")).slice(0, MARKOUT_MARKETS)
    const chosen = withMarkouts(viable.length > 0 ? viable : rows)
    const markoutNote = viable.length > 0
      ? `the ${chosen.length} top viable outcomes (by pnl per hour at 30 s)`
      : `no outcome is viable; the ${chosen.length} outcomes with the highest pnl per hour at 30 s`
    const markout: ChartData | null = chosen.length === 0 ? null : {
      series: chosen.map((r) => `${String(r[at("title")] ?? r[at("market_id")])} [${String(r[at("outcome")] ?? r[at("outcome_id")])}]`.slice(0, 60)),
      table: {
        x: [0, ...horizons.map((_, i) => i + 1)],
        ys: chosen.map((r) => [num(r[at("eff_half_spread")]), ...horizons.map((h) => num(r[at(`realized_${h}`)]))]),
        rawPoints: horizons.length + 1
      }
    }
    return { status: "ok", message: null, source: files.join(", "), table: { columns: cols, rows }, horizons, markout, markoutNote }
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
        unreadableFiles: scan.unreadable
      },
      coverage: scan.coverage,
      health: health.chart,
      top,
      stats,
      statsSources: sources,
      marketMaking
    }
  })
