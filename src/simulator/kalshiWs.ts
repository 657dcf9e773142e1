import { constants, createPublicKey, verify, type KeyObject } from "node:crypto"
import type { IncomingMessage } from "node:http"
import type { WebSocket } from "ws"
import { ASK, BID, type BinaryBook, type BookActivity, kDollars, kFp } from "./book.js"
import { type SimCore, SimSocket } from "./connection.js"
import { pseudoHash } from "./http.js"
import type { KMarket } from "./universe.js"

/**
 * Kalshi WebSocket v2 (`/trade-api/ws/v2`), docs/PROTOCOLS.md "WebSocket v2" and fixtures
 * kalshi/shapes.jsonl, kalshi/recorded/*: signed handshake; commands subscribe /
 * update_subscription / unsubscribe with ids; replies subscribed (no seq) / ok and unsubscribed
 * (carry and consume a seq on their sid) / error; orderbook_snapshot then orderbook_delta,
 * trade and ticker frames; per-sid seq +1 per message; ping control frames every ~10 s.
 */

export const KALSHI_WS_PATH = "/trade-api/ws/v2"

/**
 * Error codes and texts of Kalshi's WebSocket commands (docs.kalshi.com asyncapi.yaml, "Error
 * Codes Reference"; 6 and 8 also in the fixtures). 26 is the per-subscription market cap, whose
 * value Kalshi does not publish (SimulatorOptions.kalshiMaxMarketsPerSubscription).
 */
const ERR = {
  unable: [1, "Unable to process message"],
  params: [2, "Params required"],
  channels: [3, "Channels required"],
  sids: [4, "Subscription IDs required"],
  command: [5, "Unknown command"],
  already: [6, "Already subscribed"],
  unknownSid: [7, "Unknown subscription ID"],
  channel: [8, "Unknown channel name"],
  invalid: [11, "Invalid parameter"],
  oneSid: [12, "Exactly one subscription ID is required"],
  action: [13, "Unsupported action"],
  ticker: [14, "Market Ticker required"],
  actionRequired: [15, "Action required"],
  market: [16, "Market not found"],
  marketLimit: [26, "Subscription market limit exceeded"]
} as const

const CHANNELS = new Set(["orderbook_delta", "trade", "ticker"])
/** channels a subscription without market_tickers covers every market of (the firehose) */
const FIREHOSE_CHANNELS = new Set(["trade", "ticker"])

export interface KalshiAuthCheck {
  readonly ok: boolean
  readonly reason: string
}

/**
 * Verify the handshake headers: key id known, timestamp within `windowMs` of the wall clock
 * (either direction), RSA-PSS/SHA-256 signature with salt = digest length over
 * `timestamp + "GET" + path` (docs/PROTOCOLS.md "Authentication").
 */
export const verifyKalshiHandshake = (req: IncomingMessage, path: string, keyId: string, publicKey: KeyObject, windowMs: number): KalshiAuthCheck => {
  const h = (name: string) => {
    const v = req.headers[name]
    return typeof v === "string" ? v : null
  }
  const key = h("kalshi-access-key"), ts = h("kalshi-access-timestamp"), sig = h("kalshi-access-signature")
  if (key === null || ts === null || sig === null) return { ok: false, reason: "missing KALSHI-ACCESS-* header" }
  if (key !== keyId) return { ok: false, reason: "unknown KALSHI-ACCESS-KEY" }
  const tsMs = Number(ts)
  // wall time: the venue checks the client's signed timestamp against its own clock, as Kalshi does
  if (!/^\d+$/.test(ts) || Math.abs(Date.now() - tsMs) > windowMs) return { ok: false, reason: "stale or invalid KALSHI-ACCESS-TIMESTAMP" }
  const good = verify("sha256", Buffer.from(ts + "GET" + path), {
    key: publicKey,
    padding: constants.RSA_PKCS1_PSS_PADDING,
    saltLength: constants.RSA_PSS_SALTLEN_DIGEST
  }, Buffer.from(sig, "base64"))
  return good ? { ok: true, reason: "" } : { ok: false, reason: "bad KALSHI-ACCESS-SIGNATURE" }
}

