/**
 * What the report page shows, as one JSON document inlined in the page (renderHtml.ts). Every
 * number here was read from the data directory (loadReport.ts): stats.parquet,
 * mm_viability.parquet, snapshot and trade Parquet, universe.jsonl and the collector's health
 * records. The page formats and draws them; it computes nothing of its own.
 * Times are epoch seconds (uPlot's unit); a missing value is null.
 */
import type { SeriesTable } from "./downsample.js"

export interface ReportOverview {
  readonly universeDate: string | null
  readonly universeMarkets: number
  /** markets with at least one snapshot row (the collector writes rows for every subscribed market) */
  readonly watchedMarkets: number
  /** markets with at least one row holding a book (status ok, partial or crossed) */
  readonly marketsWithBook: number
  readonly snapshotRows: number
  readonly snapshotFiles: number
  readonly tradeRows: number
  readonly tradeFiles: number
  readonly healthRecords: number
  /** snapshot files that could not be read (named in the page) */
  readonly unreadableFiles: ReadonlyArray<string>
}

/** A chart: its series names (in order) and data. */
export interface ChartData {
  readonly series: ReadonlyArray<string>
  readonly table: SeriesTable
}

export interface TopMarket {
  readonly market_id: string
  readonly outcome_id: string
  readonly title: string | null
  readonly outcome: string | null
  readonly score: number | null
  /** mid, best bid, best ask, top-3 depth (bid + ask sizes of the first three levels) */
  readonly chart: ChartData
}

export interface ColumnTable {
  readonly columns: ReadonlyArray<string>
  readonly rows: ReadonlyArray<ReadonlyArray<string | number | boolean | null>>
}

export interface MarketMakingSection {
  /** "ok": a table; otherwise `message` says why there is none */
  readonly status: "ok" | "no-trades" | "no-report" | "empty-report"
  readonly message: string | null
  readonly source: string | null
  /** mm_viability.parquet as written, plus `title` and `outcome` from the universe */
  readonly table: ColumnTable | null
  /** horizon labels in column order (`realized_<label>`) */
  readonly horizons: ReadonlyArray<string>
  /** mean realized half-spread per horizon (x index 0 = eff_half_spread, i.e. horizon 0) for the top viable outcomes */
  readonly markout: ChartData | null
  readonly markoutNote: string
}

export interface ReportModel {
  readonly venue: string
  readonly from: string
  readonly to: string
  readonly dataDir: string
  readonly generatedAt: string
  /** at most this many time buckets per downsampled series */
  readonly maxBuckets: number
  readonly overview: ReportOverview
  /** books with a row and rows written, per minute */
  readonly coverage: ChartData | null
  /** connections, reconnects, seq gaps (counts), stale and crossed fractions per minute */
  readonly health: ChartData | null
  readonly top: ReadonlyArray<TopMarket>
  /** stats.parquet as written (one row per date, market, outcome), plus `title` and `outcome` */
  readonly stats: ColumnTable
  readonly statsSources: ReadonlyArray<string>
  readonly marketMaking: MarketMakingSection
}
