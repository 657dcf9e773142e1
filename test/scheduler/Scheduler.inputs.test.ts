import * as fs from "node:fs"
import * as path from "node:path"
import { afterEach, beforeEach, describe, expect, it } from "@effect/vitest"
import { Effect, Layer, TestClock } from "effect"
import { writeFileAtomic } from "../../src/storage/atomic.js"
import { encodeStatsRows } from "../../src/storage/parquet/stats.js"
import { statsPath, universePath } from "../../src/storage/paths.js"
import { writeUniverse } from "../../src/storage/universe.js"
import { liquidityUniverse, makeMarket, makeStatsRow, topByLiquidity } from "./fixtures.js"
import { captureLogs, removeDir, startScheduler, tempDataDir } from "./support.js"
import { FileStore, FileStoreLayer } from "../../src/storage/FileStore.js"
import { makeMemoryFileStore } from "../support/MemoryFileStore.js"

const NOW = Date.parse("2026-11-25T06:00:00Z")
const TODAY = "2026-11-25"
const YESTERDAY = "2026-11-24"

let dataDir = ""
beforeEach(() => {
  dataDir = tempDataDir()
})
afterEach(() => removeDir(dataDir))

const sorted = (xs: Iterable<string>) => [...xs].sort()

describe("Scheduler inputs (universe and stats files)", () => {
  it.effect("today's universe missing: yesterday's is used, and today's is picked up at the next rotation once it appears", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(NOW)
      const markets = liquidityUniverse("kalshi", 300)
      yield* writeUniverse(dataDir, "kalshi", YESTERDAY, markets).pipe(Effect.provide(FileStoreLayer))
      const h = yield* startScheduler({ venue: "kalshi", dataDir, rotationEnabled: true, maxSubs: 50, hotCount: 10 })
      const r1 = yield* h.nextReport
      expect([r1.universeDate, r1.eligible, h.fake.live.size]).toEqual([YESTERDAY, 300, 50])
      expect(sorted(h.fake.keysOfTier("hot"))).toEqual(sorted(topByLiquidity(markets, 10)))

      // the scanner writes today's file mid-day: a new market with the most liquidity
      const newcomer = makeMarket("kalshi", 9001, { liquidity: 1e9 })
      yield* writeUniverse(dataDir, "kalshi", TODAY, [...markets, newcomer]).pipe(Effect.provide(FileStoreLayer))
      yield* TestClock.adjust("60 seconds")
      const r2 = yield* h.nextReport
      expect([r2.universeDate, r2.eligible]).toEqual([TODAY, 301])
      expect(h.fake.live.get(newcomer.market_id)?.tier).toBe("hot")

      // a scanner re-run rewrites today's file: the change is picked up too
      const second = makeMarket("kalshi", 9002, { liquidity: 2e9 })
      yield* writeUniverse(dataDir, "kalshi", TODAY, [...markets, newcomer, second]).pipe(Effect.provide(FileStoreLayer))
      yield* TestClock.adjust("60 seconds")
      const r3 = yield* h.nextReport
      expect(r3.eligible).toBe(302)
      expect(h.fake.live.get(second.market_id)?.tier).toBe("hot")
      yield* h.stop
    }))

  it.effect("reads through the FileStore: an in-memory store under TestClock, a rewrite seen by its new modification time", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(NOW)
      const memory = Layer.succeed(FileStore, makeMemoryFileStore())
      const markets = liquidityUniverse("kalshi", 30)
      yield* writeUniverse("/mem/data", "kalshi", TODAY, markets).pipe(Effect.provide(memory))
      const h = yield* startScheduler({ venue: "kalshi", dataDir: "/mem/data", rotationEnabled: true, maxSubs: 10, hotCount: 3, fileStore: memory })
      const r1 = yield* h.nextReport
      expect([r1.universeDate, r1.eligible, h.fake.live.size]).toEqual([TODAY, 30, 10])
      // same size, new content: only the modification time (TestClock's) tells the change
      const swapped = markets.map((m, i) => (i === 29 ? { ...m, liquidity: 1e12 } : m))
      yield* TestClock.adjust("30 seconds")
      yield* writeUniverse("/mem/data", "kalshi", TODAY, swapped).pipe(Effect.provide(memory))
      yield* TestClock.adjust("30 seconds")
      const r2 = yield* h.nextReport
      expect(r2.hotMarkets[0]).toBe(markets[29]!.market_id)
      expect(fs.existsSync("/mem")).toBe(false)
      yield* h.stop
    }))

  it.effect("an empty universe file for today never empties the target: the newest good one stays", () => {
    const logs = captureLogs()
    return Effect.gen(function*() {
      yield* TestClock.setTime(NOW)
      const markets = liquidityUniverse("kalshi", 100)
      yield* writeUniverse(dataDir, "kalshi", YESTERDAY, markets).pipe(Effect.provide(FileStoreLayer))
      const todayFile = universePath(dataDir, "kalshi", TODAY)
      fs.mkdirSync(path.dirname(todayFile), { recursive: true })
      fs.writeFileSync(todayFile, "")
      const h = yield* startScheduler({ venue: "kalshi", dataDir, rotationEnabled: true, maxSubs: 20, hotCount: 5 })
      const r1 = yield* h.nextReport
      expect([r1.universeDate, h.fake.live.size]).toEqual([YESTERDAY, 20])
      yield* TestClock.adjust("60 seconds")
      yield* h.nextReport
      yield* h.stop
      expect(h.fake.live.size).toBe(20)
      expect(logs.lines.filter((l) => l.includes("has no markets")).length).toBe(1)
    }).pipe(Effect.provide(logs.layer))
  })

  it.effect("no universe at all: nothing subscribed and a warning, then the first file is used", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(NOW)
      const h = yield* startScheduler({ venue: "polymarket", dataDir, rotationEnabled: false, maxSubs: 20, hotCount: 4 })
      const r1 = yield* h.nextReport
      expect([r1.universeDate, r1.eligible, h.fake.live.size]).toEqual([null, 0, 0])
      yield* writeUniverse(dataDir, "polymarket", TODAY, liquidityUniverse("polymarket", 50)).pipe(Effect.provide(FileStoreLayer))
      yield* TestClock.adjust("60 seconds")
      const r2 = yield* h.nextReport
      // rotation disabled keeps the first NON-EMPTY target
      expect([r2.universeDate, h.fake.live.size, h.fake.keysOfTier("hot").length]).toEqual([TODAY, 20, 4])
      yield* h.stop
    }))

  it.effect("stats change the HOT set: the best-stats market moves into HOT at the next rotation", () => {
    const logs = captureLogs()
    return Effect.gen(function*() {
      yield* TestClock.setTime(NOW)
      const markets = liquidityUniverse("polymarket", 200)
      yield* writeUniverse(dataDir, "polymarket", TODAY, markets).pipe(Effect.provide(FileStoreLayer))
      const h = yield* startScheduler({ venue: "polymarket", dataDir, rotationEnabled: true, maxSubs: 40, hotCount: 10 })
      const r1 = yield* h.nextReport
      expect(r1.statsDate).toBeNull()
      expect(logs.lines.some((l) => l.startsWith("WARN") && l.includes("no stats file"))).toBe(true)
      const hintHot = topByLiquidity(markets, 5)
      expect(r1.hotMarkets).toEqual(hintHot)

      // the miner measured the market with the LEAST liquidity as the best one (yesterday's file)
      const worstByHints = [...markets].sort((a, b) => (a.liquidity ?? 0) - (b.liquidity ?? 0))[0]!
      const rows = [
        makeStatsRow("polymarket", worstByHints.market_id, worstByHints.token_ids[0]!, { score: 5 }),
        makeStatsRow("polymarket", worstByHints.market_id, worstByHints.token_ids[1]!, { score: 4.5 }),
        makeStatsRow("polymarket", hintHot[4]!, "x", { score: 0 })
      ]
      yield* Effect.promise(() => writeFileAtomic(statsPath(dataDir, "polymarket", YESTERDAY), encodeStatsRows(rows)))
      // not before the next rotation
      yield* TestClock.adjust("30 seconds")
      expect(h.fake.live.get(worstByHints.token_ids[0]!)?.tier).toBeUndefined()
      yield* TestClock.adjust("30 seconds")
      const r2 = yield* h.nextReport
      expect(r2.statsDate).toBe(YESTERDAY)
      expect(r2.hotMarkets[0]).toBe(worstByHints.market_id)
      // measured dead (score 0) falls out of HOT, below every unmeasured market
      expect(r2.hotMarkets).not.toContain(hintHot[4])
      expect(h.fake.live.get(worstByHints.token_ids[0]!)?.tier).toBe("hot")
      expect(h.fake.live.get(worstByHints.token_ids[1]!)?.tier).toBe("hot")
      expect(h.fake.keysOfTier("hot").length).toBe(10)
      yield* h.stop
    }).pipe(Effect.provide(logs.layer))
  })

  it.effect("an unreadable stats file falls back to universe hints with one warning; a stats file older than 7 days is ignored", () => {
    const logs = captureLogs()
    return Effect.gen(function*() {
      yield* TestClock.setTime(NOW)
      const markets = liquidityUniverse("kalshi", 100)
      yield* writeUniverse(dataDir, "kalshi", TODAY, markets).pipe(Effect.provide(FileStoreLayer))
      const lowest = [...markets].sort((a, b) => (a.liquidity ?? 0) - (b.liquidity ?? 0))[0]!
      // a valid file from 8 days ago that would make `lowest` HOT if it were used
      yield* Effect.promise(() =>
        writeFileAtomic(statsPath(dataDir, "kalshi", "2026-11-17"), encodeStatsRows([makeStatsRow("kalshi", lowest.market_id, "yes", { score: 9 })]))
      )
      const bad = statsPath(dataDir, "kalshi", TODAY)
      fs.mkdirSync(path.dirname(bad), { recursive: true })
      fs.writeFileSync(bad, "PAR1 this is not parquet")
      const h = yield* startScheduler({ venue: "kalshi", dataDir, rotationEnabled: true, maxSubs: 20, hotCount: 5 })
      const r1 = yield* h.nextReport
      yield* TestClock.adjust("60 seconds")
      const r2 = yield* h.nextReport
      yield* h.stop
      expect([r1.statsDate, r2.statsDate]).toEqual([null, null])
      expect(r2.hotMarkets).toEqual(topByLiquidity(markets, 5))
      const warnings = logs.lines.filter((l) => l.startsWith("WARN") && l.includes("unreadable"))
      expect(warnings.length).toBe(1)
      expect(warnings[0]).toContain(bad)
      expect(warnings[0]).toContain("universe hints")
    }).pipe(Effect.provide(logs.layer))
  })
})