export const publicKeyFromPem = (pem: string): KeyObject => createPublicKey(pem)

interface Subscription {
  readonly sid: number
  readonly channel: string
  /** the markets of a ticker subscription, in the order added (the `ok` reply lists them) */
  readonly tickers: Set<string>
  /** subscribed with no market_tickers (trade, ticker): every market, no list */
  readonly firehose: boolean
  seq: number
  /** seq numbers to skip before the next data frame (the skipSeq fault) */
  skip: number
}

export class KalshiConnection extends SimSocket {
  readonly venue = "kalshi" as const
  private readonly subs = new Map<number, Subscription>()
  private nextSid = 1
  private pingTimer: NodeJS.Timeout | null = null
  /** crossed-book injections to withdraw on the next tick: [sid, ticker, yesPrice, size] */
  private heal: Array<[number, string, number, number]> = []

  constructor(id: string, ws: WebSocket, core: SimCore, pingMs: number, private readonly maxMarketsPerSub = 0) {
    super(id, ws, core)
    if (pingMs > 0) this.pingTimer = setInterval(() => { if (ws.readyState === ws.OPEN) ws.ping() }, pingMs)
    ws.on("message", (data, isBinary) => this.onCommand(isBinary ? "" : String(data)))
  }

  subscriptions(): ReadonlyArray<string> {
    const out = new Set<string>()
    for (const s of this.subs.values()) for (const t of s.tickers) out.add(t)
    return Array.from(out)
  }

  override firehoseChannels(): ReadonlyArray<string> {
    const out: string[] = []
    for (const s of this.subs.values()) if (s.firehose) out.push(s.channel)
    return out
  }

  private error(id: unknown, e: readonly [number, string], extra: Record<string, unknown> = {}): void {
    this.sendNow(JSON.stringify({ id: typeof id === "number" ? id : null, type: "error", msg: { code: e[0], msg: e[1], ...extra } }))
  }

  /** distinct markets over this socket's ticker subscriptions once `more` are added */
  private marketCountWith(more: ReadonlyArray<string>): number {
    const all = new Set(this.subscriptions())
    for (const t of more) all.add(t)
    return all.size
  }

  private overCap(n: number): boolean {
    return this.maxMarketsPerSub > 0 && n > this.maxMarketsPerSub
  }

  private nextSeq(s: Subscription): number {
    s.seq += 1 + s.skip
    s.skip = 0
    return s.seq
  }

