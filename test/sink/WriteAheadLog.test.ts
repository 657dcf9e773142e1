import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import {
  decodeWalText, encodeSnapshotWalLines, encodeTradeWalLines, listWalSegments, walSegmentPath, appendDurably
} from "../../src/sink/WriteAheadLog.js"
import { snapshotRow, tmpDataDir, tradeRow } from "./sinkTestRows.js"

describe("WriteAheadLog", () => {
  it("round-trips snapshot rows, NaN prices and null fields included", () => {
    const rows = [snapshotRow(1_700_000_000_000, 1, { levels: 20 }), snapshotRow(1_700_000_000_001, 3, { levels: 0 })]
    rows[0] = { ...rows[0]!, bid_px: rows[0]!.bid_px.map((p, i) => (i === 2 ? NaN : p)) }
    const text = encodeSnapshotWalLines(rows, 0, rows.length)
    expect(text.split("\n")).toHaveLength(3)
    const decoded = decodeWalText("orderbook_snapshots", text)
    expect(decoded.badLines).toBe(0)
    expect(decoded.truncatedTail).toBe(false)
    // toEqual treats NaN as equal to NaN, so this checks NaN came back as NaN (not null)
    expect(decoded.rows).toEqual(rows)
    expect(Number.isNaN(decoded.rows[1]!.mid)).toBe(true)
    expect(decoded.rows[1]!.source_ts).toBeNull()
    expect(decoded.rows[0]!.source_ts).toBe(1_700_000_000_000 - 5)
  })

  it("round-trips trade rows with nullable source_ts and trade_id", () => {
    const rows = [0, 1, 2, 5].map((i) => tradeRow(1_700_000_000_000 + i, i))
    const decoded = decodeWalText("trades", encodeTradeWalLines(rows, 0, rows.length))
    expect(decoded.rows).toEqual(rows)
    expect(decoded.rows.some((r) => r.trade_id === null)).toBe(true)
    expect(decoded.rows.some((r) => r.source_ts === null)).toBe(true)
  })

  it("ignores a truncated last line (crash mid-append) and counts a corrupt middle line", () => {
    const rows = [1, 2, 3].map((i) => snapshotRow(1_700_000_000_000 + i, i))
    const full = encodeSnapshotWalLines(rows, 0, 3)
    const cut = full.slice(0, full.length - 40)
    const truncated = decodeWalText("orderbook_snapshots", cut)
    expect(truncated.rows).toEqual(rows.slice(0, 2))
    expect(truncated.truncatedTail).toBe(true)
    expect(truncated.badLines).toBe(0)

    const lines = full.split("\n")
    const corrupt = [lines[0], "[1,\"polymarket\"", lines[1], "[\"not a row\"]", lines[2], ""].join("\n")
    const decoded = decodeWalText("orderbook_snapshots", corrupt)
    expect(decoded.rows).toEqual(rows)
    expect(decoded.badLines).toBe(2)
    expect(decoded.truncatedTail).toBe(false)
  })

  it("builds segment paths only from the venue set, the datasets and numbers", () => {
    const p = walSegmentPath("/d", "kalshi", "trades", 1_700_000_100_000, "12-ab-3")
    expect(p).toBe("/d/.wal/venue=kalshi/trades/1700000100000-12-ab-3.wal")
    expect(() => walSegmentPath("/d", "../x" as never, "trades", 0, "1")).toThrow(/invalid venue/)
    expect(() => walSegmentPath("/d", "kalshi", "trades", 0, "../../etc")).toThrow(/segment id/)
    expect(() => walSegmentPath("/d", "kalshi", "trades", -5, "1")).toThrow(/bucket start/)
  })

  it("lists leftover segments with their bucket and skips foreign names", async () => {
    const dataDir = tmpDataDir("wal-list")
    const a = walSegmentPath(dataDir, "polymarket", "orderbook_snapshots", 1_700_000_100_000, "1-a-0")
    const b = walSegmentPath(dataDir, "kalshi", "trades", 1_700_000_400_000, "1-a-1")
    await appendDurably(a, "x\n")
    await appendDurably(a, "y\n")
    await appendDurably(b, "z\n")
    fs.writeFileSync(path.join(path.dirname(b), "notes.txt"), "keep me")
    const found = await listWalSegments(dataDir)
    expect(found).toEqual([
      { path: a, venue: "polymarket", dataset: "orderbook_snapshots", bucketStartMs: 1_700_000_100_000 },
      { path: b, venue: "kalshi", dataset: "trades", bucketStartMs: 1_700_000_400_000 }
    ])
    expect(fs.readFileSync(a, "utf8")).toBe("x\ny\n")
    expect(await listWalSegments(path.join(dataDir, "missing"))).toEqual([])
  })
})
