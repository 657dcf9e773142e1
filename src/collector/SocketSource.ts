import { Chunk, Effect, type Scope, Stream } from "effect"
import { ConnectionError, type SocketHandle, type SocketOpener, type SocketRequest } from "../venues/WebSocketTransport.js"

/**
 * One open socket as a scoped resource whose inbound text frames are a Stream of chunks.
 *
 * The `ws` callbacks push frames into a buffer that the Stream drains, at most `chunkFrames`
 * per chunk. Above `highWater` buffered frames the socket is paused (TCP pushes back on the
 * venue) and resumed once the buffer is empty: the buffer never grows past the high-water
 * mark plus what `ws` had already parsed. Any end of the socket, a clean close included,
 * fails the Stream with a ConnectionError (a supervisor reconnects on failure).
 */
export interface SocketSource {
  readonly send: (text: string) => void
  readonly frames: Stream.Stream<string, ConnectionError>
  /** frames waiting in the buffer (for tests and metrics) */
  readonly buffered: () => number
}

export interface SocketSourceOptions {
  readonly highWater: number
  readonly chunkFrames: number
}

export const openSocketSource = (
  opener: SocketOpener,
  req: SocketRequest,
  opts: SocketSourceOptions
): Effect.Effect<SocketSource, ConnectionError, Scope.Scope> =>
  Effect.gen(function*() {
    let buffer: Array<string> = []
    let head = 0
    let ended: ConnectionError | null = null
    let wake: (() => void) | null = null
    let socket: SocketHandle | null = null
    let paused = false
    const wakeReader = () => {
      const w = wake
      wake = null
      w?.()
    }
    const end = (kind: ConnectionError["kind"], reason: string) => {
      if (ended === null) ended = new ConnectionError({ label: req.label, url: req.url, kind, reason })
      wakeReader()
    }
    socket = yield* opener(req, {
      onText: (text) => {
        buffer.push(text)
        if (!paused && buffer.length - head >= opts.highWater && socket !== null) {
          paused = true
          socket.pause()
        }
        wakeReader()
      },
      onClose: (code, reason) => end("closed", `code ${code}${reason === "" ? "" : ` ${reason}`}`),
      onError: (err) => end("error", err.message)
    })
    const sock = socket
    const takeChunk = (): Chunk.Chunk<string> => {
      const n = Math.min(opts.chunkFrames, buffer.length - head)
      const out = buffer.slice(head, head + n)
      head += n
      if (head === buffer.length) {
        buffer = []
        head = 0
        if (paused) {
          paused = false
          sock.resume()
        }
      }
      return Chunk.unsafeFromArray(out)
    }
    // Frames already buffered are delivered before the end is reported.
    const nextChunk: Effect.Effect<Chunk.Chunk<string>, ConnectionError> = Effect.suspend(() => {
      if (buffer.length > head) return Effect.sync(takeChunk)
      if (ended !== null) return Effect.fail(ended)
      return Effect.async<void>((resume) => {
        wake = () => resume(Effect.void)
        return Effect.sync(() => {
          wake = null
        })
      }).pipe(Effect.zipRight(nextChunk))
    })
    return {
      send: (text) => sock.send(text),
      frames: Stream.repeatEffectChunk(nextChunk),
      buffered: () => buffer.length - head
    }
  })
