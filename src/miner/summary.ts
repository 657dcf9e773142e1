/**
 * The printed summary of a mined day (and its --json form): totals, then the top N by depth
 * (descending), the tightest spreads (ascending, two-sided keys only), the most active
 * (descending), each with the market title and outcome label from the universe when known.
 */
import type { MarketRecord } from "../domain/Market.js"
import type { StatsRow } from "../domain/StatsRow.js"

export interface MarketLabel {
  readonly title: string
  readonly outcome: string | null
}

/** (market_id, outcome_id) -> title and outcome label, from universe records */
export const labelsFromUniverse = (markets: ReadonlyArray<MarketRecord>): Map<string, MarketLabel> => {
  const labels = new Map<string, MarketLabel>()
  for (const m of markets) {
    labels.set(`${m.market_id}\u0000`, { title: m.title, outcome: null })
    // Kalshi often gives the same sub-title to YES and NO ("C25" / "C25"): then say which side
    const distinct = new Set(m.outcomes).size === m.outcomes.length
    m.outcome_ids.forEach((id, i) => {
      const label = m.outcomes[i]
      labels.set(`${m.market_id}\u0000${id}`, {
        title: m.title,
        outcome: label === undefined || label === "" ? id : distinct ? label : `${id}: ${label}`
      })
    })
  }
  return labels
}

export interface SummaryEntry {
  readonly market_id: string
  readonly outcome_id: string
  readonly title: string | null
  readonly outcome: string | null
  readonly avg_depth: number
  readonly avg_spread: number
  readonly median_spread: number
  readonly two_sided_frac: number
  readonly update_count: number
  readonly updates_per_min: number
  readonly trade_count: number
  readonly score: number
}

export interface DaySummary {
  readonly venue: string
  readonly date: string
  readonly stats_path: string
  readonly files_read: number
  readonly files_skipped: ReadonlyArray<string>
  /** rows left out because they do not belong in their folder's venue or date */
  readonly rows_misplaced: number
  readonly totals: {
    readonly markets: number
    readonly outcomes: number
    readonly snapshot_rows: number
    readonly trade_rows: number
    readonly two_sided_frac: number
    readonly update_count: number
    readonly trade_count: number
    readonly trade_volume: number
    readonly trade_notional: number
  }
  readonly top_depth: ReadonlyArray<SummaryEntry>
  readonly tightest_spread: ReadonlyArray<SummaryEntry>
  readonly most_active: ReadonlyArray<SummaryEntry>
}

const entryOf = (s: StatsRow, labels: ReadonlyMap<string, MarketLabel>): SummaryEntry => {
  const label = labels.get(`${s.market_id}\u0000${s.outcome_id}`) ?? labels.get(`${s.market_id}\u0000`)
  return {
    market_id: s.market_id,
    outcome_id: s.outcome_id,
    title: label?.title ?? null,
    outcome: label?.outcome ?? null,
    avg_depth: s.avg_depth,
    avg_spread: s.avg_spread,
    median_spread: s.median_spread,
    two_sided_frac: s.two_sided_frac,
    update_count: s.update_count,
    updates_per_min: s.updates_per_min,
    trade_count: s.trade_count,
    score: s.score
  }
}

const byKey = (a: StatsRow, b: StatsRow): number =>
  a.market_id < b.market_id ? -1 : a.market_id > b.market_id ? 1 : a.outcome_id < b.outcome_id ? -1 : a.outcome_id > b.outcome_id ? 1 : 0

