/**
 * The event log's own Parquet encoder and its byte-level write-ahead lines, on rows made to hit
 * every branch: nulls in every nullable column, empty and null ladders, NaN as a missing price,
 * event_seq near 2^51, times that jump by more than 2^32 ms (delta widths past 32 bits),
 * dictionaries of more than 2^16 values (17-bit indexes), one-value dictionaries (width 0),
 * trade ids with quotes, backslashes and non-ASCII text (the JSON fallback of the line reader),
 * and row groups that cut a market in two. Three readers that are not ours in any way check
 * the file: hyparquet (what the product reads with), DuckDB and Polars; and the product reads
 * the same events from a file DuckDB wrote.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import pl from "nodejs-polars"
import { describe, expect, it } from "vitest"
import type { EventKind, EventRow } from "../../src/domain/EventRow.js"
import { decodeEventWalInto, decodeWalText, encodeEventWalLines, newEventWalDictionary } from "../../src/sink/WriteAheadLog.js"
import { EventBatch } from "../../src/storage/parquet/eventBatch.js"
import { encodeEventBatch, eventRowAt, marketOrder, readEventColumns, readEventColumnsFor } from "../../src/storage/parquet/events.js"
import { duckdb } from "../sink/sinkTestRows.js"
import { mulberry32 } from "../support/mulberry32.js"

const KINDS: ReadonlyArray<EventKind> = ["level", "level", "level", "snapshot", "trade", "tick_size", "seq_gap", "checkpoint", "subscribed"]

function randomRows(n: number, seed: number): EventRow[] {
  const rnd = mulberry32(seed)
  const pick = <A>(xs: ReadonlyArray<A>): A => xs[Math.floor(rnd() * xs.length)]!
  const markets = Array.from({ length: 37 }, (_, i) => (i === 0 ? "KX-\u00e9t\u00e9-26" : `0x${(i * 7919).toString(16).padStart(64, "a")}`))
  const ladder = (len: number, base: number): number[] => Array.from({ length: len }, (_, k) => Math.round((base - k * 0.01) * 1000) / 1000)
  const sizes = (len: number): number[] => Array.from({ length: len }, () => (rnd() < 0.1 ? 0 : Math.round(rnd() * 1e7) / 100))
  const rows: EventRow[] = []
  let ts = Date.UTC(2026, 0, 5, 12)
  let seq = 1_767_614_400_000_000
  for (let i = 0; i < n; i++) {
    ts += rnd() < 0.001 ? 5_000_000_000 : Math.floor(rnd() * 3) // now and then a jump past 2^32 ms
    seq += 1
    const kind = pick(KINDS)
    const withLadders = kind === "snapshot" || kind === "checkpoint"
    const nb = withLadders ? Math.floor(rnd() * 30) : 0
    const na = withLadders ? Math.floor(rnd() * 30) : 0
    const tradeId = kind !== "trade" ? null
      : i % 97 === 0 ? `t"${i}\\x\u00fc\u{1F600}` // quotes, a backslash, non-ASCII: the JSON fallback
      : `0x${i.toString(16).padStart(64, "0")}`
    rows.push({
      ts_recv: ts,
      event_seq: seq,
      kind,
      market_id: pick(markets),
      outcome_id: kind === "seq_gap" || rnd() < 0.05 ? null : `${Math.floor(rnd() * 3)}${"7".repeat(76)}`,
      side: kind === "level" ? pick(["bid", "ask"]) : kind === "trade" ? pick(["buy", "sell"]) : null,
      price: kind === "level" || kind === "trade" ? (rnd() < 0.01 ? Number.NaN : Math.round(rnd() * 1000) / 1000) : kind === "tick_size" ? 0.001 : null,
      size: kind === "level" || kind === "trade" ? Math.round(rnd() * 1e8) / 100 : null,
      source_ts: rnd() < 0.3 ? null : ts - Math.floor(rnd() * 500) + (rnd() < 0.01 ? 9e12 : 0),
      venue_seq: rnd() < 0.5 ? null : Math.floor(rnd() * 1e6),
      trade_id: tradeId,
      reason: kind === "seq_gap" ? "seq gap on sid 1: expected 2, got 4" : kind === "checkpoint" && rnd() < 0.5 ? "connection lost" : null,
      book_seq: kind === "checkpoint" ? Math.floor(rnd() * 1e9) : null,
      bid_px: withLadders ? ladder(nb, 0.5) : null,
      bid_sz: withLadders ? sizes(nb) : null,
      ask_px: withLadders ? ladder(na, 0.99).reverse() : null,
      ask_sz: withLadders ? sizes(na) : null
    })
  }
  return rows
}

/** What a reader gets back: a NaN price is NULL in the file. */
const expected = (r: EventRow): EventRow => ({
  ...r,
  price: r.price === null || Number.isNaN(r.price) ? null : r.price,
  size: r.size === null || Number.isNaN(r.size) ? null : r.size
})

