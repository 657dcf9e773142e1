/**
 * Kalshi sequence checking per subscription id: every message on a `sid` carries a `seq`
 * exactly one more than the previous (`ok`/`unsubscribed` replies consume one too; the
 * decoder hands them over as `seq_only` events).
 *
 * A sid the venue just confirmed (`start`) must begin at seq 1, as a fresh subscription does
 * (demo capture `haripratiik_demo_ws_frames_2026-08-27.jsonl`): a first message above 1 is a
 * gap, so a snapshot lost or reordered at the start of a subscription is never taken as a
 * base. A sid seen without `start` takes its first seq as the base. Then:
 * - the next seq is in order;
 * - the same seq again is a duplicate, and a smaller one is behind: a replayed or reordered
 *   frame, ignored (applying it would count a delta twice) and counted, never a gap;
 * - a forward jump is a gap: the caller marks the sid's books stale and resubscribes; the
 *   new seq becomes the base, so one gap is reported once, not for every following message.
 */
export interface SeqGap {
  readonly expected: number
  readonly got: number
}

export type SeqVerdict = "in_order" | "duplicate" | "behind" | SeqGap

export class SidSequencer {
  private readonly last = new Map<number, number>()
  gaps = 0
  duplicates = 0
  behind = 0

  observe(sid: number, seq: number): SeqVerdict {
    const prev = this.last.get(sid)
    if (prev === undefined || seq === prev + 1) {
      this.last.set(sid, seq)
      return "in_order"
    }
    if (seq === prev) {
      this.duplicates++
      return "duplicate"
    }
    if (seq < prev) {
      this.behind++
      return "behind"
    }
    this.last.set(sid, seq)
    this.gaps++
    return { expected: prev + 1, got: seq }
  }

  /** The venue confirmed a fresh subscription `sid`: its first message must be seq 1. */
  start(sid: number): void {
    this.last.set(sid, 0)
  }

  /** The sid was unsubscribed or replaced: its next seq starts a new base. */
  forget(sid: number): void {
    this.last.delete(sid)
  }

  /** A new connection: every sid is new. */
  forgetAll(): void {
    this.last.clear()
  }

  lastSeq(sid: number): number | undefined {
    return this.last.get(sid)
  }

  get size(): number {
    return this.last.size
  }
}
