/**
 * One side of an order book on an integer price grid.
 *
 * Prices are probabilities in 0..1; we key levels on integer micro-units
 * (`PRICE_SCALE` = 1e6) so that 0.01 (most Polymarket markets), 0.001 (fine-tick Polymarket
 * markets) and Kalshi's sub-cent dollar strings ("0.0150") all land on exact integers and two
 * spellings of one price (".48", "0.480") are the same level. No float-equality anywhere.
 *
 * Layout: two parallel typed arrays sorted by ascending key with the BEST level LAST.
 * - a bid ladder stores key = price units (highest bid = last);
 * - an ask ladder stores key = PRICE_SCALE - price units (lowest ask = last).
 * Activity on prediction-market books concentrates near the top, so inserts and removals
 * there shift only a few elements (`copyWithin` of the tail), the top-K read walks the tail
 * backwards, and a lookup is a binary search: O(log n) find, O(distance from top) insert.
 *
 * The same trick makes Kalshi cheap: a YES ask at price a is a NO bid at 1 - a, so the NO
 * bid ladder (key = NO bid units) IS the YES ask ladder (key = PRICE_SCALE - YES ask units).
 * One ladder per venue side, read two ways, no copy.
 *
 * Memory: nothing is allocated until the first level; capacity doubles from 8.
 */
export const PRICE_SCALE = 1_000_000

/** Sizes after a signed Kalshi delta are rounded to 1e-8 so float residue (0.1 + 0.2 - 0.3)
 * cannot keep a ghost level alive; venue sizes carry at most 2 (Kalshi) or 6 (Polymarket) decimals. */
const SIZE_ROUNDING = 1e8

const EMPTY_KEYS = new Int32Array(0)
const EMPTY_SIZES = new Float64Array(0)

/** Price (0..1) to integer micro-units; -1 when it is not a finite price in 0..1. */
export const priceToUnits = (price: number): number => {
  if (!(price >= 0 && price <= 1)) return -1
  return Math.round(price * PRICE_SCALE)
}

/**
 * The `n` best levels of a ladder (n <= count), best first, as prices and sizes; `asAsk`: the
 * ladder is read as asks (price = (SCALE - key) / SCALE), otherwise as bids (price = key / SCALE).
 * What snapshot rows and event-log rows both hold.
 */
export function bestLevels(l: Ladder, n: number, asAsk: boolean): { readonly px: Array<number>; readonly sz: Array<number> } {
  const px = new Array<number>(n)
  const sz = new Array<number>(n)
  const keys = l.keys
  const sizes = l.sizes
  for (let i = 0, j = l.count - 1; i < n; i++, j--) {
    px[i] = (asAsk ? PRICE_SCALE - keys[j]! : keys[j]!) / PRICE_SCALE
    sz[i] = sizes[j]!
  }
  return { px, sz }
}

export class Ladder {
  keys: Int32Array = EMPTY_KEYS
  sizes: Float64Array = EMPTY_SIZES
  count = 0

  clear(): void {
    this.count = 0
    // a ladder that once held a deep book gives its memory back on reset
    if (this.keys.length > 64) {
      this.keys = EMPTY_KEYS
      this.sizes = EMPTY_SIZES
    }
  }

