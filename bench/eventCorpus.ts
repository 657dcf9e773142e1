/**
 * Event-log rows of the replay corpus (bench/ingestCorpus.ts): the corpus frames through the
 * real Polymarket decoder and a BookStore with its EventLog, as the collector logs them (books,
 * level changes, trades, tick-size changes; checkpoints at each 5-minute bucket). Receive times
 * advance 1 ms per frame from a bucket start, so the corpus spans several buckets.
 */
import { BookStore } from "../src/books/BookStore.js"
import { EventLog } from "../src/books/EventLog.js"
import type { BookEvent } from "../src/domain/BookEvent.js"
import type { EventRow } from "../src/domain/EventRow.js"
import { makeDecodeStats } from "../src/venues/DecodeStats.js"
import { decodePolymarketFrame } from "../src/venues/polymarket/decode.js"
import { loadCorpus, specsFromCorpus } from "./ingestCorpus.js"

export const CORPUS_START = Date.UTC(2026, 0, 5, 12, 0)

export function eventCorpus(assets = 2000, frames = 200_000): { rows: EventRow[]; frames: string[] } {
  const lines = loadCorpus(assets, frames)
  let now = CORPUS_START
  const log = new EventLog({ bucketMinutes: 5, now: () => now, startSeq: CORPUS_START * 1000 })
  const books = new BookStore({ venue: "polymarket", topK: 50, log })
  const specs = specsFromCorpus(lines)
  const byMarket = new Map<string, string[]>()
  for (const s of specs) byMarket.set(s.marketId, [...(byMarket.get(s.marketId) ?? []), s.key])
  for (const [m, outcomes] of byMarket) log.subscribed(m, outcomes)
  const events: BookEvent[] = []
  const stats = makeDecodeStats()
  for (const line of lines) {
    events.length = 0
    decodePolymarketFrame(line, events, stats)
    for (const ev of events) {
      if (ev.kind === "trade") books.noteTrade(ev, now)
      else books.apply(ev, now)
    }
    now += 1
  }
  return { rows: log.drain(), frames: lines }
}
