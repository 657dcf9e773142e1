/**
 * Realistic snapshot rows for the writing, storage and mining figures: a set of order books
 * snapshotted round after round, each book drifting a little between snapshots (the mid moves a
 * tick now and then, a few sizes change), with Polymarket-length ids (66-char condition id,
 * 77-digit token id) and a few stale / one-sided rows. Compression depends on that repetition,
 * so uniform random rows would understate what a real file achieves.
 */
import type { SnapshotRow } from "../src/domain/SnapshotRow.js"
import type { TradeRow } from "../src/domain/TradeRow.js"
import { rng } from "./harness.js"

export interface BookSetOptions {
  readonly books: number
  /** levels per side: a number, or [min, max] chosen per book */
  readonly levels: number | readonly [number, number]
  readonly tick?: number
  readonly seed?: number
  /** share of rows written stale / one-sided (default 0: all ok) */
  readonly staleFrac?: number
  readonly oneSidedFrac?: number
}

const hex = (r: () => number, n: number): string => {
  let s = ""
  for (let i = 0; i < n; i++) s += "0123456789abcdef"[Math.floor(r() * 16)]
  return s
}
const digits = (r: () => number, n: number): string => {
  let s = String(1 + Math.floor(r() * 9))
  for (let i = 1; i < n; i++) s += String(Math.floor(r() * 10))
  return s
}

interface Book {
  readonly market_id: string
  readonly outcome_id: string
  readonly levels: number
  midTicks: number
  readonly bidSz: number[]
  readonly askSz: number[]
  seq: number
}

export class BookSet {
  private readonly r: () => number
  private readonly books: Book[]
  private readonly ticksPerUnit: number
  private tradeSeq = 0

  constructor(private readonly opts: BookSetOptions) {
    this.r = rng(opts.seed ?? 7)
    const r = this.r
    this.ticksPerUnit = Math.round(1 / (opts.tick ?? 0.01))
    this.books = Array.from({ length: opts.books }, () => {
      const levels = typeof opts.levels === "number" ? opts.levels : opts.levels[0] + Math.floor(r() * (opts.levels[1] - opts.levels[0] + 1))
      return {
        market_id: "0x" + hex(r, 64),
        outcome_id: digits(r, 77),
        levels,
        midTicks: Math.floor(this.ticksPerUnit * (0.1 + r() * 0.8)),
        bidSz: Array.from({ length: levels }, () => Math.round(r() * 500000) / 100),
        askSz: Array.from({ length: levels }, () => Math.round(r() * 500000) / 100),
        seq: Math.floor(r() * 1000)
      }
    })
  }

  /** One snapshot of every book, spread evenly over [startMs, startMs + spanMs). */
  round(startMs: number, spanMs: number, out: SnapshotRow[]): void {
    const r = this.r
    const books = this.books
    const tpu = this.ticksPerUnit
    for (let b = 0; b < books.length; b++) {
      const book = books[b]!
      if (r() < 0.2) book.midTicks = Math.min(tpu - book.levels - 2, Math.max(book.levels + 2, book.midTicks + (r() < 0.5 ? 1 : -1)))
      for (let c = 0; c < 2; c++) {
        const side = r() < 0.5 ? book.bidSz : book.askSz
        side[Math.floor(r() * Math.min(side.length, 5))] = Math.round(r() * 500000) / 100
      }
      book.seq += 1 + Math.floor(r() * 20)
      const ts = startMs + Math.floor((b * spanMs) / books.length)
      const stale = r() < (this.opts.staleFrac ?? 0)
      const oneSided = !stale && r() < (this.opts.oneSidedFrac ?? 0)
      const bid_px: number[] = []
      const ask_px: number[] = []
      for (let k = 0; k < book.levels; k++) {
        bid_px.push((book.midTicks - 1 - k) / tpu)
        if (!oneSided) ask_px.push((book.midTicks + 1 + k) / tpu)
      }
      const ask_sz = oneSided ? [] : [...book.askSz]
      const bestAsk = ask_px[0] ?? Number.NaN
      out.push({
        ts_recv: ts, venue: "polymarket", market_id: book.market_id, outcome_id: book.outcome_id, seq: book.seq,
        best_bid_px: bid_px[0]!, best_bid_sz: book.bidSz[0]!, best_ask_px: bestAsk, best_ask_sz: ask_sz[0] ?? 0,
        mid: oneSided ? Number.NaN : (bid_px[0]! + bestAsk) / 2, spread: oneSided ? Number.NaN : bestAsk - bid_px[0]!,
        bid_px, bid_sz: [...book.bidSz], ask_px, ask_sz,
        status: stale ? "stale" : oneSided ? "partial" : "ok", err: stale ? "connection down" : null,
        source_ts: ts - 40 - Math.floor(r() * 200)
      })
    }
  }

  /** About `perBook` trades per book, at prices near each book's mid, within [startMs, startMs + spanMs). */
  trades(startMs: number, spanMs: number, perBook: number, out: TradeRow[]): void {
    const r = this.r
    for (const book of this.books) {
      if (r() >= perBook) continue
      const buy = r() < 0.5
      const ts = startMs + Math.floor(r() * spanMs)
      out.push({
        ts_recv: ts, source_ts: ts - 30, venue: "polymarket", market_id: book.market_id, outcome_id: book.outcome_id,
        price: (book.midTicks + (buy ? 1 : -1)) / this.ticksPerUnit, size: Math.round(r() * 100000) / 100,
        side: buy ? "buy" : "sell", trade_id: `0x${(this.tradeSeq++).toString(16)}`
      })
    }
  }
}

/** `rounds` snapshots of `books` books, 2 s apart, from `startMs`. */
export function makeSnapshotSet(opts: BookSetOptions & { readonly rounds: number; readonly startMs?: number }): SnapshotRow[] {
  const set = new BookSet(opts)
  const start = opts.startMs ?? Date.UTC(2026, 0, 5, 12, 0)
  const rows: SnapshotRow[] = []
  for (let round = 0; round < opts.rounds; round++) set.round(start + round * 2000, 2000, rows)
  return rows
}