  /** Index of `key`, or -(insertion point) - 1 when absent. */
  find(key: number): number {
    const keys = this.keys
    let lo = 0
    let hi = this.count - 1
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      const k = keys[mid]!
      if (k < key) lo = mid + 1
      else if (k > key) hi = mid - 1
      else return mid
    }
    return -lo - 1
  }

  /** Size at `key`, 0 when there is no level. */
  sizeAt(key: number): number {
    const i = this.find(key)
    return i >= 0 ? this.sizes[i]! : 0
  }

  /** Absolute size at `key`; size <= 0 removes the level. */
  set(key: number, size: number): void {
    const i = this.find(key)
    if (i >= 0) {
      if (size > 0) this.sizes[i] = size
      else this.removeAt(i)
    } else if (size > 0) {
      this.insertAt(-i - 1, key, size)
    }
  }

  /** Signed change of the size at `key`; the level is removed when it reaches <= 0. */
  add(key: number, delta: number): void {
    const i = this.find(key)
    if (i >= 0) {
      const next = Math.round((this.sizes[i]! + delta) * SIZE_ROUNDING) / SIZE_ROUNDING
      if (next > 0) this.sizes[i] = next
      else this.removeAt(i)
    } else {
      const next = Math.round(delta * SIZE_ROUNDING) / SIZE_ROUNDING
      if (next > 0) this.insertAt(-i - 1, key, next)
    }
  }

  /**
   * Replace the whole side. `prices` are 0..1 in any order; `asAsk` stores
   * PRICE_SCALE - units. Levels with an invalid price or size are skipped (returned as the
   * count of rejected levels); a repeated price keeps its last size (absolute sizes), and a
   * last size of 0 means no level.
   */
  replace(prices: ReadonlyArray<number>, sizes: ReadonlyArray<number>, asAsk: boolean): number {
    const n = Math.min(prices.length, sizes.length)
    this.count = 0
    if (n === 0) {
      this.clear()
      return 0
    }
    // a book that was once deep gives memory back when a snapshot shows it is shallow again
    if (this.keys.length > 64 && n * 4 < this.keys.length) {
      this.keys = EMPTY_KEYS
      this.sizes = EMPTY_SIZES
    }
    this.ensureCapacity(n)
    const keys = this.keys
    const out = this.sizes
    let rejected = 0
    let m = 0
    let sorted = true
    for (let j = 0; j < n; j++) {
      const units = priceToUnits(prices[j]!)
      const size = sizes[j]!
      if (units < 0 || !(size >= 0)) {
        rejected++
        continue
      }
      // a size-0 level is kept until after dedupe (it may cancel an earlier duplicate)
      if (size === 0) sorted = false
      const key = asAsk ? PRICE_SCALE - units : units
      if (m > 0 && key <= keys[m - 1]!) sorted = false
      keys[m] = key
      out[m] = size
      m++
    }
    this.count = m
    // Polymarket sends levels worst-first (docs/PROTOCOLS.md), which is exactly our order; other
    // orders (Kalshi snapshots, hand-written frames) take the general path.
    if (!sorted) this.sortAndDedupe()
    return rejected
  }

  private sortAndDedupe(): void {
    const n = this.count
    const idx = new Array<number>(n)
    for (let j = 0; j < n; j++) idx[j] = j
    const keys = this.keys
    // stable: among equal keys the later level stays later, so "last wins" below
    idx.sort((a, b) => keys[a]! - keys[b]!)
    const k2 = new Int32Array(this.keys.length)
    const s2 = new Float64Array(this.sizes.length)
    let m = 0
    for (let j = 0; j < n; j++) {
      const i = idx[j]!
      const key = keys[i]!
      if (m > 0 && k2[m - 1] === key) s2[m - 1] = this.sizes[i]!
      else {
        k2[m] = key
        s2[m] = this.sizes[i]!
        m++
      }
    }
    // drop levels whose last size is 0
    let w = 0
    for (let j = 0; j < m; j++) {
      if (s2[j]! > 0) {
        k2[w] = k2[j]!
        s2[w] = s2[j]!
        w++
      }
    }
    m = w
    this.keys = k2
    this.sizes = s2
    this.count = m
  }

  private ensureCapacity(n: number): void {
    if (this.keys.length >= n) return
    let cap = this.keys.length === 0 ? 8 : this.keys.length * 2
    while (cap < n) cap *= 2
    const k2 = new Int32Array(cap)
    const s2 = new Float64Array(cap)
    k2.set(this.keys.subarray(0, this.count))
    s2.set(this.sizes.subarray(0, this.count))
    this.keys = k2
    this.sizes = s2
  }

  private insertAt(i: number, key: number, size: number): void {
    this.ensureCapacity(this.count + 1)
    const keys = this.keys
    const sizes = this.sizes
    if (i < this.count) {
      keys.copyWithin(i + 1, i, this.count)
      sizes.copyWithin(i + 1, i, this.count)
    }
    keys[i] = key
    sizes[i] = size
    this.count++
  }

  private removeAt(i: number): void {
    const last = this.count - 1
    if (i < last) {
      this.keys.copyWithin(i, i + 1, this.count)
      this.sizes.copyWithin(i, i + 1, this.count)
    }
    this.count = last
  }
}
