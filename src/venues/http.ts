import { Clock, Data, Duration, Effect } from "effect"
import { backoffSchedule } from "../domain/Backoff.js"

/**
 * JSON over HTTP for venue discovery (scanner): per-request timeout, bounded retries with
 * the shared backoff Schedule on timeouts, connection failures, 429 (Retry-After honoured)
 * and 5xx, and a shared request-rate limiter. Time comes from Clock, so tests use TestClock.
 */

export class VenueHttpError extends Data.TaggedError("VenueHttpError")<{
  readonly url: string
  readonly host: string
  /** last HTTP status, null when no response arrived */
  readonly status: number | null
  readonly attempts: number
  readonly message: string
  /** the last attempt's underlying error (socket error), when there was one */
  readonly cause?: unknown
}> {}

/** Spaces requests at least 1/rate apart (no bursts); shared by all requests of a venue. */
export interface RateLimiter {
  readonly take: Effect.Effect<void>
}

export const makeRateLimiter = (requestsPerSecond: number): RateLimiter => {
  const intervalMs = 1000 / requestsPerSecond
  let nextSlotMs = Number.NEGATIVE_INFINITY
  return {
    take: Effect.flatMap(Clock.currentTimeMillis, (nowMs) => {
      const slot = Math.max(nowMs, nextSlotMs)
      nextSlotMs = slot + intervalMs
      return slot > nowMs ? Effect.sleep(Duration.millis(slot - nowMs)) : Effect.void
    })
  }
}

export type FetchLike = (url: string, init: { signal: AbortSignal; headers: Record<string, string> }) => Promise<{
  readonly status: number
  readonly headers: { get(name: string): string | null }
  text(): Promise<string>
}>

export interface FetchJsonOptions {
  readonly timeoutMs: number
  /** retries after the first attempt */
  readonly maxRetries: number
  readonly limiter: RateLimiter
  /** first backoff ceiling (doubles per retry; the delay is 50-100% of it), default 500 ms */
  readonly backoffBaseMs?: number
  /** backoff ceiling, default 30 s; also caps Retry-After */
  readonly backoffMaxMs?: number
  /** injectable for tests; default global fetch */
  readonly fetch?: FetchLike
}

/** One failed attempt; `retryable` decides whether another is made. */
interface AttemptFailure {
  readonly retryable: boolean
  readonly status: number | null
  readonly reason: string
  /** server-requested wait (429 Retry-After), ms */
  readonly retryAfterMs: number | null
  readonly cause?: unknown
}

const hostOf = (url: string): string => {
  try {
    return new URL(url).host
  } catch {
    return url
  }
}

/** Retry-After is delta-seconds or an HTTP-date (RFC 9110 section 10.2.3). */
export const parseRetryAfterMs = (value: string | null, nowMs: number): number | null => {
  if (value === null || value.trim() === "") return null
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const at = Date.parse(value)
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs)
}

/** Node's fetch wraps socket errors: `TypeError: fetch failed` with `cause.code`. */
const networkFailure = (error: unknown): AttemptFailure => {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause
  const code = typeof cause?.code === "string" ? cause.code : null
  const detail = code ?? (typeof cause?.message === "string" ? cause.message : String(error))
  // A name that does not resolve will not resolve on retry; refused/reset connections may.
  const permanent = code === "ENOTFOUND" || code === "ERR_INVALID_URL" || detail === "bad port"
  return { retryable: !permanent, status: null, reason: `unreachable (${detail})`, retryAfterMs: null, cause: error }
}

const attemptOnce = (url: string, opts: FetchJsonOptions): Effect.Effect<unknown, AttemptFailure> => {
  const fetchImpl: FetchLike = opts.fetch ?? (fetch as unknown as FetchLike)
  const request = Effect.tryPromise({
    try: async (signal) => {
      const response = await fetchImpl(url, { signal, headers: { accept: "application/json" } })
      return { status: response.status, retryAfter: response.headers.get("retry-after"), body: await response.text() }
    },
    catch: networkFailure
  }).pipe(
    Effect.timeoutFail({
      duration: Duration.millis(opts.timeoutMs),
      onTimeout: (): AttemptFailure => ({
        retryable: true,
        status: null,
        reason: `no response within ${opts.timeoutMs} ms`,
        retryAfterMs: null
      })
    })
  )
  return Effect.zipRight(opts.limiter.take, request).pipe(
    Effect.flatMap(({ status, retryAfter, body }) =>
      Effect.flatMap(Clock.currentTimeMillis, (nowMs): Effect.Effect<unknown, AttemptFailure> => {
        if (status >= 200 && status < 300) {
          try {
            return Effect.succeed(JSON.parse(body) as unknown)
          } catch {
            // a truncated body is usually transient: retry it like a 5xx
            return Effect.fail({ retryable: true, status, reason: "response is not valid JSON", retryAfterMs: null })
          }
        }
        const retryable = status === 429 || status >= 500
        return Effect.fail({
          retryable,
          status,
          reason: `HTTP ${status}`,
          retryAfterMs: status === 429 ? parseRetryAfterMs(retryAfter, nowMs) : null
        })
      })
    )
  )
}

/** GET `url` and parse JSON, retrying per the options. Fails with one-line VenueHttpError. */
export const fetchJson = (url: string, opts: FetchJsonOptions): Effect.Effect<unknown, VenueHttpError> =>
  Effect.suspend(() => {
    let attempts = 0
    const attempt = Effect.suspend(() => {
      attempts++
      return attemptOnce(url, opts)
    })
    const retries = backoffSchedule<AttemptFailure>({
      baseMs: opts.backoffBaseMs ?? 500,
      maxMs: opts.backoffMaxMs ?? 30_000,
      maxRetries: opts.maxRetries,
      requestedDelayMs: (failure) => failure.retryAfterMs,
      onRetry: (failure, delayMs) => Effect.logDebug(`retrying ${url} in ${delayMs} ms: ${failure.reason}`)
    })
    return attempt.pipe(
      Effect.retry({ schedule: retries, while: (failure) => failure.retryable }),
      Effect.mapError((failure) =>
        new VenueHttpError({
          url,
          host: hostOf(url),
          status: failure.status,
          attempts,
          message: `GET ${url} (host ${hostOf(url)}): ${failure.reason} after ${attempts} attempt${attempts === 1 ? "" : "s"}`,
          ...(failure.cause === undefined ? {} : { cause: failure.cause })
        })
      )
    )
  })
