import { Data, Effect, type Scope } from "effect"
import { generateKeyPairSync } from "node:crypto"
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo, Socket } from "node:net"
import { WebSocketServer } from "ws"
import type { AppConfigEncoded } from "../config/schema.js"
import type { VenueId } from "../domain/VenueId.js"
import type { ConnectionInfo, SimCore, SimSocket } from "./connection.js"
import { handleControl } from "./control.js"
import { MarketEngine } from "./engine.js"
import { DEFAULT_STREAM_FAULTS, type FaultControl, type FaultTarget, mergeStreamFaults, RestFaults, type StreamFaults } from "./faults.js"
import { sendJson } from "./http.js"
import { KALSHI_WS_PATH, KalshiConnection, publicKeyFromPem, verifyKalshiHandshake } from "./kalshiWs.js"
import { handleKalshiRest } from "./kalshiRest.js"
import { handleClob, handleGamma } from "./polymarketRest.js"
import { PmConnection } from "./polymarketWs.js"
import { loadReplayFeed, ReplayConnection, type ReplayFeed } from "./replay.js"
import { type KalshiReplayFeed, KalshiReplayConnection, loadKalshiReplayFeed } from "./replayKalshi.js"
import { makeTruth, type SimulatorTruth } from "./truth.js"
import { generateUniverse } from "./universe.js"

/**
 * The venue simulator (docs/DESIGN.md, "Simulator and mock mode"): one HTTP server on 127.0.0.1 that speaks
 * Gamma (`/gamma`), the CLOB (`/clob`), the CLOB market WebSocket (`/ws/market`), Kalshi REST
 * (`/trade-api/v2`) and the Kalshi WebSocket (`/trade-api/ws/v2`, signed handshake), plus the
 * control API (`/control`, see faults.ts). Paths under the venue prefixes are the venues' own.
 */

export class SimulatorError extends Data.TaggedError("SimulatorError")<{ readonly message: string }> {}

export interface KalshiKey {
  readonly keyId: string
  readonly privateKeyPem: string
  readonly publicKeyPem: string
}

export interface SimulatorOptions {
  readonly seed?: number
  /** Polymarket markets (2 token ids each); default 2000 */
  readonly polymarketMarkets?: number
  /** Kalshi markets (not counting combos); default 1000 */
  readonly kalshiMarkets?: number
  /**
   * Kalshi multivariate combos as a share of all Kalshi markets on `GET /markets` (0..0.999;
   * default 0 = none). 0.92 with 20,000 markets lists 230,000 combos first, as the venue does,
   * so a scan without `mve_filter=exclude` pages through them (universe.ts comboMarket)
   */
  readonly kalshiComboShare?: number
  /** listen port on 127.0.0.1; 0 (default) = ephemeral */
  readonly port?: number
  /** ms between market ticks; 0 = stepping mode (no timer; `handle.step(n)`; virtual clock) */
  readonly tickMs?: number
  /** stepping mode: virtual ms per step (default 100) */
  readonly virtualStepMs?: number
  /** close times are relative to this (default: now); fix it for reproducible universes */
  readonly anchorMs?: number
  /** reuse a Kalshi key (e.g. the one `simulate --write-config` wrote); default: generated */
  readonly kalshiKey?: KalshiKey
  /** accepted |now - KALSHI-ACCESS-TIMESTAMP|, ms (default 10000) */
  readonly kalshiAuthWindowMs?: number
  /** Kalshi ping control frame period (default 10000; 0 = none) */
  readonly kalshiPingMs?: number
  /** Polymarket per-connection asset limit: assets beyond it get no updates (default 500) */
  readonly polymarketMaxAssets?: number
  /** Polymarket: close a socket that never subscribes after this (default 10000) */
  readonly polymarketSubscribeTimeoutMs?: number
  /** Polymarket: close a socket that sends nothing (no PING) for this long (default 60000; 0 = never) */
  readonly polymarketIdleTimeoutMs?: number
  /**
   * Kalshi: most markets one subscription may hold; a subscribe or add_markets beyond it is
   * refused with error 26 "Subscription market limit exceeded" (Kalshi does not publish its
   * value). Default 0 = no cap.
   */
  readonly kalshiMaxMarketsPerSubscription?: number
  /**
   * Rate mode (activity.ts): this many book updates per second across both venues' live books,
   * spread with Zipf weights (`zipf`, default 1) so a few books are busy and most are quiet; only
   * watched books (and the Kalshi firehose) cost anything. Unset = step mode: every watched book
   * is stepped every tick with its own bursty random activity (the default, used by the tests).
   */
  readonly rate?: number
  /** Zipf exponent of rate mode's activity skew (default 1) */
  readonly zipf?: number
  /** stream faults from the start, per venue (faults.ts) */
  readonly faults?: Partial<Record<VenueId, Partial<StreamFaults>>>
  /**
   * replay mode: the venue's WebSocket serves these recorded frames (JSONL file path or lines)
   * instead of the model (replay.ts, replayKalshi.ts); REST still serves the model
   */
  readonly replay?: {
    readonly polymarket?: string | ReadonlyArray<string>
    readonly kalshi?: string | ReadonlyArray<string>
    readonly paceMs?: number
  }
}

