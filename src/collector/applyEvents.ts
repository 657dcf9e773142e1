import type { BookEvent } from "../domain/BookEvent.js"
import type { BookStore } from "../books/BookStore.js"
import type { SidSequencer } from "../venues/kalshi/SidSequencer.js"

/**
 * The glue between a decoder's output and the book store, for one chunk of events:
 * Kalshi sequence checking first (every event with a sid + seq, including `seq_only` and
 * trades), then the book update. On a gap, every book following that sid is marked `stale`
 * (PROTOCOLS.md: the subscription's books can no longer be trusted) and the gap is reported
 * so the caller can resubscribe for fresh snapshots; the snapshot clears the stale mark.
 * The event that revealed the gap is still applied (the book is stale anyway, and a delta
 * applied to it is replaced by the fresh snapshot).
 */
export interface SeqGapReport {
  readonly sid: number
  readonly expected: number
  readonly got: number
  /** markets marked stale because of this gap */
  readonly marketIds: ReadonlyArray<string>
}

export const seqGapReason = (sid: number, expected: number, got: number): string =>
  `seq gap on sid ${sid}: expected ${expected}, got ${got}`

export const applyEvents = (
  events: ReadonlyArray<BookEvent>,
  store: BookStore,
  sequencer: SidSequencer | null,
  recvTs: number,
  gaps?: SeqGapReport[]
): void => {
  for (let i = 0; i < events.length; i++) {
    const ev = events[i]!
    if (sequencer !== null) {
      let sid: number | undefined
      let seq: number | undefined
      if (ev.kind === "binary_delta" || ev.kind === "binary_snapshot" || ev.kind === "seq_only") {
        sid = ev.sid
        seq = ev.seq
      } else if (ev.kind === "trade") {
        sid = ev.sid
        seq = ev.seq
      }
      if (sid !== undefined && seq !== undefined) {
        const gap = sequencer.observe(sid, seq)
        if (gap !== null) {
          const marketIds = store.marketsWithSid(sid)
          const reason = seqGapReason(sid, gap.expected, gap.got)
          for (const m of marketIds) store.markStale(m, reason)
          gaps?.push({ sid, expected: gap.expected, got: gap.got, marketIds })
        }
      }
    }
    store.apply(ev, recvTs)
  }
}
