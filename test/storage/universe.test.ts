import { describe, expect, it } from "vitest"
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import type { MarketRecord } from "../../src/domain/Market.js"
import { universePath } from "../../src/storage/paths.js"
import { encodeUniverse, parseUniverse, readNewestUniverse, writeUniverse } from "../../src/storage/universe.js"
import { onLocalDisk } from "../support/onLocalDisk.js"

const market = (i: number, over: Partial<MarketRecord> = {}): MarketRecord => ({
  market_id: `0xcond${i}`, title: `Will thing ${i} happen? "quoted" \u00e9`, outcome_ids: [`${i}1`, `${i}2`], outcomes: ["Yes", "No"],
  close_ts: i % 2 ? null : 1767700000000 + i, status: "active", tags: ["politics"], token_ids: [`${i}1`, `${i}2`],
  event_id: i % 3 ? `ev${i}` : null, slug: `thing-${i}`, volume: i * 1000.5, liquidity: null, tick_size: 0.01, ...over
})

const withDir = async (f: (dir: string) => Promise<void>) => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "universe-"))
  try {
    await f(dir)
  } finally {
    await fs.rm(dir, { recursive: true, force: true })
  }
}

describe("universe JSONL", () => {
  it("encodes one market per line and parses it back", () => {
    const markets = [market(1), market(2), market(3)]
    const text = encodeUniverse(markets)
    expect(text.split("\n")).toHaveLength(4)
    expect(text.endsWith("\n")).toBe(true)
    expect(parseUniverse(text, "u.jsonl")).toEqual({ markets, badLines: 0, badLineDetails: [] })
  })

  it("skips and counts bad lines with their line numbers, keeping the good ones", () => {
    const good = encodeUniverse([market(1), market(2)]).split("\n")
    const text = [
      good[0], "{not json", "", JSON.stringify({ ...market(9), close_ts: "tomorrow" }), good[1], JSON.stringify({ title: "no id" })
    ].join("\n")
    const parsed = parseUniverse(text, "data/metadata/venue=polymarket/date=2026-01-05/universe.jsonl")
    expect(parsed.markets.map((m) => m.market_id)).toEqual(["0xcond1", "0xcond2"])
    expect(parsed.badLines).toBe(3)
    expect(parsed.badLineDetails.map((b) => b.line)).toEqual([2, 4, 6])
    expect(parsed.badLineDetails[0]!.error).toMatch(/^data\/metadata\/venue=polymarket\/date=2026-01-05\/universe\.jsonl:2: invalid JSON/)
    expect(parsed.badLineDetails[1]!.error).toMatch(/close_ts/)
    expect(parsed.badLineDetails[2]!.error).toMatch(/market_id/)
  })

  it("writes atomically and reads today's universe, else the newest earlier one", () =>
    withDir(async (dir) => {
      expect(await onLocalDisk(readNewestUniverse(dir, "polymarket", "2026-01-05"))).toBeNull()
      const p1 = await onLocalDisk(writeUniverse(dir, "polymarket", "2026-01-03", [market(3)]))
      expect(p1).toBe(universePath(dir, "polymarket", "2026-01-03"))
      await onLocalDisk(writeUniverse(dir, "polymarket", "2026-01-07", [market(7)]))
      await onLocalDisk(writeUniverse(dir, "kalshi", "2026-01-05", [market(5, { outcome_ids: ["yes", "no"], token_ids: [] })]))
      // a date folder without a universe file (e.g. a scan that crashed) is skipped
      await fs.mkdir(path.join(dir, "metadata/venue=polymarket/date=2026-01-04"), { recursive: true })
      const older = await onLocalDisk(readNewestUniverse(dir, "polymarket", "2026-01-05"))
      expect(older).toMatchObject({ date: "2026-01-03", path: p1, badLines: 0 })
      expect(older!.markets).toEqual([market(3)])
      expect((await onLocalDisk(readNewestUniverse(dir, "polymarket", "2026-01-07")))!.date).toBe("2026-01-07")
      expect((await onLocalDisk(readNewestUniverse(dir, "kalshi", "2026-01-09")))!.markets[0]!.market_id).toBe("0xcond5")
      expect(await fs.readdir(path.dirname(p1))).toEqual(["universe.jsonl"])
      await expect(onLocalDisk(readNewestUniverse(dir, "polymarket", "yesterday"))).rejects.toThrow(/invalid date "yesterday"/)
    }))
})
