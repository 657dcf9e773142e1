import { Rng } from "./rng.js"

/**
 * One binary market's order book, held as the YES book in integer units:
 * prices in mills (1/1000 of a dollar / probability unit; 0.01 tick = 10 mills, 0.001 = 1),
 * sizes in hundredths of a share/contract. The NO side is derived, never stored:
 * Polymarket NO bids = 1 - YES asks and NO asks = 1 - YES bids (docs/PROTOCOLS.md "YES and NO tokens
 * mirror each other"); Kalshi publishes YES bids and NO bids, where NO bids = 1 - YES asks.
 *
 * Evolution is lazy: `advanceTo(step)` replays this book's own RNG from its last step, so a
 * book nobody watches costs nothing, and its path depends only on (seed, market id, script).
 * After a long unwatched gap the book is regenerated from (seed, id, step) instead of replayed.
 */

export const BID = 0 as const
export const ASK = 1 as const
export type Side = typeof BID | typeof ASK

/** A level's new aggregate size after a change; size 0 removes it. prevSize feeds Kalshi's signed delta. */
export interface LevelChange {
  readonly side: Side
  readonly price: number
  readonly size: number
  readonly prevSize: number
}

export interface TradePrint {
  /** taker side on the YES book: BUY lifts the ask, SELL hits the bid */
  readonly takerSide: "BUY" | "SELL"
  readonly price: number
  readonly size: number
}

/** What one book did during an advance: changes in order, trades, tick size switches. */
export interface BookActivity {
  changes: LevelChange[]
  trades: TradePrint[]
  /** new tick in mills when the tick size changed during the advance */
  tickChange: { readonly oldTick: number; readonly newTick: number } | null
}

export const emptyActivity = (): BookActivity => ({ changes: [], trades: [], tickChange: null })

/** Replaying more than this many missed steps is wasteful: regenerate instead. */
const MAX_CATCHUP_STEPS = 600
const MAX_LEVELS = 30
const MIN_PRICE = 0
const MAX_PRICE = 1000

export interface BookSeed {
  readonly seed: number
  readonly id: string
  /** mills: 10 (0.01) or 1 (0.001) */
  readonly tick: number
  /** initial fair value in mills */
  readonly fair: number
  /** Polymarket switches to the 0.001 grid near the extremes (tick_size_change) */
  readonly fineTickNearExtremes: boolean
  /** multiplies every size: liquid markets have deeper ladders */
  readonly depthScale: number
}

export class BinaryBook {
  readonly bids = new Map<number, number>()
  readonly asks = new Map<number, number>()
  tick: number
  step = 0
  lastTradePrice: number | null = null
  private rng: Rng
  private burstLeft = 0

  constructor(readonly spec: BookSeed, atStep = 0) {
    this.tick = spec.tick
    this.rng = Rng.derive(spec.seed, `book:${spec.id}:${atStep}`)
    this.step = atStep
    this.build(atStep === 0 ? spec.fair : this.regenFair())
  }

  bestBid(): number {
    let best = -1
    for (const p of this.bids.keys()) if (p > best) best = p
    return best
  }

  bestAsk(): number {
    let best = MAX_PRICE + 1
    for (const p of this.asks.keys()) if (p < best) best = p
    return best
  }

  /** bids ascending then asks descending: the venues' worst-first order (docs/PROTOCOLS.md) */
  sortedLevels(side: Side, order: "asc" | "desc"): Array<[number, number]> {
    const m = side === BID ? this.bids : this.asks
    const out = Array.from(m.entries())
    out.sort(order === "asc" ? (a, b) => a[0] - b[0] : (a, b) => b[0] - a[0])
    return out
  }

  /**
   * Advance to `target`, appending what happened to `out` (when given). Returns false when the
   * book was regenerated (the caller must send a full snapshot rather than deltas).
   */
  advanceTo(target: number, out: BookActivity | null): boolean {
    if (target <= this.step) return true
    if (target - this.step > MAX_CATCHUP_STEPS) {
      this.rng = Rng.derive(this.spec.seed, `book:${this.spec.id}:${target}`)
      this.step = target
      this.burstLeft = 0
      this.build(this.regenFair())
      return false
    }
    while (this.step < target) {
      this.step++
      this.stepOnce(out)
    }
    return true
  }

