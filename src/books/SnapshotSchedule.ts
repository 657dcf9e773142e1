/**
 * When is each book due for its next snapshot row? An indexed binary min-heap on due time:
 * `takeDue` costs O(k log n) for the k books that are due, never a scan of all books
 * (docs/DESIGN.md, "The collector pipeline"). Keys are subscription keys (Polymarket token id, Kalshi ticker).
 *
 * Cadence: a book added at t with interval i is first due at t + i, then every i after its
 * previous due time (so rows keep a steady phase). When the caller falls behind by more than
 * one interval (a stalled loop), the next due time restarts at now + i instead of firing a
 * burst of catch-up rows. Ties are taken in insertion order, for deterministic output.
 */
interface Entry {
  readonly key: string
  intervalMs: number
  dueAt: number
  /** insertion order, the tie-breaker */
  order: number
  /** position in the heap array */
  index: number
}

export class SnapshotSchedule {
  private readonly heap: Entry[] = []
  private readonly byKey = new Map<string, Entry>()
  private nextOrder = 0

  get size(): number {
    return this.heap.length
  }

  has(key: string): boolean {
    return this.byKey.has(key)
  }

  /**
   * Schedule `key` every `intervalMs` starting at `nowMs + intervalMs` (or at `firstDueAt`, within
   * one interval of now: a caller adding many books at once spreads their phases); an existing
   * key only gets the new interval.
   */
  add(key: string, intervalMs: number, nowMs: number, firstDueAt?: number): void {
    const interval = validInterval(intervalMs)
    const existing = this.byKey.get(key)
    if (existing !== undefined) {
      this.setInterval(key, interval)
      return
    }
    const first = firstDueAt === undefined ? nowMs + interval : Math.min(nowMs + interval, Math.max(nowMs, firstDueAt))
    const e: Entry = { key, intervalMs: interval, dueAt: first, order: this.nextOrder++, index: this.heap.length }
    this.heap.push(e)
    this.byKey.set(key, e)
    this.siftUp(e.index)
  }

  remove(key: string): void {
    const e = this.byKey.get(key)
    if (e === undefined) return
    this.byKey.delete(key)
    const last = this.heap.pop()!
    if (last !== e) {
      this.heap[e.index] = last
      last.index = e.index
      this.siftDown(last.index)
      this.siftUp(last.index)
    }
  }

  /**
   * Change the cadence (HOT <-> WARM). The next due time is re-based on the previous one:
   * promoted to a shorter interval, the book becomes due sooner instead of waiting out the
   * long interval.
   */
  setInterval(key: string, intervalMs: number): void {
    const e = this.byKey.get(key)
    if (e === undefined) return
    const interval = validInterval(intervalMs)
    const lastDue = e.dueAt - e.intervalMs
    e.intervalMs = interval
    e.dueAt = lastDue + interval
    this.siftDown(e.index)
    this.siftUp(e.index)
  }

  /** Append the keys due at `nowMs` (due time <= now) to `out` and reschedule them. */
  takeDue(nowMs: number, out: string[]): void {
    const heap = this.heap
    while (heap.length > 0) {
      const top = heap[0]!
      if (top.dueAt > nowMs) return
      out.push(top.key)
      const next = top.dueAt + top.intervalMs
      top.dueAt = next > nowMs ? next : nowMs + top.intervalMs
      top.order = this.nextOrder++
      this.siftDown(0)
    }
  }

  nextDueAt(): number | null {
    const top = this.heap[0]
    return top === undefined ? null : top.dueAt
  }

  dueAtOf(key: string): number | undefined {
    return this.byKey.get(key)?.dueAt
  }

  private less(a: Entry, b: Entry): boolean {
    return a.dueAt < b.dueAt || (a.dueAt === b.dueAt && a.order < b.order)
  }

  private siftUp(i: number): void {
    const heap = this.heap
    const e = heap[i]!
    while (i > 0) {
      const p = (i - 1) >> 1
      const parent = heap[p]!
      if (!this.less(e, parent)) break
      heap[i] = parent
      parent.index = i
      i = p
    }
    heap[i] = e
    e.index = i
  }

  private siftDown(i: number): void {
    const heap = this.heap
    const n = heap.length
    const e = heap[i]!
    for (;;) {
      const l = 2 * i + 1
      if (l >= n) break
      const r = l + 1
      const c = r < n && this.less(heap[r]!, heap[l]!) ? r : l
      const child = heap[c]!
      if (!this.less(child, e)) break
      heap[i] = child
      child.index = i
      i = c
    }
    heap[i] = e
    e.index = i
  }
}

const validInterval = (ms: number): number => {
  // a zero or negative interval would make takeDue loop forever on one key
  if (!(ms >= 1)) throw new RangeError(`SnapshotSchedule: interval must be >= 1 ms, got ${ms}`)
  return ms
}
