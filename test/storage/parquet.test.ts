import { describe, expect, it } from "vitest"
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { SNAPSHOT_COLUMNS, type SnapshotRow } from "../../src/domain/SnapshotRow.js"
import { STATS_COLUMNS } from "../../src/domain/StatsRow.js"
import { TRADE_COLUMNS } from "../../src/domain/TradeRow.js"
import { encodeSnapshotRows, readSnapshotFile, SNAPSHOT_TABLE } from "../../src/storage/parquet/snapshots.js"
import { encodeStatsRows, readStatsFile, STATS_TABLE } from "../../src/storage/parquet/stats.js"
import { encodeTable, readColumns, readTable } from "../../src/storage/parquet/table.js"
import { encodeTradeRows, readTradeFile, TRADE_TABLE } from "../../src/storage/parquet/trades.js"
import { makeSnapshotRow, makeStatsRow, makeTradeRow, rng } from "./support/rows.js"

const withFile = async (f: (file: string) => Promise<void>) => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "parquet-"))
  try {
    await f(path.join(dir, "t.parquet"))
  } finally {
    await fs.rm(dir, { recursive: true, force: true })
  }
}

const T0 = Date.UTC(2026, 0, 5, 7, 40)

const edgeRows: SnapshotRow[] = [
  {
    ts_recv: T0, venue: "polymarket", market_id: "0xabc", outcome_id: "111", seq: 0,
    best_bid_px: Number.NaN, best_bid_sz: 0, best_ask_px: Number.NaN, best_ask_sz: 0, mid: Number.NaN, spread: Number.NaN,
    bid_px: [], bid_sz: [], ask_px: [], ask_sz: [], status: "empty", err: null, source_ts: null
  },
  {
    ts_recv: T0 + 1, venue: "polymarket", market_id: "0xabc", outcome_id: "222", seq: 2 ** 40,
    best_bid_px: 0.499, best_bid_sz: 12.5, best_ask_px: Number.NaN, best_ask_sz: 0, mid: Number.NaN, spread: Number.NaN,
    bid_px: Array.from({ length: 50 }, (_, i) => Math.round((0.499 - i * 0.001) * 1000) / 1000),
    bid_sz: Array.from({ length: 50 }, (_, i) => i + 0.25),
    ask_px: [], ask_sz: [], status: "partial", err: null, source_ts: T0 - 1234
  },
  {
    ts_recv: T0 + 2, venue: "kalshi", market_id: "KXBTC-26JAN05", outcome_id: "yes", seq: 17,
    best_bid_px: 0.6, best_bid_sz: 1, best_ask_px: 0.59, best_ask_sz: 2, mid: 0.595, spread: -0.01,
    bid_px: [0.6], bid_sz: [1], ask_px: [0.59], ask_sz: [2], status: "crossed", err: "crossed book", source_ts: T0
  }
]

