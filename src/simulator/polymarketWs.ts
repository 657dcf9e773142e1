import type { WebSocket } from "ws"
import { BID, type BinaryBook, type BookActivity, type LevelChange, pmPrice, pmSize } from "./book.js"
import { type SimCore, SimSocket } from "./connection.js"
import type { CustomEventKind } from "./faults.js"
import { pseudoHash } from "./http.js"
import { tokenLevels } from "./polymarketRest.js"
import type { PmMarket } from "./universe.js"

/**
 * The Polymarket CLOB market channel (`/ws/market`), docs/PROTOCOLS.md "Market WebSocket":
 * first message `{type:"market", assets_ids, initial_dump}`, later `{operation, assets_ids}`;
 * text PING -> PONG only after the first subscription (a PING before it: close 1008
 * "invalid subscription payload"); `book` frames on subscribe (one JSON array, as the live
 * feed sends) and after trades; `price_change` (current shape; legacy behind a knob);
 * `last_trade_price`; `tick_size_change`. Assets beyond `maxAssets` on one connection get
 * their initial book but no further updates (the venue's ~500 per-connection limit).
 */

export interface PmWsOptions {
  readonly maxAssets: number
  /** close a socket that has not subscribed within this time */
  readonly subscribeTimeoutMs: number
  /** close a socket whose client sent nothing (no PING) for this long; 0 = never */
  readonly clientIdleTimeoutMs: number
}

export class PmConnection extends SimSocket {
  readonly venue = "polymarket" as const
  private readonly assets: string[] = []
  private readonly assetSet = new Set<string>()
  /** assets that receive updates: the first maxAssets subscribed (the rest are over the limit) */
  private readonly live = new Set<string>()
  private subscribedOnce = false
  private subscribeTimer: NodeJS.Timeout | null
  private idleTimer: NodeJS.Timeout | null = null
  /** assets whose crossed-book injection must be healed with a true book on the next tick */
  private heal: string[] = []
  /** `custom_feature_enabled: true` on the subscription adds best_bid_ask frames (docs/PROTOCOLS.md) */
  private customFeatures = false
  private readonly lastTop = new Map<string, string>()

  constructor(id: string, ws: WebSocket, core: SimCore, private readonly opts: PmWsOptions) {
    super(id, ws, core)
    this.subscribeTimer = setTimeout(() => {
      if (!this.subscribedOnce) this.ws.close(1008, "no subscription")
    }, opts.subscribeTimeoutMs)
    this.armIdle()
    ws.on("message", (data, isBinary) => this.onMessage(isBinary ? "" : String(data)))
  }

  subscriptions(): ReadonlyArray<string> {
    return this.assets
  }

  private armIdle(): void {
    if (this.opts.clientIdleTimeoutMs <= 0) return
    if (this.idleTimer !== null) clearTimeout(this.idleTimer)
    this.idleTimer = setTimeout(() => this.ws.close(1001, "no ping"), this.opts.clientIdleTimeoutMs)
  }

  private onMessage(text: string): void {
    this.armIdle()
    if (text === "PING") {
      if (!this.subscribedOnce) return this.ws.close(1008, "invalid subscription payload")
      return this.sendNow("PONG")
    }
    let msg: unknown
    try {
      msg = JSON.parse(text)
    } catch {
      msg = null
    }
    const obj = typeof msg === "object" && msg !== null && !Array.isArray(msg) ? (msg as Record<string, unknown>) : null
    const ids = obj !== null && Array.isArray(obj.assets_ids) && obj.assets_ids.every((x) => typeof x === "string") ? (obj.assets_ids as string[]) : null
    if (obj === null || ids === null) {
      if (!this.subscribedOnce) this.ws.close(1008, "invalid subscription payload")
      return
    }
    const op = typeof obj.operation === "string" ? obj.operation.toLowerCase() : null
    if (op === "unsubscribe") return this.unsubscribe(ids)
    if (op === "subscribe" || String(obj.type).toLowerCase() === "market" || !this.subscribedOnce) {
      this.subscribedOnce = true
      if (obj.custom_feature_enabled === true) this.customFeatures = true
      if (this.subscribeTimer !== null) clearTimeout(this.subscribeTimer)
      this.subscribeTimer = null
      this.subscribe(ids, obj.initial_dump !== false)
    }
  }

