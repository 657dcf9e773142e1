import type { KeyObject } from "node:crypto"
import type { BookEvent } from "../../domain/BookEvent.js"
import {
  type AssetState,
  AssetTable,
  notice,
  publishDecodeCounters,
  recordTrade
} from "../AssetTable.js"
import type { ConnectionDriver, IngestContext, VenueConnection } from "../VenueDriver.js"
import { SidSequencer } from "./SidSequencer.js"
import { applyKalshiEvents, type KalshiFeedHooks, type SeqGapReport } from "./sequencing.js"
import type { SubscriptionSpec } from "../../domain/Subscription.js"
import { kalshiAuthHeaders, kalshiWsSignedPath } from "./auth.js"
import { decodeKalshiFrame, type KalshiReply } from "./decode.js"

/**
 * Kalshi WebSocket v2, one socket (docs/PROTOCOLS.md "WebSocket v2"):
 * - handshake signed with RSA-PSS over `timestamp + GET + /trade-api/ws/v2` (auth.ts);
 * - each batch of tickers is one `subscribe` command on channels orderbook_delta + trade,
 *   answered by one `subscribed` per channel with that channel's `sid` (a "group");
 * - removing tickers: `update_subscription` `delete_markets` on the group's sids, or
 *   `unsubscribe` when the group empties;
 * - every message on a sid has seq = previous + 1 (`ok`/`unsubscribed` replies consume one):
 *   a gap on the book sid marks the group's books stale and resubscribes the group (new
 *   sids, fresh `orderbook_snapshot`s); a gap on the trade sid only loses trades (counted);
 * - the server pings every ~10 s; `ws` answers, so there is no text keep-alive.
 */
export const KALSHI_CHANNELS = ["orderbook_delta", "trade"] as const

interface Group {
  readonly tickers: Set<string>
  bookSid: number | null
  tradeSid: number | null
  /** tickers removed before this group's `subscribed` replies came: deleted once a sid is known */
  removedEarly: Array<string>
}

export interface KalshiCredentials {
  readonly keyId: string
  readonly privateKey: KeyObject
}

export class KalshiConnection extends AssetTable<AssetState & { group: Group | null }> implements ConnectionDriver, VenueConnection {
  readonly keepAlive = null
  private readonly pending = new Map<number, Group>()
  private readonly bySid = new Map<number, Group>()
  private sequencer = new SidSequencer()
  private send: ((text: string) => void) | null = null
  private nextId = 1
  private readonly events: Array<BookEvent> = []
  private readonly replies: Array<KalshiReply> = []

  constructor(
    readonly label: string,
    readonly url: string,
    private readonly ctx: IngestContext,
    private readonly credentials: KalshiCredentials
  ) {
    super()
  }

  hasMarket(marketId: string): boolean {
    return this.assets.has(marketId)
  }
  hasSubscribed(): boolean {
    return this.send !== null && this.nextId > 1
  }
  isKeepAliveReply(): boolean {
    return false
  }
  handshakeHeaders(nowMs: number): Record<string, string> {
    return kalshiAuthHeaders({
      keyId: this.credentials.keyId,
      privateKeyPem: this.credentials.privateKey,
      method: "GET",
      path: kalshiWsSignedPath(this.url),
      nowMs
    })
  }

  private command(cmd: string, params: Record<string, unknown>): number {
    const id = this.nextId++
    this.send?.(JSON.stringify({ id, cmd, params }))
    return id
  }

  private subscribeGroup(tickers: ReadonlyArray<string>, nowMs: number): void {
    if (this.send === null || tickers.length === 0) return
    const group: Group = { tickers: new Set(tickers), bookSid: null, tradeSid: null, removedEarly: [] }
    for (const t of tickers) {
      const a = this.assets.get(t)
      if (a === undefined) continue
      a.group = group
      a.sinceMs = nowMs
      a.lastMsgMs = 0
      a.gotBook = false
    }
    const id = this.command("subscribe", { channels: KALSHI_CHANNELS, market_tickers: tickers })
    this.pending.set(id, group)
  }

  private groupSids(g: Group): Array<number> {
    const sids: Array<number> = []
    if (g.bookSid !== null) sids.push(g.bookSid)
    if (g.tradeSid !== null) sids.push(g.tradeSid)
    return sids
  }

  private dropGroup(g: Group): void {
    const sids = this.groupSids(g)
    for (const sid of sids) {
      this.bySid.delete(sid)
      this.sequencer.forget(sid)
    }
    if (sids.length > 0) this.command("unsubscribe", { sids })
  }

  /** Takes tickers out of their groups on the venue side (they stay in `assets`). */
  private detachTickers(tickers: ReadonlyArray<string>): void {
    const byGroup = new Map<Group, Array<string>>()
    for (const t of tickers) {
      const a = this.assets.get(t)
      if (a === undefined || a.group === null) continue
      const g = a.group
      a.group = null
      g.tickers.delete(t)
      const list = byGroup.get(g)
      if (list === undefined) byGroup.set(g, [t])
      else list.push(t)
    }
    for (const [g, list] of byGroup) {
      if (g.tickers.size === 0) {
        this.dropGroup(g)
        continue
      }
      for (const sid of this.groupSids(g)) {
        this.command("update_subscription", { sids: [sid], market_tickers: list, action: "delete_markets" })
      }
      if (g.bookSid === null || g.tradeSid === null) g.removedEarly.push(...list)
    }
  }

