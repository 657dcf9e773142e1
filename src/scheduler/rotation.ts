import type { RankedMarket } from "./scoring.js"

/**
 * HOT/WARM target selection and the rotation cursor. Pure functions (README.md, "Scheduler").
 *
 * - HOT: the best-ranked markets, whole markets only (a Polymarket market's tokens are never
 *   split between HOT and not-HOT), while their subscriptions fit in `hotCount`. Selection
 *   stops at the first market that does not fit, so HOT is always a prefix of the ranking.
 * - WARM: the other eligible markets in a stable order (market_id ascending), a window that
 *   starts at the cursor and takes whole markets while they fit in `maxSubs - hot subs`,
 *   wrapping around the end at most once.
 * - The cursor is a market id, not an index: the window starts at the first market id greater
 *   than `after`. A new universe file (markets added or dropped) or a market moving in or out
 *   of HOT therefore does not shift the pass. The cursor moves past exactly the window markets
 *   that were subscribed (a prefix: adds are applied in window order), so a window cut short by
 *   the churn limit is resumed, never skipped, and one pass covers every market.
 */

export interface RotationCursor {
  /** the next warm window starts at the first market id > after; null = at the beginning */
  readonly after: string | null
  /** 1-based number of the current pass over the warm order */
  readonly pass: number
}

export const initialCursor: RotationCursor = { after: null, pass: 1 }

export interface WindowItem {
  readonly market: RankedMarket
  /** true when the window wrapped past the end before this market: it belongs to the next pass */
  readonly nextPass: boolean
}

export interface Target {
  readonly hot: ReadonlyArray<RankedMarket>
  readonly hotSubs: number
  readonly warm: ReadonlyArray<WindowItem>
  readonly warmSubs: number
  /** markets in the warm order (eligible and not HOT) */
  readonly warmOrderSize: number
  /** index in the warm order where this window starts */
  readonly startIndex: number
  /** the cursor this window was cut from: a new pass when the old one had reached the end */
  readonly cursor: RotationCursor
}

const subsOf = (m: RankedMarket): number => m.keys.length

/** HOT = the ranked prefix whose subscriptions fit in hotCount; rest = everything else. */
export const selectHot = (
  ranked: ReadonlyArray<RankedMarket>,
  hotCount: number
): { readonly hot: ReadonlyArray<RankedMarket>; readonly hotSubs: number; readonly rest: ReadonlyArray<RankedMarket> } => {
  let hotSubs = 0
  let i = 0
  for (; i < ranked.length; i++) {
    const n = subsOf(ranked[i]!)
    if (hotSubs + n > hotCount) break
    hotSubs += n
  }
  return { hot: ranked.slice(0, i), hotSubs, rest: ranked.slice(i) }
}

const byMarketId = (a: RankedMarket, b: RankedMarket): number =>
  a.marketId < b.marketId ? -1 : a.marketId > b.marketId ? 1 : 0

/** The stable order the cursor walks: market_id ascending. */
export const warmOrder = (rest: ReadonlyArray<RankedMarket>): ReadonlyArray<RankedMarket> =>
  [...rest].sort(byMarketId)

/** Index of the first market with id > after (order.length when none). */
const firstAfter = (order: ReadonlyArray<RankedMarket>, after: string): number => {
  let lo = 0
  let hi = order.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (order[mid]!.marketId <= after) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** Whole markets from the cursor while they fit in budget subscriptions; wraps at most once. */
export const warmWindow = (
  order: ReadonlyArray<RankedMarket>,
  cursor: RotationCursor,
  budget: number
): { readonly items: ReadonlyArray<WindowItem>; readonly subs: number; readonly startIndex: number } => {
  const n = order.length
  if (n === 0) return { items: [], subs: 0, startIndex: 0 }
  let start = cursor.after === null ? 0 : firstAfter(order, cursor.after)
  let nextPass = false
  if (start === n) {
    start = 0
    nextPass = true
  }
  const items: Array<WindowItem> = []
  let subs = 0
  for (let k = 0; k < n; k++) {
    if (start + k === n) nextPass = true
    const market = order[(start + k) % n]!
    const need = subsOf(market)
    if (subs + need > budget) break
    subs += need
    items.push({ market, nextPass })
  }
  return { items, subs, startIndex: start }
}

export const computeTarget = (
  ranked: ReadonlyArray<RankedMarket>,
  limits: { readonly hotCount: number; readonly maxSubs: number },
  cursor: RotationCursor
): Target => {
  const { hot, hotSubs, rest } = selectHot(ranked, limits.hotCount)
  const order = warmOrder(rest)
  // a cursor past the last market id starts the next pass at the beginning
  const start: RotationCursor = cursor.after !== null && order.length > 0 && order[order.length - 1]!.marketId <= cursor.after
    ? { after: null, pass: cursor.pass + 1 }
    : cursor
  const window = warmWindow(order, start, limits.maxSubs - hotSubs)
  return {
    cursor: start,
    hot,
    hotSubs,
    warm: window.items,
    warmSubs: window.subs,
    warmOrderSize: order.length,
    startIndex: window.startIndex
  }
}

/**
 * Move the cursor past the longest prefix of the previous window whose markets are done
 * (subscribed during the period, or gone from the universe). Returns the markets passed and
 * whether a new pass started.
 */
export const advanceCursor = (
  cursor: RotationCursor,
  window: ReadonlyArray<WindowItem>,
  isDone: (marketId: string) => boolean
): {
  readonly cursor: RotationCursor
  readonly passed: ReadonlyArray<string>
  readonly newPass: boolean
  /** the passed markets that belong to the new pass (after the wrap) */
  readonly passedInNewPass: ReadonlyArray<string>
} => {
  let { after, pass } = cursor
  let newPass = false
  const passed: Array<string> = []
  const passedInNewPass: Array<string> = []
  for (const item of window) {
    const id = item.market.marketId
    if (!isDone(id)) break
    if (item.nextPass && !newPass) {
      newPass = true
      pass++
    }
    after = id
    passed.push(id)
    if (item.nextPass) passedInNewPass.push(id)
  }
  return { cursor: { after, pass }, passed, newPass, passedInNewPass }
}

/**
 * rotation_mode = "all": every eligible market is in the target; HOT (the same ranked prefix
 * as in rotate mode) and WARM only choose the snapshot cadence. There is no window, so the
 * cursor never moves.
 */
export const computeAllTarget = (
  ranked: ReadonlyArray<RankedMarket>,
  hotCount: number,
  cursor: RotationCursor
): Target => {
  const { hot, hotSubs, rest } = selectHot(ranked, hotCount)
  const order = warmOrder(rest)
  let warmSubs = 0
  for (const m of order) warmSubs += subsOf(m)
  return {
    cursor,
    hot,
    hotSubs,
    warm: order.map((market) => ({ market, nextPass: false })),
    warmSubs,
    warmOrderSize: order.length,
    startIndex: 0
  }
}
