import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Effect, Fiber, Logger, Queue, Layer } from "effect"
import type { MarketRecord } from "../../src/domain/Market.js"
import type { VenueId } from "../../src/domain/VenueId.js"
import type { SchedulerInputs } from "../../src/scheduler/SchedulerInputs.js"
import { runScheduler, type RotationReport, type SchedulerOptions } from "../../src/scheduler/Scheduler.js"
import { makeFakeSubscriptionControl, type FakeSubscriptionControl } from "../support/fakeSubscriptionControl.js"
import { kalshiMarketKeys } from "../../src/venues/kalshi/KalshiLive.js"
import { polymarketMarketKeys } from "../../src/venues/polymarket/PolymarketLive.js"
import { type FileStore, FileStoreLayer } from "../../src/storage/FileStore.js"

/** Helpers for the scheduler fiber tests (TestClock + fake control). */

export const tempDataDir = (): string => fs.mkdtempSync(path.join(os.tmpdir(), "sched-test-"))
export const removeDir = (dir: string): void => fs.rmSync(dir, { recursive: true, force: true })

export const memoryInputs = (markets: () => ReadonlyArray<MarketRecord>, date = "2026-11-25"): SchedulerInputs => ({
  refresh: () => Effect.sync(() => ({ universe: { date, path: "<memory>", markets: markets(), badLines: 0 }, stats: null }))
})

export interface Harness {
  readonly fake: FakeSubscriptionControl
  readonly reports: Queue.Queue<RotationReport>
  /** waits for the next rotation report */
  readonly nextReport: Effect.Effect<RotationReport>
  readonly stop: Effect.Effect<void>
}

export const startScheduler = (
  opts: Omit<SchedulerOptions, "control" | "onRotation" | "venueConfig" | "dataDir" | "keysOf"> & {
    readonly venue: VenueId
    readonly dataDir?: string
    readonly maxSubs?: number
    readonly hotCount?: number
    readonly rotationSecs?: number
    readonly churn?: number
    readonly mode?: "rotate" | "all"
    readonly minHoursUntilClose?: number
    /** where the scheduler reads its files: the local disk unless a test gives another store */
    readonly fileStore?: Layer.Layer<FileStore>
  }
) =>
  Effect.gen(function*() {
    const fake = makeFakeSubscriptionControl()
    const reports = yield* Queue.unbounded<RotationReport>()
    const fiber = yield* Effect.fork(runScheduler({
      ...opts,
      keysOf: opts.venue === "kalshi" ? kalshiMarketKeys : polymarketMarketKeys,
      dataDir: opts.dataDir ?? "<unused>",
      venueConfig: {
        max_subs: opts.maxSubs ?? 200,
        hot_count: opts.hotCount ?? 40,
        rotation_period_secs: opts.rotationSecs ?? 60,
        subscription_churn_limit_per_minute: opts.churn ?? 1_000_000_000,
        min_hours_until_close: opts.minHoursUntilClose ?? 1,
        rotation_mode: opts.mode ?? "rotate"
      },
      control: fake.control,
      onRotation: (r) => Queue.offer(reports, r)
    }).pipe(Effect.provide(opts.fileStore ?? FileStoreLayer)))
    const harness: Harness = { fake, reports, nextReport: Queue.take(reports), stop: Fiber.interrupt(fiber).pipe(Effect.asVoid) }
    return harness
  })

/** Collects log lines (level + message) of everything run under the returned layer. */
export const captureLogs = () => {
  const lines: Array<string> = []
  const logger = Logger.make(({ logLevel, message }) => {
    const text = Array.isArray(message) ? message.map(String).join(" ") : String(message)
    lines.push(`${logLevel.label} ${text}`)
  })
  return { lines, layer: Logger.replace(Logger.defaultLogger, logger) }
}

/** Largest number of live-set changes in any half-open minute [t, t + 60 s). */
export const maxChangesPerRollingMinute = (times: ReadonlyArray<number>): number => {
  const ts = [...times].sort((a, b) => a - b)
  let best = 0
  let j = 0
  for (let i = 0; i < ts.length; i++) {
    while (ts[j]! + 60_000 <= ts[i]!) j++
    best = Math.max(best, i - j + 1)
  }
  return best
}
