import type { BookEvent } from "../domain/BookEvent.js"
import type { VenueId } from "../domain/VenueId.js"
import type { DecodeStats } from "./DecodeStats.js"
import { decodeKalshiFrame, type KalshiReply } from "./kalshi/decode.js"
import { applyKalshiEvents } from "./kalshi/sequencing.js"
import { SidSequencer } from "./kalshi/SidSequencer.js"
import { decodePolymarketFrame } from "./polymarket/decode.js"
import type { BookSink } from "./VenueDriver.js"

/**
 * A venue's decoder and book-application rules for recorded frames (`surveillance replay`),
 * the same ones the live drivers use: Polymarket events go straight to the book store; Kalshi
 * events pass the sequence check first (a gap marks the sid's books stale, a duplicate or
 * older seq is dropped).
 */
export interface RecordedFrameDecoder {
  /** decodes one text frame into `events`; venue error replies as one line each into `errors` */
  decode(text: string, events: Array<BookEvent>, errors: Array<string>): void
  /** applies one event as the live driver would; `note` gets sequence gaps and dropped frames */
  apply(ev: BookEvent, books: BookSink, recvTs: number, note: (line: string) => void): void
}

export const recordedFrameDecoder = (venue: VenueId, stats: DecodeStats): RecordedFrameDecoder => {
  if (venue === "polymarket") {
    return {
      decode: (text, events) => decodePolymarketFrame(text, events, stats),
      apply: (ev, books, recvTs) => books.apply(ev, recvTs)
    }
  }
  const sequencer = new SidSequencer()
  const replies: Array<KalshiReply> = []
  return {
    decode: (text, events, errors) => {
      replies.length = 0
      decodeKalshiFrame(text, events, replies, stats)
      for (const r of replies) if (r.type === "error") errors.push(`venue error ${r.code ?? "?"}: ${r.msg}`)
    },
    apply: (ev, books, recvTs, note) =>
      applyKalshiEvents([ev], books, sequencer, recvTs, {
        onGap: (g) => note(`seq gap on sid ${g.sid}: expected ${g.expected}, got ${g.got} (books of ${g.marketIds.length} market(s) stale until their next snapshot)`),
        onOutOfOrder: (sid, seq, verdict) => note(`${verdict} seq ${seq} on sid ${sid} dropped`)
      })
  }
}
