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
import { KalshiSubscriptions } from "./subscriptions.js"
import { SidSequencer } from "./SidSequencer.js"
import { applyKalshiEvents, type KalshiFeedHooks, type SeqGapReport } from "./sequencing.js"
import type { SubscriptionSpec } from "../../domain/Subscription.js"
import { kalshiWsHandshakeHeaders } from "./auth.js"
import { decodeKalshiFrame, type KalshiReply } from "./decode.js"

/**
 * Kalshi WebSocket v2, one socket (docs/PROTOCOLS.md "WebSocket v2"):
 * - handshake signed with RSA-PSS over `timestamp + GET + /trade-api/ws/v2` (auth.ts);
 * - subscriptions (subscriptions.ts): a batch of tickers is one `subscribe` on channels
 *   orderbook_delta + trade (a "group", one `sid` per channel); tickers leave with
 *   `update_subscription` `delete_markets`, an emptied group with `unsubscribe`; every change
 *   is confirmed by the venue's answer before a ticker is subscribed again, and "already
 *   subscribed" / "unknown subscription" answers are states, not failures;
 * - every message on a sid has seq = previous + 1 (`ok`/`unsubscribed` replies consume one),
 *   starting at 1 on a fresh sid (SidSequencer.ts): a repeated or older seq is dropped and
 *   counted; a forward jump on the book sid marks the group's books stale and resubscribes
 *   the group (new sids, fresh `orderbook_snapshot`s); on the trade sid it only loses trades;
 * - the server pings every ~10 s; `ws` answers, so there is no text keep-alive.
 */
export { KALSHI_CHANNELS } from "./subscriptions.js"

export interface KalshiCredentials {
  readonly keyId: string
  readonly privateKey: KeyObject
}

/** a socket silent this long starts looking at the firehose for evidence of a stall */
const STALL_LOOK_AFTER_MS = 1000

export class KalshiConnection extends AssetTable<AssetState> implements ConnectionDriver, VenueConnection {
  readonly keepAlive = null
  private sequencer = new SidSequencer()
  private send: ((text: string) => void) | null = null
  private nextId = 1
  private readonly events: Array<BookEvent> = []
  private readonly replies: Array<KalshiReply> = []
  private readonly subs: KalshiSubscriptions

