/**
 * Kalshi subscriptions of one socket as states confirmed by the venue's answers
 * (docs/PROTOCOLS.md "WebSocket v2"; demo capture `haripratiik_demo_ws_frames_2026-08-27.jsonl`).
 *
 * A `subscribe` for a batch of tickers on channels orderbook_delta + trade is a group; each
 * channel is live once its `subscribed` reply names its sid. A group is released with one
 * `unsubscribe` per sid; a ticker leaves a live group with `update_subscription`
 * `delete_markets`. Every command stays open until the venue answers it.
 *
 * The venue refuses a `subscribe` for a ticker it still holds on a channel ("6 Already
 * subscribed") and answers commands on a sid it no longer has with "7 Unknown subscription ID".
 * So:
 * - a ticker is (re)subscribed only when no open command still holds it at the venue: not an
 *   `unsubscribe` or `delete_markets` awaiting its answer, not a released group whose
 *   `subscribed` replies are still coming (each such sid is unsubscribed as it arrives);
 * - "unknown subscription" on an `unsubscribe` means the sid is already gone: released;
 *   on a `delete_markets` it means the whole sid is gone: its remaining tickers are resubscribed;
 * - "already subscribed" puts the tickers back to wait, retried once the open commands are
 *   answered or at the next watchdog pass; after `MAX_REFUSALS` refusals in a row the socket
 *   is replaced (a fresh socket holds nothing), through the connection's shared backoff;
 * - "26 Subscription market limit exceeded": the venue caps the markets of one subscription at a
 *   number it does not publish, so the refused batch is halved and sent again at once, and later
 *   subscribes of this socket are cut to that size (down to one market per subscription);
 * - other refusals (e.g. "16 Market not found") leave the ticker to the first-book watchdog;
 * - a command unanswered for `COMMAND_TIMEOUT_MS` is taken as lost, so it blocks nothing;
 * - a resync (seq gap) goes out at once, but a second one for the same tickers within
 *   `RESYNC_SPACING_MS` waits for the next watchdog pass (frames still out of order would
 *   otherwise resubscribe in a loop).
 * Every ticker wanted but without a live book channel is counted, with the time it lost it,
 * for /metrics and /healthz.
 */
export const KALSHI_CHANNELS = ["orderbook_delta", "trade"] as const
type Channel = (typeof KALSHI_CHANNELS)[number]
const BOOK: Channel = "orderbook_delta"

export const ALREADY_SUBSCRIBED = 6
export const UNKNOWN_SUBSCRIPTION = 7
/** "Subscription market limit exceeded": one subscription may hold only so many markets (value unpublished) */
export const MARKET_LIMIT = 26
/** "already subscribed" answers in a row for one ticker before the socket is replaced */
export const MAX_REFUSALS = 3
/** a group resynced again within this long waits for the next watchdog pass */
export const RESYNC_SPACING_MS = 1000
/** an unanswered command blocks its tickers at most this long */
export const COMMAND_TIMEOUT_MS = 5000

interface Group {
  /** tickers the venue holds (or will hold) on this group's sids */
  readonly tickers: Set<string>
  readonly sids: Partial<Record<Channel, number>>
  /** channels whose `subscribed` reply (or an error) has not come yet */
  readonly awaiting: Set<Channel>
  /** no longer wanted: each sid is unsubscribed as soon as it is known */
  retired: boolean
  /** tickers removed while a channel's sid was unknown: deleted from that sid once it is */
  removedEarly: Array<string>
}

type Command =
  | { readonly kind: "subscribe"; readonly group: Group; readonly sentAtMs: number }
  | { readonly kind: "unsubscribe"; readonly sid: number; readonly tickers: ReadonlyArray<string>; readonly sentAtMs: number }
  | { readonly kind: "delete"; readonly sid: number; readonly group: Group; readonly tickers: ReadonlyArray<string>; readonly sentAtMs: number }

export interface KalshiSubscriptionHooks {
  /** sends a command, returns its id */
  command(cmd: string, params: Record<string, unknown>): number
  /** a fresh sid: its first message must carry seq 1 */
  sidStarted(sid: number): void
  /** a released sid: its frames are ignored from now on */
  sidReleased(sid: number): void
  /** tickers sent in a `subscribe` at nowMs (their first-book watchdog starts) */
  subscribing(tickers: ReadonlyArray<string>, nowMs: number): void
  notice(text: string): void
}

