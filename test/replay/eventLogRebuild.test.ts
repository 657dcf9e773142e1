import * as fs from "node:fs"
import { runRebuild, runResnapshot } from "../support/replayFiles.js"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import type { EventRow } from "../../src/domain/EventRow.js"
import type { SnapshotRow } from "../../src/domain/SnapshotRow.js"
import type { VenueId } from "../../src/domain/VenueId.js"
import { parseEvery } from "../../src/replay/resnapshot.js"
import { readSnapshotFile } from "../../src/storage/parquet/snapshots.js"
import { encodeEventRows } from "../../src/storage/parquet/events.js"
import { bucketStart, eventFilePath } from "../../src/storage/paths.js"
import { fakeVenuePipeline, pmBook, testConfig } from "../collector/ConnectionHarness.js"

/**
 * The event log against the snapshot rows the same pipeline wrote: the real drivers, BookStore,
 * schedule and log under TestClock, a venue played by the test with random books, changes,
 * trades, reconnects and silences; every row must come back from `rebuild` exactly.
 */
const tick = (ms: number) =>
  Effect.gen(function*() {
    yield* TestClock.adjust(ms)
    for (let i = 0; i < 5; i++) yield* Effect.yieldNow()
  })

const rng = (seed: number) => () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff
  return seed / 0x80000000
}

const BUCKET_MINUTES = 1
const TOP_K = 5

/** The log as the writer would file it: one file per bucket, the larger ones split in two parts. */
const writeEventFiles = (dataDir: string, venue: VenueId, events: ReadonlyArray<EventRow>): number => {
  const byBucket = new Map<number, EventRow[]>()
  for (const e of events) {
    const b = bucketStart(e.ts_recv, BUCKET_MINUTES)
    const list = byBucket.get(b) ?? []
    list.push(e)
    byBucket.set(b, list)
  }
  let files = 0
  for (const [b, rows] of byBucket) {
    const cut = rows.length > 200 ? Math.floor(rows.length / 2) : rows.length
    const parts = cut < rows.length ? [rows.slice(0, cut), rows.slice(cut)] : [rows]
    parts.forEach((part, i) => {
      const file = eventFilePath(dataDir, venue, b, i)
      fs.mkdirSync(path.dirname(file), { recursive: true })
      fs.writeFileSync(file, encodeEventRows(part))
      files++
    })
  }
  return files
}

const comparable = (r: SnapshotRow) => ({
  market_id: r.market_id, outcome_id: r.outcome_id, seq: r.seq, status: r.status, err: r.err, source_ts: r.source_ts,
  best_bid_px: r.best_bid_px, best_bid_sz: r.best_bid_sz, best_ask_px: r.best_ask_px, best_ask_sz: r.best_ask_sz,
  mid: r.mid, spread: r.spread,
  bid_px: r.bid_px.slice(0, TOP_K), bid_sz: r.bid_sz.slice(0, TOP_K), ask_px: r.ask_px.slice(0, TOP_K), ask_sz: r.ask_sz.slice(0, TOP_K)
})

const checkEveryRow = (venue: VenueId, rows: ReadonlyArray<SnapshotRow>, events: ReadonlyArray<EventRow>, more?: (dataDir: string) => Promise<void>) =>
  Effect.promise(async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "eventlog-"))
    try {
      writeEventFiles(dataDir, venue, events)
      let compared = 0
      for (const row of rows) {
        const rebuilt = await runRebuild({ dataDir, venue, atMs: row.ts_recv, maxSeq: row.event_seq ?? null, markets: [row.market_id] })
        const same = rebuilt.rows.find((r) => r.outcome_id === row.outcome_id)
        expect(same === undefined ? undefined : comparable(same), `row at ${row.ts_recv} seq ${row.event_seq} ${row.market_id}/${row.outcome_id}`)
          .toEqual(comparable(row))
        compared++
      }
      if (more !== undefined) await more(dataDir)
      return compared
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true })
    }
  })

const px = (r: () => number, lo: number, hi: number) => Math.round((lo + r() * (hi - lo)) * 100) / 100