  constructor(
    readonly label: string,
    readonly url: string,
    private readonly ctx: IngestContext,
    private readonly credentials: KalshiCredentials
  ) {
    super()
    this.subs = new KalshiSubscriptions({
      command: (cmd, params) => {
        const id = this.nextId++
        this.send?.(JSON.stringify({ id, cmd, params }))
        return id
      },
      sidStarted: (sid) => this.sequencer.start(sid),
      sidReleased: (sid) => this.sequencer.forget(sid),
      subscribing: (tickers, nowMs) => {
        for (const t of tickers) {
          const a = this.assets.get(t)
          if (a === undefined) continue
          a.sinceMs = nowMs
          a.lastMsgMs = 0
          a.gotBook = false
        }
      },
      notice: (text) => notice(this.ctx, `${this.label}: ${text}`)
    })
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
  reconnectReason(): string | null {
    return this.subs.reconnectReason ?? this.stallReason
  }
  unsubscribedMarkets(): { readonly count: number; readonly sinceMs: number | null } {
    return this.subs.unsubscribed()
  }
  liveSubscriptions(): number {
    return this.send === null ? 0 : Math.max(0, this.assets.size - this.subs.unsubscribed().count)
  }
  handshakeHeaders(nowMs: number): Record<string, string> {
    return kalshiWsHandshakeHeaders(this.credentials, this.url, nowMs)
  }

  attach(send: (text: string) => void, nowMs: number): void {
    this.send = send
    this.lastFeedMs = nowMs
    this.stallReason = null
    this.suspect = null
    this.sequencer = new SidSequencer()
    for (const [ticker, a] of this.assets) {
      this.ctx.books.resetMarket(ticker)
      a.sinceMs = null
    }
    this.subs.attach(this.assets.keys(), nowMs)
  }

  detach(reason: string, nowMs: number): void {
    this.send = null
    for (const [ticker, a] of this.assets) {
      this.ctx.books.markStale(ticker, reason)
      a.sinceMs = null
    }
    this.subs.detach(this.assets.keys(), nowMs)
  }

  add(specs: ReadonlyArray<SubscriptionSpec>, nowMs: number): void {
    const fresh: Array<string> = []
    for (const spec of specs) {
      const existing = this.assets.get(spec.key)
      if (existing !== undefined) {
        existing.spec = spec
        continue
      }
      this.assets.set(spec.key, { spec, sinceMs: null, lastMsgMs: 0, gotBook: false })
      fresh.push(spec.key)
    }
    if (fresh.length > 0) this.subs.want(fresh, nowMs)
  }

  remove(keys: ReadonlyArray<string>, nowMs: number): void {
    const present = keys.filter((k) => this.assets.has(k))
    for (const k of present) {
      this.assets.delete(k)
      this.ctx.books.drop(k)
    }
    this.subs.release(present, nowMs)
  }

  watchAssets(nowMs: number): void {
    if (this.send === null) return
    this.recvTs = Math.max(this.recvTs, nowMs)
    this.subs.tick(nowMs)
    this.checkStall(nowMs)
    const again = this.dueForResubscribe(nowMs, this.ctx)
    if (again.length === 0) return
    for (const ticker of again) this.ctx.books.noteResubscribe?.(ticker, null)
    this.subs.resubscribe(again, nowMs)
  }

  private recvTs = 0
  /** last book or trade message of a followed sid on this socket (replies excluded: a stalled socket still answers) */
  private lastFeedMs = 0
  private stallReason: string | null = null
  /** the earliest firehose activity seen on a market of this socket after its last data, and which market */
  private suspect: { readonly atMs: number; readonly ticker: string } | null = null

  /**
   * The silent stall (the socket stays open, pings and command replies keep coming, no data):
   * when the firehose showed a market of this socket trading or moving `stallGraceMs` ago and
   * this socket has delivered nothing since, the socket is stalled, not quiet, and is replaced
   * (a fresh socket resubscribes everything). Looked at only while the socket has been silent
   * for a second, so a busy socket costs nothing here; the earliest evidence is kept across
   * passes, since a market that keeps trading keeps moving its latest time.
   */
  private checkStall(nowMs: number): void {
    const activity = this.ctx.activity
    if (activity === undefined || this.stallReason !== null) return
    if (this.suspect !== null && this.suspect.atMs <= this.lastFeedMs) this.suspect = null
    if (nowMs - this.lastFeedMs < STALL_LOOK_AFTER_MS) return
    for (const [ticker, a] of this.assets) {
      // only books this socket already delivered: a subscribe still unanswered (a busy venue)
      // is the first-book watchdog's business, not evidence of a stall
      if (a.sinceMs === null || !a.gotBook) continue
      const t = activity.lastActivityMs(ticker)
      if (t === undefined || t <= this.lastFeedMs || t < a.sinceMs) continue
      if (this.suspect === null || t < this.suspect.atMs) this.suspect = { atMs: t, ticker }
    }
    const grace = this.ctx.stallGraceMs ?? 5000
    if (this.suspect === null || nowMs - this.suspect.atMs < grace) return
    this.ctx.metrics.connectionStalls++
    this.stallReason = `stalled: no book data for ${nowMs - this.lastFeedMs} ms while the firehose showed ${this.suspect.ticker} active ${nowMs - this.suspect.atMs} ms ago`
  }

  /** How the shared Kalshi feed (sequencing.ts) routes this connection's events. */
  private readonly feed: KalshiFeedHooks = {
    knownSid: (sid) => this.subs.knownSid(sid),
    // a gap on the trade sid only loses trades: no book goes stale
    marketsOfSid: (sid) => this.subs.bookMarketsOfSid(sid),
    onGap: (gap) => this.onSeqGap(gap),
    onOutOfOrder: () => {
      this.ctx.metrics.seqOutOfOrder++
    },
    accept: (ev, recvTs) => {
      // Polymarket-shaped events never come from the Kalshi decoder; ignore them defensively
      if (ev.kind === "snapshot" || ev.kind === "level_set" || ev.kind === "tick_size") return false
      if (ev.sid !== undefined && !this.subs.follows(ev.sid, ev.marketId)) return false
      const a = this.assets.get(ev.marketId)
      if (a === undefined) return false
      a.lastMsgMs = recvTs
      this.lastFeedMs = recvTs
      if (ev.kind === "binary_snapshot") a.gotBook = true
      return true
    },
    onTrade: (ev, recvTs) => recordTrade(this.ctx, ev, recvTs)
  }

  private onSeqGap(gap: SeqGapReport): void {
    const { sid, expected, got } = gap
    this.ctx.metrics.seqGaps++
    if (gap.marketIds.length === 0) {
      if (this.subs.knownSid(sid)) notice(this.ctx, `${this.label}: trade seq gap on sid ${sid} (expected ${expected}, got ${got}); trades lost`)
      return
    }
    this.ctx.metrics.bookResyncs++
    const tickers = this.subs.resyncSid(sid, this.recvTs)
    notice(this.ctx, `${this.label}: seq gap on sid ${sid} (expected ${expected}, got ${got}); resubscribing ${tickers.length} markets`)
  }

  private onReply(r: KalshiReply): void {
    const now = this.recvTs
    switch (r.type) {
      case "subscribed":
        this.subs.onSubscribed(r.id, r.channel, r.sid, now)
        return
      case "ok":
        this.subs.onOk(r.id, now)
        return
      case "unsubscribed":
        this.subs.onUnsubscribed(r.id ?? null, r.sid, now)
        return
      case "error":
        this.ctx.metrics.venueErrors++
        notice(this.ctx, `${this.label}: venue error on command ${r.id ?? "?"}: ${r.code ?? "?"} ${r.msg}`)
        this.subs.onError(r.id, r.code, r.msg, now)
        return
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
