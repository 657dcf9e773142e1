import { ActivityPlan, type ActivityOptions } from "./activity.js"
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
  /** Kalshi firehose watchers (trade/ticker subscribed without tickers): every Kalshi market's activity */
  private readonly kalshiFirehose = new Set<BookWatcher>()
  /** active Kalshi markets, stepped while a firehose is open (step mode) */
  private kalshiActive: ReadonlyArray<KMarket> | null = null

  constructor(
    readonly seed: number,
    readonly universe: Universe,
    /** virtual clock for stepping mode: null = wall clock */
    private readonly virtualStepMs: number | null,
    /** rate mode (activity.ts): a fixed aggregate update rate with skewed activity; null = step mode */
    activity: ActivityOptions | null = null
  ) {
    this.plan = activity === null ? null : new ActivityPlan(seed, universe, activity)
  }

  /** rate mode's plan; null in step mode */
  readonly plan: ActivityPlan | null

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
    }, this.createStep()))
  }

  /** Kalshi book key = ticker; closed/settled/unopened markets have an empty book (null) */
  kBook(m: KMarket): BinaryBook | null {
    if (m.status !== "active") return null
    return this.bookFor(m.ticker, () => new BinaryBook({
      seed: this.seed, id: m.ticker, tick: 10, fair: m.fair, fineTickNearExtremes: false,
      depthScale: Math.max(0.2, Math.min(5, Math.log10(m.liquidity + 10) / 3))
    }, this.createStep()))
  }

  /** rate mode: every book starts from (seed, id) alone, whenever it is first needed */
  private createStep(): number {
    return this.plan === null ? this.step : 0
  }

  private bookFor(key: string, create: () => BinaryBook): BinaryBook {
    let b = this.books.get(key)
    if (b === undefined) {
      b = create()
      this.books.set(key, b)
    }
    // a book read outside the tick loop catches up silently (its watchers, if any, are current);
    // rate mode books move only when an update picks them
    if (this.plan === null && b.step < this.step) b.advanceTo(this.step, null)
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
    this.kalshiFirehose.delete(w)
  }

  /** a connection that wants every Kalshi market's trades/tickers (subscribed with no market_tickers) */
  watchKalshiFirehose(w: BookWatcher): void {
    this.kalshiFirehose.add(w)
    this.watchers.add(w)
  }

  unwatchKalshiFirehose(w: BookWatcher): void {
    this.kalshiFirehose.delete(w)
  }

  /** the watchers of one book: its own, plus the Kalshi firehose for a Kalshi ticker (each once) */
  private deliver(key: string, kalshi: boolean, book: BinaryBook, act: BookActivity, regenerated: boolean): void {
    const ws = this.watched.get(key)
    if (ws !== undefined) for (const w of ws) w.onActivity(key, book, act, regenerated)
    if (kalshi && this.kalshiFirehose.size > 0) {
      for (const w of this.kalshiFirehose) if (ws === undefined || !ws.has(w)) w.onActivity(key, book, act, regenerated)
    }
  }

  booksInMemory(): number {
    return this.books.size
  }

  /** number of books currently advanced per tick */
  watchedBooks(): number {
    return this.watched.size
  }

  /** rate mode: draw the updates due now; only watched books (or the Kalshi firehose) are touched */
  private rateTick(plan: ActivityPlan): void {
    const u = this.universe
    const rng = plan.rng
    const n = plan.due(this.nowMs())
    for (let i = 0; i < n; i++) {
      const pm = rng.next() < plan.pmShare
      const v = pm ? plan.polymarket : plan.kalshi
      const key = v.keys[v.pick(rng.next())]!
      if (!this.watched.has(key) && (pm || this.kalshiFirehose.size === 0)) continue
      const book = pm ? this.pmBook(u.pmByCondition.get(key)!) : this.kBook(u.kByTicker.get(key)!)
      if (book === null) continue
      const act = emptyActivity()
      // a drawn update always does something: retry the few model moves that find nothing to do
      for (let t = 0; t < 4 && act.changes.length === 0 && act.trades.length === 0; t++) book.forceStep(act)
      if (act.changes.length > 0 || act.trades.length > 0 || act.tickChange !== null) this.deliver(key, !pm, book, act, false)
    }
    for (const w of this.watchers) w.onTickEnd()
    if (this.step % 1000 === 0) this.prune()
  }

  private advanceAndDeliver(key: string, kalshi: boolean, book: BinaryBook): void {
    const act = emptyActivity()
    const continuous = book.advanceTo(this.step, act)
    if (!continuous || act.changes.length > 0 || act.trades.length > 0 || act.tickChange !== null) {
      this.deliver(key, kalshi, book, act, !continuous)
    }
  }

  /** Unwatched books are pruned from memory so a long run stays flat (they regenerate on demand). */
  private prune(): void {
    if (this.books.size <= 50_000) return
    for (const key of this.books.keys()) if (!this.watched.has(key) && (this.kalshiFirehose.size === 0 || !this.universe.kByTicker.has(key))) this.books.delete(key)
  }

  tick(): void {
    this.step++
    if (this.plan !== null) return this.rateTick(this.plan)
    const k = this.universe.kByTicker
    for (const key of this.watched.keys()) {
      const book = this.books.get(key)
      if (book === undefined) continue
      this.advanceAndDeliver(key, k.has(key), book)
    }
    if (this.kalshiFirehose.size > 0) {
      // step mode has no cheaper way to give every market activity: every active book is stepped
      // (rate mode, activity.ts, picks only the books that act)
      this.kalshiActive ??= this.universe.kMarkets.filter((m) => m.status === "active")
      for (const m of this.kalshiActive) {
        if (this.watched.has(m.ticker)) continue
        // an existing book is advanced with its activity (kBook would catch it up silently)
        const book = this.books.get(m.ticker) ?? this.kBook(m)
        if (book !== null) this.advanceAndDeliver(m.ticker, true, book)
      }
    }
    for (const w of this.watchers) w.onTickEnd()
    if (this.step % 1000 === 0) this.prune()
  }
}
