import { it } from "@effect/vitest"
import { Duration, Effect, Either, Fiber, TestClock } from "effect"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { describe, expect } from "vitest"
import { fetchJson, type FetchLike, makeRateLimiter, parseRetryAfterMs } from "../../src/venues/http.js"

interface Reply {
  readonly status: number
  readonly body?: string
  readonly retryAfter?: string
}

/** A scripted fetch: each call takes the next reply; "hang" never answers (until aborted). */
const scriptedFetch = (replies: Array<Reply | "hang">) => {
  const calls: string[] = []
  let aborted = 0
  const fetch: FetchLike = (url, init) => {
    calls.push(url)
    const next = replies.length > 1 ? replies.shift()! : replies[0]!
    if (next === "hang") {
      return new Promise((_, reject) => {
        init.signal.addEventListener("abort", () => {
          aborted++
          reject(new Error("aborted"))
        })
      })
    }
    return Promise.resolve({
      status: next.status,
      headers: { get: (name: string) => (name === "retry-after" ? next.retryAfter ?? null : null) },
      text: () => Promise.resolve(next.body ?? "{}")
    })
  }
  return { fetch, calls, aborted: () => aborted }
}

const URL_ = "http://venue.test:8080/events?limit=1"
const opts = (fetch: FetchLike, maxRetries = 3) => ({
  timeoutMs: 1000,
  maxRetries,
  limiter: makeRateLimiter(1000),
  fetch
})

