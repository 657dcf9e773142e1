/**
 * README checks: the quick start is exactly the two commands, every configuration key
 * (schema and shipped config) is in "Configuration reference", and every DuckDB query of
 * "Data layout" runs against files written by the project's own writers.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { runRebuild } from "../support/replayFiles.js"
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api"
import { Schema } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { parse as parseToml } from "smol-toml"
import { AppConfig } from "../../src/config/schema.js"
import type { MarketRecord } from "../../src/domain/Market.js"
import type { SnapshotRow } from "../../src/domain/SnapshotRow.js"
import type { StatsRow } from "../../src/domain/StatsRow.js"
import type { TradeRow } from "../../src/domain/TradeRow.js"
import type { VenueId } from "../../src/domain/VenueId.js"
import { mmReportColumns } from "../../src/miner/mmReport.js"
import { mmReportTable } from "../../src/miner/run.js"
import { writeFileAtomic, writeNewFile } from "../../src/storage/atomic.js"
import { encodeSnapshotRows } from "../../src/storage/parquet/snapshots.js"
import { encodeStatsRows } from "../../src/storage/parquet/stats.js"
import { encodeTable } from "../../src/storage/parquet/table.js"
import { encodeTradeRows } from "../../src/storage/parquet/trades.js"
import type { HealthRecord } from "../../src/domain/HealthRecord.js"
import { bucketStart, eventFilePath, healthPath, mmViabilityPath, snapshotFilePath, statsPath, tradeFilePath } from "../../src/storage/paths.js"
import { encodeEventRows } from "../../src/storage/parquet/events.js"
import { BookStore } from "../../src/books/BookStore.js"
import { EventLog } from "../../src/books/EventLog.js"
import { writeUniverse } from "../../src/storage/universe.js"
import { onLocalDisk } from "../support/onLocalDisk.js"

const ROOT = path.resolve(import.meta.dirname, "../..")
const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8")

/** The text of `## title` up to the next `## ` heading. */
const section = (title: string): string => {
  const lines = readme.split("\n")
  const start = lines.findIndex((l) => l.trim() === `## ${title}`)
  if (start < 0) throw new Error(`README has no "## ${title}" section`)
  const end = lines.findIndex((l, i) => i > start && l.startsWith("## "))
  return lines.slice(start, end < 0 ? undefined : end).join("\n")
}