  private onCommand(text: string): void {
    let msg: unknown
    try {
      msg = JSON.parse(text)
    } catch {
      return this.error(null, ERR.unable)
    }
    if (typeof msg !== "object" || msg === null) return this.error(null, ERR.unable)
    const { id, cmd, params } = msg as { id?: unknown; cmd?: unknown; params?: unknown }
    if (cmd !== "subscribe" && cmd !== "update_subscription" && cmd !== "unsubscribe") return this.error(id, ERR.command)
    if (typeof params !== "object" || params === null) return this.error(id, ERR.params)
    const p = params as Record<string, unknown>
    const tickers = Array.isArray(p.market_tickers) ? p.market_tickers.filter((t): t is string => typeof t === "string")
      : typeof p.market_ticker === "string" ? [p.market_ticker] : []
    const sids = Array.isArray(p.sids) ? p.sids.filter((s): s is number => typeof s === "number")
      : typeof p.sid === "number" ? [p.sid] : []
    const u = this.core.engine.universe
    const unknown = tickers.find((t) => !u.kByTicker.has(t))
    if (cmd === "subscribe") {
      const channels = Array.isArray(p.channels) ? p.channels.filter((c): c is string => typeof c === "string") : []
      if (channels.length === 0) return this.error(id, ERR.channels)
      if (channels.some((c) => !CHANNELS.has(c))) return this.error(id, ERR.channel)
      if (tickers.length === 0) {
        // trade and ticker without markets are the firehose (asyncapi: "omit to receive ALL
        // markets"); orderbook_delta needs its markets named
        if (channels.some((c) => !FIREHOSE_CHANNELS.has(c))) return this.error(id, ERR.ticker)
        for (const ch of channels) {
          for (const s of this.subs.values()) if (s.channel === ch && s.firehose) return this.error(id, ERR.already)
        }
        for (const ch of channels) {
          const s: Subscription = { sid: this.nextSid++, channel: ch, tickers: new Set(), firehose: true, seq: 0, skip: 0 }
          this.subs.set(s.sid, s)
          this.sendNow(JSON.stringify({ id, type: "subscribed", msg: { channel: ch, sid: s.sid } }))
        }
        this.core.engine.watchKalshiFirehose(this)
        return
      }
      if (unknown !== undefined) return this.error(id, ERR.market, { market_ticker: unknown })
      if (this.overCap(new Set(tickers).size)) return this.error(id, ERR.marketLimit)
      for (const ch of channels) {
        for (const s of this.subs.values()) {
          if (s.channel === ch && !s.firehose && tickers.some((t) => s.tickers.has(t))) return this.error(id, ERR.already)
        }
      }
      this.stallIfOver(this.marketCountWith(tickers))
      for (const ch of channels) {
        const s: Subscription = { sid: this.nextSid++, channel: ch, tickers: new Set(), firehose: false, seq: 0, skip: 0 }
        this.subs.set(s.sid, s)
        this.sendNow(JSON.stringify({ id, type: "subscribed", msg: { channel: ch, sid: s.sid } }))
        this.addTickers(s, tickers)
      }
      return
    }
    if (cmd === "update_subscription") {
      if (sids.length !== 1 || (Array.isArray(p.sids) && typeof p.sid === "number")) return this.error(id, ERR.oneSid)
      const s = this.subs.get(sids[0]!)
      if (s === undefined) return this.error(id, ERR.unknownSid)
      if (p.action === undefined) return this.error(id, ERR.actionRequired)
      if (p.action !== "add_markets" && p.action !== "delete_markets" && p.action !== "get_snapshot") return this.error(id, ERR.action)
      // a firehose has no market list to change (the venue's answer is undocumented: our choice)
      if (s.firehose) return this.error(id, ERR.invalid)
      if (tickers.length === 0) return this.error(id, ERR.ticker)
      if (unknown !== undefined) return this.error(id, ERR.market, { market_ticker: unknown })
      if (p.action === "add_markets") {
        const fresh = Array.from(new Set(tickers)).filter((t) => !s.tickers.has(t))
        if (this.overCap(s.tickers.size + fresh.length)) return this.error(id, ERR.marketLimit)
        this.stallIfOver(this.marketCountWith(fresh))
        this.sendNow(JSON.stringify({ id, type: "ok", sid: s.sid, seq: this.nextSeq(s), msg: { market_tickers: [...s.tickers, ...fresh] } }))
        this.addTickers(s, fresh)
        return
      }
      if (p.action === "delete_markets") {
        for (const t of tickers) {
          s.tickers.delete(t)
          this.maybeUnwatch(t)
        }
        this.sendNow(JSON.stringify({ id, type: "ok", sid: s.sid, seq: this.nextSeq(s), msg: { market_tickers: Array.from(s.tickers) } }))
        return
      }
      // get_snapshot: fresh snapshots of the named markets of this sid, the subscription unchanged
      if (s.channel !== "orderbook_delta") return this.error(id, ERR.action)
      const frames: string[] = []
      for (const t of tickers) {
        if (!s.tickers.has(t) || this.isSilenced(t)) continue
        const m = u.kByTicker.get(t)!
        frames.push(this.snapshotFrame(s, m, this.core.engine.kBook(m)))
      }
      this.emit(frames)
      return
    }
    if (sids.length === 0) return this.error(id, ERR.sids)
    for (const sid of sids) {
      const s = this.subs.get(sid)
      if (s === undefined) {
        this.error(id, ERR.unknownSid)
        continue
      }
      this.subs.delete(sid)
      for (const t of s.tickers) this.maybeUnwatch(t)
      if (s.firehose && this.firehoseChannels().length === 0) this.core.engine.unwatchKalshiFirehose(this)
      this.sendNow(JSON.stringify({ id, type: "unsubscribed", sid, seq: this.nextSeq(s) }))
    }
  }

