import type { TradeEvent } from "../domain/BookEvent.js"
import type { TradeRow } from "../domain/TradeRow.js"
import type { IngestContext } from "./VenueDriver.js"
import type { SubscriptionSpec } from "../domain/Subscription.js"

export const MAX_NOTICES = 200

/** A decoded trade becomes a trade row as it arrives (handed to the writer after the chunk). */
export const recordTrade = (ctx: IngestContext, ev: TradeEvent, recvTs: number): void => {
  ctx.books.noteTrade?.(ev, recvTs)
  const row: TradeRow = {
    ts_recv: recvTs,
    source_ts: ev.sourceTs,
    venue: ctx.venue,
    market_id: ev.marketId,
    outcome_id: ev.outcomeId,
    price: ev.price,
    size: ev.size,
    side: ev.side,
    trade_id: ev.tradeId
  }
  if (ctx.recentTrades.isRepeat(row, recvTs)) {
    ctx.metrics.duplicateTrades++
    return
  }
  ctx.trades.push(row)
  ctx.metrics.trades++
}

/** After a chunk: the decoder's counters into the venue metrics. */
export const publishDecodeCounters = (ctx: IngestContext): void => {
  ctx.metrics.malformed = ctx.decodeStats.malformed
  ctx.metrics.unknown = ctx.decodeStats.unknown
  ctx.metrics.lastMalformed = ctx.decodeStats.lastMalformed
}

export const notice = (ctx: IngestContext, text: string): void => {
  if (ctx.notices.length < MAX_NOTICES) ctx.notices.push(text)
}

/** One subscription carried by a connection, with what its watchdog needs. */
export interface AssetState {
  spec: SubscriptionSpec
  /** when it was last (re)subscribed on a live socket; null = not sent on the current socket */
  sinceMs: number | null
  /** last data message for it; 0 = none since `sinceMs` */
  lastMsgMs: number
  /** a full book arrived since the last (re)subscribe */
  gotBook: boolean
}

/**
 * Per-asset watchdog decision.
 * - No book within `firstBookTimeoutMs` of (re)subscribing: the venue lost the subscription
 *   (docs/PROTOCOLS.md: deltas stop beyond ~500 assets; silent per-asset failures) -> resubscribe.
 * - A confirmed book with no message for `assetSilenceMs`: prediction-market books are often
 *   quiet for many minutes (no quote changes overnight, long-dated markets), so this timeout
 *   is long (default 15 min). A false positive costs one fresh book message; a miss would
 *   keep writing a frozen book. Other assets on the socket keep flowing either way.
 */
export const assetNeedsResubscribe = (a: AssetState, nowMs: number, ctx: IngestContext): boolean => {
  if (a.sinceMs === null) return false
  if (!a.gotBook) return nowMs - a.sinceMs >= ctx.firstBookTimeoutMs
  return nowMs - Math.max(a.lastMsgMs, a.sinceMs) >= ctx.assetSilenceMs
}

/** At most this many single-asset resubscribes per watchdog pass (no subscription storms). */
export const MAX_RESUBSCRIBES_PER_PASS = 50

/** Last message, else the (re)subscribe time, else null. */
const assetActivityMs = (a: AssetState | undefined): number | null =>
  a === undefined ? null : a.lastMsgMs > 0 ? a.lastMsgMs : a.sinceMs

/** The subscriptions one connection carries, by key: the part both venue drivers share. */
export abstract class AssetTable<A extends AssetState> {
  protected readonly assets = new Map<string, A>()

  get size(): number {
    return this.assets.size
  }
  has(key: string): boolean {
    return this.assets.has(key)
  }
  lastActivityMs(key: string): number | null {
    return assetActivityMs(this.assets.get(key))
  }
  updateSpec(spec: SubscriptionSpec): void {
    const a = this.assets.get(spec.key)
    if (a !== undefined) a.spec = spec
  }

  /** Keys whose watchdog fires now (at most MAX_RESUBSCRIBES_PER_PASS), counted in the metrics. */
  protected dueForResubscribe(nowMs: number, ctx: IngestContext): Array<string> {
    const due: Array<string> = []
    for (const [key, a] of this.assets) {
      if (!assetNeedsResubscribe(a, nowMs, ctx)) continue
      due.push(key)
      if (due.length >= MAX_RESUBSCRIBES_PER_PASS) break
    }
    ctx.metrics.assetResubscribes += due.length
    return due
  }
}
