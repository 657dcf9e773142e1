import { BinaryBook, type BookActivity, emptyActivity } from "./book.js"
import type { KMarket, PmMarket, Universe } from "./universe.js"

/**
 * The market engine: the global step counter, the lazily created books, and the set of
 * books somebody watches. Each tick advances only the watched books (never a loop over the
 * whole universe) and hands their activity to the watchers (the WebSocket connections).
 */

export interface BookWatcher {
  /** activity of one book during one tick; `regenerated` = the book was rebuilt (send a snapshot) */
  onActivity(key: string, book: BinaryBook, activity: BookActivity, regenerated: boolean): void
  /** called once after every book of a tick was delivered: flush per-connection batches */
  onTickEnd(): void
}

export class MarketEngine {
  step = 0
  private readonly books = new Map<string, BinaryBook>()
  /** book key -> watchers; a watcher appears once per key however many assets it holds */
  private readonly watched = new Map<string, Set<BookWatcher>>()
  private readonly watchers = new Set<BookWatcher>()

  constructor(
    readonly seed: number,
    readonly universe: Universe,
    /** virtual clock for stepping mode: null = wall clock */
    private readonly virtualStepMs: number | null
  ) {}

  /** the simulated venue's clock: wall time, as a real venue's, unless stepping virtually */
  nowMs(): number {
    return this.virtualStepMs === null ? Date.now() : this.universe.anchorMs + this.step * this.virtualStepMs
  }

  /** Polymarket book key = conditionId; null when the market has no live order book */
  pmBook(m: PmMarket): BinaryBook | null {
    if (!m.enableOrderBook || m.closed || !m.active) return null
    return this.bookFor(m.conditionId, () => new BinaryBook({
      seed: this.seed, id: m.conditionId, tick: m.tick, fair: m.fair, fineTickNearExtremes: true,
      depthScale: Math.max(0.2, Math.min(5, Math.log10(m.liquidity + 10) / 3))
    }, this.step))
  }

  /** Kalshi book key = ticker; closed/settled/unopened markets have an empty book (null) */
  kBook(m: KMarket): BinaryBook | null {
    if (m.status !== "active") return null
    return this.bookFor(m.ticker, () => new BinaryBook({
      seed: this.seed, id: m.ticker, tick: 10, fair: m.fair, fineTickNearExtremes: false,
      depthScale: Math.max(0.2, Math.min(5, Math.log10(m.liquidity + 10) / 3))
    }, this.step))
  }

  private bookFor(key: string, create: () => BinaryBook): BinaryBook {
    let b = this.books.get(key)
    if (b === undefined) {
      b = create()
      this.books.set(key, b)
    }
    // a book read outside the tick loop catches up silently (its watchers, if any, are current)
    if (b.step < this.step) b.advanceTo(this.step, null)
    return b
  }

  watch(key: string, w: BookWatcher): void {
    let s = this.watched.get(key)
    if (s === undefined) {
      s = new Set()
      this.watched.set(key, s)
    }
    s.add(w)
    this.watchers.add(w)
  }

  unwatch(key: string, w: BookWatcher): void {
    const s = this.watched.get(key)
    if (s === undefined) return
    s.delete(w)
    if (s.size === 0) this.watched.delete(key)
  }

  removeWatcher(w: BookWatcher): void {
    for (const [key, s] of this.watched) {
      s.delete(w)
      if (s.size === 0) this.watched.delete(key)
    }
    this.watchers.delete(w)
  }

  /** number of books currently advanced per tick */
  watchedBooks(): number {
    return this.watched.size
  }

  /** Unwatched books are pruned from memory so a long run stays flat (they regenerate on demand). */
  private prune(): void {
    if (this.books.size <= 50_000) return
    for (const key of this.books.keys()) if (!this.watched.has(key)) this.books.delete(key)
  }

  tick(): void {
    this.step++
    for (const [key, ws] of this.watched) {
      const book = this.books.get(key)
      if (book === undefined) continue
      const act = emptyActivity()
      const continuous = book.advanceTo(this.step, act)
      if (!continuous || act.changes.length > 0 || act.trades.length > 0 || act.tickChange !== null) {
        for (const w of ws) w.onActivity(key, book, act, !continuous)
      }
    }
    for (const w of this.watchers) w.onTickEnd()
    if (this.step % 1000 === 0) this.prune()
  }
}