export class KalshiSubscriptions {
  private readonly commands = new Map<number, Command>()
  private readonly bySid = new Map<number, Group>()
  private readonly groupOf = new Map<string, Group>()
  /** tickers to subscribe: true = as soon as nothing holds them, false = at the next watchdog pass */
  private readonly waiting = new Map<string, boolean>()
  private readonly refusals = new Map<string, number>()
  private readonly lastResyncMs = new Map<string, number>()
  /** tickers wanted without a live book channel, since when */
  private readonly downSince = new Map<string, number>()
  private connected = false
  /** most tickers per `subscribe`, learnt from "26 Subscription market limit exceeded" */
  private maxPerSubscribe = Number.POSITIVE_INFINITY
  /** set when the socket should be replaced (repeated "already subscribed") */
  reconnectReason: string | null = null

  constructor(private readonly hooks: KalshiSubscriptionHooks) {}

  /** A new socket: it holds nothing; subscribe every ticker. */
  attach(tickers: Iterable<string>, nowMs: number): void {
    this.reset()
    this.connected = true
    this.want(tickers, nowMs)
  }

  /** The socket is gone: every ticker is without a subscription. */
  detach(tickers: Iterable<string>, nowMs: number): void {
    this.reset()
    this.connected = false
    for (const t of tickers) if (!this.downSince.has(t)) this.downSince.set(t, nowMs)
  }

  private reset(): void {
    for (const sid of this.bySid.keys()) this.hooks.sidReleased(sid)
    this.commands.clear()
    this.bySid.clear()
    this.groupOf.clear()
    this.waiting.clear()
    this.refusals.clear()
    this.lastResyncMs.clear()
    this.reconnectReason = null
  }

  /** Subscribe `tickers` (new, or resubscribed after a gap or a watchdog). */
  want(tickers: Iterable<string>, nowMs: number, retryAtNextPass = false): void {
    for (const t of tickers) {
      this.waiting.set(t, !retryAtNextPass)
      if (!this.downSince.has(t)) this.downSince.set(t, nowMs)
    }
    this.flush(nowMs)
  }

  /** Tickers no longer subscribed at all. */
  release(tickers: ReadonlyArray<string>, nowMs: number): void {
    for (const t of tickers) {
      this.waiting.delete(t)
      this.downSince.delete(t)
      this.refusals.delete(t)
      this.lastResyncMs.delete(t)
    }
    this.leaveGroups(tickers, nowMs)
    this.flush(nowMs)
  }

  /** One ticker's subscription is suspect (watchdog): take it out of its group, subscribe it again. */
  resubscribe(tickers: ReadonlyArray<string>, nowMs: number): void {
    this.leaveGroups(tickers, nowMs)
    for (const t of tickers) this.downSince.set(t, nowMs)
    this.want(tickers, nowMs)
  }

  /** A gap on `sid`: if it is a group's book channel, release the group and subscribe its tickers afresh. */
  resyncSid(sid: number, nowMs: number): ReadonlyArray<string> {
    const g = this.bySid.get(sid)
    if (g === undefined || g.sids[BOOK] !== sid) return []
    const tickers = this.tickersOf(g)
    // a resubscription whose own first messages already gapped (frames still arriving out of
    // order) waits for the next watchdog pass: at most one resync per pass, never a storm
    let recent = false
    for (const t of tickers) {
      const last = this.lastResyncMs.get(t)
      if (last !== undefined && nowMs - last < RESYNC_SPACING_MS) recent = true
      this.lastResyncMs.set(t, nowMs)
    }
    this.retire(g, nowMs)
    this.want(tickers, nowMs, recent)
    return tickers
  }

  /** Time-driven work, at each watchdog pass: lost commands expire, deferred retries go out. */
  tick(nowMs: number): void {
    for (const [id, c] of this.commands) {
      if (nowMs - c.sentAtMs < COMMAND_TIMEOUT_MS) continue
      this.commands.delete(id)
      this.hooks.notice(`command ${id} (${c.kind}) unanswered for ${nowMs - c.sentAtMs} ms; taken as lost`)
      if (c.kind !== "subscribe") continue
      const g = c.group
      g.awaiting.clear()
      if (!g.retired && g.sids[BOOK] === undefined) {
        // no book channel was ever confirmed: subscribe again (a late answer is released on arrival)
        const tickers = this.tickersOf(g)
        this.retire(g, nowMs)
        this.want(tickers, nowMs)
      }
    }
    for (const t of this.waiting.keys()) this.waiting.set(t, true)
    this.flush(nowMs)
  }

