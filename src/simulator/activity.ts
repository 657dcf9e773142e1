import { Rng } from "./rng.js"
import type { Universe } from "./universe.js"

/**
 * Rate mode (SimulatorOptions.rate): venue-scale activity at a fixed aggregate rate. Instead of
 * stepping every watched book every tick (step mode, engine.ts), the engine draws `rate` book
 * updates per second across the whole universe, each on one book picked with Zipf weights
 * (rank r gets 1/r^s, ranks by the market's volume): a few books are very busy, most are quiet.
 * An update on a book nobody watches costs one binary search and is dropped, so the process
 * idles near zero CPU however many books exist, and its cost grows with the rate only.
 */

export interface ActivityOptions {
  /** book updates per second across both venues' live books (> 0) */
  readonly ratePerSec: number
  /** Zipf exponent s of the activity skew (default 1; larger = more concentrated) */
  readonly zipf?: number
}

/** One venue's live books ranked busiest first, with the cumulative Zipf weights to pick from. */
export class VenuePlan {
  private readonly cum: Float64Array

  constructor(readonly keys: ReadonlyArray<string>, s: number) {
    this.cum = new Float64Array(keys.length)
    let total = 0
    for (let i = 0; i < keys.length; i++) {
      total += 1 / Math.pow(i + 1, s)
      this.cum[i] = total
    }
  }

  get total(): number {
    return this.cum.length === 0 ? 0 : this.cum[this.cum.length - 1]!
  }

  /** share of this venue's updates that land on the book of rank i (tests, docs) */
  share(i: number): number {
    return (this.cum[i]! - (i === 0 ? 0 : this.cum[i - 1]!)) / this.total
  }

  /** index of the book for a uniform u in [0, 1) */
  pick(u: number): number {
    const x = u * this.total
    let lo = 0, hi = this.cum.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.cum[mid]! > x) hi = mid
      else lo = mid + 1
    }
    return lo
  }
}

export class ActivityPlan {
  readonly polymarket: VenuePlan
  readonly kalshi: VenuePlan
  /** share of updates that go to Polymarket: its share of the live books */
  readonly pmShare: number
  readonly rng: Rng
  readonly ratePerSec: number
  private owedFrom = 0
  private done = 0
  /** updates drawn so far */
  drawn = 0

  constructor(seed: number, u: Universe, opts: ActivityOptions) {
    const s = opts.zipf ?? 1
    const pm = u.pmMarkets.filter((m) => m.enableOrderBook && m.active && !m.closed).sort((a, b) => b.volume - a.volume)
    const k = u.kMarkets.filter((m) => m.status === "active").sort((a, b) => b.volume - a.volume)
    this.polymarket = new VenuePlan(pm.map((m) => m.conditionId), s)
    this.kalshi = new VenuePlan(k.map((m) => m.ticker), s)
    const n = pm.length + k.length
    this.pmShare = n === 0 ? 0 : pm.length / n
    this.rng = Rng.derive(seed, "activity")
    this.ratePerSec = opts.ratePerSec
  }

  /**
   * Updates due at time `ms` (wall or virtual): the rate integrated since the first call, minus
   * what was already drawn. A backlog over one second (a stalled event loop) is dropped, so a
   * stall does not come back as a burst.
   */
  due(ms: number): number {
    if (this.owedFrom === 0) this.owedFrom = ms
    const owed = Math.floor(((ms - this.owedFrom) * this.ratePerSec) / 1000)
    let n = owed - this.done
    if (n > this.ratePerSec) {
      this.done = owed - Math.ceil(this.ratePerSec)
      n = Math.ceil(this.ratePerSec)
    }
    if (n <= 0) return 0
    this.done += n
    this.drawn += n
    return n
  }
}
