import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Logger } from "effect"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { defaultLogFormat, lineLogger, type LogRecord } from "../../src/cli/logger.js"
import { runCli } from "../support/cli.js"

const capture = (format: "json" | "text", program: Effect.Effect<void>) =>
  Effect.gen(function*() {
    const lines: Array<string> = []
    yield* program.pipe(Effect.provide(Logger.replace(Logger.defaultLogger, lineLogger(format, "collect", (l) => void lines.push(l)))))
    return lines.join("").split("\n").filter((l) => l !== "")
  })

describe("one-line logger", () => {
  it.effect("json: time, level, component, venue, message, fields; one line per event, no fiber id", () =>
    Effect.gen(function*() {
      const lines = yield* capture("json", Effect.gen(function*() {
        yield* Effect.logInfo("writer: flushed\n  3 files").pipe(Effect.annotateLogs({ rows: 12 }))
        yield* Effect.logWarning("rotation 2").pipe(Effect.annotateLogs({ component: "scheduler", venue: "kalshi" }))
        yield* Effect.logError("collector polymarket: socket failed", Cause.die(new Error("boom\nsecond line")))
        yield* Effect.logInfo("plain")
      }))
      expect(lines).toHaveLength(4)
      const records = lines.map((l) => JSON.parse(l) as LogRecord)
      for (const r of records) {
        expect(Object.keys(r)).toEqual(["time", "level", "component", "venue", "message", "fields"])
        expect(Number.isNaN(Date.parse(r.time))).toBe(false)
      }
      expect(records[0]).toMatchObject({ level: "info", component: "writer", venue: null, message: "writer: flushed 3 files", fields: { rows: 12 } })
      expect(records[1]).toMatchObject({ level: "warn", component: "scheduler", venue: "kalshi", message: "rotation 2", fields: {} })
      expect(records[2]).toMatchObject({ level: "error", component: "collector", venue: "polymarket" })
      expect(records[2]!.fields["error"]).toBe("Error: boom second line")
      expect(records[3]).toMatchObject({ component: "collect", venue: null, message: "plain" })
      expect(lines.join("\n")).not.toMatch(/fiber/i)
    }))

  it.effect("text: one line, component and venue once, fields as key=value", () =>
    Effect.gen(function*() {
      const lines = yield* capture("text", Effect.gen(function*() {
        yield* Effect.logInfo("scheduler kalshi: rotation 1")
        yield* Effect.logInfo("subscribed").pipe(Effect.annotateLogs({ venue: "polymarket", connection: "hot 1" }))
      }))
      expect(lines).toHaveLength(2)
      expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z INFO  scheduler kalshi: rotation 1$/)
      expect(lines[1]).toMatch(/^\S+Z INFO  \[collect polymarket\] subscribed connection="hot 1"$/)
    }))

  it("text on a terminal, json otherwise", () => {
    expect(defaultLogFormat(true)).toBe("text")
    expect(defaultLogFormat(false)).toBe("json")
    expect(defaultLogFormat(undefined)).toBe("json")
  })

  it("spawned: logs go to stderr, json into a pipe, text with --log-format text", async () => {
    const dir = mkdtempSync(join(tmpdir(), "logfmt-"))
    const config = join(dir, "mock.toml")
    writeFileSync(config, `data_dir = ${JSON.stringify(join(dir, "data"))}\n[mock]\nenabled = true\nmarkets_per_venue = 10\n`)
    const json = await runCli(["scan", "--config", config, "--venue", "kalshi"])
    expect(json.code).toBe(0)
    expect(json.stdout).toMatch(/^kalshi: found 10, kept \d+/)
    const lines = json.stderr.trimEnd().split("\n")
    expect(lines.length).toBeGreaterThan(0)
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ level: "info", component: "scan" })
    const text = await runCli(["scan", "--config", config, "--venue", "kalshi", "--log-format", "text"])
    expect(text.code).toBe(0)
    expect(text.stderr).toMatch(/^\S+Z INFO  \[scan\] mock mode: simulator on 127\.0\.0\.1:\d+/)
    expect(text.stderr.trimEnd().split("\n")).toHaveLength(lines.length)
  }, 90_000)
})