  /** rate mode (activity.ts): one update drawn for this book, without the per-step activity gate */
  forceStep(out: BookActivity): void {
    this.step++
    this.stepOnce(out, true)
  }

  private regenFair(): number {
    // a fresh fair value near the original one, so long-run prices do not drift to nowhere
    const f = this.spec.fair + this.rng.int(-80, 80)
    return Math.min(960, Math.max(40, f))
  }

  private size(scale: number): number {
    // hundredths; round lots are common on both venues
    const raw = this.rng.logUniform(5, 20000) * scale * this.spec.depthScale
    return this.rng.chance(0.4) ? Math.max(100, Math.round(raw) * 100) : Math.max(1, Math.round(raw * 100))
  }

  private build(fair: number): void {
    this.bids.clear()
    this.asks.clear()
    const t = this.tick
    const spreadTicks = this.rng.chance(0.6) ? 1 : this.rng.int(2, 6)
    let bid = Math.floor(fair / t) * t
    bid = Math.min(MAX_PRICE - 2 * t, Math.max(t, bid))
    let ask = bid + spreadTicks * t
    if (ask > MAX_PRICE - t) ask = MAX_PRICE - t
    const levels = (): number => Math.min(MAX_LEVELS, Math.max(1, Math.round(this.rng.logUniform(1, MAX_LEVELS + 1))))
    let n = levels()
    for (let p = bid, k = 0; p > MIN_PRICE && k < n; p -= t) {
      if (k > 0 && this.rng.chance(0.3)) continue
      this.bids.set(p, this.size(1 + k * 0.3))
      k++
    }
    n = levels()
    for (let p = ask, k = 0; p < MAX_PRICE && k < n; p += t) {
      if (k > 0 && this.rng.chance(0.3)) continue
      this.asks.set(p, this.size(1 + k * 0.3))
      k++
    }
  }

  private set(side: Side, price: number, size: number, out: BookActivity | null): void {
    const m = side === BID ? this.bids : this.asks
    const prev = m.get(price) ?? 0
    if (size === prev) return
    if (prev === 0 && size > 0 && m.size >= MAX_LEVELS) {
      // a full ladder: the deepest order is cancelled to make room (ladders stay 1-30 levels)
      let worst = side === BID ? MAX_PRICE + 1 : -1
      for (const p of m.keys()) if (side === BID ? p < worst : p > worst) worst = p
      const worstSize = m.get(worst)!
      m.delete(worst)
      out?.changes.push({ side, price: worst, size: 0, prevSize: worstSize })
    }
    if (size <= 0) m.delete(price)
    else m.set(price, size)
    out?.changes.push({ side, price, size: Math.max(0, size), prevSize: prev })
  }

  /** keep each side non-empty: a market maker re-quotes one tick behind the touch */
  private refill(side: Side, out: BookActivity | null): void {
    const t = this.tick
    if (side === BID && this.bids.size === 0) {
      const p = Math.max(t, this.bestAsk() - t * this.rng.int(1, 3))
      if (p < this.bestAsk()) this.set(BID, p, this.size(1), out)
    } else if (side === ASK && this.asks.size === 0) {
      const p = Math.min(MAX_PRICE - t, this.bestBid() + t * this.rng.int(1, 3))
      if (p > this.bestBid()) this.set(ASK, p, this.size(1), out)
    }
  }

