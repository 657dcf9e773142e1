import { EventEmitter } from "node:events"
import { readFile } from "node:fs/promises"
import type { WebSocket } from "ws"
import { type SimCore, SimSocket } from "./connection.js"
import { MarketEngine } from "./engine.js"
import { DEFAULT_STREAM_FAULTS } from "./faults.js"
import { PmConnection } from "./polymarketWs.js"
import { generateUniverse } from "./universe.js"

/**
 * Replay mode: the Polymarket market WebSocket serves the frames of a recording (JSONL, one
 * text frame per line, e.g. fixtures/polymarket/ssmd/polymarket_book.jsonl) verbatim and in
 * order to whoever subscribes to their assets, as fast as the client reads (ws bufferedAmount
 * backpressure) or one frame every `paceMs`. Frames naming no asset go to every subscriber.
 * `generateReplayCorpus` produces such a recording from the market model (ingest benchmark).
 */

export interface ReplayFeed {
  readonly frames: ReadonlyArray<string>
  /** asset ids each frame touches; empty = none named */
  readonly assets: ReadonlyArray<ReadonlyArray<string>>
}

const assetsOfFrame = (text: string): string[] => {
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch {
    return []
  }
  const out: string[] = []
  for (const o of Array.isArray(v) ? v : [v]) {
    if (typeof o !== "object" || o === null) continue
    const r = o as Record<string, unknown>
    if (typeof r.asset_id === "string") out.push(r.asset_id)
    if (Array.isArray(r.price_changes)) {
      for (const pc of r.price_changes) if (typeof pc === "object" && pc !== null && typeof (pc as { asset_id?: unknown }).asset_id === "string") out.push((pc as { asset_id: string }).asset_id)
    }
  }
  return out
}

export const replayFeedFromLines = (lines: ReadonlyArray<string>): ReplayFeed => {
  const frames = lines.map((l) => l.trim()).filter((l) => l !== "")
  return { frames, assets: frames.map(assetsOfFrame) }
}

export const loadReplayFeed = async (source: string | ReadonlyArray<string>): Promise<ReplayFeed> =>
  replayFeedFromLines(typeof source === "string" ? (await readFile(source, "utf8")).split("\n") : source)

/** keep at most this much queued in the socket before waiting for the client to read */
const HIGH_WATER_BYTES = 1 << 20

export class ReplayConnection extends SimSocket {
  readonly venue = "polymarket" as const
  private readonly subscribed = new Set<string>()
  private cursor = 0
  private pumping = false
  private timer: NodeJS.Timeout | null = null

  constructor(id: string, ws: WebSocket, core: SimCore, private readonly feed: ReplayFeed, private readonly paceMs: number) {
    super(id, ws, core)
    ws.on("message", (data) => this.onMessage(String(data)))
  }

  subscriptions(): ReadonlyArray<string> {
    return Array.from(this.subscribed)
  }

  private onMessage(text: string): void {
    if (text === "PING") {
      if (this.subscribed.size === 0) return this.ws.close(1008, "invalid subscription payload")
      return this.sendNow("PONG")
    }
    type SubscribeMessage = { assets_ids?: unknown; operation?: unknown }
    const msg = ((): SubscribeMessage | null => {
      try {
        const v: unknown = JSON.parse(text)
        return typeof v === "object" && v !== null ? (v as SubscribeMessage) : null
      } catch {
        return null
      }
    })()
    if (msg === null || !Array.isArray(msg.assets_ids)) {
      if (this.subscribed.size === 0) this.ws.close(1008, "invalid subscription payload")
      return
    }
    for (const a of msg.assets_ids) {
      if (typeof a !== "string") continue
      if (msg.operation === "unsubscribe") this.subscribed.delete(a)
      else this.subscribed.add(a)
    }
    this.pump()
  }

  private wanted(i: number): boolean {
    const a = this.feed.assets[i]!
    if (a.length === 0) return true
    for (const id of a) if (this.subscribed.has(id)) return true
    return false
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
        const i = this.cursor++
        if (!this.wanted(i)) continue
        if (!this.isSilenced(this.feed.assets[i]![0] ?? "")) this.emit([this.feed.frames[i]!])
        if (this.paceMs > 0) {
          this.timer = setTimeout(run, this.paceMs)
          return
        }
      }
      this.pumping = false
    }
    run()
  }

  onActivity(): void {}
  injectSkipSeq(): boolean {
    return false
  }
  injectCrossed(): boolean {
    return false
  }
  injectOversized(bytes: number): boolean {
    const one = this.feed.frames.find((_, i) => this.wanted(i))
    if (one === undefined) return false
    this.sendNow("[" + new Array(Math.ceil(bytes / (one.length + 1)) + 1).fill(one.startsWith("[") ? one.slice(1, -1) : one).join(",") + "]")
    return true
  }
  protected override onDispose(): void {
    if (this.timer !== null) clearTimeout(this.timer)
  }
}

/** A socket stand-in that records what a connection sends (for corpus generation). */
class CaptureSocket extends EventEmitter {
  readonly OPEN = 1
  readyState = 1
  bufferedAmount = 0
  readonly sent: string[] = []
  send(text: string): void {
    this.sent.push(text)
  }
  close(): void {
    this.readyState = 3
    this.emit("close")
  }
  terminate(): void {
    this.close()
  }
  ping(): void {}
}

/**
 * Frames the simulator would send one client subscribed to `assets` token ids (assets/2
 * markets), for `minFrames` frames or more: the ingest benchmark corpus (JSONL lines).
 * Starts with the subscription's book array, then price_change / last_trade_price / book /
 * tick_size_change frames from the model.
 */
export const generateReplayCorpus = (opts: { readonly seed?: number; readonly assets: number; readonly minFrames: number; readonly anchorMs?: number }): string[] => {
  const markets = Math.max(1, Math.ceil(opts.assets / 2))
  const universe = generateUniverse(opts.seed ?? 42, markets * 2, 1, opts.anchorMs ?? 1_780_000_000_000)
  const engine = new MarketEngine(opts.seed ?? 42, universe, 100)
  const core: SimCore = { engine, venueFaults: () => DEFAULT_STREAM_FAULTS, unregister: () => {} }
  const sock = new CaptureSocket()
  const conn = new PmConnection("corpus", sock as unknown as WebSocket, core, { maxAssets: Number.MAX_SAFE_INTEGER, subscribeTimeoutMs: 1_000_000, clientIdleTimeoutMs: 0 })
  const ids: string[] = []
  for (const m of universe.pmMarkets) {
    if (engine.pmBook(m) === null) continue
    ids.push(...m.tokenIds)
    if (ids.length >= opts.assets) break
  }
  sock.emit("message", Buffer.from(JSON.stringify({ type: "market", assets_ids: ids.slice(0, opts.assets), initial_dump: true })), false)
  let guard = 0
  while (sock.sent.length < opts.minFrames && guard++ < 1_000_000) engine.tick()
  sock.close()
  void conn
  return sock.sent
}