  attach(send: (text: string) => void, nowMs: number): void {
    this.send = send
    this.pending.clear()
    this.bySid.clear()
    this.sequencer = new SidSequencer()
    for (const [ticker, a] of this.assets) {
      this.ctx.books.resetMarket(ticker)
      a.group = null
    }
    this.subscribeGroup([...this.assets.keys()], nowMs)
  }

  detach(reason: string): void {
    this.send = null
    for (const [ticker, a] of this.assets) {
      this.ctx.books.markStale(ticker, reason)
      a.group = null
      a.sinceMs = null
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
      this.assets.set(spec.key, { spec, sinceMs: null, lastMsgMs: 0, gotBook: false, group: null })
      fresh.push(spec.key)
    }
    this.subscribeGroup(fresh, nowMs)
  }

  remove(keys: ReadonlyArray<string>): void {
    const present = keys.filter((k) => this.assets.has(k))
    if (this.send !== null) this.detachTickers(present)
    for (const k of present) {
      this.assets.delete(k)
      this.ctx.books.drop(k)
    }
  }

  watchAssets(nowMs: number): void {
    if (this.send === null) return
    const again = this.dueForResubscribe(nowMs, this.ctx)
    if (again.length === 0) return
    for (const ticker of again) this.ctx.books.noteResubscribe?.(ticker, null)
    this.detachTickers(again)
    this.subscribeGroup(again, nowMs)
  }

  private recvTs = 0

  /** How the shared Kalshi feed (sequencing.ts) routes this connection's events. */
  private readonly feed: KalshiFeedHooks = {
    knownSid: (sid) => this.bySid.has(sid),
    marketsOfSid: (sid) => {
      const g = this.bySid.get(sid)
      // a gap on the trade sid only loses trades: no book goes stale
      return g !== undefined && sid === g.bookSid ? [...g.tickers] : []
    },
    onGap: (gap) => this.onSeqGap(gap),
    onOutOfOrder: () => {
      this.ctx.metrics.seqOutOfOrder++
    },
    accept: (ev, recvTs) => {
      // Polymarket-shaped events never come from the Kalshi decoder; ignore them defensively
      if (ev.kind === "snapshot" || ev.kind === "level_set" || ev.kind === "tick_size") return false
      if (ev.sid !== undefined && !(this.bySid.get(ev.sid)?.tickers.has(ev.marketId) ?? false)) return false
      const a = this.assets.get(ev.marketId)
      if (a === undefined) return false
      a.lastMsgMs = recvTs
      if (ev.kind === "binary_snapshot") a.gotBook = true
      return true
    },
    onTrade: (ev, recvTs) => recordTrade(this.ctx, ev, recvTs)
  }

  private onSeqGap(gap: SeqGapReport): void {
    const { sid, expected, got } = gap
    this.ctx.metrics.seqGaps++
    const g = this.bySid.get(sid)
    if (g === undefined) return
    if (sid !== g.bookSid) {
      notice(this.ctx, `${this.label}: trade seq gap on sid ${sid} (expected ${expected}, got ${got}); trades lost`)
      return
    }
    this.ctx.metrics.bookResyncs++
    notice(this.ctx, `${this.label}: seq gap on sid ${sid} (expected ${expected}, got ${got}); resubscribing ${g.tickers.size} markets`)
    const tickers = [...g.tickers]
    g.tickers.clear()
    this.dropGroup(g)
    this.subscribeGroup(tickers, this.recvTs)
  }

  private onReply(r: KalshiReply): void {
    if (r.type === "subscribed") {
      if (r.id === null) return
      const g = this.pending.get(r.id)
      if (g === undefined) return
      if (r.channel === "orderbook_delta") g.bookSid = r.sid
      else if (r.channel === "trade") g.tradeSid = r.sid
      else return
      this.bySid.set(r.sid, g)
      if (g.tickers.size === 0) {
        // every ticker left while the reply was in flight: release the sid now
        this.dropGroup(g)
      } else if (g.removedEarly.length > 0) {
        this.command("update_subscription", { sids: [r.sid], market_tickers: g.removedEarly, action: "delete_markets" })
      }
      if (g.bookSid !== null && g.tradeSid !== null) {
        this.pending.delete(r.id)
        g.removedEarly = []
      }
    } else if (r.type === "error") {
      this.ctx.metrics.venueErrors++
      if (r.id !== null) this.pending.delete(r.id)
      // the tickers of a failed subscribe get no book: the first-book watchdog retries them
      notice(this.ctx, `${this.label}: venue error on command ${r.id ?? "?"}: ${r.code ?? "?"} ${r.msg}`)
    }
  }

  ingest(frames: ReadonlyArray<string>, from: number, to: number, recvTs: number): void {
    const ctx = this.ctx
    const events = this.events
    const replies = this.replies
    this.recvTs = recvTs
    for (let i = from; i < to; i++) {
      ctx.metrics.messagesReceived++
      events.length = 0
      replies.length = 0
      decodeKalshiFrame(frames[i]!, events, replies, ctx.decodeStats)
      for (let j = 0; j < replies.length; j++) this.onReply(replies[j]!)
      applyKalshiEvents(events, ctx.books, this.sequencer, recvTs, this.feed)
    }
    events.length = 0
    replies.length = 0
    publishDecodeCounters(ctx)
  }
}