export interface SimulatorHandle {
  readonly urls: {
    readonly gamma: string
    readonly clob: string
    readonly polymarketWs: string
    readonly kalshiRest: string
    readonly kalshiWs: string
    readonly control: string
  }
  readonly port: number
  readonly kalshiKey: KalshiKey
  readonly truth: SimulatorTruth
  readonly faults: FaultControl
  /** open WebSocket connections, oldest first */
  connections(): ReadonlyArray<ConnectionInfo>
  /** advance the market model n ticks now (any mode; the only driver in stepping mode) */
  step(n?: number): void
  configFor(base?: Partial<AppConfigEncoded>): AppConfigEncoded
  close(): Promise<void>
}

export const generateKalshiKey = (keyId = "sim-key-0001"): KalshiKey => {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 })
  return {
    keyId,
    privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString()
  }
}

const listen = (server: Server, port: number): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once("error", reject)
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject)
      resolve((server.address() as AddressInfo).port)
    })
  })

const rejectUpgrade = (socket: Socket, status: number, text: string, body: string): void => {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`)
}

export const startSimulatorPromise = async (opts: SimulatorOptions = {}): Promise<SimulatorHandle> => {
  const seed = opts.seed ?? 42
  const tickMs = opts.tickMs ?? 100
  // wall time: the simulated venue lives in real time (close dates, timestamps) unless a test anchors it
  const anchorMs = opts.anchorMs ?? Date.now()
  const universe = generateUniverse(seed, opts.polymarketMarkets ?? 2000, opts.kalshiMarkets ?? 1000, anchorMs, opts.kalshiComboShare ?? 0)
  const activity = opts.rate === undefined || opts.rate <= 0 ? null : { ratePerSec: opts.rate, ...(opts.zipf === undefined ? {} : { zipf: opts.zipf }) }
  const engine = new MarketEngine(seed, universe, tickMs === 0 ? (opts.virtualStepMs ?? 100) : null, activity)
  const kalshiKey = opts.kalshiKey ?? generateKalshiKey()
  const publicKey = publicKeyFromPem(kalshiKey.publicKeyPem)
  const rest = new RestFaults(seed)
  const venueStream: Record<VenueId, StreamFaults> = {
    polymarket: mergeStreamFaults(DEFAULT_STREAM_FAULTS, opts.faults?.polymarket),
    kalshi: mergeStreamFaults(DEFAULT_STREAM_FAULTS, opts.faults?.kalshi)
  }
  const conns = new Map<string, SimSocket>()
  const counters: Record<VenueId, number> = { polymarket: 0, kalshi: 0 }
  const core: SimCore = {
    engine,
    venueFaults: (v) => venueStream[v],
    unregister: (c) => { conns.delete(c.id) }
  }
  const replay: ReplayFeed | null = opts.replay?.polymarket === undefined ? null : await loadReplayFeed(opts.replay.polymarket)
  const kalshiReplay: KalshiReplayFeed | null = opts.replay?.kalshi === undefined ? null : await loadKalshiReplayFeed(opts.replay.kalshi)

  let upgradeFailures: Array<{ venue: VenueId | null; status: number; remaining: number; retryAfterSec: number }> = []
  /** the refusal for this upgrade, if a failUpgrade rule applies (consumes it) */
  const upgradeFailure = (venue: VenueId) => {
    const r = upgradeFailures.find((u) => u.remaining > 0 && (u.venue === null || u.venue === venue))
    if (r === undefined) return null
    r.remaining--
    return r
  }

  const targets = (t: FaultTarget | undefined): SimSocket[] =>
    Array.from(conns.values()).filter((c) => (t?.venue === undefined || c.venue === t.venue) && (t?.connId === undefined || c.id === t.connId))

  const faults: FaultControl = {
    setStream: (patch, t) => {
      if (t?.connId !== undefined) {
        const hit = targets(t)
        for (const c of hit) c.overrides = { ...c.overrides, ...patch }
        return hit.length
      }
      for (const v of t?.venue === undefined ? (["polymarket", "kalshi"] as const) : [t.venue]) venueStream[v] = mergeStreamFaults(venueStream[v], patch)
      return targets(t).length
    },
    drop: (o) => {
      const hit = targets(o)
      for (const c of hit) c.drop(o?.mode ?? "close", o?.code, o?.reason)
      return hit.length
    },
    malformed: (o) => {
      const hit = targets(o)
      for (const c of hit) c.injectMalformed(o?.text ?? (c.venue === "polymarket" ? '{"event_type":"book","asset_id":' : '{"type":"orderbook_delta","sid":'))
      return hit.length
    },
    skipSeq: (o) => targets(o).filter((c) => c.injectSkipSeq(o?.by ?? 1)).length,
    crossedBook: (o) => targets(o).filter((c) => c.injectCrossed(o?.asset)).length,
    oversized: (o) => targets(o).filter((c) => c.injectOversized(o?.bytes ?? 17 * 1024 * 1024)).length,
    customEvent: (o) => targets(o).filter((c) => c.injectCustomEvent(o.kind, o.asset)).length,
    stall: (o) => targets(o).filter((c) => c.stall()).length,
    failRest: (r) => rest.addFail(r),
    failUpgrade: (o) => {
      upgradeFailures.push({ venue: o?.venue ?? null, status: o?.status ?? 429, remaining: o?.count ?? 1, retryAfterSec: o?.retryAfterSec ?? 1 })
    },
    malformedRecords: (r) => rest.addMalformed(r ?? {}),
    restDown: (d) => { rest.down = d },
    gammaRefuseOffset: (r) => { rest.refuseOffset = r },
    clear: () => {
      rest.clear()
      upgradeFailures = []
      venueStream.polymarket = DEFAULT_STREAM_FAULTS
      venueStream.kalshi = DEFAULT_STREAM_FAULTS
      for (const c of conns.values()) c.overrides = {}
    },
    state: () => ({ venueStream: { ...venueStream }, ...rest.describe(), upgradeFailures: upgradeFailures.map((u) => ({ ...u })) })
  }

  const step = (n = 1): void => {
    for (let i = 0; i < n; i++) engine.tick()
  }

  const server = createServer()
  const restCtx = { engine, rest }
  const onRequest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1")
    const path = url.pathname
    if (path.startsWith("/control/")) {
      return handleControl(req, res, path.slice("/control".length), {
        faults, step, connections: () => Array.from(conns.values()).map((c) => c.info())
      })
    }
    if (rest.down) {
      req.socket.destroy()
      return
    }
    const fail = rest.failureFor(path)
    if (fail !== null) {
      const headers: Record<string, string> = fail.status === 429 ? { "retry-after": String(fail.retryAfterSec) } : {}
      return sendJson(res, fail.status, { error: fail.status === 429 ? "Too Many Requests" : "Internal Server Error" }, headers)
    }
    if (path.startsWith("/gamma/")) return handleGamma(req, res, path.slice("/gamma".length), url.searchParams, restCtx)
    if (path.startsWith("/clob/")) return handleClob(req, res, path.slice("/clob".length), url.searchParams, restCtx)
    if (path.startsWith("/trade-api/v2/")) return handleKalshiRest(req, res, path.slice("/trade-api/v2".length), url.searchParams, restCtx)
    return sendJson(res, 404, { error: `no such path: ${path}` })
  }
  server.on("request", (req, res) => {
    onRequest(req, res).catch((e: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: `simulator: ${e instanceof Error ? e.message : String(e)}` })
      else res.destroy()
    })
  })

  const wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 })
  const pmOpts = {
    maxAssets: opts.polymarketMaxAssets ?? 500,
    subscribeTimeoutMs: opts.polymarketSubscribeTimeoutMs ?? 10_000,
    clientIdleTimeoutMs: opts.polymarketIdleTimeoutMs ?? 60_000
  }
  server.on("upgrade", (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname
    const venue: VenueId | null = path === "/ws/market" ? "polymarket" : path === KALSHI_WS_PATH ? "kalshi" : null
    const refusal = venue === null ? null : upgradeFailure(venue)
    if (refusal !== null) {
      const retry = refusal.status === 429 ? `Retry-After: ${refusal.retryAfterSec}\r\n` : ""
      const body = JSON.stringify({ error: refusal.status === 429 ? "Too Many Requests" : "upgrade refused" })
      socket.end(`HTTP/1.1 ${refusal.status} ${refusal.status === 429 ? "Too Many Requests" : "Error"}\r\n${retry}Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`)
      return
    }
    if (path === "/ws/market") {
      wss.handleUpgrade(req, socket, head, (ws) => {
        const id = `pm-${++counters.polymarket}`
        conns.set(id, replay === null ? new PmConnection(id, ws, core, pmOpts) : new ReplayConnection(id, ws, core, replay, opts.replay?.paceMs ?? 0))
      })
      return
    }
    if (path === KALSHI_WS_PATH) {
      const check = verifyKalshiHandshake(req, KALSHI_WS_PATH, kalshiKey.keyId, publicKey, opts.kalshiAuthWindowMs ?? 10_000)
      if (!check.ok) return rejectUpgrade(socket, 401, "Unauthorized", JSON.stringify({ error: { code: "authentication_error", message: check.reason } }))
      wss.handleUpgrade(req, socket, head, (ws) => {
        const id = `k-${++counters.kalshi}`
        conns.set(id, kalshiReplay === null ? new KalshiConnection(id, ws, core, opts.kalshiPingMs ?? 10_000, opts.kalshiMaxMarketsPerSubscription ?? 0) : new KalshiReplayConnection(id, ws, core, kalshiReplay))
      })
      return
    }
    rejectUpgrade(socket, 404, "Not Found", JSON.stringify({ error: `no WebSocket at ${path}` }))
  })

  const port = await listen(server, opts.port ?? 0)
  const timer = tickMs > 0 ? setInterval(() => engine.tick(), tickMs) : null
  const base = `http://127.0.0.1:${port}`
  const ws = `ws://127.0.0.1:${port}`
  const urls = {
    gamma: `${base}/gamma`,
    clob: `${base}/clob`,
    polymarketWs: `${ws}/ws/market`,
    kalshiRest: `${base}/trade-api/v2`,
    kalshiWs: `${ws}${KALSHI_WS_PATH}`,
    control: `${base}/control`
  }

  let closing: Promise<void> | null = null
  const close = (): Promise<void> => {
    if (closing !== null) return closing
    closing = new Promise<void>((resolve) => {
      if (timer !== null) clearInterval(timer)
      for (const c of conns.values()) c.drop("terminate")
      wss.close()
      server.close(() => resolve())
      server.closeAllConnections()
    })
    return closing
  }

  return {
    urls,
    port,
    kalshiKey,
    truth: makeTruth(engine),
    faults,
    connections: () => Array.from(conns.values()).map((c) => c.info()),
    step,
    configFor: (b) => configFor(urls, kalshiKey, b),
    close
  }
}

const configFor = (urls: SimulatorHandle["urls"], key: KalshiKey, base: Partial<AppConfigEncoded> = {}): AppConfigEncoded => {
  const venues = base.venues ?? {}
  return {
    ...base,
    venues: {
      ...venues,
      polymarket: { ...venues.polymarket, rest_url: urls.gamma, clob_url: urls.clob, ws_url: urls.polymarketWs },
      // api_secret carries the PEM; a private_key_path from the base would point at another key
      kalshi: { ...venues.kalshi, rest_url: urls.kalshiRest, ws_url: urls.kalshiWs, api_key: key.keyId, api_secret: key.privateKeyPem, private_key_path: "" }
    }
  }
}

/** Start the simulator in the current scope; it closes (sockets terminated, port freed) with the scope. */
export const startSimulator = (opts: SimulatorOptions = {}): Effect.Effect<SimulatorHandle, SimulatorError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: () => startSimulatorPromise(opts),
      catch: (e) => new SimulatorError({ message: `simulator failed to start on 127.0.0.1:${opts.port ?? 0}: ${e instanceof Error ? e.message : String(e)}` })
    }),
    (h) => Effect.promise(() => h.close())
  )