describe("parquet codecs", () => {
  it("round-trips snapshot rows: NaN prices, empty lists, 50-level lists, null source_ts, many row groups", () =>
    withFile(async (file) => {
      const r = rng(1)
      const rows = [...edgeRows, ...Array.from({ length: 300 }, (_, i) => makeSnapshotRow(r, T0 + 10 + i, i % 3 ? "polymarket" : "kalshi", i % 17, 50))]
      await fs.writeFile(file, encodeSnapshotRows(rows, { rowGroupSize: 64 }))
      const back = await readSnapshotFile(file)
      expect(back).toEqual(rows)
      // NaN stays NaN (not null), empty lists stay [] (not null), null stays null
      expect(Number.isNaN(back[0]!.mid)).toBe(true)
      expect(back[0]!.bid_px).toEqual([])
      expect(back[0]!.source_ts).toBeNull()
      expect(back[1]!.bid_px).toHaveLength(50)
      expect(back[1]!.seq).toBe(2 ** 40)
      expect(Object.keys(back[0]!)).toEqual(SNAPSHOT_COLUMNS.filter((c) => c !== "event_seq"))
    }))

  it("reads only the projected columns, as objects and as columns across row groups", () =>
    withFile(async (file) => {
      const r = rng(2)
      const rows = Array.from({ length: 1000 }, (_, i) => makeSnapshotRow(r, T0 + i, "polymarket", i % 5, 10))
      await fs.writeFile(file, encodeSnapshotRows(rows, { rowGroupSize: 300 }))
      const projected = await readSnapshotFile(file, ["ts_recv", "mid", "source_ts"])
      expect(projected).toEqual(rows.map((x) => ({ ts_recv: x.ts_recv, mid: x.mid, source_ts: x.source_ts })))
      const cols = await readColumns(file, ["ts_recv", "mid", "bid_sz", "source_ts", "market_id"])
      expect(cols.ts_recv).toBeInstanceOf(Float64Array)
      expect(Array.from(cols.ts_recv!)).toEqual(rows.map((x) => x.ts_recv))
      expect(Array.from(cols.mid!)).toEqual(rows.map((x) => x.mid))
      expect(Array.from(cols.bid_sz!)).toEqual(rows.map((x) => x.bid_sz))
      expect(Array.from(cols.source_ts!)).toEqual(rows.map((x) => x.source_ts))
      expect(Array.from(cols.market_id!)).toEqual(rows.map((x) => x.market_id))
      await expect(readColumns(file, ["nope"])).rejects.toThrow(/no column nope/)
      await expect(readSnapshotFile(file, ["nope" as never])).rejects.toThrow(/unknown column nope/)
    }))

  it("writes an empty file that reads back as no rows", () =>
    withFile(async (file) => {
      await fs.writeFile(file, encodeSnapshotRows([]))
      expect(await readSnapshotFile(file)).toEqual([])
      expect(Array.from((await readColumns(file, ["ts_recv"])).ts_recv!)).toEqual([])
    }))

  it("round-trips trades with null source_ts and trade_id", () =>
    withFile(async (file) => {
      const r = rng(3)
      const rows = Array.from({ length: 500 }, (_, i) => makeTradeRow(r, T0 + i * 10, "kalshi", i))
      await fs.writeFile(file, encodeTradeRows(rows, { rowGroupSize: 128 }))
      const back = await readTradeFile(file)
      expect(back).toEqual(rows)
      expect(back.some((t) => t.trade_id === null) && back.some((t) => t.source_ts === null)).toBe(true)
      expect(Object.keys(back[0]!)).toEqual([...TRADE_COLUMNS])
    }))

  it("round-trips stats rows, INT64 counters back as numbers, NaN averages as NaN", () =>
    withFile(async (file) => {
      const r = rng(4)
      const rows = Array.from({ length: 200 }, (_, i) => makeStatsRow(r, "polymarket", "2026-01-05", i))
      await fs.writeFile(file, encodeStatsRows(rows))
      const back = await readStatsFile(file)
      expect(back).toEqual(rows)
      expect(back.some((s) => Number.isNaN(s.avg_spread))).toBe(true)
      expect(typeof back[0]!.update_count).toBe("number")
      expect((await readStatsFile(file, ["market_id", "score"]))[7]).toEqual({ market_id: "m-7", score: rows[7]!.score })
    }))

  it("declares every domain column, in domain order", () => {
    expect(SNAPSHOT_TABLE.map((c) => c.name)).toEqual([...SNAPSHOT_COLUMNS])
    expect(TRADE_TABLE.map((c) => c.name)).toEqual([...TRADE_COLUMNS])
    expect(STATS_TABLE.map((c) => c.name)).toEqual([...STATS_COLUMNS])
  })

  it("rejects bad values with an error naming the column and row", () => {
    const bad = { ...edgeRows[0]!, ts_recv: Number.NaN }
    expect(() => encodeSnapshotRows([edgeRows[1]!, bad])).toThrow(/column ts_recv row 1: INT64 value NaN/)
    expect(() => encodeTable([{ name: "x", kind: "STRING" }], [{ x: null }])).toThrow(/column x row 0: null in a non-nullable column/)
  })

  it("a truncated or non-Parquet file fails with an error naming the file", () =>
    withFile(async (file) => {
      const bytes = encodeSnapshotRows(edgeRows)
      await fs.writeFile(file, bytes.subarray(0, Math.floor(bytes.length / 2)))
      await expect(readSnapshotFile(file)).rejects.toThrow(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: cannot read Parquet`))
      await expect(readColumns(file, ["ts_recv"])).rejects.toThrow(/cannot read Parquet/)
      await fs.writeFile(file, "not parquet at all")
      await expect(readColumns(file, ["ts_recv"])).rejects.toThrow(/t\.parquet: cannot read Parquet/)
    }))

  it("generic tables carry INT32 and BOOLEAN columns too", () =>
    withFile(async (file) => {
      const spec = [
        { name: "n", kind: "INT32" }, { name: "b", kind: "BOOLEAN" }, { name: "s", kind: "STRING", nullable: true }
      ] as const
      const rows = [{ n: 1, b: true, s: "a" }, { n: -5, b: false, s: null }]
      await fs.writeFile(file, encodeTable(spec, rows))
      expect(await readTable(file, spec)).toEqual(rows)
    }))
})