  private maybeUnwatch(ticker: string): void {
    for (const s of this.subs.values()) if (s.tickers.has(ticker)) return
    this.core.engine.unwatch(ticker, this)
  }

  private addTickers(s: Subscription, tickers: ReadonlyArray<string>): void {
    const frames: string[] = []
    for (const t of tickers) {
      s.tickers.add(t)
      const m = this.core.engine.universe.kByTicker.get(t)!
      const book = this.core.engine.kBook(m)
      if (book !== null) this.core.engine.watch(t, this)
      if (s.channel === "orderbook_delta" && !this.isSilenced(t)) frames.push(this.snapshotFrame(s, m, book))
    }
    this.emit(frames)
  }

  /** an empty side's key is omitted (fixture haripratiik_demo_ws_frames: REAL_EMPTY_SNAPSHOT) */
  private snapshotFrame(s: Subscription, m: KMarket, book: BinaryBook | null): string {
    const msg: Record<string, unknown> = { market_ticker: m.ticker, market_id: m.marketId }
    if (book !== null) {
      const yes = book.sortedLevels(BID, "asc")
      const no = book.sortedLevels(ASK, "desc")
      if (yes.length > 0) msg.yes_dollars_fp = yes.map(([p, z]) => [kDollars(p), kFp(z)])
      if (no.length > 0) msg.no_dollars_fp = no.map(([p, z]) => [kDollars(1000 - p), kFp(z)])
    }
    return JSON.stringify({ type: "orderbook_snapshot", sid: s.sid, seq: this.nextSeq(s), msg })
  }

  private deltaFrame(s: Subscription, m: KMarket, side: "yes" | "no", price: number, delta: number, nowMs: number): string {
    return JSON.stringify({
      type: "orderbook_delta", sid: s.sid, seq: this.nextSeq(s),
      msg: {
        market_ticker: m.ticker, market_id: m.marketId, price_dollars: kDollars(price), delta_fp: kFp(delta), side,
        ts: new Date(nowMs).toISOString(), ts_ms: nowMs
      }
    })
  }

  onActivity(key: string, book: BinaryBook, act: BookActivity, regenerated: boolean): void {
    if (this.isSilenced(key)) return
    const m = this.core.engine.universe.kByTicker.get(key)
    if (m === undefined) return
    const now = this.core.engine.nowMs()
    for (const s of this.subs.values()) {
      if (!s.firehose && !s.tickers.has(key)) continue
      if (s.channel === "orderbook_delta") {
        if (regenerated) {
          this.pending.push(this.snapshotFrame(s, m, book))
          continue
        }
        for (const c of act.changes) {
          // YES book bids are Kalshi YES bids; YES asks at p are NO bids at 1 - p
          if (c.side === BID) this.pending.push(this.deltaFrame(s, m, "yes", c.price, c.size - c.prevSize, now))
          else this.pending.push(this.deltaFrame(s, m, "no", 1000 - c.price, c.size - c.prevSize, now))
        }
      } else if (s.channel === "trade") {
        act.trades.forEach((t, i) => {
          this.pending.push(JSON.stringify({
            type: "trade", sid: s.sid, seq: this.nextSeq(s),
            msg: {
              trade_id: uuidFrom(`${key}:${book.step}:${i}`), market_ticker: key,
              yes_price_dollars: kDollars(t.price), no_price_dollars: kDollars(1000 - t.price),
              count_fp: kFp(t.size), taker_side: t.takerSide === "BUY" ? "yes" : "no", ts: Math.floor(now / 1000)
            }
          }))
        })
      } else if (s.channel === "ticker" && touchesTop(book, act)) {
        const bb = book.bestBid(), ba = book.bestAsk()
        const last = act.trades.length > 0 ? act.trades[act.trades.length - 1]! : null
        const ltp = book.lastTradePrice ?? 0
        // ticker frames carry no seq (fixture ssmd_ws_ticker_2026-02-12.jsonl; asyncapi: no seq on ticker); ts in seconds
        this.pending.push(JSON.stringify({
          type: "ticker", sid: s.sid,
          msg: {
            market_id: m.marketId, market_ticker: key,
            price_dollars: kDollars(ltp),
            yes_bid_dollars: kDollars(bb < 0 ? 0 : bb), yes_ask_dollars: kDollars(ba > 1000 ? 1000 : ba),
            volume_fp: kFp(m.volume * 100), open_interest_fp: kFp(m.openInterest * 100),
            yes_bid_size_fp: kFp(bb < 0 ? 0 : book.bids.get(bb) ?? 0), yes_ask_size_fp: kFp(ba > 1000 ? 0 : book.asks.get(ba) ?? 0),
            last_trade_size_fp: kFp(last?.size ?? 0), ts: Math.floor(now / 1000), ts_ms: now
          }
        }))
      }
    }
  }

