import { describe, expect, it } from "vitest"
import type { MarketRecord } from "../../src/domain/Market.js"
import { applyFilters } from "../../src/scanner/filters.js"

const NOW = Date.parse("2026-06-01T00:00:00Z")
const H = 3_600_000
const market = (id: string, over: Partial<MarketRecord> = {}): MarketRecord => ({
  market_id: id,
  title: `Market ${id}`,
  outcome_ids: ["yes", "no"],
  outcomes: ["Yes", "No"],
  close_ts: NOW + 100 * H,
  status: "active",
  tags: [],
  token_ids: [],
  event_id: null,
  slug: null,
  volume: null,
  liquidity: null,
  tick_size: 0.01,
  ...over
})

describe("scanner filters", () => {
  it("drops closed/inactive, closing-soon and excluded titles, each counted once under the first filter", () => {
    const markets = [
      market("keep"),
      market("open-ended", { close_ts: null }),
      market("closed", { status: "closed" }),
      market("inactive", { status: "inactive" }),
      market("closed-and-soon", { status: "closed", close_ts: NOW + H }),
      market("soon", { close_ts: NOW + 23 * H }),
      market("past", { close_ts: NOW - H }),
      market("edge", { close_ts: NOW + 24 * H }),
      market("weather", { title: "Highest TEMPERATURE in NYC?" }),
      market("fed", { title: "Fed decision in June?" }),
      market("fedex", { title: "Will FedEx beat earnings?" })
    ]
    const r = applyFilters(markets, { exclude_title_patterns: ["temperature", "^fed "], min_hours_until_close: 24 }, NOW)
    expect(r.kept.map((m) => m.market_id)).toEqual(["keep", "open-ended", "edge", "fedex"])
    expect(r.dropped).toEqual({ closed: 3, closing_soon: 2, excluded_title: 2 })
  })

  it("keeps everything live with no patterns and min_hours 0", () => {
    const r = applyFilters([market("a"), market("b", { close_ts: NOW + 1 })], { exclude_title_patterns: [], min_hours_until_close: 0 }, NOW)
    expect(r.kept).toHaveLength(2)
  })
})
