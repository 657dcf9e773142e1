import { constants, createSign } from "node:crypto"
import WebSocket from "ws"
import type { SimulatorHandle } from "../../src/simulator/Simulator.js"

/** A real `ws` client that records every text frame, for wire-level assertions. */
export class WireClient {
  readonly frames: string[] = []
  readonly ws: WebSocket
  closeCode: number | null = null
  closeReason = ""
  pings = 0
  readonly opened: Promise<void>
  readonly closed: Promise<void>
  unexpectedStatus: number | null = null

  constructor(url: string, headers?: Record<string, string>, maxPayload?: number) {
    this.ws = new WebSocket(url, { ...(headers === undefined ? {} : { headers }), ...(maxPayload === undefined ? {} : { maxPayload }) })
    this.ws.on("message", (d) => this.frames.push(String(d)))
    this.ws.on("ping", () => this.pings++)
    this.opened = new Promise((resolve, reject) => {
      this.ws.once("open", () => resolve())
      this.ws.once("error", reject)
      this.ws.once("unexpected-response", (_req, res) => {
        this.unexpectedStatus = res.statusCode ?? null
        reject(new Error(`HTTP ${res.statusCode}`))
      })
    })
    this.closed = new Promise((resolve) => {
      this.ws.once("close", (code, reason) => {
        this.closeCode = code
        this.closeReason = String(reason)
        resolve()
      })
    })
    this.opened.catch(() => {})
  }

  send(v: unknown): void {
    this.ws.send(typeof v === "string" ? v : JSON.stringify(v))
  }

  json(): unknown[] {
    return this.frames.filter((f) => f !== "PONG").map((f) => JSON.parse(f) as unknown)
  }

  close(): void {
    this.ws.terminate()
  }
}

export const waitFor = async (cond: () => boolean, what: string, timeoutMs = 20_000): Promise<void> => {
  const t0 = Date.now()
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

/** wait until the client has received everything the simulator has sent on its connection(s) */
export const drained = async (sim: SimulatorHandle, client: WireClient, venue: "polymarket" | "kalshi"): Promise<void> => {
  await waitFor(() => {
    const sent = sim.connections().filter((c) => c.venue === venue).reduce((s, c) => s + c.framesSent, 0)
    return client.frames.length >= sent
  }, `client to receive all ${venue} frames`)
}

/** Kalshi handshake headers built directly with node:crypto (RSA-PSS, SHA-256, salt = digest length) */
export const kalshiHeaders = (sim: SimulatorHandle, opts: { tsMs?: number; path?: string; keyPem?: string; keyId?: string } = {}): Record<string, string> => {
  const ts = String(opts.tsMs ?? Date.now())
  const signer = createSign("RSA-SHA256")
  signer.update(ts + "GET" + (opts.path ?? "/trade-api/ws/v2"))
  signer.end()
  const sig = signer.sign({ key: opts.keyPem ?? sim.kalshiKey.privateKeyPem, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }).toString("base64")
  return { "KALSHI-ACCESS-KEY": opts.keyId ?? sim.kalshiKey.keyId, "KALSHI-ACCESS-TIMESTAMP": ts, "KALSHI-ACCESS-SIGNATURE": sig }
}

type Level = { price: string; size: string }

/** A deliberately naive Polymarket book keeper (per asset: price -> size), for conformance checks. */
export class NaivePolymarketBooks {
  readonly books = new Map<string, { bids: Map<number, number>; asks: Map<number, number> }>()

  apply(frame: unknown): void {
    for (const o of Array.isArray(frame) ? frame : [frame]) {
      const e = o as Record<string, unknown>
      if (e.event_type === "book") {
        const b = { bids: new Map<number, number>(), asks: new Map<number, number>() }
        for (const l of e.bids as Level[]) b.bids.set(Number(l.price), Number(l.size))
        for (const l of e.asks as Level[]) b.asks.set(Number(l.price), Number(l.size))
        this.books.set(e.asset_id as string, b)
      } else if (e.event_type === "price_change") {
        for (const c of e.price_changes as Array<Level & { asset_id: string; side: string }>) {
          const b = this.books.get(c.asset_id)
          if (b === undefined) continue
          const m = c.side === "BUY" ? b.bids : b.asks
          if (Number(c.size) === 0) m.delete(Number(c.price))
          else m.set(Number(c.price), Number(c.size))
        }
      }
    }
  }

  view(asset: string): { bids: Array<[number, number]>; asks: Array<[number, number]> } | null {
    const b = this.books.get(asset)
    if (b === undefined) return null
    return {
      bids: Array.from(b.bids.entries()).sort((x, y) => y[0] - x[0]),
      asks: Array.from(b.asks.entries()).sort((x, y) => x[0] - y[0])
    }
  }
}

/** naive Kalshi keeper: per ticker YES and NO bid ladders from snapshot + signed deltas */
export class NaiveKalshiBooks {
  readonly books = new Map<string, { yes: Map<number, number>; no: Map<number, number> }>()
  readonly lastSeq = new Map<number, number>()
  gaps = 0

  apply(frame: unknown): void {
    const f = frame as { type: string; sid?: number; seq?: number; msg?: Record<string, unknown> }
    if (typeof f.sid === "number" && typeof f.seq === "number") {
      const prev = this.lastSeq.get(f.sid)
      if (prev !== undefined && f.seq !== prev + 1) this.gaps++
      this.lastSeq.set(f.sid, f.seq)
    }
    if (f.type === "orderbook_snapshot") {
      const m = f.msg!
      const b = { yes: new Map<number, number>(), no: new Map<number, number>() }
      for (const [p, s] of (m.yes_dollars_fp as string[][] | undefined) ?? []) b.yes.set(Number(p), Number(s))
      for (const [p, s] of (m.no_dollars_fp as string[][] | undefined) ?? []) b.no.set(Number(p), Number(s))
      this.books.set(m.market_ticker as string, b)
    } else if (f.type === "orderbook_delta") {
      const m = f.msg!
      const b = this.books.get(m.market_ticker as string)
      if (b === undefined) return
      const side = m.side === "yes" ? b.yes : b.no
      const p = Number(m.price_dollars)
      const next = Math.round(((side.get(p) ?? 0) + Number(m.delta_fp)) * 100) / 100
      if (next <= 0) side.delete(p)
      else side.set(p, next)
    }
  }

  /** YES view: bids = YES bids, asks = 1 - NO bids */
  yesView(ticker: string): { bids: Array<[number, number]>; asks: Array<[number, number]> } | null {
    const b = this.books.get(ticker)
    if (b === undefined) return null
    return {
      bids: Array.from(b.yes.entries()).sort((x, y) => y[0] - x[0]),
      asks: Array.from(b.no.entries()).map(([p, s]) => [Math.round((1 - p) * 10000) / 10000, s] as [number, number]).sort((x, y) => x[0] - y[0])
    }
  }
}

export const roundBook = (b: { bids: ReadonlyArray<readonly [number, number]>; asks: ReadonlyArray<readonly [number, number]> }) => ({
  bids: b.bids.map(([p, s]) => [Math.round(p * 1000) / 1000, Math.round(s * 100) / 100]),
  asks: b.asks.map(([p, s]) => [Math.round(p * 1000) / 1000, Math.round(s * 100) / 100])
})

import { generateKalshiKey } from "../../src/simulator/Simulator.js"
/** one RSA key per test file: generating 2048-bit keys per simulator costs ~0.2 s each */
export const TEST_KALSHI_KEY = generateKalshiKey("test-key")
