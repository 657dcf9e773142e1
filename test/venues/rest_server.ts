import { Effect, type Scope } from "effect"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"

/** A tiny local HTTP server for REST tests: `handler` answers every request; requests are recorded. */
export const withRestServer = (
  handler: (url: URL, req: IncomingMessage, res: ServerResponse) => void
): Effect.Effect<{ base: string; requests: URL[] }, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.promise(
      () =>
        new Promise<{ base: string; requests: URL[]; close: () => Promise<void> }>((resolve) => {
          const requests: URL[] = []
          const server = createServer((req, res) => {
            const url = new URL(req.url ?? "/", "http://127.0.0.1")
            requests.push(url)
            handler(url, req, res)
          })
          server.listen(0, "127.0.0.1", () => {
            const port = (server.address() as AddressInfo).port
            resolve({
              base: `http://127.0.0.1:${port}`,
              requests,
              close: () =>
                new Promise<void>((done) => {
                  server.close(() => done())
                  server.closeAllConnections()
                })
            })
          })
        })
    ),
    (s) => Effect.promise(() => s.close())
  )

export const sendJson = (res: ServerResponse, status: number, body: unknown): void => {
  const text = JSON.stringify(body)
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) })
  res.end(text)
}
