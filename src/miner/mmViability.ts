/**
 * Market-making viability (formulas in README.md "Miner"). Pure and streaming:
 * the runner feeds two-sided mids and trades file by file in time order and tells the engine
 * how far the input is complete (`advance(watermark)`); a trade is evaluated once every mid it
 * may need has been seen, and mids older than any trade can still need are dropped, so memory
 * is bounded by the look-back + look-ahead window, not by the day.
 *
 * For a trade at t, price p, taker side s:
 *   d = +1 when the passive (resting) side bought, i.e. the taker sold; -1 when the taker bought
 *   mid_t     = last two-sided mid at or before t, no older than `midMaxAgeMs` (2x warm interval)
 *   mid_{t+h} = first two-sided mid at or after t+h, no later than t+h+`lookAheadToleranceMs`
 *   eff_half_spread = d*(mid_t - p), realized_h = d*(mid_{t+h} - p), impact_h = d*(mid_t - mid_{t+h})
 * A trade without mid_t is excluded entirely; without mid_{t+h} it is excluded for that h only.
 */

export interface MmParams {
  /** horizons in ms, ascending */
  readonly horizonsMs: ReadonlyArray<number>
  readonly midMaxAgeMs: number
  readonly lookAheadToleranceMs: number
}

export interface HorizonSums {
  n: number
  effSum: number
  realizedSum: number
  impactSum: number
}

/** mids of one key in time order, with a moving head so that old entries can be dropped */
class MidSeries {
  ts: Array<number> = []
  mid: Array<number> = []
  head = 0

  push(t: number, m: number): void {
    const last = this.ts.length - 1
    if (last < this.head || this.ts[last]! <= t) {
      this.ts.push(t)
      this.mid.push(m)
      return
    }
    // out of order (should not happen with time-ordered files): keep the series sorted
    const at = this.firstAfter(t)
    this.ts.splice(at, 0, t)
    this.mid.splice(at, 0, m)
  }

  /** index of the first entry with ts >= t (ts.length when none) */
  firstAtOrAfter(t: number): number {
    let lo = this.head
    let hi = this.ts.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.ts[mid]! < t) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /** index of the first entry with ts > t (ts.length when none) */
  firstAfter(t: number): number {
    let lo = this.head
    let hi = this.ts.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.ts[mid]! <= t) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  dropBefore(t: number): void {
    this.head = this.firstAtOrAfter(t)
    if (this.head > 1024 && this.head * 2 > this.ts.length) {
      this.ts = this.ts.slice(this.head)
      this.mid = this.mid.slice(this.head)
      this.head = 0
    }
  }

  get retained(): number {
    return this.ts.length - this.head
  }
}

interface PendingTrade {
  readonly t: number
  readonly p: number
  readonly d: number
}

export class MmKeyAccumulator {
  readonly mids = new MidSeries()
  pending: Array<PendingTrade> = []
  /** trades with a mid_t */
  nTrades = 0
  effSum = 0
  /** trades seen (valid price and side), with or without a mid */
  tradesSeen = 0
  readonly horizons: Array<HorizonSums>

  constructor(readonly marketId: string, readonly outcomeId: string, horizonCount: number) {
    this.horizons = Array.from({ length: horizonCount }, () => ({ n: 0, effSum: 0, realizedSum: 0, impactSum: 0 }))
  }

  evaluate(params: MmParams, trade: PendingTrade): void {
    const mids = this.mids
    // mid_t: the last mid at or before t
    const after = mids.firstAfter(trade.t)
    const atOrBefore = after - 1
    if (atOrBefore < mids.head) return
    if (trade.t - mids.ts[atOrBefore]! > params.midMaxAgeMs) return
    const midT = mids.mid[atOrBefore]!
    const eff = trade.d * (midT - trade.p)
    this.nTrades++
    this.effSum += eff
    for (let h = 0; h < params.horizonsMs.length; h++) {
      const target = trade.t + params.horizonsMs[h]!
      const j = mids.firstAtOrAfter(target)
      if (j >= mids.ts.length || mids.ts[j]! > target + params.lookAheadToleranceMs) continue
      const midH = mids.mid[j]!
      const sums = this.horizons[h]!
      sums.n++
      sums.effSum += eff
      sums.realizedSum += trade.d * (midH - trade.p)
      sums.impactSum += trade.d * (midT - midH)
    }
  }
}