  private subscribe(ids: ReadonlyArray<string>, dump: boolean): void {
    const u = this.core.engine.universe
    this.stallIfOver(this.assetSet.size + new Set(ids.filter((id) => !this.assetSet.has(id))).size)
    const books: string[] = []
    for (const id of ids) {
      if (this.assetSet.has(id)) continue
      this.assetSet.add(id)
      this.assets.push(id)
      if (this.live.size < this.opts.maxAssets) this.live.add(id)
      const hit = u.pmByToken.get(id)
      if (hit === undefined) continue // unknown ids are ignored silently, as the venue does
      const book = this.core.engine.pmBook(hit.market)
      if (book === null) continue
      if (this.live.has(id)) this.core.engine.watch(hit.market.conditionId, this)
      if (dump && !this.isSilenced(id)) books.push(this.bookFrame(hit.market, hit.outcome, book))
    }
    // the live feed answers a subscription with one array of book objects (documented-shapes.jsonl)
    if (books.length > 0) this.emit(["[" + books.join(",") + "]"])
  }

  private unsubscribe(ids: ReadonlyArray<string>): void {
    const u = this.core.engine.universe
    for (const id of ids) {
      if (!this.assetSet.delete(id)) continue
      this.live.delete(id)
      this.lastTop.delete(id)
      const i = this.assets.indexOf(id)
      if (i >= 0) this.assets.splice(i, 1)
      const hit = u.pmByToken.get(id)
      if (hit === undefined) continue
      const other = hit.market.tokenIds[hit.outcome === 0 ? 1 : 0]
      if (!this.live.has(other)) this.core.engine.unwatch(hit.market.conditionId, this)
    }
    // assets that were over the limit move up when others leave
    for (const id of this.assets) {
      if (this.live.size >= this.opts.maxAssets) break
      if (this.live.has(id)) continue
      this.live.add(id)
      const hit = u.pmByToken.get(id)
      if (hit !== undefined && this.core.engine.pmBook(hit.market) !== null) this.core.engine.watch(hit.market.conditionId, this)
    }
  }

  private bookFrame(m: PmMarket, outcome: 0 | 1, book: BinaryBook): string {
    const { bids, asks } = tokenLevels(outcome, book)
    const assetId = m.tokenIds[outcome]
    const ltp = book.lastTradePrice
    return JSON.stringify({
      event_type: "book",
      asset_id: assetId,
      market: m.conditionId,
      bids,
      asks,
      timestamp: String(this.core.engine.nowMs()),
      hash: pseudoHash(`${assetId}:${book.step}:${bids.length}:${asks.length}`),
      tick_size: pmPrice(book.tick),
      last_trade_price: ltp === null ? "" : pmPrice(outcome === 0 ? ltp : 1000 - ltp)
    })
  }

  onActivity(key: string, book: BinaryBook, act: BookActivity, regenerated: boolean): void {
    const m = this.core.engine.universe.pmByCondition.get(key)
    if (m === undefined) return
    const outcomes: Array<0 | 1> = []
    for (const o of [0, 1] as const) {
      const id = m.tokenIds[o]
      if (this.live.has(id) && !this.isSilenced(id)) outcomes.push(o)
    }
    if (outcomes.length === 0) return
    const ts = String(this.core.engine.nowMs())
    if (regenerated) {
      for (const o of outcomes) this.pending.push(this.bookFrame(m, o, book))
      return
    }
    if (act.tickChange !== null) {
      for (const o of outcomes) {
        this.pending.push(JSON.stringify({
          event_type: "tick_size_change", asset_id: m.tokenIds[o], market: m.conditionId,
          old_tick_size: pmPrice(act.tickChange.oldTick), new_tick_size: pmPrice(act.tickChange.newTick), timestamp: ts
        }))
      }
    }
    if (act.trades.length > 0) {
      let n = 0
      for (const t of act.trades) {
        for (const o of outcomes) {
          // the NO token sees the mirror trade: price 1 - p, opposite taker side
          const side = o === 0 ? t.takerSide : t.takerSide === "BUY" ? "SELL" : "BUY"
          this.pending.push(JSON.stringify({
            event_type: "last_trade_price", asset_id: m.tokenIds[o], market: m.conditionId,
            price: pmPrice(o === 0 ? t.price : 1000 - t.price), size: pmSize(t.size), side,
            fee_rate_bps: "0", timestamp: ts,
            transaction_hash: "0x" + pseudoHash(`${key}:${book.step}:${n}:a`) + pseudoHash(`${key}:${book.step}:${n}:b`).slice(0, 24)
          }))
        }
        n++
      }
      // the venue follows trades with a full book (docs/PROTOCOLS.md "book ... sent after trades")
      for (const o of outcomes) this.pending.push(this.bookFrame(m, o, book))
    } else if (act.changes.length > 0) {
      this.pushPriceChange(m, book, act.changes, outcomes, ts)
    }
    if (this.customFeatures) this.pushBestBidAsk(m, book, outcomes, ts)
  }

