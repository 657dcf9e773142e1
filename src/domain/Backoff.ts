import { Duration, Effect, Schedule } from "effect"

/**
 * The one retry policy of the product (sockets, venue REST, the scheduler fiber): the delay
 * ceiling doubles from `baseMs` up to `maxMs`, and the delay is uniform in
 * [ceiling / 2, ceiling] ("equal jitter"), so many clients failing together spread out and
 * none retries faster than half its ceiling (never a reconnect storm).
 *
 * `resetWhen` returns the ceiling to `baseMs` for a failure that ends a healthy period (the
 * caller says what healthy means), so one incident's backoff does not carry over to the next.
 * `onRetry` sees each failure and the delay actually chosen (after jitter), for logs and counters.
 */
export interface BackoffOptions<E> {
  readonly baseMs: number
  readonly maxMs: number
  readonly resetWhen?: (error: E) => boolean
  /** a wait the failure itself asks for (HTTP Retry-After), used instead of the jittered delay, capped at maxMs */
  readonly requestedDelayMs?: (error: E) => number | null
  readonly onRetry?: (error: E, delayMs: number) => Effect.Effect<void>
  /** retries after the first attempt; unbounded when absent */
  readonly maxRetries?: number
}

export const backoffSchedule = <E>(opts: BackoffOptions<E>): Schedule.Schedule<unknown, E> => {
  const maxMs = Math.max(opts.baseMs, opts.maxMs)
  const ceiling = Schedule.exponential(Duration.millis(opts.baseMs)).pipe(
    Schedule.union(Schedule.spaced(Duration.millis(maxMs)))
  )
  const bounded: Schedule.Schedule<unknown> = opts.maxRetries === undefined
    ? ceiling
    : Schedule.intersect(ceiling, Schedule.recurs(opts.maxRetries))
  const withInput = Schedule.intersect(bounded, Schedule.identity<E>())
  const resetting = opts.resetWhen === undefined
    ? withInput
    : Schedule.resetWhen(withInput, ([, error]) => opts.resetWhen!(error))
  return resetting.pipe(
    Schedule.jitteredWith({ min: 0.5, max: 1 }),
    Schedule.modifyDelayEffect(([, error], delay) => {
      const requested = opts.requestedDelayMs?.(error) ?? null
      const ms = requested === null ? Math.round(Duration.toMillis(delay)) : Math.min(maxMs, Math.max(0, requested))
      return Effect.as(opts.onRetry === undefined ? Effect.void : opts.onRetry(error, ms), Duration.millis(ms))
    })
  )
}
