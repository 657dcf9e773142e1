/**
 * The event log read back (README "Data layout", `book_events`): rows in `event_seq` order into a
 * BookStore, exactly as the collector changed its own, so a book at any instant comes out as the
 * snapshot row the collector would have written then (same levels, status, err and seq).
 *
 * Plain code over columns (src/storage/parquet/events.ts): one pass, no Effect per row.
 */
import { BOOK_FREED, BookStore } from "../books/BookStore.js"
import type { SnapshotRow } from "../domain/SnapshotRow.js"
import type { VenueId } from "../domain/VenueId.js"
import type { EventColumns } from "../storage/parquet/events.js"

/** levels per side a rebuilt row keeps: all of them */
const ALL_LEVELS = 1_000_000

export interface ReplayLimit {
  /** apply rows received at or before this instant (epoch ms) */
  readonly atMs: number
  /** and, when given, only up to this event-log position (a snapshot row's `event_seq`) */
  readonly maxSeq?: number | null
}

/** Row indexes of several files' columns in event_seq order (stable: file order within a position). */
export interface ReplayInput {
  readonly files: ReadonlyArray<EventColumns>
}

const STAR = "*"

export class EventReplayer {
  private store: BookStore
  /** subscriptions: market -> outcome ids (what the collector wrote rows for) */
  private readonly subs = new Map<string, Set<string>>()
  /** market -> (outcome or "*") -> reason of the silence the collector reported */
  private readonly silence = new Map<string, Map<string, string>>()
  /** the last event_seq applied */
  position = -1
  rowsApplied = 0

  constructor(readonly venue: VenueId, readonly topK: number = ALL_LEVELS) {
    this.store = new BookStore({ venue, topK })
  }

  private clearSilence(market: string, outcome: string | null): void {
    const s = this.silence.get(market)
    if (s === undefined) return
    // a binary book's rows share one message stream: any row of it is activity for both
    if (outcome === null || this.store.isBinary(market)) this.silence.delete(market)
    else {
      s.delete(outcome)
      s.delete(STAR)
      if (s.size === 0) this.silence.delete(market)
    }
  }

  /**
   * Applies the rows of `input` within `limit`, only those of `markets` when given (plus the
   * markers that concern every book).
   */
  replay(input: ReplayInput, limit: ReplayLimit, markets: ReadonlySet<string> | null = null): void {
    this.load(input)
    this.advance(limit, markets, false)
  }

  private input: ReplayInput = { files: [] }
  private order: RowRef[] = []
  private cursor = 0

  /** Starts over on new files (a bucket); `advance` then moves through them. */
  load(input: ReplayInput): void {
    // a bucket's checkpoint holds every subscription and book: nothing from before is kept
    this.store = new BookStore({ venue: this.venue, topK: this.topK })
    this.subs.clear()
    this.silence.clear()
    this.position = -1
    this.input = input
    this.order = mergeOrder(input.files)
    this.cursor = 0
  }

  /**
   * Applies loaded rows within `limit`. `prefix`: stop at the first row beyond it and continue
   * from there on the next call (resnapshot, instants in increasing order); otherwise skip rows
   * beyond it and look at every row (rebuild, one instant).
   */
  advance(limit: ReplayLimit, markets: ReadonlySet<string> | null, prefix: boolean): void {
    const input = this.input
    const order = this.order
    const maxSeq = limit.maxSeq ?? Infinity
    const n = order.length
    let k = this.cursor
    while (k < n) {
      const ref = order[k]!
      const c = input.files[ref.file]!
      const i = ref.row
      const market = c.market_id[i]!
      const seq = c.event_seq[i]!
      if (c.ts_recv[i]! > limit.atMs || seq > maxSeq) {
        if (prefix) break
        k++
        continue
      }
      if (markets !== null && market !== "" && !markets.has(market)) {
        k++
        continue
      }
      this.applyRow(c, i)
      this.position = seq
      this.rowsApplied++
      k++
    }
    this.cursor = k
  }

  /** A venue snapshot or a checkpoint: the book replaced by the row's ladders. */
  private applyBook(c: EventColumns, i: number): void {
    const market = c.market_id[i]!
    const outcome = c.outcome_id[i] ?? null
    const sourceTs = c.source_ts[i] ?? null
    // bids and asks of an outcome book; YES and NO bid ladders of a binary one
    const a = { prices: c.bid_px[i] ?? [], sizes: c.bid_sz[i] ?? [] }
    const b = { prices: c.ask_px[i] ?? [], sizes: c.ask_sz[i] ?? [] }
    if (c.kind[i] === "checkpoint") {
      const bookSeq = c.book_seq[i] ?? 0
      const reason = c.reason[i] ?? null
      if (outcome === null) this.store.restoreBinaryBook(market, a, b, bookSeq, sourceTs, reason)
      else this.store.restoreOutcomeBook(market, outcome, a, b, bookSeq, sourceTs, reason)
    } else if (outcome === null) {
      this.store.apply({ kind: "binary_snapshot", marketId: market, yesBids: a, noBids: b, sid: 0, seq: c.venue_seq[i] ?? 0, sourceTs }, c.ts_recv[i]!)
    } else {
      this.store.apply({ kind: "snapshot", marketId: market, outcomeId: outcome, bids: a, asks: b, sourceTs }, c.ts_recv[i]!)
    }
    this.clearSilence(market, outcome)
  }

