import type { BookEvent } from "../../domain/BookEvent.js"
import {
  type AssetState,
  AssetTable,
  publishDecodeCounters,
  recordTrade
} from "../AssetTable.js"
import type { ConnectionDriver, IngestContext, VenueConnection } from "../VenueDriver.js"
import type { SubscriptionSpec } from "../../domain/Subscription.js"
import { decodePolymarketFrame } from "./decode.js"

/**
 * Polymarket CLOB market channel, one socket (docs/PROTOCOLS.md "Market WebSocket"):
 * - first message after open: `{"type":"market","assets_ids":[...],"initial_dump":true}`;
 *   later changes: `{"operation":"subscribe"|"unsubscribe","assets_ids":[...]}`;
 * - keep-alive: text `PING` every 10 s, only after the first subscription (earlier gets
 *   1008); the server answers `PONG`, which is not data for the silence watchdog;
 * - a subscription key is a token id; both tokens of a market ride the same socket (the
 *   collector routes by market) so a reconnect resets whole markets.
 */
export const polymarketInitialSubscribe = (assetIds: ReadonlyArray<string>): string =>
  JSON.stringify({ type: "market", assets_ids: assetIds, initial_dump: true })

export const polymarketOperation = (operation: "subscribe" | "unsubscribe", assetIds: ReadonlyArray<string>): string =>
  JSON.stringify({ operation, assets_ids: assetIds })

export const POLYMARKET_PING = "PING"
export const POLYMARKET_PING_INTERVAL_MS = 10_000

export class PolymarketConnection extends AssetTable<AssetState> implements ConnectionDriver, VenueConnection {
  readonly keepAlive = { text: POLYMARKET_PING, intervalMs: POLYMARKET_PING_INTERVAL_MS }
  /** token count per market on this connection */
  private readonly markets = new Map<string, number>()
  private send: ((text: string) => void) | null = null
  private subscribedOnSocket = false
  /** since when the assets of this connection have had no socket to be subscribed on; null = they have one */
  private downSinceMs: number | null = null
  private readonly events: Array<BookEvent> = []

  constructor(readonly label: string, readonly url: string, private readonly ctx: IngestContext) {
    super()
  }

  hasMarket(marketId: string): boolean {
    return this.markets.has(marketId)
  }
  handshakeHeaders(): Record<string, string> {
    return {}
  }
  hasSubscribed(): boolean {
    return this.subscribedOnSocket
  }
  isKeepAliveReply(text: string): boolean {
    return text === "PONG"
  }
  reconnectReason(): null {
    return null
  }
  /** Polymarket confirms nothing: a market is subscribed once its subscribe went out on an open socket. */
  unsubscribedMarkets(): { readonly count: number; readonly sinceMs: number | null } {
    if (this.send !== null) return { count: 0, sinceMs: null }
    return { count: this.markets.size, sinceMs: this.markets.size > 0 ? this.downSinceMs : null }
  }

  /** Polymarket answers a subscribe with the asset's `book`: that is its confirmation. */
  liveSubscriptions(): number {
    if (this.send === null) return 0
    let n = 0
    for (const a of this.assets.values()) if (a.gotBook) n++
    return n
  }

  attach(send: (text: string) => void, nowMs: number): void {
    this.send = send
    this.downSinceMs = null
    this.subscribedOnSocket = false
    // books of this connection restart from the fresh `book` the venue sends on subscribe
    for (const marketId of this.markets.keys()) this.ctx.books.resetMarket(marketId)
    for (const a of this.assets.values()) {
      a.sinceMs = nowMs
      a.lastMsgMs = 0
      a.gotBook = false
    }
    if (this.assets.size > 0) this.sendSubscribe([...this.assets.keys()])
  }

  detach(reason: string, nowMs: number): void {
    this.send = null
    this.downSinceMs ??= nowMs
    this.subscribedOnSocket = false
    for (const marketId of this.markets.keys()) this.ctx.books.markStale(marketId, reason)
    for (const a of this.assets.values()) a.sinceMs = null
  }

  private sendSubscribe(assetIds: ReadonlyArray<string>): void {
    if (this.send === null || assetIds.length === 0) return
    if (this.subscribedOnSocket) {
      this.send(polymarketOperation("subscribe", assetIds))
    } else {
      this.send(polymarketInitialSubscribe(assetIds))
      this.subscribedOnSocket = true
    }
  }

  add(specs: ReadonlyArray<SubscriptionSpec>, nowMs: number): void {
    const fresh: Array<string> = []
    for (const spec of specs) {
      const existing = this.assets.get(spec.key)
      if (existing !== undefined) {
        existing.spec = spec
        continue
      }
      this.assets.set(spec.key, { spec, sinceMs: this.send === null ? null : nowMs, lastMsgMs: 0, gotBook: false })
      if (this.send === null) this.downSinceMs ??= nowMs
      this.markets.set(spec.marketId, (this.markets.get(spec.marketId) ?? 0) + 1)
      fresh.push(spec.key)
    }
    this.sendSubscribe(fresh)
  }

  remove(keys: ReadonlyArray<string>): void {
    const gone: Array<string> = []
    for (const key of keys) {
      const a = this.assets.get(key)
      if (a === undefined) continue
      this.assets.delete(key)
      gone.push(key)
      const left = (this.markets.get(a.spec.marketId) ?? 1) - 1
      if (left <= 0) {
        this.markets.delete(a.spec.marketId)
        this.ctx.books.drop(a.spec.marketId)
      } else {
        this.markets.set(a.spec.marketId, left)
      }
    }
    if (this.send !== null && this.subscribedOnSocket && gone.length > 0) {
      this.send(polymarketOperation("unsubscribe", gone))
    }
  }

  watchAssets(nowMs: number): void {
    if (this.send === null) return
    const again = this.dueForResubscribe(nowMs, this.ctx)
    if (again.length === 0) return
    for (const key of again) {
      const a = this.assets.get(key)!
      a.sinceMs = nowMs
      a.lastMsgMs = 0
      a.gotBook = false
      this.ctx.books.noteResubscribe?.(a.spec.marketId, key)
    }
    // unsubscribe + subscribe makes the venue send a fresh `book` for just these assets
    this.send(polymarketOperation("unsubscribe", again))
    this.sendSubscribe(again)
  }

  ingest(frames: ReadonlyArray<string>, from: number, to: number, recvTs: number): void {
    const ctx = this.ctx
    const events = this.events
    for (let i = from; i < to; i++) {
      const text = frames[i]!
      if (text === "PONG") continue
      ctx.metrics.messagesReceived++
      events.length = 0
      decodePolymarketFrame(text, events, ctx.decodeStats)
      for (let j = 0; j < events.length; j++) {
        let ev = events[j]!
        if (ev.kind === "seq_only" || ev.kind === "binary_snapshot" || ev.kind === "binary_delta") continue
        const a = this.assets.get(ev.outcomeId)
        // late frames for assets no longer subscribed must not re-create books
        if (a === undefined) continue
        // books are keyed by the universe's condition id; a frame without `market` must not fork them
        if (ev.marketId !== a.spec.marketId) ev = { ...ev, marketId: a.spec.marketId }
        a.lastMsgMs = recvTs
        if (ev.kind === "trade") {
          recordTrade(ctx, ev, recvTs)
          continue
        }
        if (ev.kind === "snapshot") a.gotBook = true
        ctx.books.apply(ev, recvTs)
      }
    }
    events.length = 0
    publishDecodeCounters(ctx)
  }
}
