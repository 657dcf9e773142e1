import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import {
  decodeWalText, encodeEventWalLines, encodeSnapshotWalLines, encodeTradeWalLines, listWalSegments, newEventWalDictionary, walSegmentPath, appendDurably
} from "../../src/sink/WriteAheadLog.js"
import type { EventRow } from "../../src/domain/EventRow.js"
import { snapshotRow, tmpDataDir, tradeRow } from "./sinkTestRows.js"
import { onLocalDisk } from "../support/onLocalDisk.js"

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

  it("round-trips event rows across appends, a restarted dictionary and a truncated last line", () => {
    const ev = (i: number, over: Partial<EventRow> = {}): EventRow => ({
      ts_recv: 1_700_000_000_000 + Math.floor(i / 3), event_seq: 1_700_000_000_000_000 + i, kind: "level", market_id: `0x${"ab".repeat(32)}${i % 3}`,
      outcome_id: `${i % 2}${"7".repeat(76)}`, side: i % 2 === 0 ? "bid" : "ask", price: 0.01 * (i % 90 + 1), size: i % 4 === 0 ? 0 : 12.5 + i,
      source_ts: i % 5 === 0 ? null : 1_700_000_000_000 - 40, venue_seq: i % 7 === 0 ? i : null, trade_id: null, reason: null, book_seq: null,
      bid_px: null, bid_sz: null, ask_px: null, ask_sz: null, ...over
    })
    const rows = Array.from({ length: 40 }, (_, i) => ev(i))
    rows[10] = ev(10, { kind: "trade", side: "buy", trade_id: "0x\"quoted\"" })
    rows[11] = ev(11, { kind: "seq_gap", outcome_id: null, side: null, price: null, size: null, reason: "seq gap on sid 1: expected 2, got 4" })
    rows[12] = ev(12, { kind: "snapshot", side: null, price: null, size: null, bid_px: [0.45, 0.44], bid_sz: [10, 2.5], ask_px: [], ask_sz: [] })
    const dict = newEventWalDictionary()
    // two appends share definitions; then a failed append makes the writer start a new dictionary
    const utf8 = (b: Uint8Array): string => Buffer.from(b).toString("utf8")
    let text = utf8(encodeEventWalLines(rows, 0, 15, dict)) + utf8(encodeEventWalLines(rows, 15, 30, dict))
    expect(text.match(/(^|\t)=\d+\t/gm)!.length).toBeLessThan(15) // ids defined once, not per row
    // one line per row (definitions ride on the line of their first row): the append counts lines
    expect(text.split("\n").length - 1).toBe(30)
    text += utf8(encodeEventWalLines(rows, 30, 40, newEventWalDictionary()))
    const decoded = decodeWalText("book_events", text)
    expect(decoded).toEqual({ rows, badLines: 0, truncatedTail: false })
    // a crash mid-append: the cut line is ignored, every whole line before it reads back
    const cut = decodeWalText("book_events", text.slice(0, text.length - 9))
    expect(cut.truncatedTail).toBe(true)
    expect(cut.rows).toEqual(rows.slice(0, 39))
    // a damaged line in the middle of an append: the rest of that append is dropped (its times
    // are differences from the damaged row), the next append starts over; no row comes back wrong
    const lines = text.split("\n")
    lines[5] = lines[5]!.slice(0, 10) + "x" + lines[5]!.slice(11)
    const damaged = decodeWalText("book_events", lines.join("\n"))
    expect(damaged.badLines).toBe(10)
    expect(damaged.rows).toEqual([...rows.slice(0, 5), ...rows.slice(15)])
    // a row naming an index defined nowhere is a bad line, not a wrong row
    expect(decodeWalText("book_events", "@\t[1,1,7,0,null,null,null,null,null,null,null,null,null]\n").badLines).toBe(1)
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
    const found = await onLocalDisk(listWalSegments(dataDir))
    expect(found).toEqual([
      { path: a, venue: "polymarket", dataset: "orderbook_snapshots", bucketStartMs: 1_700_000_100_000 },
      { path: b, venue: "kalshi", dataset: "trades", bucketStartMs: 1_700_000_400_000 }
    ])
    expect(fs.readFileSync(a, "utf8")).toBe("x\ny\n")
    expect(await onLocalDisk(listWalSegments(path.join(dataDir, "missing")))).toEqual([])
  })
})