describe("event-log encoder", () => {
  const rows = randomRows(30_000, 5)
  const dir = fs.mkdtempSync(path.join(fs.realpathSync("/tmp"), "event-encoder-"))
  const file = path.join(dir, "events.parquet")
  const batch = EventBatch.fromRows(rows)
  const order = marketOrder(batch)
  const inFileOrder = Array.from(order, (i) => expected(rows[i]!))
  fs.writeFileSync(file, encodeEventBatch(batch, { rowGroupSize: 9_000 }))

  it("hyparquet reads every row back exactly, grouped by market in log order", async () => {
    const c = await readEventColumns(file)
    expect(c.length).toBe(rows.length)
    expect(Array.from({ length: c.length }, (_, i) => eventRowAt(c, i))).toEqual(inFileOrder)
    for (let i = 1; i < c.length; i++) {
      const a = inFileOrder[i - 1]!
      const b = inFileOrder[i]!
      expect(a.market_id < b.market_id || (a.market_id === b.market_id && a.event_seq < b.event_seq)).toBe(true)
    }
  })

  it("DuckDB reads every value: times as timestamps, NULLs, lists", async () => {
    const got = await duckdb(`SELECT epoch_ms(ts_recv), event_seq, kind, market_id, outcome_id, side, price, size, epoch_ms(source_ts),
      venue_seq, trade_id, reason, book_seq, bid_px, bid_sz, ask_px, ask_sz FROM read_parquet('${file}')`)
    expect(got.length).toBe(rows.length)
    const num = (v: unknown): number | null => (v === null ? null : Number(v))
    const list = (v: unknown): number[] | null => (v === null ? null : ((v as { items: unknown[] }).items ?? (v as unknown[])).map(Number))
    expect(got.map((g) => ({
      ts_recv: num(g[0]), event_seq: num(g[1]), kind: g[2], market_id: g[3], outcome_id: g[4], side: g[5], price: num(g[6]), size: num(g[7]),
      source_ts: num(g[8]), venue_seq: num(g[9]), trade_id: g[10], reason: g[11], book_seq: num(g[12]),
      bid_px: list(g[13]), bid_sz: list(g[14]), ask_px: list(g[15]), ask_sz: list(g[16])
    }))).toEqual(inFileOrder)
    const [[groups]] = (await duckdb(`SELECT count(DISTINCT row_group_id) FROM parquet_metadata('${file}')`)) as [[bigint]]
    expect(Number(groups)).toBe(Math.ceil(rows.length / 9_000))
  })

  it("Polars reads the same rows", () => {
    const df = pl.readParquet(file)
    expect(df.height).toBe(rows.length)
    const seqs = df.getColumn("event_seq").toArray().map(Number)
    const trades = df.getColumn("trade_id").toArray()
    const bids = df.getColumn("bid_sz").toArray() as unknown as Array<unknown>
    for (let i = 0; i < rows.length; i += 997) {
      expect(seqs[i]).toBe(inFileOrder[i]!.event_seq)
      expect(trades[i]).toBe(inFileOrder[i]!.trade_id)
      const b = bids[i] as { toArray?: () => unknown[] } | unknown[] | null
      const values = b === null ? null : Array.isArray(b) ? b : b.toArray!()
      expect(values === null ? null : values.map(Number)).toEqual(inFileOrder[i]!.bid_sz)
    }
  })

  it("more than 2^16 distinct values in a row group: 17-bit dictionary indexes", async () => {
    const wide: EventRow[] = Array.from({ length: 70_000 }, (_, i) => ({
      ...rows[0]!, kind: "trade", event_seq: rows[0]!.event_seq + i, ts_recv: rows[0]!.ts_recv + i, side: "buy", price: 0.5,
      size: 1 + i / 100, trade_id: `0x${i.toString(16).padStart(64, "0")}`, outcome_id: "1", reason: null, book_seq: null,
      bid_px: null, bid_sz: null, ask_px: null, ask_sz: null
    }))
    const wideFile = path.join(dir, "wide.parquet")
    fs.writeFileSync(wideFile, encodeEventBatch(EventBatch.fromRows(wide), { rowGroupSize: 70_000 }))
    const c = await readEventColumns(wideFile)
    expect(Array.from(c.size)).toEqual(wide.map((r) => r.size))
    expect(Array.from(c.trade_id)).toEqual(wide.map((r) => r.trade_id))
    const [[n, distinct, sum]] = (await duckdb(`SELECT count(*), count(DISTINCT trade_id), sum(size * 100)::BIGINT FROM read_parquet('${wideFile}')`)) as [[bigint, bigint, bigint]]
    expect([Number(n), Number(distinct), Number(sum)]).toEqual([70_000, 70_000, wide.reduce((a, r) => a + Math.round(r.size! * 100), 0)])
  })

  it("reads event files DuckDB wrote (ZSTD, its own row groups and statistics), whole and for one market", async () => {
    const copied = path.join(dir, "duckdb-events.parquet")
    await duckdb(`COPY (SELECT * FROM read_parquet('${file}') ORDER BY market_id, event_seq) TO '${copied}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 2048)`)
    const c = await readEventColumns(copied)
    expect(Array.from({ length: c.length }, (_, i) => eventRowAt(c, i))).toEqual(inFileOrder)
    const market = inFileOrder[Math.floor(inFileOrder.length / 2)]!.market_id
    const one = await readEventColumnsFor(copied, new Set([market]))
    const got = Array.from({ length: one.length }, (_, i) => eventRowAt(one, i)).filter((r) => r.market_id === market)
    expect(got).toEqual(inFileOrder.filter((r) => r.market_id === market))
    expect(one.length).toBeLessThan(c.length)
  })

  it("market_id statistics let a reader skip row groups", async () => {
    const got = await duckdb(`SELECT row_group_id, stats_min_value, stats_max_value FROM parquet_metadata('${file}') WHERE path_in_schema = 'market_id' ORDER BY row_group_id`)
    let prevMax = ""
    for (const [, min, max] of got as Array<[unknown, string, string]>) {
      expect(min <= max).toBe(true)
      expect(min >= prevMax).toBe(true)
      prevMax = max
    }
  })
})

