/**
 * Kalshi sequence checking per subscription id (PROTOCOLS.md: every message on a `sid` has a
 * `seq` exactly one more than the previous; `ok`/`unsubscribed` replies consume one too, the
 * decoder hands them over as `seq_only` events).
 *
 * The first seq seen on a sid is accepted as the base (a fresh subscription starts at 1, a
 * re-added one anywhere). Any other jump, backwards or repeated seq included, is a gap: the
 * caller marks that sid's books stale and resubscribes. After a gap the new seq becomes the
 * base, so one gap is reported once, not for every following message.
 */
export interface SeqGap {
  readonly expected: number
  readonly got: number
}

export class SidSequencer {
  private readonly last = new Map<number, number>()
  gaps = 0

  observe(sid: number, seq: number): SeqGap | null {
    const prev = this.last.get(sid)
    this.last.set(sid, seq)
    if (prev === undefined || seq === prev + 1) return null
    this.gaps++
    return { expected: prev + 1, got: seq }
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