export class MmViabilityEngine {
  private readonly keys = new Map<string, Map<string, MmKeyAccumulator>>()
  private readonly maxLookAheadMs: number

  constructor(readonly params: MmParams) {
    const maxH = params.horizonsMs.length === 0 ? 0 : Math.max(...params.horizonsMs)
    this.maxLookAheadMs = maxH + params.lookAheadToleranceMs
  }

  key(marketId: string, outcomeId: string): MmKeyAccumulator {
    let outcomes = this.keys.get(marketId)
    if (outcomes === undefined) {
      outcomes = new Map()
      this.keys.set(marketId, outcomes)
    }
    let acc = outcomes.get(outcomeId)
    if (acc === undefined) {
      acc = new MmKeyAccumulator(marketId, outcomeId, this.params.horizonsMs.length)
      outcomes.set(outcomeId, acc)
    }
    return acc
  }

  addMid(marketId: string, outcomeId: string, ts: number, mid: number): void {
    this.key(marketId, outcomeId).mids.push(ts, mid)
  }

  /** side is the taker side ("buy" | "sell"); anything else, or a non-finite price, is ignored */
  addTrade(marketId: string, outcomeId: string, ts: number, price: number, side: string): void {
    const d = side === "sell" ? 1 : side === "buy" ? -1 : 0
    if (d === 0 || !Number.isFinite(price) || !Number.isFinite(ts)) return
    const acc = this.key(marketId, outcomeId)
    acc.tradesSeen++
    acc.pending.push({ t: ts, p: price, d })
  }

  /**
   * All snapshot rows with ts < watermark have been fed, and every later trade has ts >= watermark.
   * Evaluates the trades whose whole look-ahead window lies before the watermark and drops
   * mids that no pending or future trade can need.
   */
  advance(watermarkMs: number): void {
    for (const outcomes of this.keys.values()) {
      for (const acc of outcomes.values()) {
        let minPending = watermarkMs
        if (acc.pending.length > 0) {
          const keep: Array<PendingTrade> = []
          for (const trade of acc.pending) {
            if (trade.t + this.maxLookAheadMs < watermarkMs) acc.evaluate(this.params, trade)
            else {
              keep.push(trade)
              if (trade.t < minPending) minPending = trade.t
            }
          }
          acc.pending = keep
        }
        acc.mids.dropBefore(minPending - this.params.midMaxAgeMs)
      }
    }
  }

  /** end of input: evaluate everything still pending with the mids there are */
  finish(): void {
    for (const outcomes of this.keys.values()) {
      for (const acc of outcomes.values()) {
        for (const trade of acc.pending) acc.evaluate(this.params, trade)
        acc.pending = []
      }
    }
  }

  /** mids currently held (for the memory-bound test) */
  retainedMids(): number {
    let n = 0
    for (const outcomes of this.keys.values()) for (const acc of outcomes.values()) n += acc.mids.retained
    return n
  }

  *accumulators(): IterableIterator<MmKeyAccumulator> {
    for (const outcomes of this.keys.values()) yield* outcomes.values()
  }
}

/** `mine mm-viability` defaults: trades an outcome needs before it can be called viable, and the horizons. */
export const DEFAULT_MIN_TRADES = 20
export const DEFAULT_HORIZONS = "1s,5s,30s,120s"

/** "1s,5s,30s,120s" -> [{ label: "1s", ms: 1000 }, ...]; ms, s, m and h units; sorted, deduplicated */
export const parseHorizons = (text: string): Array<{ label: string; ms: number }> => {
  const out: Array<{ label: string; ms: number }> = []
  for (const raw of text.split(",")) {
    const token = raw.trim()
    const match = /^(\d+)(ms|s|m|h)$/.exec(token)
    if (match === null) throw new Error(`bad horizon "${token}" in --horizons (expected e.g. 1s,5s,30s,120s)`)
    const unit = match[2] === "ms" ? 1 : match[2] === "s" ? 1000 : match[2] === "m" ? 60_000 : 3_600_000
    const ms = Number(match[1]) * unit
    if (ms <= 0) throw new Error(`horizon "${token}" in --horizons must be positive`)
    if (!out.some((h) => h.ms === ms)) out.push({ label: token, ms })
  }
  return out.sort((a, b) => a.ms - b.ms)
}
