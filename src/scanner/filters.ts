import type { VenueConfig } from "../config/schema.js"
import type { MarketRecord } from "../domain/Market.js"

/** Why a discovered market is not kept; a market is counted under the first that applies. */
export interface FilterDrops {
  /** venue status other than "active" (closed, archived, inactive, initialized, ...) */
  closed: number
  /** closes within `min_hours_until_close` (or has already passed its close time) */
  closing_soon: number
  /** title matches one of `exclude_title_patterns` */
  excluded_title: number
}

export interface FilterResult {
  readonly kept: MarketRecord[]
  readonly dropped: FilterDrops
}

type FilterConfig = Pick<VenueConfig, "exclude_title_patterns" | "min_hours_until_close">

/** Both venues report tradable markets as "active" (Kalshi's `status=open` returns "active": docs/PROTOCOLS.md). */
export const isLive = (m: MarketRecord): boolean => m.status === "active"

export const compileTitlePatterns = (patterns: ReadonlyArray<string>): RegExp[] =>
  patterns.map((p) => new RegExp(p, "i"))

export const applyFilters = (
  markets: ReadonlyArray<MarketRecord>,
  cfg: FilterConfig,
  nowMs: number
): FilterResult => {
  const patterns = compileTitlePatterns(cfg.exclude_title_patterns)
  const closeCutoffMs = nowMs + cfg.min_hours_until_close * 3_600_000
  const dropped: FilterDrops = { closed: 0, closing_soon: 0, excluded_title: 0 }
  const kept: MarketRecord[] = []
  for (const m of markets) {
    if (!isLive(m)) dropped.closed++
    // no close time (open-ended market) passes: there is nothing to be too close to
    else if (m.close_ts !== null && m.close_ts < closeCutoffMs) dropped.closing_soon++
    else if (patterns.some((re) => re.test(m.title))) dropped.excluded_title++
    else kept.push(m)
  }
  return { kept, dropped }
}
