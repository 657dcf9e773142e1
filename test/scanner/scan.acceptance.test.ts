import { it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { runCli } from "../support/cli.js"
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { describe, expect } from "vitest"
import { AppConfig, type AppConfigEncoded } from "../../src/config/schema.js"
import type { MarketRecord } from "../../src/domain/Market.js"
import type { VenueId } from "../../src/domain/VenueId.js"
import { runScanCommand } from "../../src/scanner/command.js"
import { startSimulator, type SimulatorHandle } from "../../src/simulator/Simulator.js"
import type { LiveMarket } from "../../src/simulator/truth.js"
import { isTempFile, universePath, utcDate } from "../../src/storage/paths.js"
import { parseUniverse } from "../../src/storage/universe.js"
import { VenuesLive } from "../../src/venues/VenueLayers.js"

const HOUR = 3_600_000
const MIN_HOURS = 24
// deliberately in odd case: the filter is case-insensitive
const PATTERNS = ["TEMPERATURE", "^fed "]

const decodeConfig = (encoded: AppConfigEncoded): AppConfig => Schema.decodeUnknownSync(AppConfig)(encoded)

const filtered = (
  base: Partial<AppConfigEncoded> & { data_dir: string },
  overrides: { maxRetries?: number; timeoutMs?: number } = {}
): Partial<AppConfigEncoded> => {
  const venue = {
    exclude_title_patterns: PATTERNS,
    min_hours_until_close: MIN_HOURS,
    requests_per_second: 200,
    max_retries: overrides.maxRetries ?? 5,
    request_timeout_ms: overrides.timeoutMs ?? 10_000
  }
  return { ...base, venues: { polymarket: venue, kalshi: venue } }
}

const readUniverse = (dataDir: string, venue: VenueId, date: string): MarketRecord[] => {
  const file = universePath(dataDir, venue, date)
  const parsed = parseUniverse(readFileSync(file, "utf8"), file)
  expect(parsed.badLines).toBe(0)
  return parsed.markets
}

/** Independent reading of the filters (DESIGN section 5 / issue 4) applied to the simulator's truth. */
const expectedFromTruth = (truth: ReadonlyArray<LiveMarket>, fromMs: number, toMs: number) => {
  const patterns = PATTERNS.map((p) => p.toLowerCase())
  const matches = (title: string) =>
    patterns.some((p) => (p.startsWith("^") ? title.toLowerCase().startsWith(p.slice(1)) : title.toLowerCase().includes(p)))
  const keep = new Map<string, LiveMarket>()
  const ambiguous = new Set<string>()
  for (const m of truth) {
    if (matches(m.title)) continue
    // the scan reads the clock once; markets closing inside the test's time window could go either way
    if (m.close_ts >= fromMs + MIN_HOURS * HOUR && m.close_ts <= toMs + MIN_HOURS * HOUR) ambiguous.add(m.market_id)
    else if (m.close_ts > toMs + MIN_HOURS * HOUR) keep.set(m.market_id, m)
  }
  return { keep, ambiguous }
}

const expectSameRecord = (got: MarketRecord, want: LiveMarket) => {
  expect({
    title: got.title,
    close_ts: got.close_ts,
    outcome_ids: got.outcome_ids,
    outcomes: got.outcomes,
    token_ids: got.token_ids,
    event_id: got.event_id,
    slug: got.slug,
    tags: got.tags,
    tick_size: got.tick_size,
    status: got.status
  }).toEqual({
    title: want.title,
    close_ts: want.close_ts,
    outcome_ids: want.outcome_ids,
    outcomes: want.outcomes,
    token_ids: want.token_ids,
    event_id: want.event_id,
    slug: want.slug,
    tags: want.tags,
    tick_size: want.tick_size,
    status: "active"
  })
  expect(got.volume).toBeCloseTo(want.volume, 2)
  expect(got.liquidity).toBeCloseTo(want.liquidity, 2)
}

const compareWithTruth = (sim: SimulatorHandle, dataDir: string, venue: VenueId, fromMs: number, toMs: number) => {
  const got = readUniverse(dataDir, venue, utcDate(toMs))
  const { keep, ambiguous } = expectedFromTruth(sim.truth.liveMarkets(venue), fromMs, toMs)
  const gotIds = new Set<string>()
  for (const m of got) {
    expect(gotIds.has(m.market_id)).toBe(false)
    gotIds.add(m.market_id)
    if (ambiguous.has(m.market_id)) continue
    const want = keep.get(m.market_id)
    if (want === undefined) throw new Error(`${venue}: ${m.market_id} is in the universe but not live-and-filtered truth`)
    expectSameRecord(m, want)
  }
  const missing = [...keep.keys()].filter((id) => !gotIds.has(id))
  return { got: got.length, expected: keep.size, missing, ambiguous: ambiguous.size }
}

const tmpDataDir = () => mkdtempSync(join(tmpdir(), "scan-"))

describe("scanner against the simulator (issue 4 acceptance)", () => {
  it.scopedLive(
    "20,000 + 5,000 markets with 429s, 500s and malformed records: every kept record is the filtered truth, only broken ones missing",
    () =>
      Effect.gen(function* () {
        const sim = yield* startSimulator({ seed: 7, polymarketMarkets: 20_000, kalshiMarkets: 5_000, tickMs: 0 })

        // 429 (Retry-After) and 500 on some pages, broken records on others
        sim.faults.failRest({ pathPrefix: "/gamma/events", status: 429, count: 2, retryAfterSec: 1 })
        sim.faults.failRest({ pathPrefix: "/gamma/events", status: 500, count: 2 })
        sim.faults.failRest({ pathPrefix: "/trade-api/v2/markets", status: 500, count: 3 })
        sim.faults.failRest({ pathPrefix: "/trade-api/v2/markets", status: 429, count: 1, retryAfterSec: 1 })
        sim.faults.malformedRecords({ pathPrefix: "/gamma/events", count: 3 })
        sim.faults.malformedRecords({ pathPrefix: "/trade-api/v2/markets", count: 2 })
        const dir = tmpDataDir()
        const cfg = decodeConfig(sim.configFor(filtered({ data_dir: dir })))
        const f0 = Date.now()
        const faulted = yield* runScanCommand(cfg, [], { backoffBaseMs: 50 }).pipe(Effect.provide(VenuesLive(cfg)))
        const f1 = Date.now()
        // includes two 1 s Retry-After waits (one per venue); a clean scan is measured in scratch runs
        console.log(`faulted scan of 20,000 + 5,000 simulated markets: ${((f1 - f0) / 1000).toFixed(2)} s\n${faulted.lines.join("\n")}`)
        expect(faulted.failures).toEqual([])
        const pmLine = faulted.lines.find((l) => l.startsWith("polymarket:"))!
        const kLine = faulted.lines.find((l) => l.startsWith("kalshi:"))!
        expect(pmLine).toContain("malformed 3;")
        expect(kLine).toContain("malformed 2;")
        expect(sim.faults.state().restRules.every((r) => r.remaining === 0)).toBe(true)
        for (const [venue, broken] of [["polymarket", 3], ["kalshi", 2]] as const) {
          const r = compareWithTruth(sim, dir, venue, f0, f1)
          // every kept record equals the truth (checked in compareWithTruth); the broken records
          // are the only live-and-filtered markets that may be absent
          expect(r.missing.length).toBeLessThanOrEqual(broken)
          expect(r.expected).toBeGreaterThan(venue === "polymarket" ? 10_000 : 2_000)
        }
      }),
    240_000
  )

  it.scopedLive(
    "a venue whose REST is down: exit 1, the other venue is written, its previous universe untouched, no partial file",
    () =>
      Effect.gen(function* () {
        const sim = yield* startSimulator({ seed: 3, polymarketMarkets: 300, kalshiMarkets: 200, tickMs: 0 })
        sim.faults.failRest({ pathPrefix: "/trade-api/v2", status: 503, fraction: 1 })
        const dir = tmpDataDir()
        const today = utcDate(Date.now())
        const yesterday = utcDate(Date.now() - 24 * HOUR)
        const kalshiYesterday = universePath(dir, "kalshi", yesterday)
        const kalshiToday = universePath(dir, "kalshi", today)
        const { writeUniverse } = yield* Effect.promise(() => import("../../src/storage/universe.js"))
        yield* Effect.promise(() => writeUniverse(dir, "kalshi", yesterday, []))
        // an unrelated file in today's kalshi folder: the failed venue must add nothing beside it
        mkdirSync(dirname(kalshiToday), { recursive: true })
        writeFileSync(join(dirname(kalshiToday), "marker"), "x")
        const before = readFileSync(kalshiYesterday, "utf8")

        const configFile = join(dir, "down.toml")
        const encoded = sim.configFor(filtered({ data_dir: dir }, { maxRetries: 2, timeoutMs: 2000 }))
        const { stringify } = yield* Effect.promise(() => import("smol-toml"))
        writeFileSync(configFile, stringify(encoded as Record<string, unknown>))
        const r = yield* Effect.promise(() => runCli(["scan", "--config", configFile]))

        expect(r.code).toBe(1)
        const errLines = r.stderr.trimEnd().split("\n")
        expect(errLines).toHaveLength(1)
        expect(errLines[0]).toMatch(/^surveillance: kalshi: scan failed .*HTTP 503 after 3 attempts/)
        expect(r.stdout).toMatch(/^polymarket: found \d+, kept \d+/)
        expect(readUniverse(dir, "polymarket", today).length).toBeGreaterThan(0)
        expect(readFileSync(kalshiYesterday, "utf8")).toBe(before)
        expect(readdirSync(dirname(kalshiToday))).toEqual(["marker"])
        expect(readdirSync(dirname(universePath(dir, "polymarket", today))).filter(isTempFile)).toEqual([])
      }),
    120_000
  )

  it.scopedLive("a venue whose connections are reset (restDown) fails with one line naming the host", () =>
    Effect.gen(function* () {
      const sim = yield* startSimulator({ seed: 3, polymarketMarkets: 50, kalshiMarkets: 50, tickMs: 0 })
      sim.faults.restDown(true)
      const dir = tmpDataDir()
      const cfg = decodeConfig(sim.configFor(filtered({ data_dir: dir }, { maxRetries: 1, timeoutMs: 2000 })))
      const r = yield* runScanCommand(cfg, ["kalshi"], { backoffBaseMs: 10 }).pipe(Effect.provide(VenuesLive(cfg)))
      expect(r.lines).toEqual([])
      expect(r.failures).toHaveLength(1)
      expect(r.failures[0]).toContain(`(host 127.0.0.1:${sim.port}): unreachable`)
      expect(r.failures[0]).toContain("after 2 attempts")
    })
  )
})
