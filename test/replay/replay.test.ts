/**
 * `surveillance replay`: every recorded fixture of test/fixtures/shared through the real
 * decoders and book store, rows checked against the fixture's own prices; a Polymarket
 * sequence recorded from the simulator's WebSocket (book, price_change frames, the next book
 * of the same asset) reproduces the venue's next book exactly; the same recorded frames through
 * the event log come back exactly from its Parquet file; the CLI's stdout, stderr summary,
 * --final and --out.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import type { BookEvent } from "../../src/domain/BookEvent.js"
import type { SnapshotRow } from "../../src/domain/SnapshotRow.js"
import type { VenueId } from "../../src/domain/VenueId.js"
import { type Frame, replayFrames, REPLAY_TOP_K, type ReplaySummary, splitFrames } from "../../src/replay/replayFrames.js"
import { BookStore } from "../../src/books/BookStore.js"
import { EventLog } from "../../src/books/EventLog.js"
import { EventReplayer } from "../../src/replay/eventReplay.js"
import { startSimulator } from "../../src/simulator/Simulator.js"
import { encodeEventRows, readEventColumns } from "../../src/storage/parquet/events.js"
import { makeDecodeStats } from "../../src/venues/DecodeStats.js"
import { recordedFrameDecoder } from "../../src/venues/recordedFrames.js"
import { readSnapshotFile } from "../../src/storage/parquet/snapshots.js"
import { runCliSync } from "../support/cli.js"
import { drained, TEST_KALSHI_KEY, waitFor, WireClient } from "../simulator/support.js"

const FIXTURES = path.resolve(import.meta.dirname, "../fixtures/shared")

/** WebSocket frame recordings (REST answers and Gamma objects are not frames) */
const frameFiles = (venue: VenueId): Array<string> => {
  const out: Array<string> = []
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name)
      if (e.isDirectory()) walk(p)
      else if (/\.jsonl?$/.test(e.name) && !/rest|gamma|clob_|http_/.test(e.name)) out.push(p)
    }
  }
  walk(path.join(FIXTURES, venue))
  return out.sort()
}

const replay = (venue: VenueId, frames: ReadonlyArray<Frame>) => {
  const rows: Array<{ row: SnapshotRow; frame: Frame }> = []
  const notes: Array<string> = []
  const summary = replayFrames(venue, frames, { row: (row, frame) => rows.push({ row, frame }), note: (l) => notes.push(l) })
  return { rows, notes, summary }
}

type Obj = Record<string, unknown>
const objectsOf = (frame: Frame): Array<Obj> => {
  const v = JSON.parse(frame.text) as unknown
  return (Array.isArray(v) ? v : [v]) as Array<Obj>
}
const levelPrices = (levels: unknown): Array<number> => (levels as Array<{ price: string }>).map((l) => Number(l.price))
const best = (xs: Array<number>, pick: (...v: Array<number>) => number) => (xs.length === 0 ? Number.NaN : pick(...xs))

