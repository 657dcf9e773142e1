/**
 * The market-making section: mm_viability.parquet as written (with titles), the horizons it
 * has, and the markout curves of the top viable outcomes; or why there is none (no trades, no
 * report, an empty report).
 */
import { Effect } from "effect"
import type { VenueId } from "../domain/VenueId.js"
import type { MarketLabel } from "../miner/summary.js"
import { FileStore, type FileStoreError } from "../storage/FileStore.js"
import { mmViabilityPath } from "../storage/paths.js"
import type { ChartData, MarketMakingSection } from "./model.js"
import { cell, labelOf, num, readParquet, type ReportReadError } from "./read.js"

const MARKOUT_MARKETS = 5

export interface MarketMakingOptions {
  readonly dataDir: string
  readonly venue: VenueId
  readonly from: string
  readonly to: string
}

export const loadMarketMaking = (
  opts: MarketMakingOptions,
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

