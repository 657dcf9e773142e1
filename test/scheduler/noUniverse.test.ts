import { describe, expect, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import { NO_UNIVERSE_HINT_EVERY_MS } from "../../src/scheduler/SchedulerInputs.js"
import { captureLogs, removeDir, startScheduler, tempDataDir } from "./support.js"

describe("scheduler without a universe", () => {
  it.effect("says once a minute, in one line, which scan command to run", () => {
    const dir = tempDataDir()
    const logs = captureLogs()
    const command = "surveillance scan --config /etc/surveillance/prod.toml --venue kalshi"
    return Effect.gen(function*() {
      const h = yield* startScheduler({ venue: "kalshi", dataDir: dir, rotationSecs: 5, rotationEnabled: true, scanCommand: command })
      // 25 rotations, 5 s apart: t = 0, 5, ..., 120 s
      yield* h.nextReport
      for (let i = 1; i <= 24; i++) {
        yield* TestClock.adjust("5 seconds")
        yield* h.nextReport
      }
      yield* h.stop
      const hints = logs.lines.filter((l) => l.includes("no universe on or before"))
      // t = 0, 60 and 120 s: at most one per NO_UNIVERSE_HINT_EVERY_MS
      expect(NO_UNIVERSE_HINT_EVERY_MS).toBe(60_000)
      expect(hints).toHaveLength(3)
      for (const line of hints) {
        expect(line).not.toContain("\n")
        expect(line).toMatch(/^WARN scheduler kalshi: no universe on or before \d{4}-\d\d-\d\d under .*, so nothing to subscribe; /)
        expect(line).toContain(`run \`${command}\``)
      }
    }).pipe(Effect.provide(logs.layer), Effect.ensuring(Effect.sync(() => removeDir(dir))))
  })
})
