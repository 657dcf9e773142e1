import { notice } from "../AssetTable.js"
import type { ConnectionDriver, IngestContext } from "../VenueDriver.js"
import { kalshiWsHandshakeHeaders } from "./auth.js"
import type { KalshiCredentials } from "./stream.js"

/**
 * Kalshi's firehose, one socket of its own: `trade` and `ticker` subscribed without
 * market_tickers cover every market of the venue (docs/PROTOCOLS.md "WebSocket v2"). It records
 * nothing; it tells `ctx.activity` which markets trade or move, for stall detection (a book
 * socket silent while its markets trade here is stalled, stream.ts) and for the scheduler's
 * ranking. On its own socket so that a stalled book socket never silences the evidence too.
 * Its seq numbers are not checked: a lost frame loses one activity mark, never a book.
 */
export const FIREHOSE_CHANNELS = ["trade", "ticker"] as const
/** a refused firehose subscribe is asked again this much later (not at every watchdog pass) */
export const FIREHOSE_RETRY_MS = 60_000

export class KalshiFirehose implements ConnectionDriver {
  readonly keepAlive = null
  private send: ((text: string) => void) | null = null
  private nextId = 1
  private refusedAtMs: number | null = null

  constructor(
    readonly label: string,
    readonly url: string,
    private readonly ctx: IngestContext,
    private readonly credentials: KalshiCredentials
  ) {}

  handshakeHeaders(nowMs: number): Record<string, string> {
    return kalshiWsHandshakeHeaders(this.credentials, this.url, nowMs)
  }

  attach(send: (text: string) => void): void {
    this.send = send
    this.refusedAtMs = null
    this.subscribe()
  }

  detach(): void {
    this.send = null
  }

  private subscribe(): void {
    this.send?.(JSON.stringify({ id: this.nextId++, cmd: "subscribe", params: { channels: FIREHOSE_CHANNELS } }))
  }

  hasSubscribed(): boolean {
    return this.send !== null && this.nextId > 1
  }
  isKeepAliveReply(): boolean {
    return false
  }
  reconnectReason(): null {
    return null
  }
  unsubscribedMarkets(): { readonly count: number; readonly sinceMs: number | null } {
    return { count: 0, sinceMs: null }
  }
  liveSubscriptions(): number {
    return 0
  }

  watchAssets(nowMs: number): void {
    if (this.send !== null && this.refusedAtMs !== null && nowMs - this.refusedAtMs >= FIREHOSE_RETRY_MS) {
      this.refusedAtMs = null
      this.subscribe()
    }
  }

  ingest(frames: ReadonlyArray<string>, from: number, to: number, recvTs: number): void {
    const activity = this.ctx.activity
    for (let i = from; i < to; i++) {
      let f: { type?: unknown; msg?: { market_ticker?: unknown; code?: unknown; msg?: unknown } | null }
      try {
        f = JSON.parse(frames[i]!)
      } catch {
        continue
      }
      if (f === null || typeof f !== "object") continue
      const ticker = f.msg?.market_ticker
      if (f.type === "trade") {
        if (typeof ticker === "string") activity?.noteTrade(ticker, recvTs)
      } else if (f.type === "ticker" || f.type === "ticker_v2") {
        if (typeof ticker === "string") activity?.noteTicker(ticker, recvTs)
      } else if (f.type === "error") {
        this.refusedAtMs ??= recvTs
        notice(this.ctx, `${this.label}: firehose subscribe refused (${String(f.msg?.code ?? "?")} ${String(f.msg?.msg ?? "")}); asking again in ${FIREHOSE_RETRY_MS / 1000} s`)
      }
    }
  }
}