  /** best_bid_ask (custom features only): when a token's top of book moved (fixture ws_market_best_bid_ask_msg.json) */
  private pushBestBidAsk(m: PmMarket, book: BinaryBook, outcomes: ReadonlyArray<0 | 1>, ts: string): void {
    const bb = book.bestBid(), ba = book.bestAsk()
    for (const o of outcomes) {
      const bid = o === 0 ? bb : ba > 1000 ? -1 : 1000 - ba
      const ask = o === 0 ? ba : bb < 0 ? 1001 : 1000 - bb
      const key = `${bid}|${ask}`
      const id = m.tokenIds[o]
      if (this.lastTop.get(id) === key) continue
      this.lastTop.set(id, key)
      this.pending.push(JSON.stringify({
        event_type: "best_bid_ask", market: m.conditionId, asset_id: id,
        best_bid: bid < 0 ? "0" : pmPrice(bid), best_ask: ask > 1000 ? "1" : pmPrice(ask),
        spread: pmPrice(Math.max(0, (ask > 1000 ? 1000 : ask) - (bid < 0 ? 0 : bid))), timestamp: ts
      }))
    }
  }

  private pushPriceChange(m: PmMarket, book: BinaryBook, changes: ReadonlyArray<LevelChange>, outcomes: ReadonlyArray<0 | 1>, ts: string): void {
    const bb = book.bestBid(), ba = book.bestAsk()
    const best = (o: 0 | 1) => o === 0
      ? { best_bid: bb < 0 ? "0" : pmPrice(bb), best_ask: ba > 1000 ? "1" : pmPrice(ba) }
      : { best_bid: ba > 1000 ? "0" : pmPrice(1000 - ba), best_ask: bb < 0 ? "1" : pmPrice(1000 - bb) }
    const entry = (o: 0 | 1, c: LevelChange) => ({
      price: pmPrice(o === 0 ? c.price : 1000 - c.price),
      size: pmSize(c.size),
      // YES bid = NO ask: the side flips on the mirror token
      side: (c.side === BID) === (o === 0) ? "BUY" : "SELL"
    })
    if (this.faults().legacyPriceChange) {
      for (const o of outcomes) {
        this.pending.push(JSON.stringify({
          event_type: "price_change", asset_id: m.tokenIds[o], market: m.conditionId,
          changes: changes.map((c) => entry(o, c)), timestamp: ts, hash: pseudoHash(`${m.tokenIds[o]}:${book.step}`)
        }))
      }
      return
    }
    const price_changes: unknown[] = []
    for (const o of outcomes) {
      const b = best(o)
      const hash = pseudoHash(`${m.tokenIds[o]}:${book.step}`)
      for (const c of changes) price_changes.push({ asset_id: m.tokenIds[o], ...entry(o, c), hash, ...b })
    }
    this.pending.push(JSON.stringify({ event_type: "price_change", market: m.conditionId, price_changes, timestamp: ts }))
  }