export const buildSummary = (input: {
  readonly venue: string
  readonly date: string
  readonly statsPath: string
  readonly filesRead: number
  readonly filesSkipped: ReadonlyArray<string>
  readonly rowsMisplaced: number
  readonly snapshotRows: number
  readonly tradeRows: number
  readonly stats: ReadonlyArray<StatsRow>
  readonly labels: ReadonlyMap<string, MarketLabel>
  readonly top: number
}): DaySummary => {
  const { stats, labels, top } = input
  let snapshots = 0
  let twoSidedRows = 0
  let updates = 0
  let trades = 0
  let volume = 0
  let notional = 0
  for (const s of stats) {
    snapshots += s.snapshot_count
    twoSidedRows += s.two_sided_frac * s.snapshot_count
    updates += s.update_count
    trades += s.trade_count
    volume += s.trade_volume
    notional += s.trade_notional
  }
  const depth = stats.filter((s) => Number.isFinite(s.avg_depth))
    .sort((a, b) => b.avg_depth - a.avg_depth || byKey(a, b))
  // tightest: two-sided keys only (a NaN spread means never two-sided and must not rank first)
  const tight = stats.filter((s) => s.two_sided_frac > 0 && Number.isFinite(s.avg_spread))
    .sort((a, b) => a.avg_spread - b.avg_spread || b.avg_depth - a.avg_depth || byKey(a, b))
  const active = stats.filter((s) => s.snapshot_count > 0)
    .sort((a, b) => b.update_count - a.update_count || b.trade_count - a.trade_count || byKey(a, b))
  return {
    venue: input.venue,
    date: input.date,
    stats_path: input.statsPath,
    files_read: input.filesRead,
    files_skipped: input.filesSkipped,
    rows_misplaced: input.rowsMisplaced,
    totals: {
      markets: new Set(stats.map((s) => s.market_id)).size,
      outcomes: stats.length,
      snapshot_rows: input.snapshotRows,
      trade_rows: input.tradeRows,
      two_sided_frac: snapshots > 0 ? twoSidedRows / snapshots : 0,
      update_count: updates,
      trade_count: trades,
      trade_volume: volume,
      trade_notional: notional
    },
    top_depth: depth.slice(0, top).map((s) => entryOf(s, labels)),
    tightest_spread: tight.slice(0, top).map((s) => entryOf(s, labels)),
    most_active: active.slice(0, top).map((s) => entryOf(s, labels))
  }
}

const fmt = (x: number, digits: number): string => (Number.isFinite(x) ? x.toFixed(digits) : "-")

const nameOf = (e: SummaryEntry): string => {
  const title = e.title ?? e.market_id
  const short = title.length > 60 ? `${title.slice(0, 57)}...` : title
  return `${short} [${e.outcome ?? e.outcome_id}]`
}

const table = (heading: string, entries: ReadonlyArray<SummaryEntry>, value: (e: SummaryEntry) => string): Array<string> => {
  const lines = [heading]
  if (entries.length === 0) lines.push("  (none)")
  entries.forEach((e, i) => lines.push(`  ${String(i + 1).padStart(2)}. ${value(e).padStart(12)}  ${nameOf(e)}`))
  return lines
}

export const formatSummary = (s: DaySummary): string => {
  const t = s.totals
  const lines = [
    `${s.venue} ${s.date}: ${t.markets} markets, ${t.outcomes} outcomes, ${t.snapshot_rows} snapshots, ${t.trade_rows} trades` +
    ` (${s.files_read} files read${s.files_skipped.length > 0 ? `, ${s.files_skipped.length} skipped` : ""}` +
      `${s.rows_misplaced > 0 ? `, ${s.rows_misplaced} rows of another venue or date skipped` : ""})`,
    `  two-sided ${fmt(100 * t.two_sided_frac, 1)}% of snapshots, ${t.update_count} venue updates, trade volume ${fmt(t.trade_volume, 2)}, notional ${fmt(t.trade_notional, 2)}`,
    `  stats: ${s.stats_path}`,
    ...table(`top ${s.top_depth.length} by depth (avg best bid + ask size, descending)`, s.top_depth, (e) => fmt(e.avg_depth, 1)),
    ...table(`tightest ${s.tightest_spread.length} spreads (avg, two-sided only, ascending)`, s.tightest_spread, (e) => fmt(e.avg_spread, 4)),
    ...table(`most active ${s.most_active.length} (venue updates, descending)`, s.most_active, (e) => String(e.update_count))
  ]
  return lines.join("\n")
}
