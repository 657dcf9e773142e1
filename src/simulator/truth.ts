import type { VenueId } from "../domain/VenueId.js"
import { ASK, BID, type BinaryBook } from "./book.js"
import type { MarketEngine } from "./engine.js"

/**
 * Ground truth for tests: what a correct scanner keeps (before config filters) and the books
 * the simulator holds, in the product's units (probabilities 0..1, sizes in shares/contracts).
 */

export interface LiveMarket {
  readonly market_id: string
  readonly title: string
  /** epoch ms */
  readonly close_ts: number
  readonly outcome_ids: ReadonlyArray<string>
  readonly outcomes: ReadonlyArray<string>
  readonly token_ids: ReadonlyArray<string>
  readonly event_id: string
  readonly slug: string | null
  readonly tags: ReadonlyArray<string>
  readonly volume: number
  readonly liquidity: number
  readonly tick_size: number
}

/** bids best-first (descending), asks best-first (ascending); [price, size] */
export interface TruthBook {
  readonly bids: ReadonlyArray<readonly [number, number]>
  readonly asks: ReadonlyArray<readonly [number, number]>
  readonly tickSize: number
}

export interface SimulatorTruth {
  /**
   * Markets a correct scanner keeps before config filters: Polymarket active, not closed, not
   * archived, order book enabled (so token ids exist); Kalshi status "active". The universe is
   * static during a run, so `nowMs` does not change the set (accepted for symmetry with filters).
   */
  liveMarkets(venue: VenueId, nowMs?: number): ReadonlyArray<LiveMarket>
  /** Polymarket: outcomeId = token id; Kalshi: outcomeId "yes" | "no" (default "yes"). null = no book */
  book(venue: VenueId, marketId: string, outcomeId?: string): TruthBook | null
  /** the global step (ticks run so far) */
  step(): number
  /** number of books advanced per tick right now */
  watchedBooks(): number
  /** books held in memory (created lazily; unwatched ones are pruned) */
  booksInMemory(): number
  /** rate mode: book updates drawn so far (delivered or not); 0 in step mode */
  updatesDrawn(): number
}

/** one side of a token's book, best first; `mirror` maps YES prices to NO prices (1 - p) */
const levels = (book: BinaryBook, side: typeof BID | typeof ASK, mirror: boolean, bestFirst: "desc" | "asc"): Array<readonly [number, number]> => {
  const out = book.sortedLevels(side, "asc").map(([p, s]) => [(mirror ? 1000 - p : p) / 1000, s / 100] as const)
  return out.sort(bestFirst === "desc" ? (a, b) => b[0] - a[0] : (a, b) => a[0] - b[0])
}

const view = (book: BinaryBook, no: boolean): TruthBook => no
  ? { bids: levels(book, ASK, true, "desc"), asks: levels(book, BID, true, "asc"), tickSize: book.tick / 1000 }
  : { bids: levels(book, BID, false, "desc"), asks: levels(book, ASK, false, "asc"), tickSize: book.tick / 1000 }

export const makeTruth = (engine: MarketEngine): SimulatorTruth => ({
  liveMarkets: (venue) => {
    const u = engine.universe
    if (venue === "polymarket") {
      return u.pmMarkets
        .filter((m) => m.active && !m.closed && !m.archived && m.enableOrderBook)
        .map((m) => {
          const e = u.pmEvents[m.eventIndex]!
          return {
            market_id: m.conditionId, title: m.question, close_ts: m.endMs,
            outcome_ids: m.tokenIds, outcomes: ["Yes", "No"], token_ids: m.tokenIds,
            event_id: e.id, slug: m.slug, tags: e.tags.map((t) => t.label),
            volume: m.volume, liquidity: m.liquidity, tick_size: m.tick / 1000
          }
        })
    }
    return u.kMarkets.filter((m) => m.status === "active").map((m) => ({
      market_id: m.ticker, title: m.title, close_ts: m.closeMs,
      outcome_ids: ["yes", "no"], outcomes: [m.yesSubTitle, m.noSubTitle], token_ids: [],
      event_id: m.eventTicker, slug: null, tags: [m.category],
      volume: m.volume, liquidity: m.liquidity, tick_size: 0.01
    }))
  },
  book: (venue, marketId, outcomeId) => {
    const u = engine.universe
    if (venue === "polymarket") {
      const byToken = outcomeId === undefined ? undefined : u.pmByToken.get(outcomeId)
      const m = byToken?.market ?? u.pmByCondition.get(marketId)
      if (m === undefined || m.conditionId !== marketId) return null
      const book = engine.pmBook(m)
      return book === null ? null : view(book, byToken?.outcome === 1)
    }
    const m = u.kByTicker.get(marketId)
    if (m === undefined) return null
    const book = engine.kBook(m)
    return book === null ? null : view(book, outcomeId === "no")
  },
  step: () => engine.step,
  watchedBooks: () => engine.watchedBooks(),
  booksInMemory: () => engine.booksInMemory(),
  updatesDrawn: () => engine.plan?.drawn ?? 0
})
