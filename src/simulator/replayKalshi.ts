import { readFile } from "node:fs/promises"
import type { WebSocket } from "ws"
import { type SimCore, SimSocket } from "./connection.js"

/**
 * Kalshi replay: the Kalshi WebSocket serves recorded data frames (JSONL; e.g.
 * fixtures/kalshi/recorded/ssmd_ws_trade_2026-02-12.jsonl) to whoever subscribes to their
 * markets, in order, as fast as the client reads. Unlike Polymarket's, Kalshi frames carry the
 * subscription's `sid` and a per-sid `seq`: both are rewritten to this connection's sid and a
 * fresh +1 sequence (a recording's sids and seqs belong to another connection). Frames are
 * routed by `msg.market_ticker` and channel (`orderbook_snapshot`/`orderbook_delta` ->
 * orderbook_delta, `trade` -> trade, `ticker` -> ticker); replies in the recording are skipped.
 * Handshake and commands are the live server's (kalshiWs.ts rules, simplified: subscribe and
 * unsubscribe).
 */

export interface KalshiReplayFeed {
  readonly frames: ReadonlyArray<{ readonly channel: string; readonly ticker: string; readonly frame: Record<string, unknown> }>
}

const CHANNEL_OF: Record<string, string> = { orderbook_snapshot: "orderbook_delta", orderbook_delta: "orderbook_delta", trade: "trade", ticker: "ticker" }

export const kalshiReplayFeedFromLines = (lines: ReadonlyArray<string>): KalshiReplayFeed => {
  const frames: Array<{ channel: string; ticker: string; frame: Record<string, unknown> }> = []
  for (const line of lines) {
    if (line.trim() === "") continue
    let v: unknown
    try {
      v = JSON.parse(line)
    } catch {
      continue
    }
    const f = v as { type?: unknown; msg?: { market_ticker?: unknown } }
    const channel = typeof f.type === "string" ? CHANNEL_OF[f.type] : undefined
    const ticker = f.msg?.market_ticker
    if (channel !== undefined && typeof ticker === "string") frames.push({ channel, ticker, frame: v as Record<string, unknown> })
  }
  return { frames }
}

export const loadKalshiReplayFeed = async (source: string | ReadonlyArray<string>): Promise<KalshiReplayFeed> =>
  kalshiReplayFeedFromLines(typeof source === "string" ? (await readFile(source, "utf8")).split("\n") : source)

const HIGH_WATER_BYTES = 1 << 20

export class KalshiReplayConnection extends SimSocket {
  readonly venue = "kalshi" as const
  private readonly subs = new Map<number, { channel: string; tickers: Set<string>; seq: number }>()
  private nextSid = 1
  private cursor = 0
  private pumping = false
  private timer: NodeJS.Timeout | null = null

  constructor(id: string, ws: WebSocket, core: SimCore, private readonly feed: KalshiReplayFeed) {
    super(id, ws, core)
    ws.on("message", (data) => this.onCommand(String(data)))
  }

  subscriptions(): ReadonlyArray<string> {
    const out = new Set<string>()
    for (const s of this.subs.values()) for (const t of s.tickers) out.add(t)
    return Array.from(out)
  }

  private onCommand(text: string): void {
    let msg: { id?: unknown; cmd?: unknown; params?: { channels?: unknown; market_tickers?: unknown; sids?: unknown } }
    try {
      msg = JSON.parse(text) as typeof msg
    } catch {
      return this.sendNow(JSON.stringify({ id: null, type: "error", msg: { code: 1, msg: "Unable to process message" } }))
    }
    const id = typeof msg.id === "number" ? msg.id : null
    if (msg.cmd === "subscribe" && Array.isArray(msg.params?.channels) && Array.isArray(msg.params?.market_tickers)) {
      const tickers = new Set(msg.params.market_tickers.filter((t): t is string => typeof t === "string"))
      for (const ch of msg.params.channels) {
        if (typeof ch !== "string") continue
        const sid = this.nextSid++
        this.subs.set(sid, { channel: ch, tickers, seq: 0 })
        this.sendNow(JSON.stringify({ id, type: "subscribed", msg: { channel: ch, sid } }))
      }
      this.cursor = 0
      return this.pump()
    }
    if (msg.cmd === "unsubscribe" && Array.isArray(msg.params?.sids)) {
      for (const sid of msg.params.sids) {
        const s = typeof sid === "number" ? this.subs.get(sid) : undefined
        if (s === undefined) continue
        this.subs.delete(sid as number)
        this.sendNow(JSON.stringify({ id, type: "unsubscribed", sid, seq: ++s.seq }))
      }
      return
    }
    this.sendNow(JSON.stringify({ id, type: "error", msg: { code: 5, msg: "Unknown command" } }))
  }

  private pump(): void {
    if (this.pumping || this.closed) return
    this.pumping = true
    const run = (): void => {
      this.timer = null
      if (this.closed) return
      while (this.cursor < this.feed.frames.length) {
        if (this.ws.bufferedAmount > HIGH_WATER_BYTES) {
          this.timer = setTimeout(run, 1)
          return
        }
        const item = this.feed.frames[this.cursor++]!
        if (this.isSilenced(item.ticker)) continue
        for (const [sid, s] of this.subs) {
          if (s.channel !== item.channel || !s.tickers.has(item.ticker)) continue
          const out: Record<string, unknown> = { ...item.frame, sid }
          if ("seq" in item.frame) out.seq = ++s.seq
          this.emit([JSON.stringify(out)])
        }
      }
      this.pumping = false
    }
    run()
  }

  onActivity(): void {}
  injectSkipSeq(by: number): boolean {
    for (const s of this.subs.values()) s.seq += by
    return this.subs.size > 0
  }
  injectCrossed(): boolean {
    return false
  }
  injectOversized(): boolean {
    return false
  }
  protected override onDispose(): void {
    if (this.timer !== null) clearTimeout(this.timer)
  }
}