describe("replay of the recorded fixtures", () => {
  it("Polymarket: every frame file replays; each book frame's row has the frame's best prices and all its levels", () => {
    let bookChecks = 0
    for (const file of frameFiles("polymarket")) {
      const frames = splitFrames(fs.readFileSync(file, "utf8"))
      const { rows, summary } = replay("polymarket", frames)
      expect(summary.frames, file).toBe(frames.length)
      for (const frame of frames) {
        const mine = rows.filter((r) => r.frame === frame).map((r) => r.row)
        for (const o of objectsOf(frame)) {
          if (Array.isArray(o.bids) && Array.isArray(o.asks) && typeof o.asset_id === "string") {
            const row = mine.find((r) => r.outcome_id === o.asset_id)
            expect(row, `${file} line ${frame.line}`).toBeDefined()
            const bids = levelPrices(o.bids).filter((_, i) => Number((o.bids as Array<{ size: string }>)[i]!.size) > 0)
            const asks = levelPrices(o.asks).filter((_, i) => Number((o.asks as Array<{ size: string }>)[i]!.size) > 0)
            expect(row!.best_bid_px).toBe(best(bids, Math.max))
            expect(row!.best_ask_px).toBe(best(asks, Math.min))
            expect(row!.bid_px.length).toBe(new Set(bids).size)
            expect(row!.ask_px.length).toBe(new Set(asks).size)
            bookChecks++
          }
        }
      }
    }
    // (the recorded price_change frames name assets without a preceding book: their deltas are
    // ignored, as the collector does; the simulator recording below checks price_change best prices)
    expect(bookChecks).toBeGreaterThanOrEqual(15)
  })

  it("Kalshi: every frame file replays; each snapshot's rows have the frame's best YES and NO bids", () => {
    let checks = 0
    for (const file of frameFiles("kalshi")) {
      const frames = splitFrames(fs.readFileSync(file, "utf8"))
      const { rows, summary, notes } = replay("kalshi", frames)
      expect(summary.frames, file).toBe(frames.length)
      for (const frame of frames) {
        const o = objectsOf(frame)[0]!
        if (o.type !== "orderbook_snapshot") continue
        // a frame behind its sid's sequence (a recording spanning two sessions) is dropped, as the collector does
        if (notes.some((n) => n.startsWith(`line ${frame.line}: `) && n.endsWith("dropped"))) {
          expect(rows.filter((r) => r.frame === frame)).toEqual([])
          continue
        }
        const msg = o.msg as Obj
        const side = (fp: string, cents: string): Array<number> =>
          msg[fp] !== undefined
            ? (msg[fp] as Array<[string, string]>).filter((l) => Number(l[1]) > 0).map((l) => Number(l[0]))
            : ((msg[cents] ?? []) as Array<[number, number]>).filter((l) => l[1] > 0).map((l) => l[0] / 100)
        const yes = side("yes_dollars_fp", "yes")
        const no = side("no_dollars_fp", "no")
        const mine = rows.filter((r) => r.frame === frame).map((r) => r.row)
        expect(mine.map((r) => r.outcome_id), `${file} line ${frame.line}`).toEqual(["yes", "no"])
        expect(mine[0]!.best_bid_px).toBe(best(yes, Math.max))
        expect(mine[1]!.best_bid_px).toBe(best(no, Math.max))
        // YES ask = 1 - best NO bid
        if (no.length > 0) expect(mine[0]!.best_ask_px).toBeCloseTo(1 - best(no, Math.max), 12)
        checks++
      }
    }
    expect(checks).toBeGreaterThanOrEqual(4)
  })

  it("splits JSON lines, one JSON array of frames, and a pretty-printed single frame", () => {
    expect(splitFrames('{"a":1}\n\n[{"b":2},{"c":3}]\n').map((f) => [f.line, f.text])).toEqual([[1, '{"a":1}'], [3, '[{"b":2},{"c":3}]']])
    expect(splitFrames('[\n {"a":1},\n [{"b":2}]\n]').map((f) => f.text)).toEqual(['{"a":1}', '[{"b":2}]'])
    expect(splitFrames('{\n  "a": 1\n}').map((f) => f.line)).toEqual([1])
    expect(splitFrames('[{"a":1},{"b":2}]')).toHaveLength(1)
  })
})

describe("event log of the recorded fixtures", () => {
  // Every book after every recorded frame, as the live store holds it, must come back from
  // the event log written to Parquet and read back (the frames are the venues', not ours).
  for (const venue of ["polymarket", "kalshi"] as const) {
    it(`${venue}: every book after every frame is rebuilt exactly from the log file`, async () => {
      const T0 = Date.UTC(2026, 0, 15, 10, 0, 0)
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "eventlog-recorded-"))
      let checks = 0
      try {
        for (const file of frameFiles(venue)) {
          let now = T0
          const log = new EventLog({ bucketMinutes: 60, now: () => now, startSeq: 0 })
          const live = new BookStore({ venue, topK: REPLAY_TOP_K, log })
          const decoder = recordedFrameDecoder(venue, makeDecodeStats())
          const expected: Array<SnapshotRow> = []
          const events: Array<BookEvent> = []
          for (const frame of splitFrames(fs.readFileSync(file, "utf8"))) {
            now += 10 // receive times 10 ms apart, in recorded order
            events.length = 0
            decoder.decode(frame.text, events, [])
            for (const ev of events) decoder.apply(ev, live, now, () => {})
            for (const market of [...live.marketIds()]) live.rowsForMarket(market, now, expected)
          }
          const logFile = path.join(dir, `${path.basename(file)}.parquet`)
          fs.writeFileSync(logFile, encodeEventRows(log.drain()))
          const replayer = new EventReplayer(venue)
          replayer.load({ files: [await readEventColumns(logFile)] })
          for (const row of expected) {
            replayer.advance({ atMs: row.ts_recv, maxSeq: row.event_seq ?? null }, null, true)
            expect(replayer.row(row.market_id, row.outcome_id, row.ts_recv), `${file}: ${row.market_id}/${row.outcome_id} at ${row.ts_recv}`).toEqual(row)
            checks++
          }
        }
      } finally {
        fs.rmSync(dir, { recursive: true, force: true })
      }
      expect(checks).toBeGreaterThanOrEqual(venue === "polymarket" ? 60 : 30)
    })
  }
})

