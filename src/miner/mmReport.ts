/**
 * MM-viability report rows: the engine's per-key sums joined with the quote-side stats of the
 * same day (src/miner/stats.ts), per README.md "Miner":
 *   toxicity_h     = mean(impact_h) / mean(eff_half_spread over the trades that have mid_{t+h})
 *   ev_h           = mean(realized_h) - fee
 *   pnl_per_hour_h = ev_h * trade_volume / observed_hours
 *   viable         = n_trades >= min_trades && ev_30s > 0 && two_sided_frac >= 0.8
 */
import type { StatsRow } from "../domain/StatsRow.js"
import type { MmViabilityEngine } from "./mmViability.js"

export interface Horizon {
  readonly label: string
  readonly ms: number
}

export interface MmReportOptions {
  readonly horizons: ReadonlyArray<Horizon>
  readonly fee: number
  readonly minTrades: number
}

/** one report row; horizon columns are `<name>_<label>` (e.g. `ev_30s`) */
export type MmReportRow = Record<string, string | number | boolean>

export const VIABLE_HORIZON_MS = 30_000
export const VIABLE_MIN_TWO_SIDED_FRAC = 0.8

const ratio = (num: number, den: number): number => (den > 0 ? num / den : Number.NaN)

export const HORIZON_FIELDS = ["n", "realized", "impact", "toxicity", "ev", "pnl_per_hour"] as const

export const mmReportColumns = (horizons: ReadonlyArray<Horizon>): Array<string> => [
  "venue", "market_id", "outcome_id", "date", "n_trades", "trade_count", "trade_volume", "observed_hours",
  "two_sided_frac", "avg_spread", "median_spread", "avg_depth", "updates_per_min", "eff_half_spread",
  ...horizons.flatMap((h) => HORIZON_FIELDS.map((f) => `${f}_${h.label}`)),
  "fee", "viable"
]

/**
 * Rows for every key that has trades, ranked by pnl_per_hour at 30 s descending (NaN last).
 * `opts.horizons` must include 30 s (the viability rule uses it); the CLI adds it when missing.
 */
export const mmReportRows = (
  engine: MmViabilityEngine,
  stats: ReadonlyArray<StatsRow>,
  opts: MmReportOptions
): Array<MmReportRow> => {
  const statsByKey = new Map<string, StatsRow>()
  for (const s of stats) statsByKey.set(`${s.market_id}\u0000${s.outcome_id}`, s)
  const viableIdx = opts.horizons.findIndex((h) => h.ms === VIABLE_HORIZON_MS)
  const rows: Array<MmReportRow & { readonly rankKey: number }> = []
  for (const acc of engine.accumulators()) {
    if (acc.tradesSeen === 0) continue
    const s = statsByKey.get(`${acc.marketId}\u0000${acc.outcomeId}`)
    const tradeVolume = s?.trade_volume ?? 0
    const observedHours = (s?.observed_secs ?? 0) / 3600
    const twoSidedFrac = s?.two_sided_frac ?? 0
    const row: Record<string, string | number | boolean> = {
      venue: s?.venue ?? "",
      market_id: acc.marketId,
      outcome_id: acc.outcomeId,
      date: s?.date ?? "",
      n_trades: acc.nTrades,
      trade_count: s?.trade_count ?? acc.tradesSeen,
      trade_volume: tradeVolume,
      observed_hours: observedHours,
      two_sided_frac: twoSidedFrac,
      avg_spread: s?.avg_spread ?? Number.NaN,
      median_spread: s?.median_spread ?? Number.NaN,
      avg_depth: s?.avg_depth ?? Number.NaN,
      updates_per_min: s?.updates_per_min ?? Number.NaN,
      eff_half_spread: ratio(acc.effSum, acc.nTrades)
    }
    let ev30 = Number.NaN
    let pnl30 = Number.NaN
    opts.horizons.forEach((h, i) => {
      const sums = acc.horizons[i]!
      const realized = ratio(sums.realizedSum, sums.n)
      const impact = ratio(sums.impactSum, sums.n)
      const ev = realized - opts.fee
      const pnl = ratio(ev * tradeVolume, observedHours)
      row[`n_${h.label}`] = sums.n
      row[`realized_${h.label}`] = realized
      row[`impact_${h.label}`] = impact
      const meanEff = ratio(sums.effSum, sums.n)
      row[`toxicity_${h.label}`] = meanEff !== 0 ? impact / meanEff : Number.NaN
      row[`ev_${h.label}`] = ev
      row[`pnl_per_hour_${h.label}`] = pnl
      if (i === viableIdx) {
        ev30 = ev
        pnl30 = pnl
      }
    })
    row.fee = opts.fee
    row.viable = acc.nTrades >= opts.minTrades && ev30 > 0 && twoSidedFrac >= VIABLE_MIN_TWO_SIDED_FRAC
    rows.push(Object.assign(row, { rankKey: Number.isNaN(pnl30) ? Number.NEGATIVE_INFINITY : pnl30 }))
  }
  rows.sort((a, b) => (a.rankKey === b.rankKey ? 0 : a.rankKey > b.rankKey ? -1 : 1))
  return rows.map(({ rankKey: _rankKey, ...row }) => row)
}
