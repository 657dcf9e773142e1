import type { BookEvent, TradeEvent } from "../../domain/BookEvent.js"
import type { BookSink } from "../VenueDriver.js"
import type { SidSequencer } from "./SidSequencer.js"

/**
 * Kalshi events of one decoded frame into the book store, in sequence order: the one path
 * that both the live driver (stream.ts) and the replay tests use.
 *
 * Every event with a sid + seq (`seq_only` and trades included) is checked first. A duplicate
 * or a step back is dropped (counted by the sequencer). A gap marks every book following that
 * sid `stale` (they can no longer be trusted) and is reported so the caller can resubscribe
 * for fresh snapshots, which clear the mark; the event that revealed the gap is still applied
 * (the book is stale anyway and the fresh snapshot replaces it).
 */
export interface SeqGapReport {
  readonly sid: number
  readonly expected: number
  readonly got: number
  /** markets marked stale because of this gap */
  readonly marketIds: ReadonlyArray<string>
}

export interface KalshiFeedHooks {
  /** false: frames of this sid are ignored unsequenced (a sid we released or never had) */
  readonly knownSid?: (sid: number) => boolean
  /** the markets whose books follow `sid`; default: what the book store last saw on it */
  readonly marketsOfSid?: (sid: number) => ReadonlyArray<string>
  readonly onGap?: (gap: SeqGapReport) => void
  /** a duplicate or reordered frame was dropped */
  readonly onOutOfOrder?: (sid: number, seq: number, verdict: "duplicate" | "behind") => void
  /** false: the event is not for us (e.g. a ticker removed from the subscription) */
  readonly accept?: (ev: Exclude<BookEvent, { kind: "seq_only" }>, recvTs: number) => boolean
  readonly onTrade?: (ev: TradeEvent, recvTs: number) => void
}

export const seqGapReason = (sid: number, expected: number, got: number): string =>
  `seq gap on sid ${sid}: expected ${expected}, got ${got}`

const sidSeqOf = (ev: BookEvent): { sid: number; seq: number } | null => {
  switch (ev.kind) {
    case "binary_delta":
    case "binary_snapshot":
    case "seq_only":
      return { sid: ev.sid, seq: ev.seq }
    case "trade":
      return ev.sid !== undefined && ev.seq !== undefined ? { sid: ev.sid, seq: ev.seq } : null
    default:
      return null
  }
}

export const applyKalshiEvents = (
  events: ReadonlyArray<BookEvent>,
  books: BookSink & { marketsWithSid(sid: number): ReadonlyArray<string> },
  sequencer: SidSequencer,
  recvTs: number,
  hooks: KalshiFeedHooks = {}
): void => {
  for (let i = 0; i < events.length; i++) {
    const ev = events[i]!
    const position = sidSeqOf(ev)
    if (position !== null) {
      const { sid, seq } = position
      if (hooks.knownSid !== undefined && !hooks.knownSid(sid)) continue
      const verdict = sequencer.observe(sid, seq)
      if (verdict === "duplicate" || verdict === "behind") {
        hooks.onOutOfOrder?.(sid, seq, verdict)
        continue
      }
      if (verdict !== "in_order") {
        const marketIds = hooks.marketsOfSid?.(sid) ?? books.marketsWithSid(sid)
        const reason = seqGapReason(sid, verdict.expected, verdict.got)
        for (const m of marketIds) books.markStale(m, reason)
        hooks.onGap?.({ sid, expected: verdict.expected, got: verdict.got, marketIds })
      }
    }
    if (ev.kind === "seq_only") continue
    if (hooks.accept !== undefined && !hooks.accept(ev, recvTs)) continue
    if (ev.kind === "trade") {
      hooks.onTrade?.(ev, recvTs)
      continue
    }
    books.apply(ev, recvTs)
  }
}
