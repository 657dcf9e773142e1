/**
 * Realistic snapshot rows for the writing and storage figures: `books` order books snapshotted
 * every 2 s for `rounds` rounds, each book drifting a little between snapshots (mid moves by a
 * tick now and then, a few sizes change), with Polymarket-length ids (66-char condition id,
 * 77-digit token id). Compression depends on that repetition, so uniform random rows would
 * understate what a real file achieves.
 */
import type { SnapshotRow } from "../src/domain/SnapshotRow.js"
import { rng } from "./harness.js"

export interface SnapshotSetOptions {
  readonly books: number
  readonly rounds: number
  /** levels per side: a number, or [min, max] chosen per book */
  readonly levels: number | readonly [number, number]
  readonly tick?: number
  readonly startMs?: number
  readonly seed?: number
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

export function makeSnapshotSet(opts: SnapshotSetOptions): SnapshotRow[] {
  const r = rng(opts.seed ?? 7)
  const tick = opts.tick ?? 0.01
  const ticksPerUnit = Math.round(1 / tick)
  const start = opts.startMs ?? Date.UTC(2026, 0, 5, 12, 0)
  const books = Array.from({ length: opts.books }, () => {
    const levels = typeof opts.levels === "number" ? opts.levels : opts.levels[0] + Math.floor(r() * (opts.levels[1] - opts.levels[0] + 1))
    return {
      market_id: "0x" + hex(r, 64),
      outcome_id: digits(r, 77),
      levels,
      midTicks: Math.floor(ticksPerUnit * (0.1 + r() * 0.8)),
      bidSz: Array.from({ length: levels }, () => Math.round(r() * 500000) / 100),
      askSz: Array.from({ length: levels }, () => Math.round(r() * 500000) / 100),
      seq: Math.floor(r() * 1000)
    }
  })
  const rows: SnapshotRow[] = []
  for (let round = 0; round < opts.rounds; round++) {
    for (let b = 0; b < books.length; b++) {
      const book = books[b]!
      if (r() < 0.2) book.midTicks = Math.min(ticksPerUnit - book.levels - 2, Math.max(book.levels + 2, book.midTicks + (r() < 0.5 ? 1 : -1)))
      for (let c = 0; c < 2; c++) {
        const side = r() < 0.5 ? book.bidSz : book.askSz
        side[Math.floor(r() * Math.min(side.length, 5))] = Math.round(r() * 500000) / 100
      }
      book.seq += 1 + Math.floor(r() * 20)
      const bid_px: number[] = []
      const ask_px: number[] = []
      for (let k = 0; k < book.levels; k++) {
        bid_px.push((book.midTicks - 1 - k) / ticksPerUnit)
        ask_px.push((book.midTicks + 1 + k) / ticksPerUnit)
      }
      const ts = start + round * 2000 + Math.floor((b * 2000) / books.length)
      rows.push({
        ts_recv: ts, venue: "polymarket", market_id: book.market_id, outcome_id: book.outcome_id, seq: book.seq,
        best_bid_px: bid_px[0]!, best_bid_sz: book.bidSz[0]!, best_ask_px: ask_px[0]!, best_ask_sz: book.askSz[0]!,
        mid: (bid_px[0]! + ask_px[0]!) / 2, spread: ask_px[0]! - bid_px[0]!,
        bid_px, bid_sz: [...book.bidSz], ask_px, ask_sz: [...book.askSz],
        status: "ok", err: null, source_ts: ts - 40 - Math.floor(r() * 200)
      })
    }
  }
  return rows
}
