import { describe, expect, it } from "@effect/vitest"
import { Effect, Schedule } from "effect"
import { backoffSchedule } from "../../src/domain/Backoff.js"

/** Delays the schedule chooses for a run of failures (`healthy` marks the ones that reset it). */
const delaysFor = (failures: ReadonlyArray<{ readonly healthy: boolean; readonly retryAfterMs?: number }>, baseMs: number, maxMs: number) =>
  Effect.gen(function*() {
    const delays: Array<number> = []
    const driver = yield* Schedule.driver(backoffSchedule<{ readonly healthy: boolean; readonly retryAfterMs?: number }>({
      baseMs,
      maxMs,
      resetWhen: (e) => e.healthy,
      requestedDelayMs: (e) => e.retryAfterMs ?? null,
      onRetry: (_e, ms) => Effect.sync(() => void delays.push(ms))
    }))
    for (const f of failures) yield* driver.next(f)
    return delays
  })

describe("backoffSchedule (the one retry policy)", () => {
  it.live("doubles from base to the cap with equal jitter: each delay within [ceiling/2, ceiling]", () =>
    Effect.gen(function*() {
      const delays = yield* delaysFor(Array.from({ length: 9 }, () => ({ healthy: false })), 1, 40)
      const ceilings = [1, 2, 4, 8, 16, 32, 40, 40, 40]
      delays.forEach((d, i) => {
        expect(d).toBeGreaterThanOrEqual(Math.floor(ceilings[i]! / 2))
        expect(d).toBeLessThanOrEqual(ceilings[i]!)
      })
    }))

  it.live("a failure after a healthy period starts the next incident from the base delay", () =>
    Effect.gen(function*() {
      const delays = yield* delaysFor([{ healthy: false }, { healthy: false }, { healthy: false }, { healthy: false }, { healthy: true }], 4, 1000)
      expect(delays[3]).toBeGreaterThanOrEqual(16)
      expect(delays[4]).toBeLessThanOrEqual(4)
    }))

  it.live("a requested wait (Retry-After) replaces the jittered delay, capped at the maximum", () =>
    Effect.gen(function*() {
      const delays = yield* delaysFor([{ healthy: false, retryAfterMs: 7 }, { healthy: false, retryAfterMs: 5000 }], 1, 30)
      expect(delays).toEqual([7, 30])
    }))

  it.live("maxRetries bounds the attempts", () =>
    Effect.gen(function*() {
      let attempts = 0
      const exit = yield* Effect.exit(
        Effect.suspend(() => {
          attempts++
          return Effect.fail("down")
        }).pipe(Effect.retry(backoffSchedule<string>({ baseMs: 1, maxMs: 2, maxRetries: 3 })))
      )
      expect(exit._tag).toBe("Failure")
      expect(attempts).toBe(4)
    }))
})