describe("fetchJson", () => {
  it.effect("retries 500s with backoff, then returns the parsed body", () =>
    Effect.gen(function* () {
      const s = scriptedFetch([{ status: 500 }, { status: 503 }, { status: 200, body: '{"ok":1}' }])
      const fiber = yield* Effect.fork(fetchJson(URL_, opts(s.fetch)))
      yield* TestClock.adjust(Duration.millis(200))
      // first backoff is at least 250 ms (500 ms jittered 50-150%): still waiting
      expect(s.calls.length).toBe(1)
      expect(yield* Fiber.poll(fiber)).toSatisfy((o: { _tag: string }) => o._tag === "None")
      yield* TestClock.adjust(Duration.seconds(5))
      expect(yield* Fiber.join(fiber)).toEqual({ ok: 1 })
      expect(s.calls.length).toBe(3)
    })
  )

  it.effect("honours Retry-After on 429", () =>
    Effect.gen(function* () {
      const s = scriptedFetch([{ status: 429, retryAfter: "7" }, { status: 200, body: "[1]" }])
      const fiber = yield* Effect.fork(fetchJson(URL_, opts(s.fetch)))
      yield* TestClock.adjust(Duration.millis(6900))
      expect(s.calls.length).toBe(1)
      yield* TestClock.adjust(Duration.millis(200))
      expect(yield* Fiber.join(fiber)).toEqual([1])
      expect(s.calls.length).toBe(2)
    })
  )

  it.effect("gives up after max_retries with one line naming URL, host, status and attempts", () =>
    Effect.gen(function* () {
      const s = scriptedFetch([{ status: 500 }])
      const fiber = yield* Effect.fork(Effect.either(fetchJson(URL_, opts(s.fetch, 3))))
      yield* TestClock.adjust(Duration.minutes(5))
      const result = yield* Fiber.join(fiber)
      expect(s.calls.length).toBe(4)
      if (Either.isRight(result)) throw new Error("expected failure")
      expect(result.left.status).toBe(500)
      expect(result.left.host).toBe("venue.test:8080")
      expect(result.left.message).toBe(`GET ${URL_} (host venue.test:8080): HTTP 500 after 4 attempts`)
    })
  )

  it.effect("caps a long Retry-After at the backoff ceiling", () =>
    Effect.gen(function* () {
      const s = scriptedFetch([{ status: 429, retryAfter: "3600" }, { status: 200, body: "[2]" }])
      const fiber = yield* Effect.fork(fetchJson(URL_, { ...opts(s.fetch), backoffMaxMs: 2000 }))
      yield* TestClock.adjust(Duration.millis(1999))
      expect(s.calls.length).toBe(1)
      yield* TestClock.adjust(Duration.millis(1))
      expect(yield* Fiber.join(fiber)).toEqual([2])
      expect(s.calls.length).toBe(2)
    })
  )

  it.effect("doubles the backoff ceiling per retry up to backoffMaxMs, each delay 50-100% of its ceiling", () =>
    Effect.gen(function* () {
      const s = scriptedFetch([{ status: 503 }])
      const fiber = yield* Effect.fork(
        Effect.either(fetchJson(URL_, { ...opts(s.fetch, 4), backoffBaseMs: 100, backoffMaxMs: 400 }))
      )
      // ceilings 100, 200, 400, 400: attempt n+1 starts between the sums of half ceilings and of ceilings
      const bounds: Array<[atMs: number, minCalls: number, maxCalls: number]> = [
        [49, 1, 1], [100, 2, 2], [149, 2, 2], [300, 3, 3], [349, 3, 3], [549, 3, 4], [700, 4, 5], [1100, 5, 5]
      ]
      let now = 0
      for (const [atMs, minCalls, maxCalls] of bounds) {
        yield* TestClock.adjust(Duration.millis(atMs - now))
        now = atMs
        expect(s.calls.length, `calls at ${atMs} ms`).toBeGreaterThanOrEqual(minCalls)
        expect(s.calls.length, `calls at ${atMs} ms`).toBeLessThanOrEqual(maxCalls)
      }
      const result = yield* Fiber.join(fiber)
      if (Either.isRight(result)) throw new Error("expected failure")
      expect(s.calls.length).toBe(5)
      expect(result.left.attempts).toBe(5)
      expect(result.left.message).toBe(`GET ${URL_} (host venue.test:8080): HTTP 503 after 5 attempts`)
    })
  )

  it.effect("stops at once on a non-retryable status after retryable ones, counting every attempt", () =>
    Effect.gen(function* () {
      const s = scriptedFetch([{ status: 502 }, { status: 403 }])
      const fiber = yield* Effect.fork(Effect.either(fetchJson(URL_, opts(s.fetch, 5))))
      yield* TestClock.adjust(Duration.minutes(1))
      const result = yield* Fiber.join(fiber)
      if (Either.isRight(result)) throw new Error("expected failure")
      expect(s.calls.length).toBe(2)
      expect(result.left.status).toBe(403)
      expect(result.left.message).toBe(`GET ${URL_} (host venue.test:8080): HTTP 403 after 2 attempts`)
    })
  )

  it.effect("does not retry a 404", () =>
    Effect.gen(function* () {
      const s = scriptedFetch([{ status: 404 }])
      const result = yield* Effect.either(fetchJson(URL_, opts(s.fetch)))
      expect(Either.isLeft(result)).toBe(true)
      expect(s.calls.length).toBe(1)
    })
  )

  it.effect("times out a silent request, aborts it, and retries", () =>
    Effect.gen(function* () {
      const s = scriptedFetch(["hang", { status: 200, body: "{}" }])
      const fiber = yield* Effect.fork(fetchJson(URL_, opts(s.fetch)))
      yield* TestClock.adjust(Duration.millis(999))
      expect(s.calls.length).toBe(1)
      yield* TestClock.adjust(Duration.seconds(3))
      expect(yield* Fiber.join(fiber)).toEqual({})
      expect(s.aborted()).toBe(1)
      expect(s.calls.length).toBe(2)
    })
  )

  it.effect("retries a body that is not JSON", () =>
    Effect.gen(function* () {
      const s = scriptedFetch([{ status: 200, body: '{"trunc' }, { status: 200, body: "[]" }])
      const fiber = yield* Effect.fork(fetchJson(URL_, opts(s.fetch)))
      yield* TestClock.adjust(Duration.seconds(5))
      expect(yield* Fiber.join(fiber)).toEqual([])
    })
  )

  it.effect("the rate limiter spaces requests at 1/rate", () =>
    Effect.gen(function* () {
      const s = scriptedFetch([{ status: 200, body: "1" }])
      const limiter = makeRateLimiter(2)
      const fiber = yield* Effect.fork(
        Effect.forEach([1, 2, 3, 4, 5], () => fetchJson(URL_, { ...opts(s.fetch), limiter }), { concurrency: "unbounded" })
      )
      yield* TestClock.adjust(Duration.millis(0))
      expect(s.calls.length).toBe(1)
      yield* TestClock.adjust(Duration.millis(1000))
      expect(s.calls.length).toBe(3)
      yield* TestClock.adjust(Duration.millis(1000))
      expect(s.calls.length).toBe(5)
      yield* Fiber.join(fiber)
    })
  )

  it("parses Retry-After seconds and HTTP dates", () => {
    expect(parseRetryAfterMs("3", 0)).toBe(3000)
    expect(parseRetryAfterMs("Wed, 21 Oct 2026 07:28:10 GMT", Date.parse("Wed, 21 Oct 2026 07:28:00 GMT"))).toBe(10_000)
    expect(parseRetryAfterMs(null, 0)).toBeNull()
    expect(parseRetryAfterMs("soon", 0)).toBeNull()
  })

  it.live("names the host when the connection is refused (real socket)", () =>
    Effect.gen(function* () {
      // bind then close a port so nothing listens on it
      const port = yield* Effect.promise(
        () =>
          new Promise<number>((resolve) => {
            const server = createServer()
            server.listen(0, "127.0.0.1", () => {
              const p = (server.address() as AddressInfo).port
              server.close(() => resolve(p))
            })
          })
      )
      const url = `http://127.0.0.1:${port}/markets`
      const result = yield* Effect.either(
        fetchJson(url, { timeoutMs: 2000, maxRetries: 1, limiter: makeRateLimiter(100), backoffBaseMs: 10 })
      )
      if (Either.isRight(result)) throw new Error("expected failure")
      expect(result.left.message).toContain(`(host 127.0.0.1:${port}): unreachable (ECONNREFUSED) after 2 attempts`)
      // the socket error is kept as the cause, for a debug log; the message stays one line
      expect(String((result.left.cause as { cause?: { code?: string } }).cause?.code)).toBe("ECONNREFUSED")
    })
  )
})