  private stepOnce(out: BookActivity | null, forced = false): void {
    const rng = this.rng
    if (!forced) {
      let pActive: number
      if (this.burstLeft > 0) {
        this.burstLeft--
        pActive = 0.45
      } else {
        pActive = 0.02
        if (rng.chance(0.003)) this.burstLeft = rng.int(10, 120)
      }
      if (!rng.chance(pActive)) return
    }
    const t = this.tick
    const r = rng.next()
    const bb = this.bestBid()
    const ba = this.bestAsk()
    if (r < 0.12) {
      // trade consuming (part of) the touch
      const buy = rng.chance(0.5)
      const side = buy ? ASK : BID
      const px = buy ? ba : bb
      const m = buy ? this.asks : this.bids
      const avail = m.get(px)
      if (avail === undefined) return
      const size = rng.chance(0.35) ? avail : Math.max(1, Math.min(avail, Math.round(avail * rng.next() * 0.6)))
      out?.trades.push({ takerSide: buy ? "BUY" : "SELL", price: px, size })
      this.lastTradePrice = px
      this.set(side, px, avail - size, out)
      this.refill(side, out)
    } else if (r < 0.27) {
      // mid random walk: improve one side inside the spread or pull the touch
      const up = rng.chance(0.5)
      if (up) {
        if (bb + t < ba && bb + t < MAX_PRICE) this.set(BID, bb + t, this.size(1), out)
        else if (this.asks.size > 1) this.set(ASK, ba, 0, out)
        else if (ba + t < MAX_PRICE) { this.set(ASK, ba + t, this.size(1), out); this.set(ASK, ba, 0, out) }
      } else {
        if (ba - t > bb && ba - t > MIN_PRICE) this.set(ASK, ba - t, this.size(1), out)
        else if (this.bids.size > 1) this.set(BID, bb, 0, out)
        else if (bb - t > MIN_PRICE) { this.set(BID, bb - t, this.size(1), out); this.set(BID, bb, 0, out) }
      }
    } else if (r < 0.65) {
      // resize a level, mostly near the touch
      const side: Side = rng.chance(0.5) ? BID : ASK
      const m = side === BID ? this.bids : this.asks
      const depth = Math.floor(rng.logUniform(1, 8)) - 1
      const p = side === BID ? bb - depth * t : ba + depth * t
      const cur = m.get(p)
      if (cur === undefined) return
      const next = Math.max(1, Math.round(cur * (0.3 + rng.next() * 1.6)))
      this.set(side, p, next, out)
    } else if (r < 0.85) {
      // a new level behind the touch
      const side: Side = rng.chance(0.5) ? BID : ASK
      const m = side === BID ? this.bids : this.asks
      if (m.size >= MAX_LEVELS) return
      const k = rng.int(1, 12)
      const p = side === BID ? bb - k * t : ba + k * t
      if (p <= MIN_PRICE || p >= MAX_PRICE || m.has(p)) return
      this.set(side, p, this.size(1 + k * 0.2), out)
    } else {
      // cancel a level away from the touch
      const side: Side = rng.chance(0.5) ? BID : ASK
      const m = side === BID ? this.bids : this.asks
      if (m.size <= 1) return
      const touch = side === BID ? bb : ba
      const keys = Array.from(m.keys()).filter((p) => p !== touch)
      if (keys.length === 0) return
      this.set(side, rng.pick(keys), 0, out)
    }
    if (this.spec.fineTickNearExtremes && this.tick === 10) {
      const nbb = this.bestBid()
      const nba = this.bestAsk()
      if (nba <= 40 || nbb >= 960) {
        // Polymarket moves a market to the 0.001 grid near 0 or 1 (tick_size_change frames)
        if (out) out.tickChange = { oldTick: 10, newTick: 1 }
        this.tick = 1
      }
    }
  }
}

/** Polymarket price string: shortest decimal ("0.5", "0.52", "0.523") as the live feed prints */
export const pmPrice = (mills: number): string => String(mills / 1000)
/** Polymarket size string: up to two decimals, trailing zeros trimmed ("473", "70281.2") */
export const pmSize = (hundredths: number): string => String(hundredths / 100)
/** Kalshi dollar string with 4 decimals ("0.5600") */
export const kDollars = (mills: number): string => (mills / 1000).toFixed(4)
/** Kalshi fixed-point count with 2 decimals ("120.00", "-40.00") */
export const kFp = (hundredths: number): string => (hundredths / 100).toFixed(2)
