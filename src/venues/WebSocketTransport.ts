import { Data, Effect, type Scope } from "effect"
import WebSocket from "ws"

/**
 * The WebSocket transport: how a connection's socket is opened (the `ws` client here; an
 * in-memory one in tests). Frames reach the caller through `SocketEvents` callbacks; the
 * collector turns them into a Stream (src/collector/SocketSource.ts).
 */

export class ConnectionError extends Data.TaggedError("ConnectionError")<{
  readonly label: string
  readonly url: string
  readonly kind: "connect" | "closed" | "error" | "silent"
  readonly reason: string
  /** the venue asked us to wait this long before the next attempt (HTTP 429 Retry-After) */
  readonly retryAfterMs?: number
}> {
  override get message(): string {
    return `${this.label}: ${this.kind} (${this.reason}) at ${this.url}`
  }
}

/** What the rest of the collector sees of an open socket. */
export interface SocketHandle {
  send(text: string): void
  /** stop reading (TCP backpressure) while the inbox is over its high-water mark */
  pause(): void
  resume(): void
}

export interface SocketEvents {
  onText(text: string): void
  onClose(code: number, reason: string): void
  onError(error: Error): void
}

export interface SocketRequest {
  /** the connection's label (e.g. "polymarket#0"), for error messages */
  readonly label: string
  readonly url: string
  readonly headers: Record<string, string>
  readonly maxPayload: number
  readonly handshakeTimeoutMs: number
}

/** Opens a socket, resolving once it is open; the scope closes it. */
export type SocketOpener = (
  req: SocketRequest,
  events: SocketEvents
) => Effect.Effect<SocketHandle, ConnectionError, Scope.Scope>

const frameText = (data: WebSocket.RawData): string =>
  Buffer.isBuffer(data)
    ? data.toString("utf8")
    : Array.isArray(data)
    ? Buffer.concat(data).toString("utf8")
    : Buffer.from(data).toString("utf8")

/** The real opener: `ws` with `maxPayload` (an oversized frame closes the socket with 1009). */
export const wsOpener: SocketOpener = (req, events) =>
  Effect.acquireRelease(
    Effect.async<WebSocket, ConnectionError>((resume) => {
      const ws = new WebSocket(req.url, {
        headers: req.headers,
        maxPayload: req.maxPayload,
        handshakeTimeout: req.handshakeTimeoutMs,
        perMessageDeflate: false
      })
      let opened = false
      let settled = false
      // a refused upgrade can raise 'unexpected-response', 'error' and 'close': report the first
      const fail = (kind: ConnectionError["kind"], reason: string, retryAfterMs?: number) => {
        if (settled) return
        settled = true
        resume(Effect.fail(new ConnectionError({
          label: req.label, url: req.url, kind, reason, ...(retryAfterMs !== undefined ? { retryAfterMs } : {})
        })))
      }
      ws.on("open", () => {
        if (settled) return
        opened = true
        settled = true
        resume(Effect.succeed(ws))
      })
      // ws answers the server's ping control frames itself (Kalshi pings every ~10 s).
      ws.on("message", (data) => events.onText(frameText(data)))
      ws.on("unexpected-response", (_req, res) => {
        // e.g. HTTP 429 when too many sockets open at once (PROTOCOLS.md Polymarket), 401 bad auth
        const retryAfter = retryAfterMs(res.headers["retry-after"])
        fail("connect", `HTTP ${res.statusCode ?? "?"} on upgrade`, res.statusCode === 429 ? retryAfter : undefined)
        ws.terminate()
      })
      ws.on("error", (err) => {
        if (opened) events.onError(err)
        else fail("connect", err.message)
      })
      ws.on("close", (code, reason) => {
        if (opened) events.onClose(code, reason.toString("utf8"))
        else fail("connect", `closed during handshake (${code})`)
      })
      return Effect.sync(() => ws.terminate())
    }),
    (ws) => Effect.sync(() => ws.terminate())
  ).pipe(Effect.map((ws): SocketHandle => ({
    send: (text) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(text)
    },
    pause: () => ws.pause(),
    resume: () => ws.resume()
  })))

/** Retry-After in seconds (the form venues send on a refused upgrade); undefined when absent or unreadable. */
const retryAfterMs = (value: string | Array<string> | undefined): number | undefined => {
  const text = Array.isArray(value) ? value[0] : value
  if (text === undefined || text.trim() === "") return undefined
  const seconds = Number(text)
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined
}