  // ---- the venue's answers ----

  onSubscribed(id: number | null, channel: string, sid: number, nowMs: number): void {
    const c = id === null ? undefined : this.commands.get(id)
    if (c === undefined || c.kind !== "subscribe") {
      // a subscription we do not follow would hold its tickers at the venue: release it
      if (!this.bySid.has(sid)) this.unsubscribeSid(sid, [], nowMs)
      return
    }
    const g = c.group
    const ch = KALSHI_CHANNELS.find((k) => k === channel)
    if (ch === undefined || !g.awaiting.has(ch)) return
    g.awaiting.delete(ch)
    g.sids[ch] = sid
    if (g.awaiting.size === 0) this.commands.delete(id!)
    if (g.retired) {
      this.unsubscribeSid(sid, [...g.tickers, ...g.removedEarly], nowMs)
    } else {
      this.bySid.set(sid, g)
      this.hooks.sidStarted(sid)
      if (g.removedEarly.length > 0) this.deleteFrom(sid, g, g.removedEarly, nowMs)
      if (ch === BOOK) {
        for (const t of g.tickers) {
          this.downSince.delete(t)
          this.refusals.delete(t)
        }
      }
    }
    if (g.awaiting.size === 0) g.removedEarly = []
    this.flush(nowMs)
  }

  onUnsubscribed(id: number | null, sid: number, nowMs: number): void {
    if (id !== null && this.commands.get(id)?.kind === "unsubscribe") this.commands.delete(id)
    else {
      for (const [cid, c] of this.commands) if (c.kind === "unsubscribe" && c.sid === sid) this.commands.delete(cid)
    }
    this.flush(nowMs)
  }

  onOk(id: number | null, nowMs: number): void {
    if (id === null || this.commands.get(id)?.kind !== "delete") return
    this.commands.delete(id)
    this.flush(nowMs)
  }

  onError(id: number | null, code: number | null, msg: string, nowMs: number): void {
    const c = id === null ? undefined : this.commands.get(id)
    if (c === undefined) return
    this.commands.delete(id!)
    if (c.kind === "unsubscribe") {
      // 7: already gone; anything else: if the venue still holds it, a subscribe is refused with 6 and retried
      if (code !== UNKNOWN_SUBSCRIPTION) this.hooks.notice(`unsubscribe of sid ${c.sid} refused (${code ?? "?"} ${msg}); taken as released`)
    } else if (c.kind === "delete") {
      const g = c.group
      if (code === UNKNOWN_SUBSCRIPTION && !g.retired && this.bySid.get(c.sid) === g) {
        // the venue no longer has this sid at all: its other tickers are not subscribed either
        const tickers = this.tickersOf(g)
        this.hooks.notice(`sid ${c.sid} unknown to the venue; resubscribing its ${tickers.length} markets`)
        this.bySid.delete(c.sid)
        this.hooks.sidReleased(c.sid)
        delete g.sids[KALSHI_CHANNELS.find((k) => g.sids[k] === c.sid)!]
        this.retire(g, nowMs)
        this.want(tickers, nowMs)
      }
    } else {
      const g = c.group
      g.awaiting.clear()
      if (!g.retired) {
        const tickers = this.tickersOf(g)
        this.retire(g, nowMs)
        if (code === ALREADY_SUBSCRIBED) {
          for (const t of tickers) {
            const n = (this.refusals.get(t) ?? 0) + 1
            this.refusals.set(t, n)
            if (n >= MAX_REFUSALS && this.reconnectReason === null) {
              this.reconnectReason = `the venue refused to subscribe ${t} ${n} times (${code} ${msg})`
            }
          }
          this.want(tickers, nowMs, true)
        } else if (code === MARKET_LIMIT) {
          this.maxPerSubscribe = Math.max(1, Math.min(this.maxPerSubscribe, Math.floor(tickers.length / 2)))
          this.hooks.notice(`the venue caps markets per subscription below ${tickers.length}; subscribing in batches of ${this.maxPerSubscribe}`)
          this.want(tickers, nowMs)
        }
        // other refusals: the tickers stay without a subscription; the first-book watchdog retries them
      }
    }
    this.flush(nowMs)
  }

  // ---- what the feed asks ----

  knownSid(sid: number): boolean {
    return this.bySid.has(sid)
  }

  /** whether a message on `sid` about `ticker` is one we follow */
  follows(sid: number, ticker: string): boolean {
    const g = this.bySid.get(sid)
    return g !== undefined && this.groupOf.get(ticker) === g
  }