describe("replay of a Polymarket sequence recorded from the simulator's WebSocket", () => {
  it.scopedLive("book + price_change frames give the same final book as the venue's next book frame for the asset", () =>
    Effect.gen(function*() {
      const sim = yield* startSimulator({ seed: 3, polymarketMarkets: 40, kalshiMarkets: 5, tickMs: 0, anchorMs: 1_780_000_000_000, kalshiKey: TEST_KALSHI_KEY })
      const ids = sim.truth.liveMarkets("polymarket").slice(0, 12).flatMap((m) => m.token_ids)
      const recorder = new WireClient(sim.urls.polymarketWs)
      yield* Effect.promise(() => recorder.opened)
      recorder.send({ type: "market", assets_ids: ids })
      yield* Effect.promise(() => waitFor(() => recorder.frames.length >= 1, "initial books"))
      for (let round = 0; round < 12; round++) {
        sim.step(50)
        yield* Effect.promise(() => drained(sim, recorder, "polymarket"))
      }
      recorder.close()
      // the venue's next book of every asset: a new subscription's initial dump, with the market standing still
      const next = new WireClient(sim.urls.polymarketWs)
      yield* Effect.promise(() => next.opened)
      next.send({ type: "market", assets_ids: ids })
      yield* Effect.promise(() => waitFor(() => next.frames.length >= 1, "next books"))
      next.close()

      const dir = fs.mkdtempSync(path.join(fs.realpathSync("/tmp"), "replay-"))
      const recording = path.join(dir, "polymarket.jsonl")
      fs.writeFileSync(recording, recorder.frames.filter((f) => f !== "PONG").join("\n") + "\n")
      const frames = splitFrames(fs.readFileSync(recording, "utf8"))
      const replayed = replay("polymarket", frames)
      const venueBooks = replay("polymarket", [{ line: 1, text: next.frames[0]! }]).rows.map((r) => r.row)
      expect(venueBooks.length).toBe(ids.length)

      // assets whose last message before the new book was a price_change: their book comes from the deltas
      const lastKind = new Map<string, string>()
      for (const f of frames) {
        for (const o of objectsOf(f)) {
          if (o.event_type === "book") lastKind.set(o.asset_id as string, "book")
          for (const pc of (o.price_changes ?? []) as Array<Obj>) lastKind.set(pc.asset_id as string, "price_change")
        }
      }
      const ladder = (r: SnapshotRow) => ({ bid_px: r.bid_px, bid_sz: r.bid_sz, ask_px: r.ask_px, ask_sz: r.ask_sz })
      let fromDeltas = 0
      for (const venueRow of venueBooks) {
        const mine = replayed.rows.filter((r) => r.row.outcome_id === venueRow.outcome_id).at(-1)!.row
        expect(ladder(mine), `asset ${venueRow.outcome_id}`).toEqual(ladder(venueRow))
        if (lastKind.get(venueRow.outcome_id) === "price_change") fromDeltas++
      }
      expect(fromDeltas).toBeGreaterThanOrEqual(3)

      // after every price_change frame, each changed book's best prices are the ones the venue states in the frame
      let stated = 0
      for (const f of frames) {
        const rows = replayed.rows.filter((r) => r.frame === f).map((r) => r.row)
        for (const o of objectsOf(f)) {
          for (const pc of (o.price_changes ?? []) as Array<Obj>) {
            const row = rows.find((r) => r.outcome_id === pc.asset_id)!
            const bb = Number(pc.best_bid)
            const ba = Number(pc.best_ask)
            expect(row.best_bid_px).toBe(bb > 0 ? bb : Number.NaN)
            expect(row.best_ask_px).toBe(ba < 1 ? ba : Number.NaN)
            stated++
          }
        }
      }
      expect(stated).toBeGreaterThan(20)

      // the CLI prints the same rows and, last on stderr, the summary
      const cli = runCliSync(["replay", "polymarket", recording])
      expect(cli.code).toBe(0)
      const printed = cli.stdout.trimEnd().split("\n").map((l) => JSON.parse(l) as SnapshotRow)
      expect(printed.length).toBe(replayed.rows.length)
      expect(printed.at(-1)).toEqual(JSON.parse(JSON.stringify(replayed.rows.at(-1)!.row)))
      const summary = JSON.parse(cli.stderr.trimEnd().split("\n").at(-1)!) as ReplaySummary
      expect(summary).toEqual(replayed.summary)
      expect(summary.events.level_set).toBeGreaterThan(0)
    }), 60_000)
})

