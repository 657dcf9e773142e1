import type { WebSocket } from "ws"
import type { VenueId } from "../domain/VenueId.js"
import type { BookActivity, BinaryBook } from "./book.js"
import type { BookWatcher, MarketEngine } from "./engine.js"
import { type CustomEventKind, mergeStreamFaults, type StreamFaults } from "./faults.js"

/**
 * What both venues' WebSocket connections share: identity, fault overrides, and the outbound
 * path that applies the stream knobs (silence is applied when frames are built, so that
 * suppressed Kalshi frames consume no seq; duplicate/reorder/array/slow are applied here).
 */

export interface ConnectionInfo {
  readonly id: string
  readonly venue: VenueId
  /** Polymarket asset ids or Kalshi tickers currently subscribed */
  readonly subscriptions: ReadonlyArray<string>
  readonly framesSent: number
  readonly openedAtMs: number
  /** Kalshi channels subscribed with no market_tickers (every market); [] elsewhere */
  readonly firehose: ReadonlyArray<string>
  /** the connection stalled (faults.ts `stall`, `stallAboveAssets`): open, answering pings, no data */
  readonly stalled: boolean
}

export interface SimCore {
  readonly engine: MarketEngine
  /** venue-wide stream faults (from options and setStream without connId) */
  venueFaults(venue: VenueId): StreamFaults
  unregister(conn: SimSocket): void
}

export abstract class SimSocket implements BookWatcher {
  abstract readonly venue: VenueId
  overrides: Partial<StreamFaults> = {}
  framesSent = 0
  /** wall time: the simulated venue's own clock (its connection listing) */
  readonly openedAtMs = Date.now()
  protected pending: string[] = []
  private slowQueue: string[] = []
  private slowTimer: NodeJS.Timeout | null = null
  protected closed = false
  /** latched until the socket closes, as the venue's stalls last (faults.ts `stall`) */
  stalled = false

  constructor(readonly id: string, protected readonly ws: WebSocket, protected readonly core: SimCore) {
    ws.on("close", () => this.dispose())
    ws.on("error", () => this.dispose())
  }

  faults(): StreamFaults {
    return mergeStreamFaults(this.core.venueFaults(this.venue), this.overrides)
  }

  isSilenced(asset: string): boolean {
    if (this.stalled) return true
    const f = this.faults()
    return f.silent || (f.silentAssets.length > 0 && f.silentAssets.includes(asset))
  }

  /** the silent stall: from now on no data frame leaves this socket; pings and replies still do */
  stall(): boolean {
    if (this.closed || this.stalled) return false
    this.stalled = true
    this.pending = []
    return true
  }

  /** before a subscription grows to `count` assets: past `stallAboveAssets` the socket stalls first */
  protected stallIfOver(count: number): void {
    const n = this.faults().stallAboveAssets
    if (n > 0 && count > n) this.stall()
  }

  firehoseChannels(): ReadonlyArray<string> {
    return []
  }

  abstract subscriptions(): ReadonlyArray<string>
  abstract onActivity(key: string, book: BinaryBook, activity: BookActivity, regenerated: boolean): void
  /** one-shot faults; each returns whether it applied to this connection */
  abstract injectSkipSeq(by: number): boolean
  abstract injectCrossed(asset: string | undefined): boolean
  abstract injectOversized(bytes: number): boolean
  /** Polymarket custom-feature / unknown event frames (faults.ts `customEvent`); other venues: no */
  injectCustomEvent(_kind: CustomEventKind, _asset: string | undefined): boolean {
    return false
  }

  onTickEnd(): void {
    if (this.pending.length === 0) return
    if (this.stalled) {
      this.pending = []
      return
    }
    const frames = this.pending
    this.pending = []
    this.emit(frames)
  }

  info(): ConnectionInfo {
    return {
      id: this.id, venue: this.venue, subscriptions: this.subscriptions(), framesSent: this.framesSent, openedAtMs: this.openedAtMs,
      firehose: this.firehoseChannels(), stalled: this.stalled
    }
  }

  /** data frames of one tick (or one subscription answer) through the stream knobs */
  protected emit(frames: ReadonlyArray<string>): void {
    if (frames.length === 0 || this.closed) return
    const f = this.faults()
    let out: string[] = frames.slice()
    if (f.arrayFrames && this.venue === "polymarket" && out.length > 1) {
      out = ["[" + out.map((x) => (x.startsWith("[") ? x.slice(1, -1) : x)).join(",") + "]"]
    }
    if (f.reorder) out.reverse()
    if (f.duplicate) out = out.flatMap((x) => [x, x])
    for (const text of out) this.sendRaw(text, f.slowMs)
  }

  /** a frame outside the data path (replies, PONG, injected faults): never delayed or dropped */
  sendNow(text: string): void {
    if (this.closed || this.ws.readyState !== this.ws.OPEN) return
    this.framesSent++
    this.ws.send(text)
  }

  private sendRaw(text: string, slowMs: number): void {
    if (slowMs <= 0 && this.slowQueue.length === 0) return this.sendNow(text)
    this.slowQueue.push(text)
    if (this.slowTimer === null) this.pumpSlow(slowMs)
  }

  private pumpSlow(slowMs: number): void {
    this.slowTimer = setTimeout(() => {
      this.slowTimer = null
      const next = this.slowQueue.shift()
      if (next !== undefined) this.sendNow(next)
      if (this.slowQueue.length > 0) this.pumpSlow(Math.max(0, this.faults().slowMs))
    }, Math.max(0, slowMs))
  }

  drop(mode: "close" | "terminate", code?: number, reason?: string): void {
    if (this.closed) return
    if (mode === "terminate") this.ws.terminate()
    else this.ws.close(code ?? 1000, reason ?? "simulator drop")
  }

  injectMalformed(text: string): void {
    this.sendNow(text)
  }

  protected dispose(): void {
    if (this.closed) return
    this.closed = true
    if (this.slowTimer !== null) clearTimeout(this.slowTimer)
    this.slowQueue = []
    this.core.engine.removeWatcher(this)
    this.core.unregister(this)
    this.onDispose()
  }

  protected onDispose(): void {}
}
