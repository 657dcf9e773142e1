import type { MarketRecord } from "../domain/Market.js"

/**
 * What a venue's discovery (scanner REST) returns before the config filters.
 * Counts are per market unless named otherwise; they feed the scan summary line.
 */
export interface Discovery {
  /** decoded markets, deduplicated by market_id, before filtering */
  readonly markets: ReadonlyArray<MarketRecord>
  /** pages fetched (HTTP requests that returned data) */
  readonly pages: number
  /** records (events or markets) that failed to decode: skipped, never fatal */
  readonly malformed: number
  /** markets the venue lists but that cannot be recorded (no order book, no token ids) */
  readonly skipped: Readonly<Record<string, number>>
  /** first malformed record, for the debug log (first 200 chars) */
  readonly firstMalformed: string | null
}

/** Mutable tally used while paging. */
export class DiscoveryTally {
  readonly markets: MarketRecord[] = []
  readonly seen = new Set<string>()
  pages = 0
  malformed = 0
  firstMalformed: string | null = null
  readonly skipped: Record<string, number> = {}

  add(record: MarketRecord): void {
    // Offset paging over a list that changes between requests can repeat a record.
    if (this.seen.has(record.market_id)) return
    this.seen.add(record.market_id)
    this.markets.push(record)
  }

  skip(reason: string): void {
    this.skipped[reason] = (this.skipped[reason] ?? 0) + 1
  }

  bad(record: unknown): void {
    this.malformed++
    if (this.firstMalformed === null) {
      let text: string
      try {
        text = JSON.stringify(record) ?? String(record)
      } catch {
        text = String(record)
      }
      this.firstMalformed = text.slice(0, 200)
    }
  }

  result(): Discovery {
    return {
      markets: this.markets,
      pages: this.pages,
      malformed: this.malformed,
      skipped: this.skipped,
      firstMalformed: this.firstMalformed
    }
  }
}

/** Numbers arrive as JSON numbers or decimal strings depending on the field and era. */
export const toNumberOrNull = (value: unknown): number | null => {
  if (typeof value === "number") return Number.isFinite(value) ? value : null
  if (typeof value === "string" && value.trim() !== "") {
    const n = Number(value)
    return Number.isFinite(n) ? n : null
  }
  return null
}

/** ISO 8601 -> epoch ms; null when absent or unparseable. */
export const isoToMs = (value: unknown): number | null => {
  if (typeof value !== "string" || value === "") return null
  const ms = Date.parse(value)
  return Number.isNaN(ms) ? null : ms
}

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v)