describe("surveillance replay (spawned)", () => {
  it("bad frames are counted and named by line, never fatal; --final prints the last row per book; --out writes snapshot Parquet", async () => {
    const dir = fs.mkdtempSync(path.join(fs.realpathSync("/tmp"), "replay-cli-"))
    const file = path.join(dir, "kalshi.jsonl")
    const shapes = fs.readFileSync(path.join(FIXTURES, "kalshi/shapes.jsonl"), "utf8").trimEnd().split("\n")
    fs.writeFileSync(file, [shapes[0], "not json at all", ...shapes.slice(1), '{"type":"orderbook_delta","sid":1,"seq":4,"msg":{}}'].join("\n") + "\n")
    const all = runCliSync(["replay", "kalshi", file])
    expect(all.code).toBe(0)
    const stderr = all.stderr.trimEnd().split("\n")
    expect(stderr.some((l) => l.startsWith(`replay: ${file}: line 2: kalshi: frame is not JSON`))).toBe(true)
    const summary = JSON.parse(stderr.at(-1)!) as ReplaySummary
    expect(Object.keys(summary)).toEqual(["frames", "events", "rejected", "unknown", "crossed_states"])
    expect(summary.frames).toBe(shapes.length + 2)
    expect(summary.rejected).toBe(2)
    const rows = all.stdout.trimEnd().split("\n").map((l) => JSON.parse(l) as SnapshotRow)

    const final = runCliSync(["replay", "kalshi", file, "--final"])
    const finalRows = final.stdout.trimEnd().split("\n").map((l) => JSON.parse(l) as SnapshotRow)
    const keys = [...new Set(rows.map((r) => `${r.market_id}/${r.outcome_id}`))]
    expect(finalRows.map((r) => `${r.market_id}/${r.outcome_id}`)).toEqual(keys)
    for (const r of finalRows) expect(r).toEqual(rows.filter((x) => x.market_id === r.market_id && x.outcome_id === r.outcome_id).at(-1))

    const out = path.join(dir, "lake")
    const written = runCliSync(["replay", "kalshi", file, "--out", out])
    expect(written.code).toBe(0)
    expect(written.stdout).toBe("")
    const parquet = written.stderr.split("\n").filter((l) => l.startsWith("replay: wrote ")).map((l) => l.slice("replay: wrote ".length))
    expect(parquet.length).toBeGreaterThan(0)
    expect(parquet[0]).toMatch(/orderbook_snapshots\/venue=kalshi\/date=\d{4}-\d\d-\d\d\/hour=\d\d\/snapshots_.*\.parquet$/)
    const back = (await Promise.all(parquet.map((f) => readSnapshotFile(f)))).flat()
    expect(back.length).toBe(rows.length)
    expect(back.map((r) => r.best_bid_px ?? null)).toEqual(rows.map((r) => r.best_bid_px))
  }, 60_000)
})