  /** markets whose books follow `sid` (none for a trade sid) */
  bookMarketsOfSid(sid: number): ReadonlyArray<string> {
    const g = this.bySid.get(sid)
    return g !== undefined && g.sids[BOOK] === sid ? this.tickersOf(g) : []
  }

  /** tickers wanted without a live book channel, and since when the longest has been */
  unsubscribed(): { readonly count: number; readonly sinceMs: number | null } {
    let since: number | null = null
    for (const t of this.downSince.values()) if (since === null || t < since) since = t
    return { count: this.downSince.size, sinceMs: since }
  }

  /** commands awaiting an answer (for tests and logs) */
  get openCommands(): number {
    return this.commands.size
  }

  // ---- internals ----

  private tickersOf(g: Group): Array<string> {
    const out: Array<string> = []
    for (const t of g.tickers) if (this.groupOf.get(t) === g) out.push(t)
    return out
  }

  private leaveGroups(tickers: ReadonlyArray<string>, nowMs: number): void {
    const byGroup = new Map<Group, Array<string>>()
    for (const t of tickers) {
      this.waiting.delete(t)
      const g = this.groupOf.get(t)
      if (g === undefined) continue
      this.groupOf.delete(t)
      const list = byGroup.get(g)
      if (list === undefined) byGroup.set(g, [t])
      else list.push(t)
    }
    for (const [g, list] of byGroup) {
      if (this.tickersOf(g).length === 0) {
        this.retire(g, nowMs)
        continue
      }
      for (const t of list) g.tickers.delete(t)
      for (const ch of KALSHI_CHANNELS) {
        const sid = g.sids[ch]
        if (sid !== undefined) this.deleteFrom(sid, g, list, nowMs)
      }
      if (g.awaiting.size > 0) g.removedEarly.push(...list)
    }
  }

  private retire(g: Group, nowMs: number): void {
    if (g.retired) return
    g.retired = true
    for (const t of g.tickers) if (this.groupOf.get(t) === g) this.groupOf.delete(t)
    for (const ch of KALSHI_CHANNELS) {
      const sid = g.sids[ch]
      if (sid === undefined || this.bySid.get(sid) !== g) continue
      this.unsubscribeSid(sid, [...g.tickers], nowMs)
    }
  }

  private unsubscribeSid(sid: number, tickers: ReadonlyArray<string>, nowMs: number): void {
    if (this.bySid.delete(sid)) this.hooks.sidReleased(sid)
    const id = this.hooks.command("unsubscribe", { sids: [sid] })
    this.commands.set(id, { kind: "unsubscribe", sid, tickers, sentAtMs: nowMs })
  }

  private deleteFrom(sid: number, g: Group, tickers: ReadonlyArray<string>, nowMs: number): void {
    const id = this.hooks.command("update_subscription", { sids: [sid], market_tickers: tickers, action: "delete_markets" })
    this.commands.set(id, { kind: "delete", sid, group: g, tickers: [...tickers], sentAtMs: nowMs })
  }

  /** tickers some open command still holds at the venue */
  private held(): Set<string> {
    const out = new Set<string>()
    for (const c of this.commands.values()) {
      if (c.kind === "subscribe") {
        if (c.group.retired) for (const t of c.group.tickers) out.add(t)
        for (const t of c.group.removedEarly) out.add(t)
      } else {
        for (const t of c.tickers) out.add(t)
      }
    }
    return out
  }

  private flush(nowMs: number): void {
    if (!this.connected || this.waiting.size === 0) return
    const held = this.held()
    const ready: Array<string> = []
    for (const [t, now] of this.waiting) if (now && !held.has(t)) ready.push(t)
    if (ready.length === 0) return
    for (const t of ready) this.waiting.delete(t)
    const size = Math.min(ready.length, this.maxPerSubscribe)
    for (let i = 0; i < ready.length; i += size) {
      const batch = ready.slice(i, i + size)
      const g: Group = { tickers: new Set(batch), sids: {}, awaiting: new Set(KALSHI_CHANNELS), retired: false, removedEarly: [] }
      for (const t of batch) this.groupOf.set(t, g)
      const id = this.hooks.command("subscribe", { channels: KALSHI_CHANNELS, market_tickers: batch })
      this.commands.set(id, { kind: "subscribe", group: g, sentAtMs: nowMs })
      this.hooks.subscribing(batch, nowMs)
    }
  }
}
