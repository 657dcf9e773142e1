/**
 * `subscription_churn_limit_per_minute` as a token bucket whose tokens come back one minute
 * after they are spent (units = subscriptions changed: one subscribe or unsubscribe of one key).
 *
 * Why not the classic refill-at-a-rate bucket: a full bucket of C plus a refill of C per minute
 * lets 2C changes through in one rolling minute. Returning each token exactly 60 s after its
 * use guarantees what users read the setting as: in any half-open window [t, t + 60 s) at most
 * C subscriptions change, while a steady rate of C per minute is still reachable.
 *
 * Plain mutable class used inside one fiber; time is passed in (from Effect's Clock), so
 * TestClock drives it. Memory: one entry per spend call, at most C live entries.
 */
export class ChurnLimiter {
  private readonly spentAt: Array<number> = []
  private readonly spentCount: Array<number> = []
  private head = 0
  private inWindow = 0

  constructor(
    readonly capacity: number,
    readonly windowMs: number = 60_000
  ) {
    if (!(capacity > 0)) throw new Error(`ChurnLimiter: capacity must be > 0, got ${capacity}`)
  }

  private expire(nowMs: number): void {
    while (this.head < this.spentAt.length && this.spentAt[this.head]! + this.windowMs <= nowMs) {
      this.inWindow -= this.spentCount[this.head]!
      this.head++
    }
    if (this.head > 64 && this.head * 2 > this.spentAt.length) {
      this.spentAt.splice(0, this.head)
      this.spentCount.splice(0, this.head)
      this.head = 0
    }
  }

  /** Tokens usable now. */
  available(nowMs: number): number {
    this.expire(nowMs)
    return Math.max(0, this.capacity - this.inWindow)
  }

  /** Record n changes made at nowMs (callers spend at most `available`). */
  spend(nowMs: number, n: number): void {
    if (n <= 0) return
    this.expire(nowMs)
    this.spentAt.push(nowMs)
    this.spentCount.push(n)
    this.inWindow += n
  }

  /** When the next token comes back (null when none is out). */
  nextReturnAt(nowMs: number): number | null {
    this.expire(nowMs)
    return this.head < this.spentAt.length ? this.spentAt[this.head]! + this.windowMs : null
  }
}