  private applyRow(c: EventColumns, i: number): void {
    const market = c.market_id[i]!
    const outcome = c.outcome_id[i] ?? null
    const reason = c.reason[i] ?? null
    switch (c.kind[i]) {
      case "snapshot":
      case "checkpoint":
        this.applyBook(c, i)
        return
      case "session_start":
        // a collector (re)started: nothing it held before is known any more
        this.store = new BookStore({ venue: this.venue, topK: this.topK })
        this.subs.clear()
        this.silence.clear()
        return
      case "level": {
        const sourceTs = c.source_ts[i] ?? null
        if (this.store.isBinary(market)) {
          this.store.setBinaryLevel(market, outcome === "no" ? "no" : "yes", c.price[i]!, c.size[i]!, sourceTs)
        } else if (outcome !== null) {
          this.store.apply({
            kind: "level_set", marketId: market, outcomeId: outcome, side: c.side[i] === "ask" ? "ask" : "bid",
            price: c.price[i]!, size: c.size[i]!, sourceTs
          }, c.ts_recv[i]!)
        }
        this.clearSilence(market, outcome)
        return
      }
      case "trade":
      case "tick_size":
      case "resubscribed":
        this.clearSilence(market, outcome)
        return
      case "subscribed": {
        if (outcome === null) return
        let set = this.subs.get(market)
        if (set === undefined) this.subs.set(market, set = new Set())
        set.add(outcome)
        this.clearSilence(market, outcome)
        return
      }
      case "unsubscribed":
        if (reason === BOOK_FREED) {
          if (outcome === null) this.store.drop(market)
          else this.store.dropOutcome(market, outcome)
        } else if (outcome !== null) {
          const set = this.subs.get(market)
          set?.delete(outcome)
          if (set !== undefined && set.size === 0) this.subs.delete(market)
        }
        return
      case "connection_lost":
      case "seq_gap":
        if (outcome === null) this.store.markStale(market, reason ?? "")
        else this.store.markOutcomeStale(market, outcome, reason ?? "")
        return
      case "resync":
        this.store.resetMarket(market, reason ?? undefined)
        return
      case "silence": {
        let s = this.silence.get(market)
        if (s === undefined) this.silence.set(market, s = new Map())
        s.set(outcome ?? STAR, reason ?? "silence")
        return
      }
      default:
        return
    }
  }

  /** Subscribed (market, outcome) pairs, sorted; only `markets` when given. */
  books(markets: ReadonlySet<string> | null = null): Array<readonly [string, string]> {
    const out: Array<readonly [string, string]> = []
    for (const [m, set] of this.subs) {
      if (markets !== null && !markets.has(m)) continue
      for (const o of set) out.push([m, o])
    }
    return out.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0))
  }

  /** The row the collector would write for (market, outcome) at `tsMs`, from what was applied. */
  row(market: string, outcome: string, tsMs: number): SnapshotRow {
    const row = this.store.snapshotRow(market, outcome, tsMs)
    const s = this.silence.get(market)
    const quiet = s === undefined ? undefined : (s.get(outcome) ?? s.get(STAR))
    const out: SnapshotRow = quiet !== undefined && row.status !== "stale" ? { ...row, status: "stale", err: quiet } : row
    return { ...out, event_seq: this.position }
  }

  rowsAt(tsMs: number, markets: ReadonlySet<string> | null = null): SnapshotRow[] {
    return this.books(markets).map(([m, o]) => this.row(m, o, tsMs))
  }
}

export interface RowRef {
  readonly file: number
  readonly row: number
}

/** Rows of several files in event_seq order; ties keep file order, then row order. */
export function mergeOrder(files: ReadonlyArray<EventColumns>): RowRef[] {
  const refs: RowRef[] = []
  let sorted = true
  let last = -Infinity
  for (let f = 0; f < files.length; f++) {
    const c = files[f]!
    for (let i = 0; i < c.length; i++) {
      const seq = c.event_seq[i]!
      if (seq < last) sorted = false
      last = seq
      refs.push({ file: f, row: i })
    }
  }
  if (!sorted) {
    refs.sort((a, b) => (files[a.file]!.event_seq[a.row]! - files[b.file]!.event_seq[b.row]!) || (a.file - b.file) || (a.row - b.row))
  }
  return refs
}