describe("event write-ahead lines", () => {
  const rows = randomRows(10_000, 11)

  it("round-trip bit for bit through the byte reader, each line valid JSON", () => {
    const dict = newEventWalDictionary()
    const parts: Uint8Array[] = []
    for (let i = 0; i < rows.length; i += 1_500) parts.push(encodeEventWalLines(rows, i, Math.min(rows.length, i + 1_500), dict))
    const bytes = Buffer.concat(parts)
    for (const line of bytes.toString("utf8").split("\n")) {
      if (line === "") continue
      expect(() => JSON.parse(line.slice(line.lastIndexOf("\t") + 1))).not.toThrow()
    }
    const batch = new EventBatch()
    expect(decodeEventWalInto(bytes, batch)).toEqual({ rows: rows.length, badLines: 0, truncatedTail: false })
    expect(batch.rows()).toEqual(rows.map(expected))
  })

  it("reads lines of the first event-log version (decimal numbers, ladders as arrays) beside new ones", () => {
    const v1 = [
      `@\t=0\t"snapshot"\t=1\t"m1"\t=2\t"o1"\t[1767614400000,1767614400000001,0,1,2,null,null,null,-40,null,null,null,null,[0.45,0.44],[10,2.5],[],[]]`,
      `=3\t"level"\t=4\t"bid"\t[5,1,3,1,2,4,0.46,12.25,-40,7,null,null,null,null,null,null,null]`
    ].join("\n") + "\n"
    const now = Buffer.from(encodeEventWalLines(rows, 0, 3)).toString("utf8")
    const decoded = decodeWalText("book_events", v1 + now)
    expect(decoded.badLines).toBe(0)
    expect(decoded.rows[0]).toMatchObject({ kind: "snapshot", market_id: "m1", outcome_id: "o1", ts_recv: 1767614400000, source_ts: 1767614400000 - 40, bid_px: [0.45, 0.44], ask_sz: [] })
    expect(decoded.rows[1]).toMatchObject({ kind: "level", side: "bid", price: 0.46, size: 12.25, ts_recv: 1767614400005, event_seq: 1767614400000002, venue_seq: 7, bid_px: null })
    expect(decoded.rows.slice(2)).toEqual(rows.slice(0, 3).map(expected))
  })

  it("a line whose doubles do not match its ladder lengths is a bad line, never a wrong row", () => {
    const withLadder = rows.findIndex((r) => r.kind === "snapshot" && r.bid_px!.length > 2)
    const text = Buffer.from(encodeEventWalLines(rows, withLadder, withLadder + 2)).toString("utf8")
    const damaged = text.replace(/,(\d+),(\d+),(\d+),(\d+)\]\n/, (_m, a: string, b: string, c: string, d: string) => `,${Number(a) - 1},${b},${c},${d}]\n`)
    expect(damaged).not.toBe(text)
    const decoded = decodeWalText("book_events", damaged)
    expect(decoded.rows).toEqual([])
    expect(decoded.badLines).toBe(2)
  })
})