/** Fenced code blocks (``` at line start), in order, with their info string. */
const codeBlocks = (text: string): Array<{ lang: string; body: string; at: number }> => {
  const out: Array<{ lang: string; body: string; at: number }> = []
  const re = /^[ \t]*```([^\n`]*)\n([\s\S]*?)^[ \t]*```[ \t]*$/gm
  for (let m = re.exec(text); m !== null; m = re.exec(text)) out.push({ lang: m[1]!.trim(), body: m[2]!, at: m.index })
  return out
}

/** Dotted key paths of every leaf (arrays are leaves: exclude_title_patterns is one key). */
const keyPaths = (value: unknown, prefix = ""): string[] => {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return [prefix]
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => keyPaths(v, prefix === "" ? k : `${prefix}.${k}`))
}

describe("README quick start", () => {
  it("opens with exactly the two set-up commands as its first code block", () => {
    const blocks = codeBlocks(readme)
    expect(blocks.length).toBeGreaterThan(0)
    const first = blocks[0]!
    expect(first.body.trimEnd()).toBe("npm ci && npm run demo\nnpm ci && npm test")
    // before any section: it is what a reader sees first
    const firstSection = readme.search(/^## /m)
    expect(firstSection < 0 || first.at < firstSection).toBe(true)
  })
})

describe("README configuration reference", () => {
  const reference = section("Configuration reference")
  const documented = (key: string) => reference.includes("`" + key + "`")

  it("documents every key of the config schema", () => {
    const keys = keyPaths(Schema.decodeUnknownSync(AppConfig)({}))
    expect(keys.length).toBeGreaterThan(40)
    expect(keys).toContain("venues.kalshi.private_key_path")
    expect(keys.filter((k) => !documented(k))).toEqual([])
  })

  it("documents every key of config/surveillance.toml", () => {
    const shipped = parseToml(fs.readFileSync(path.join(ROOT, "config/surveillance.toml"), "utf8"))
    const keys = keyPaths(shipped)
    expect(keys.length).toBeGreaterThan(40)
    expect(keys.filter((k) => !documented(k))).toEqual([])
  })

  it("documents the Kalshi secret environment variables", () => {
    for (const name of ["KALSHI_API_KEY_ID", "KALSHI_PRIVATE_KEY", "KALSHI_PRIVATE_KEY_PATH"]) {
      expect(reference).toContain("`" + name + "`")
    }
  })
})

// ---- DuckDB queries of "Data layout", against files from the project's writers

const DATE = "2026-01-05"
const T0 = Date.UTC(2026, 0, 5, 9, 58) // rows straddle hour 09 -> 10

async function writeDataDir(dataDir: string): Promise<void> {
  const snaps: SnapshotRow[] = []
  const trades: TradeRow[] = []
  const pmTokens: Record<string, [string, string]> = { "0xaaa": ["111", "112"], "0xbbb": ["221", "222"] }
  let seq = 0
  for (let i = 0; i < 300; i++) {
    const ts = T0 + i * 2000
    for (const [market, tokens] of Object.entries(pmTokens)) {
      for (const token of tokens) {
        const oneSided = i % 17 === 0
        snaps.push({
          ts_recv: ts, venue: "polymarket", market_id: market, outcome_id: token, seq: ++seq,
          best_bid_px: 0.39, best_bid_sz: 100, best_ask_px: oneSided ? NaN : 0.41, best_ask_sz: oneSided ? 0 : 50,
          mid: oneSided ? NaN : 0.4, spread: oneSided ? NaN : 0.02,
          bid_px: [0.39, 0.38, 0.37], bid_sz: [100, 200, 300],
          ask_px: oneSided ? [] : [0.41, 0.42], ask_sz: oneSided ? [] : [50, 60],
          status: oneSided ? "partial" : "ok", err: null, source_ts: ts - 20
        })
      }
    }
    for (const market of ["KXFED-26JAN", "KXBTC-26JAN"]) {
      const stale = i % 23 === 0
      for (const [outcome, bid, ask] of [["yes", 0.55, 0.57], ["no", 0.43, 0.45]] as const) {
        snaps.push({
          ts_recv: ts + 1, venue: "kalshi", market_id: market, outcome_id: outcome, seq: i,
          best_bid_px: bid, best_bid_sz: 10, best_ask_px: ask, best_ask_sz: 12, mid: (bid + ask) / 2, spread: 0.02,
          bid_px: [bid, bid - 0.01], bid_sz: [10, 20], ask_px: [ask, ask + 0.01], ask_sz: [12, 30],
          status: stale ? "stale" : "ok", err: stale ? "reset: awaiting fresh snapshot" : null, source_ts: null
        })
      }
    }
    if (i % 5 === 0) {
      trades.push({ ts_recv: ts + 3, source_ts: ts, venue: "polymarket", market_id: "0xaaa", outcome_id: "111", price: 0.39 + (i % 3) * 0.01, size: 10 + (i % 7), side: i % 2 ? "buy" : "sell", trade_id: `t${i}` })
      trades.push({ ts_recv: ts + 4, source_ts: null, venue: "kalshi", market_id: "KXFED-26JAN", outcome_id: "yes", price: 0.56, size: 5, side: "buy", trade_id: null })
    }
  }
  // one file per (venue, bucket) plus a second part, as after a restart
  const writeBuckets = async <R extends { venue: VenueId; ts_recv: number }>(
    rows: R[], pathFor: (v: VenueId, bucket: number, part: number) => string, encode: (rows: R[]) => Uint8Array
  ) => {
    const groups = new Map<string, R[]>()
    for (const r of rows) {
      const key = `${r.venue}|${bucketStart(r.ts_recv, 5)}`
      groups.set(key, [...(groups.get(key) ?? []), r])
    }
    for (const [key, group] of groups) {
      const [venue, bucket] = key.split("|") as [VenueId, string]
      const half = Math.ceil(group.length / 2)
      expect(await writeNewFile(pathFor(venue, Number(bucket), 0), encode(group.slice(0, half)))).toBe(true)
      expect(await writeNewFile(pathFor(venue, Number(bucket), 1), encode(group.slice(half)))).toBe(true)
    }
  }
  await writeBuckets(snaps, (v, b, p) => snapshotFilePath(dataDir, v, b, p), encodeSnapshotRows)

  // the event log of the two Polymarket tokens of 0xaaa, through the collector's BookStore and EventLog
  let now = T0
  const log = new EventLog({ bucketMinutes: 5, now: () => now, startSeq: T0 * 1000 })
  const books = new BookStore({ venue: "polymarket", topK: 50, log })
  log.subscribed("0xaaa", ["111", "112"])
  for (const token of ["111", "112"]) {
    books.apply({ kind: "snapshot", marketId: "0xaaa", outcomeId: token, bids: { prices: [0.37, 0.38, 0.39], sizes: [300, 200, 100] }, asks: { prices: [0.42, 0.41], sizes: [60, 50] }, sourceTs: T0 }, now)
  }
  for (let i = 1; i < 300; i++) {
    now = T0 + i * 2000
    const token = i % 2 === 0 ? "111" : "112"
    books.apply({ kind: "level_set", marketId: "0xaaa", outcomeId: token, side: i % 3 === 0 ? "ask" : "bid", price: i % 3 === 0 ? 0.41 : 0.39 + (i % 4 === 0 ? 0.01 : 0), size: i % 5 === 0 ? 0 : 10 + i, sourceTs: now - 20 }, now)
  }
  const eventRows = log.drain()
  const eventBuckets = new Map<number, typeof eventRows>()
  for (const e of eventRows) eventBuckets.set(bucketStart(e.ts_recv, 5), [...(eventBuckets.get(bucketStart(e.ts_recv, 5)) ?? []), e])
  for (const [bucket, group] of eventBuckets) expect(await writeNewFile(eventFilePath(dataDir, "polymarket", bucket, 0), encodeEventRows(group))).toBe(true)
  await writeBuckets(trades, (v, b, p) => tradeFilePath(dataDir, v, b, p), encodeTradeRows)
  // a crash leftover: the documented globs must not read it
  fs.writeFileSync(`${snapshotFilePath(dataDir, "polymarket", bucketStart(T0, 5), 0)}.4242.abcd.tmp`, "not parquet")

  const stat = (venue: VenueId, market_id: string, outcome_id: string, score: number, spread: number): StatsRow => ({
    venue, market_id, outcome_id, date: DATE, snapshot_count: 300, first_ts: T0, last_ts: T0 + 598_000, observed_secs: 598,
    two_sided_frac: 0.9, crossed_frac: 0, stale_frac: 0.04, empty_frac: 0, avg_spread: spread, median_spread: spread,
    p90_spread: spread, tw_spread: spread, avg_mid: 0.5, mid_abs_change_per_min: 0, avg_depth: 150, avg_depth_top3: 600,
    avg_depth_top10: 710, avg_notional_top3: 300, update_count: 299, updates_per_min: 30, trade_count: 0,
    trade_volume: 0, trade_notional: 0, vwap: NaN, score
  })
  await writeFileAtomic(statsPath(dataDir, "polymarket", DATE), encodeStatsRows([
    stat("polymarket", "0xaaa", "111", 55, 0.02), stat("polymarket", "0xaaa", "112", 50, 0.02),
    stat("polymarket", "0xbbb", "221", 10, NaN), stat("polymarket", "0xbbb", "222", 9, 0.02)
  ]))
  await writeFileAtomic(statsPath(dataDir, "kalshi", DATE), encodeStatsRows([
    stat("kalshi", "KXFED-26JAN", "yes", 70, 0.02), stat("kalshi", "KXBTC-26JAN", "no", 0, NaN)
  ]))

  const market = (m: Partial<MarketRecord> & Pick<MarketRecord, "market_id" | "title" | "outcome_ids">): MarketRecord => ({
    outcomes: ["Yes", "No"], close_ts: Date.UTC(2026, 0, 31), status: "active", tags: [], token_ids: [],
    event_id: null, slug: null, volume: 1234.5, liquidity: 500, tick_size: 0.01, ...m
  })
  await onLocalDisk(writeUniverse(dataDir, "polymarket", DATE, [
    market({ market_id: "0xaaa", title: "Will A happen?", outcome_ids: ["111", "112"], token_ids: ["111", "112"], tags: ["Politics"] }),
    market({ market_id: "0xbbb", title: "Will B happen?", outcome_ids: ["221", "222"], token_ids: ["221", "222"], close_ts: null, volume: 7 })
  ]))
  await onLocalDisk(writeUniverse(dataDir, "kalshi", DATE, [
    market({ market_id: "KXFED-26JAN", title: "Fed cut in January?", outcome_ids: ["yes", "no"], event_id: "KXFED" }),
    market({ market_id: "KXBTC-26JAN", title: "BTC above 100k?", outcome_ids: ["yes", "no"], event_id: "KXBTC" })
  ]))

  const horizons = [{ label: "1s", ms: 1000 }, { label: "30s", ms: 30_000 }]
  const columns = mmReportColumns(horizons)
  const row: Record<string, unknown> = Object.fromEntries(columns.map((c) => [c, 0.5]))
  Object.assign(row, {
    venue: "polymarket", market_id: "0xaaa", outcome_id: "111", date: DATE, n_trades: 60, trade_count: 60,
    n_1s: 60, n_30s: 58, viable: true, ev_30s: 0.004, pnl_per_hour_30s: 1.2
  })
  await writeFileAtomic(mmViabilityPath(dataDir, "polymarket", DATE), encodeTable(mmReportTable(columns), [row]))

  // the collector's health records: one line per minute
  const health = (minute: number): HealthRecord => ({
    ts: T0 + minute * 60_000, venue: "polymarket", covered_ms: 60_000, connections: 1, connections_total: 1, subscribed: 4, books: 4,
    reconnects: 0, seq_gaps: 0, messages: 120, rows: 120, trades: 2, stale_frac: 0, crossed_frac: 0
  })
  fs.mkdirSync(path.dirname(healthPath(dataDir, "polymarket", DATE)), { recursive: true })
  fs.writeFileSync(healthPath(dataDir, "polymarket", DATE), [0, 1, 2].map((m) => JSON.stringify(health(m)) + "\n").join(""))
}

/** Statements of a SQL block (`;` at a line end ends one). */
const statements = (sql: string): string[] =>
  sql.split(/;[ \t]*(?:\n|$)/).map((s) => s.trim()).filter((s) => s !== "")

describe("README DuckDB queries", () => {
  let tmp = ""
  let dataDir = ""
  let db: DuckDBInstance
  let conn: DuckDBConnection
  const inData = (sql: string) => sql.replaceAll("'data/", `'${dataDir}/`)
  const rows = async (sql: string) => (await conn.runAndReadAll(inData(sql))).getRowObjectsJson()

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "readme-"))
    dataDir = path.join(tmp, "data")
    await writeDataDir(dataDir)
    db = await DuckDBInstance.create(":memory:")
    conn = await db.connect()
  })

  afterAll(() => {
    conn?.closeSync()
    db?.closeSync()
    if (tmp !== "") fs.rmSync(tmp, { recursive: true, force: true })
  })

  it("runs every sql block of Data layout, in order, each query returning rows", async () => {
    const blocks = codeBlocks(section("Data layout")).filter((b) => b.lang === "sql")
    expect(blocks.length).toBeGreaterThanOrEqual(8)
    let queries = 0
    for (const block of blocks) {
      for (const stmt of statements(block.body)) {
        let result: Array<Record<string, unknown>>
        try {
          result = await rows(stmt)
        } catch (e) {
          throw new Error(`README query failed: ${(e as Error).message}\n${stmt}`)
        }
        if (/^\s*SELECT/i.test(stmt.replace(/^(\s*--[^\n]*\n)*/, ""))) {
          queries++
          expect(result.length, stmt).toBeGreaterThan(0)
        }
      }
    }
    expect(queries).toBeGreaterThanOrEqual(8)
  })

  it("the top-of-book query over the event log agrees with rebuild at every minute it answers", async () => {
    const block = codeBlocks(section("Data layout")).filter((b) => b.lang === "sql").find((b) => b.body.includes("WITH ev AS"))!
    // (the views were created by the test above, which runs every block in order)
    const sqlRows = await rows(statements(block.body)[0]!)
    expect(sqlRows.length).toBeGreaterThan(5)
    for (const r of sqlRows) {
      const at = Date.parse(String(r["minute"]).replace(" ", "T").replace(/\+00$/, "Z"))
      const rebuilt = await runRebuild({ dataDir, venue: "polymarket", atMs: at, markets: ["0xaaa"] })
      const book = rebuilt.rows.find((x) => x.outcome_id === "111")!
      expect({ at: r["minute"], bid: r["best_bid"], ask: r["best_ask"] })
        .toEqual({ at: r["minute"], bid: Number.isNaN(book.best_bid_px) ? null : book.best_bid_px, ask: Number.isNaN(book.best_ask_px) ? null : book.best_ask_px })
    }
  })

  it("the views give hour INTEGER and date DATE, and skip temp files", async () => {
    const types = await rows("SELECT typeof(hour) AS h, typeof(date) AS d, count(*) AS n FROM snapshots GROUP BY ALL")
    expect(types).toEqual([{ h: "INTEGER", d: "DATE", n: String(300 * 4 + 300 * 4) }])
    const joined = await rows(
      "SELECT u.title, coalesce(u.outcomes[list_position(u.outcome_ids, s.outcome_id)], s.outcome_id) AS outcome " +
        "FROM stats s LEFT JOIN universe u USING (venue, date, market_id) WHERE s.market_id = 'KXBTC-26JAN'"
    )
    expect(joined).toEqual([{ title: "BTC above 100k?", outcome: "No" }])
  })

  it("Troubleshooting's claims hold: hour is text without hive_types; a missing spread is NULL, which averages skip", async () => {
    const raw = "read_parquet('data/orderbook_snapshots/*/*/*/*.parquet', hive_partitioning = true)"
    expect(await rows(`SELECT DISTINCT typeof(hour) AS t FROM ${raw}`)).toEqual([{ t: "VARCHAR" }])
    expect(await rows(`SELECT count(*) AS n FROM ${raw} WHERE hour = '9'`)).toEqual([{ n: "0" }])
    await expect(rows(`SELECT count(*) FROM ${raw} WHERE hour BETWEEN 9 AND 10`)).rejects.toThrow(
      /Cannot mix values of type VARCHAR and INTEGER_LITERAL/
    )
    const missing = await rows(
      "SELECT count(*) FILTER (WHERE spread IS NULL) AS n, count(*) FILTER (WHERE spread > 0 AND spread IS NULL) AS passes, isfinite(avg(spread)) AS avg_finite FROM snapshots"
    )
    expect(missing).toEqual([{ n: String(18 * 4), passes: "0", avg_finite: true }])
  })
})