  override onTickEnd(): void {
    if (this.heal.length > 0) {
      const u = this.core.engine.universe
      for (const id of this.heal) {
        const hit = u.pmByToken.get(id)
        const book = hit === undefined ? null : this.core.engine.pmBook(hit.market)
        if (hit !== undefined && book !== null) this.pending.push(this.bookFrame(hit.market, hit.outcome, book))
      }
      this.heal = []
    }
    super.onTickEnd()
  }

  private firstBookAsset(asset: string | undefined): { m: PmMarket; o: 0 | 1; book: BinaryBook } | null {
    const u = this.core.engine.universe
    for (const id of asset === undefined ? this.assets : [asset]) {
      const hit = u.pmByToken.get(id)
      if (hit === undefined || !this.assetSet.has(id)) continue
      const book = this.core.engine.pmBook(hit.market)
      if (book !== null) return { m: hit.market, o: hit.outcome, book }
    }
    return null
  }

  override injectCustomEvent(kind: CustomEventKind, asset: string | undefined): boolean {
    const hit = this.firstBookAsset(asset)
    if (hit === null) return false
    const { m } = hit
    const ts = String(this.core.engine.nowMs())
    if (kind === "settlement_preview") {
      // an unknown event type beside a known one (fixture ws_market_mixed_known_unknown.json)
      this.sendNow("[" + this.bookFrame(m, hit.o, hit.book) + "," + JSON.stringify({ event_type: "settlement_preview", sequence: hit.book.step }) + "]")
      return true
    }
    if (!this.customFeatures) return false
    const e = this.core.engine.universe.pmEvents[m.eventIndex]!
    const tags = e.tags.map((t) => t.slug)
    if (kind === "market_resolved") {
      const winner: 0 | 1 = m.fair >= 500 ? 0 : 1
      this.sendNow(JSON.stringify({
        event_type: "market_resolved", id: m.id, market: m.conditionId, assets_ids: m.tokenIds,
        winning_asset_id: m.tokenIds[winner], winning_outcome: winner === 0 ? "Yes" : "No", timestamp: ts, tags
      }))
      return true
    }
    this.sendNow(JSON.stringify({
      event_type: "new_market", id: m.id, question: m.question, market: m.conditionId, slug: m.slug,
      description: m.description, assets_ids: m.tokenIds, outcomes: ["Yes", "No"],
      event_message: { id: e.id, ticker: e.ticker, slug: e.slug, title: e.title, description: e.description },
      timestamp: ts, tags, condition_id: m.conditionId, active: true, clob_token_ids: m.tokenIds,
      sports_market_type: "", line: "", game_start_time: "", order_price_min_tick_size: pmPrice(hit.book.tick),
      group_item_title: m.groupItemTitle
    }))
    return true
  }

  injectSkipSeq(): boolean {
    return false // Polymarket frames carry no sequence numbers
  }

  injectCrossed(asset: string | undefined): boolean {
    const hit = this.firstBookAsset(asset)
    if (hit === null) return false
    const frame = JSON.parse(this.bookFrame(hit.m, hit.o, hit.book)) as { bids: Array<{ price: string; size: string }>; asks: Array<{ price: string; size: string }> }
    const bestAsk = frame.asks.length > 0 ? Number(frame.asks[frame.asks.length - 1]!.price) : 0.5
    const crossPx = Math.min(0.999, Math.round((bestAsk + hit.book.tick / 1000) * 1000) / 1000)
    frame.bids.push({ price: String(crossPx), size: "100" })
    this.sendNow(JSON.stringify(frame))
    this.heal.push(hit.m.tokenIds[hit.o])
    return true
  }

  injectOversized(bytes: number): boolean {
    const hit = this.firstBookAsset(undefined)
    if (hit === null) return false
    const one = this.bookFrame(hit.m, hit.o, hit.book)
    const copies = Math.ceil(bytes / (one.length + 1)) + 1
    this.sendNow("[" + new Array(copies).fill(one).join(",") + "]")
    return true
  }

  protected override onDispose(): void {
    if (this.subscribeTimer !== null) clearTimeout(this.subscribeTimer)
    if (this.idleTimer !== null) clearTimeout(this.idleTimer)
  }
}