describe("event log -> rebuild (TestClock, in-memory venue)", () => {
  it.scoped("Polymarket: every snapshot row comes back from the log, across buckets, reconnects, silences and same-ms events", () =>
    Effect.gen(function*() {
      const cfg = testConfig({ storage: { bucket_minutes: BUCKET_MINUTES, top_k: TOP_K }, collector: { stale_after_ms: 1500 } })
      const { venue, writer, metrics, vc } = yield* fakeVenuePipeline("polymarket", cfg)
      const markets = [["0xm1", "11", "12"], ["0xm2", "21", "22"]] as const
      yield* vc.control.subscribe(markets.flatMap(([m, a, b]) => [
        { key: a, marketId: m, outcomeIds: [a], tier: "hot" as const }, { key: b, marketId: m, outcomeIds: [b], tier: "warm" as const }
      ]))
      yield* tick(0)
      const r = rng(7)
      const book = (m: string, a: string) => {
        const mid = px(r, 0.2, 0.8)
        const bids = Array.from({ length: 1 + Math.floor(r() * 8) }, (_, i) => [Math.round((mid - 0.01 * (i + 1)) * 100) / 100, 1 + Math.floor(r() * 50)] as [number, number])
        const asks = Array.from({ length: Math.floor(r() * 8) }, (_, i) => [Math.round((mid + 0.01 * (i + 1)) * 100) / 100, 1 + Math.floor(r() * 50)] as [number, number])
        return pmBook(m, a, bids, asks, 1_700_000_000_000 + Math.floor(r() * 1000))
      }
      let quietAsset = ""
      for (let step = 0; step < 110; step++) {
        const s = venue.last
        if (!s.closed) {
          const n = Math.floor(r() * 4)
          for (let j = 0; j < n; j++) {
            const [m, a, b] = markets[Math.floor(r() * markets.length)]!
            const asset = r() < 0.5 ? a : b
            if (asset === quietAsset) continue
            const u = r()
            if (u < 0.15) s.push(book(m, asset))
            else if (u < 0.8) {
              s.push({
                event_type: "price_change", market: m, timestamp: String(1_700_000_000_000 + step),
                price_changes: [{ asset_id: asset, price: String(px(r, 0.05, 0.95)), size: String(r() < 0.3 ? 0 : Math.floor(r() * 40)), side: r() < 0.5 ? "BUY" : "SELL", hash: "0x1" }]
              })
            } else if (u < 0.95) {
              s.push({ event_type: "last_trade_price", market: m, asset_id: asset, price: String(px(r, 0.1, 0.9)), size: "3", side: r() < 0.5 ? "BUY" : "SELL", fee_rate_bps: "0", timestamp: String(1_700_000_000_000 + step) })
            } else {
              s.push({ event_type: "tick_size_change", market: m, asset_id: asset, old_tick_size: "0.01", new_tick_size: "0.001", timestamp: "1" })
            }
          }
        }
        const u = r()
        if (u < 0.02 && !s.closed) s.drop()
        else if (u < 0.06) quietAsset = quietAsset === "" ? markets[Math.floor(r() * 2)]![1] : ""
        // steps of 0..700 ms: many land on a snapshot due time, so rows and events share milliseconds
        yield* tick(r() < 0.3 ? 2000 : Math.floor(r() * 700))
      }
      yield* tick(1000)
      expect(writer.snapshots.length).toBeGreaterThan(80)
      const statuses = new Set(writer.snapshots.map((x) => x.status))
      expect(statuses.has("stale")).toBe(true)
      expect(statuses.has("ok")).toBe(true)
      expect(writer.snapshots.some((x) => x.err?.startsWith("no message for") === true)).toBe(true)
      expect(metrics.reconnects).toBeGreaterThan(0)
      const kinds = new Set(writer.events.map((e) => e.kind))
      for (const k of ["session_start", "checkpoint", "snapshot", "level", "trade", "tick_size", "subscribed", "connection_lost", "resync", "silence"]) {
        expect(kinds.has(k as EventRow["kind"]), k).toBe(true)
      }
      // positions only grow, and every row says which one it reflects
      for (let i = 1; i < writer.events.length; i++) expect(writer.events[i]!.event_seq).toBeGreaterThanOrEqual(writer.events[i - 1]!.event_seq)
      expect(writer.snapshots.every((x) => typeof x.event_seq === "number")).toBe(true)
      // resnapshot --every 2s: the HOT books' rows at the same instants as the live ones. An
      // instant is compared when it is unambiguous: no event of that millisecond came after the
      // live row (resnapshot gives the state after everything received by the instant).
      const hot = writer.snapshots.filter((x) => x.outcome_id === "11" || x.outcome_id === "21")
      const lateInSameMs = (row: SnapshotRow) => writer.events.some((e) => e.ts_recv === row.ts_recv && e.event_seq > row.event_seq!)
      const unambiguous = hot.filter((x) => !lateInSameMs(x))
      expect(unambiguous.length).toBeGreaterThan(hot.length / 2)
      expect(unambiguous.length).toBeLessThan(hot.length) // the run does have same-ms events after rows
      const resnapshotCheck = async (dataDir: string) => {
        const outDir = path.join(dataDir, "derived")
        const result = await runResnapshot({
          dataDir, outDir, venue: "polymarket", date: "1970-01-01", everyMs: parseEvery("2s")!, bucketMinutes: BUCKET_MINUTES, topK: TOP_K
        })
        expect(result.filesWritten.length).toBeGreaterThan(0)
        const derived: SnapshotRow[] = []
        for (const f of result.filesWritten) derived.push(...(await readSnapshotFile(f)) as SnapshotRow[])
        const byKey = new Map(derived.map((d) => [`${d.ts_recv}|${d.market_id}|${d.outcome_id}`, d]))
        for (const live of unambiguous) {
          const d = byKey.get(`${live.ts_recv}|${live.market_id}|${live.outcome_id}`)
          expect(d === undefined ? undefined : { ...comparable(d), venue: d.venue }, `resnapshot at ${live.ts_recv} ${live.outcome_id}`)
            .toEqual({ ...comparable(live), venue: live.venue })
        }
        // the standard layout: the miner's listing finds the files
        expect(result.filesWritten.every((f) => f.includes(`${path.sep}orderbook_snapshots${path.sep}venue=polymarket${path.sep}date=1970-01-01${path.sep}hour=`))).toBe(true)
      }
      const compared = yield* checkEveryRow("polymarket", writer.snapshots, writer.events, resnapshotCheck)
      expect(compared).toBe(writer.snapshots.length)
    }), 60_000)

  it.scoped("Kalshi: every snapshot row comes back from the log, across seq gaps, resubscribes and reconnects", () =>
    Effect.gen(function*() {
      const cfg = testConfig({ storage: { bucket_minutes: BUCKET_MINUTES, top_k: TOP_K } })
      const { venue, writer, metrics, vc } = yield* fakeVenuePipeline("kalshi", cfg)
      const tickers = ["KX-A", "KX-B"]
      yield* vc.control.subscribe(tickers.map((t) => ({ key: t, marketId: t, outcomeIds: ["yes", "no"], tier: "hot" as const })))
      yield* tick(0)
      const r = rng(11)
      const ladder = () => Array.from({ length: Math.floor(r() * 6) }, (_, i) => [(0.3 - 0.01 * i).toFixed(4), String(1 + Math.floor(r() * 90)) + ".00"])
      // the venue's side of the protocol: answer each subscribe command with sids and snapshots
      let nextSid = 1
      const seqOf = new Map<number, number>()
      let bookSids: number[] = []
      let handled = 0
      const serve = () => {
        const s = venue.last
        if (s.closed) return
        const cmds = s.json()
        for (; handled < cmds.length; handled++) {
          const c = cmds[handled] as { id: number; cmd: string; params: { market_tickers?: string[] } }
          if (c.cmd !== "subscribe") continue
          const bookSid = nextSid++
          const tradeSid = nextSid++
          bookSids.push(bookSid)
          seqOf.set(bookSid, 0)
          seqOf.set(tradeSid, 0)
          s.push({ id: c.id, type: "subscribed", msg: { channel: "orderbook_delta", sid: bookSid } }, { id: c.id, type: "subscribed", msg: { channel: "trade", sid: tradeSid } })
          for (const t of c.params.market_tickers ?? []) {
            const seq = seqOf.get(bookSid)! + 1
            seqOf.set(bookSid, seq)
            s.push({ type: "orderbook_snapshot", sid: bookSid, seq, msg: { market_ticker: t, market_id: "", yes_dollars_fp: ladder(), no_dollars_fp: ladder() } })
          }
        }
      }
      let socket = venue.last
      for (let step = 0; step < 110; step++) {
        if (venue.last !== socket) {
          socket = venue.last
          handled = 0
          bookSids = []
        }
        serve()
        const s = venue.last
        if (!s.closed && bookSids.length > 0) {
          const n = Math.floor(r() * 4)
          for (let j = 0; j < n; j++) {
            const sid = bookSids[bookSids.length - 1]!
            const t = tickers[Math.floor(r() * tickers.length)]!
            // a lost frame now and then: the next one reveals a gap
            const seq = seqOf.get(sid)! + (r() < 0.03 ? 2 : 1)
            seqOf.set(sid, seq)
            s.push({
              type: "orderbook_delta", sid, seq,
              msg: { market_ticker: t, price_dollars: (0.2 + Math.floor(r() * 15) / 100).toFixed(4), delta_fp: String(Math.floor(r() * 40) - 15) + ".00", side: r() < 0.5 ? "yes" : "no", ts_ms: 1_780_000_000_000 + step }
            })
          }
        }
        if (r() < 0.02 && !s.closed) s.drop()
        yield* tick(r() < 0.3 ? 2000 : Math.floor(r() * 700))
      }
      yield* tick(1000)
      expect(writer.snapshots.length).toBeGreaterThan(80)
      expect(metrics.seqGaps).toBeGreaterThan(0)
      expect(writer.snapshots.some((x) => x.err?.startsWith("seq gap") === true)).toBe(true)
      const kinds = new Set(writer.events.map((e) => e.kind))
      for (const k of ["checkpoint", "snapshot", "level", "seq_gap", "subscribed"]) expect(kinds.has(k as EventRow["kind"]), k).toBe(true)
      const compared = yield* checkEveryRow("kalshi", writer.snapshots, writer.events)
      expect(compared).toBe(writer.snapshots.length)
    }), 60_000)
})
