import { Effect, Stream } from "effect"
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

/** Where decoded listing records go: a page being built, or the whole scan's tally. */
export interface ListingRecords {
  add(record: MarketRecord): void
  /** a market the venue lists that cannot be recorded, counted under `reason` */
  skip(reason: string): void
  /** a record that failed to decode */
  bad(record: unknown): void
}

/** One fetched page of a venue's listing, decoded: what discovery streams, one per HTTP request. */
export class DiscoveryPage implements ListingRecords {
  readonly markets: MarketRecord[] = []
  readonly malformed: unknown[] = []
  readonly skipped: Record<string, number> = {}
  /** event id -> category, for venues whose markets carry none (Kalshi); tags untagged markets */
  readonly eventCategories = new Map<string, string>()

  add(record: MarketRecord): void {
    this.markets.push(record)
  }

  skip(reason: string): void {
    this.skipped[reason] = (this.skipped[reason] ?? 0) + 1
  }

  bad(record: unknown): void {
    this.malformed.push(record)
  }
}

/** The fold of a scan's pages into a Discovery. */
export class DiscoveryTally implements ListingRecords {
  readonly markets: MarketRecord[] = []
  readonly seen = new Set<string>()
  readonly eventCategories = new Map<string, string>()
  pages = 0
  malformed = 0
  firstMalformed: string | null = null
  readonly skipped: Record<string, number> = {}

  addPage(page: DiscoveryPage): void {
    this.pages++
    for (const record of page.markets) this.add(record)
    for (const record of page.malformed) this.bad(record)
    for (const [reason, n] of Object.entries(page.skipped)) this.skipped[reason] = (this.skipped[reason] ?? 0) + n
    for (const [event, category] of page.eventCategories) this.eventCategories.set(event, category)
  }

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
    // categories may arrive after the markets they tag (Kalshi lists events in a second pass)
    const markets = this.eventCategories.size === 0 ? this.markets : this.markets.map((m) => {
      const category = m.tags.length > 0 || m.event_id === null ? undefined : this.eventCategories.get(m.event_id)
      return category === undefined || category === "" ? m : { ...m, tags: [category] }
    })
    return {
      markets,
      pages: this.pages,
      malformed: this.malformed,
      skipped: this.skipped,
      firstMalformed: this.firstMalformed
    }
  }
}

/** Runs a venue's discovery stream to its end and folds every page into one Discovery. */
export const collectDiscovery = <E, R>(pages: Stream.Stream<DiscoveryPage, E, R>): Effect.Effect<Discovery, E, R> =>
  Effect.suspend(() => {
    const tally = new DiscoveryTally()
    return Stream.runForEach(pages, (page) => Effect.sync(() => tally.addPage(page))).pipe(
      Effect.map(() => tally.result())
    )
  })

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