  override onTickEnd(): void {
    if (this.heal.length > 0) {
      const now = this.core.engine.nowMs()
      for (const [sid, ticker, price, size] of this.heal) {
        const s = this.subs.get(sid)
        const m = this.core.engine.universe.kByTicker.get(ticker)
        if (s !== undefined && m !== undefined) this.pending.push(this.deltaFrame(s, m, "yes", price, -size, now))
      }
      this.heal = []
    }
    super.onTickEnd()
  }

  private bookSub(ticker: string | undefined): { s: Subscription; m: KMarket; book: BinaryBook } | null {
    for (const s of this.subs.values()) {
      if (s.channel !== "orderbook_delta") continue
      for (const t of ticker === undefined ? s.tickers : [ticker].filter((x) => s.tickers.has(x))) {
        const m = this.core.engine.universe.kByTicker.get(t)!
        const book = this.core.engine.kBook(m)
        if (book !== null) return { s, m, book }
      }
    }
    return null
  }

  injectSkipSeq(by: number): boolean {
    if (this.subs.size === 0) return false
    for (const s of this.subs.values()) s.skip += by
    return true
  }

  injectCrossed(ticker: string | undefined): boolean {
    const hit = this.bookSub(ticker)
    if (hit === null) return false
    const ba = hit.book.bestAsk()
    const price = ba > 1000 ? 990 : ba
    this.sendNow(this.deltaFrame(hit.s, hit.m, "yes", price, 10000, this.core.engine.nowMs()))
    this.heal.push([hit.s.sid, hit.m.ticker, price, 10000])
    this.core.engine.watch(hit.m.ticker, this)
    return true
  }

  injectOversized(bytes: number): boolean {
    const hit = this.bookSub(undefined)
    if (hit === null) return false
    // a snapshot with a very long (valid, zero-size-free) ladder repeated: one well-formed frame
    const level = [kDollars(10), "1.00"]
    const n = Math.ceil(bytes / 18) + 1
    const msg = { market_ticker: hit.m.ticker, market_id: hit.m.marketId, yes_dollars_fp: new Array(n).fill(level) }
    this.sendNow(JSON.stringify({ type: "orderbook_snapshot", sid: hit.s.sid, seq: this.nextSeq(hit.s), msg }))
    return true
  }

  protected override onDispose(): void {
    if (this.pingTimer !== null) clearInterval(this.pingTimer)
  }
}

/**
 * Whether an update moved a ticker field: a trade, or a change at or inside the touch (after the
 * update), which covers a best level that was removed. Kalshi sends a ticker "whenever any
 * ticker field changes" (asyncapi), not on every book change.
 */
const touchesTop = (book: BinaryBook, act: BookActivity): boolean => {
  if (act.trades.length > 0) return true
  const bb = book.bestBid(), ba = book.bestAsk()
  for (const c of act.changes) if (c.side === BID ? c.price >= bb : c.price <= ba) return true
  return false
}

const uuidFrom = (text: string): string => {
  const h = pseudoHash(text)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`
}
