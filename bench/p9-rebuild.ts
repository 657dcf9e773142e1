/**
 * P9 rebuild latency: `surveillance rebuild --at` for one market in one 5-minute bucket file of
 * 1,000,000 events (1,000 two-outcome markets, 20 levels a side at the bucket's checkpoint, then
 * level changes, trades and a few continuity markers through the collector's BookStore and
 * EventLog). Measured: rebuildAt (what the command runs: find the bucket, read the file, replay
 * the market up to the instant, build its rows) at the bucket's last millisecond, best of 3 wall
 * time. Reference: reading the file's columns alone (the floor of any replay from it).
 * Target < 1 s.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { BookStore } from "../src/books/BookStore.js"
import { EventLog } from "../src/books/EventLog.js"
import { Effect } from "effect"
import { rebuildAt, type RebuildOptions } from "../src/replay/rebuild.js"
import { FileStoreLayer } from "../src/storage/FileStore.js"
import { encodeEventRows, readEventColumns } from "../src/storage/parquet/events.js"
import { eventFilePath } from "../src/storage/paths.js"
import { bestOf, mainIfDirect, result, round, type FigureResult } from "./harness.js"

/** what `surveillance rebuild` runs, on the local FileStore */
const runRebuild = (opts: RebuildOptions) => Effect.runPromise(rebuildAt(opts).pipe(Effect.provide(FileStoreLayer)))

const EVENTS = 1_000_000
const MARKETS = 1000
const BUCKET = Date.UTC(2026, 0, 5, 12, 0)

export async function run(): Promise<FigureResult[]> {
  let now = BUCKET
  const log = new EventLog({ bucketMinutes: 5, now: () => now, startSeq: BUCKET * 1000 })
  const books = new BookStore({ venue: "polymarket", topK: 50, log })
  let seed = 17
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000)
  const ladder = (mid: number, dir: number) => ({
    prices: Array.from({ length: 20 }, (_, i) => Math.round((mid + dir * 0.01 * (i + 1)) * 100) / 100),
    sizes: Array.from({ length: 20 }, () => 1 + Math.floor(rnd() * 500))
  })
  for (let m = 0; m < MARKETS; m++) {
    const outcomes = [`${m}1`, `${m}2`]
    log.subscribed(`0xm${m}`, outcomes)
    for (const o of outcomes) books.apply({ kind: "snapshot", marketId: `0xm${m}`, outcomeId: o, bids: ladder(0.5, -1), asks: ladder(0.5, 1), sourceTs: null }, now)
  }
  while (log.pending < EVENTS) {
    now = BUCKET + Math.floor((log.pending / EVENTS) * 299_000)
    const m = Math.floor(rnd() * MARKETS)
    const o = `${m}${rnd() < 0.5 ? 1 : 2}`
    const u = rnd()
    if (u < 0.95) {
      books.apply({ kind: "level_set", marketId: `0xm${m}`, outcomeId: o, side: rnd() < 0.5 ? "bid" : "ask", price: Math.round((0.3 + rnd() * 0.4) * 100) / 100, size: rnd() < 0.3 ? 0 : Math.floor(rnd() * 500), sourceTs: now - 30 }, now)
    } else if (u < 0.999) {
      books.noteTrade({ kind: "trade", marketId: `0xm${m}`, outcomeId: o, price: 0.5, size: 3, side: "buy", tradeId: `t${log.pending}`, sourceTs: now - 30 }, now)
    } else {
      books.markStale(`0xm${m}`, "connection down")
    }
  }
  const rows = log.drain()
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-p9-"))
  try {
    const file = eventFilePath(dataDir, "polymarket", BUCKET, 0)
    fs.mkdirSync(path.dirname(file), { recursive: true })
    fs.writeFileSync(file, encodeEventRows(rows))
    const at = BUCKET + 299_999
    let printed = 0
    const ours = await bestOf(3, async () => {
      const r = await runRebuild({ dataDir, venue: "polymarket", atMs: at, markets: ["0xm7"] })
      printed = r.rows.length
      // the answer is the live book: same levels as the BookStore that made the log
      const live = books.snapshotRow("0xm7", r.rows[0]!.outcome_id, at)
      if (JSON.stringify(r.rows[0]!.bid_px.slice(0, 50)) !== JSON.stringify(live.bid_px) || r.rows[0]!.status !== live.status) {
        throw new Error("P9: the rebuilt book differs from the live one")
      }
    })
    const floor = await bestOf(3, () => readEventColumns(file))
    return [result({
      figure: "P9", name: `rebuild --at, one market, a 5-minute bucket of ${rows.length} events (${round(fs.statSync(file).size / 1e6, 1)} MB)`,
      ours: round(ours), reference: round(floor), referenceName: "reading the file's columns alone",
      unit: "ms", higherIsBetter: false, target: "< 1,000 ms", met: ours < 1000 && printed === 2,
      notes: `${printed} books printed (both outcomes), checked against the live BookStore's rows`
    })]
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true })
  }
}

await mainIfDirect(import.meta.url, run)
