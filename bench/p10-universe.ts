/**
 * P10 universe: the collector in rotation_mode = "all" over 14,000 Polymarket + 20,000 Kalshi
 * markets, against `surveillance simulate` in rate mode (its own process; Zipf-skewed activity)
 * at an aggregate 2,000 and 10,000 book updates/s. Per rate, in one collector process (scanner,
 * scheduler, every connection, the Kalshi firehose, the writer with the event log on):
 * - time to full subscription: from the collector's start until every eligible market's
 *   subscriptions are confirmed by the venue (Polymarket: book received; Kalshi: subscribed),
 *   and until every market has a non-stale snapshot row;
 * - over a steady window: CPU share of one core (the whole process, writer thread included),
 *   event-loop p99, RSS per book (RSS in the window minus RSS before the collector started,
 *   over the live books), frames dropped (the simulator's frames sent on our sockets that never
 *   arrived: reconnects would lose them, so those are reported too), disk written per day.
 * Env: P10_RATES (2000,10000), P10_PM (14000), P10_K (20000), P10_WINDOW_S (30), P10_EVENT_LOG (on).
 */
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Effect, Layer } from "effect"
import { startCollector } from "../src/collector/Collector.js"
import { loadConfig } from "../src/config/load.js"
import type { AppConfig } from "../src/config/schema.js"
import type { VenueId } from "../src/domain/VenueId.js"
import { scanVenue } from "../src/scanner/Scanner.js"
import { rankMarkets } from "../src/scheduler/scoring.js"
import { ParquetSink, ParquetSinkLive } from "../src/sink/ParquetSink.js"
import { FileStoreLayer } from "../src/storage/FileStore.js"
import { listPartitionDates } from "../src/storage/partitions.js"
import { readNewestUniverse } from "../src/storage/universe.js"
import { kalshiMarketKeys } from "../src/venues/kalshi/KalshiLive.js"
import { polymarketMarketKeys } from "../src/venues/polymarket/PolymarketLive.js"
import { VenuesLive } from "../src/venues/VenueLayers.js"
import { mainIfDirect, result, round, startTickProbe, type FigureResult } from "./harness.js"

const RATES = (process.env["P10_RATES"] ?? "2000,10000").split(",").map(Number).filter((n) => n > 0)
const PM = Number(process.env["P10_PM"] ?? 14_000)
const K = Number(process.env["P10_K"] ?? 20_000)
const WINDOW_S = Number(process.env["P10_WINDOW_S"] ?? 30)
const VENUES: ReadonlyArray<VenueId> = ["polymarket", "kalshi"]
const bin = path.join(import.meta.dirname, "..", "bin", "surveillance.js")
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

interface Sim { readonly configPath: string; readonly control: string; stop(): Promise<void> }

const startSim = async (rate: number, dir: string): Promise<Sim> => {
  const configPath = path.join(dir, "sim.toml")
  const child = spawn(process.execPath, [bin, "simulate", "--polymarket-markets", String(PM), "--kalshi-markets", String(K), "--rate", String(rate), "--write-config", configPath], {
    stdio: ["ignore", "pipe", "inherit"]
  })
  let out = ""
  child.stdout!.on("data", (d) => (out += String(d)))
  const t0 = Date.now()
  while (!out.includes("running until interrupted")) {
    if (child.exitCode !== null || Date.now() - t0 > 180_000) throw new Error(`simulate did not start: ${out.slice(-400)}`)
    await sleep(100)
  }
  return {
    configPath,
    control: /control\s+(\S+)/.exec(out)![1]!,
    stop: () =>
      new Promise((done) => {
        if (child.exitCode !== null) return done()
        child.once("exit", () => done())
        child.kill("SIGINT")
        setTimeout(() => child.kill("SIGKILL"), 5000).unref()
      })
  }
}

const simFramesSent = async (control: string): Promise<number> => {
  const conns = (await (await fetch(`${control}/connections`)).json()) as Array<{ framesSent: number }>
  return conns.reduce((s, c) => s + c.framesSent, 0)
}

/** bytes of the published Parquet files of one dataset */
const parquetBytes = (dataDir: string, dataset: string): number => {
  const root = path.join(dataDir, dataset)
  if (!fs.existsSync(root)) return 0
  let total = 0
  for (const e of fs.readdirSync(root, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name.endsWith(".parquet")) total += fs.statSync(path.join(e.parentPath, e.name)).size
  }
  return total
}

const settle = async (): Promise<number> => {
  for (let i = 0; i < 3; i++) {
    global.gc?.()
    await sleep(200)
  }
  return process.memoryUsage().rss
}

const measure = async (rate: number): Promise<FigureResult[]> => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-p10-"))
  const sim = await startSim(rate, dir)
  try {
    const simCfg = await Effect.runPromise(loadConfig(sim.configPath))
    const all = { rotation_mode: "all" as const }
    const cfg: AppConfig = {
      ...simCfg,
      data_dir: path.join(dir, "data"),
      // the event log is on by default; P10_EVENT_LOG=off measures without it (for comparison)
      storage: { ...simCfg.storage, event_log: process.env["P10_EVENT_LOG"] !== "off" },
      collector: { ...simCfg.collector, metrics_addr: "" },
      venues: { polymarket: { ...simCfg.venues.polymarket, ...all }, kalshi: { ...simCfg.venues.kalshi, ...all } }
    }
    // what the collector will subscribe: every eligible market of the scanned universes
    const expected = new Map<VenueId, { markets: Set<string>; subs: number }>()
    await Effect.runPromise(Effect.gen(function*() {
      for (const v of VENUES) {
        const scanned = yield* scanVenue(cfg, v)
        if (scanned._tag !== "ok") throw new Error(`P10: scan of ${v} failed`)
        const dates = yield* listPartitionDates(cfg.data_dir, "metadata", v)
        const universe = (yield* readNewestUniverse(cfg.data_dir, v, dates[dates.length - 1]!))!
        const ranked = rankMarkets({
          keysOf: v === "kalshi" ? kalshiMarketKeys : polymarketMarketKeys,
          markets: universe.markets, stats: null, nowMs: Date.now(), minHoursUntilClose: cfg.venues[v].min_hours_until_close
        }).ranked
        expected.set(v, { markets: new Set(ranked.map((m) => m.marketId)), subs: ranked.reduce((s, m) => s + m.keys.length, 0) })
      }
    }).pipe(Effect.provide(VenuesLive(cfg)), Effect.provide(FileStoreLayer)))
    const subsWanted = VENUES.reduce((s, v) => s + expected.get(v)!.subs, 0)
    const marketsWanted = VENUES.reduce((s, v) => s + expected.get(v)!.markets.size, 0)

    // the writer, counting which markets got a non-stale snapshot row
    const rowMarkets = new Set<string>()
    let allRowsAtMs: number | null = null
    const writerLive = Layer.provide(FileStoreLayer)(ParquetSinkLive({ dataDir: cfg.data_dir, storage: cfg.storage, queueRows: cfg.collector.writer_queue_rows }))
    const counting = Layer.effect(ParquetSink, Effect.map(ParquetSink, (inner) => ({
      ...inner,
      writeSnapshots: (rows: Parameters<typeof inner.writeSnapshots>[0]) => {
        if (allRowsAtMs === null) {
          for (const r of rows) if (r.status !== "stale") rowMarkets.add(`${r.venue}/${r.market_id}`)
          if (rowMarkets.size >= marketsWanted) allRowsAtMs = Date.now()
        }
        return inner.writeSnapshots(rows)
      }
    }))).pipe(Layer.provide(writerLive))

    let rssBefore = 0
    let t0 = 0
    const m = await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      // the writer (and its thread) is up: what remains grows with the books
      rssBefore = yield* Effect.promise(settle)
      t0 = Date.now()
      const running = yield* startCollector(cfg, { venues: VENUES })
      const live = () => Effect.gen(function*() {
        let n = 0
        for (const v of VENUES) n += yield* running.venues.get(v)!.liveSubscriptions
        return n
      })
      let liveAtMs: number | null = null
      while (Date.now() - t0 < 170_000 && (liveAtMs === null || allRowsAtMs === null)) {
        if (liveAtMs === null && (yield* live()) >= subsWanted) liveAtMs = Date.now()
        yield* Effect.sleep("200 millis")
      }
      const liveSubs = yield* live()
      let books = 0
      for (const v of VENUES) books += running.venues.get(v)!.books.bookCount
      // steady state: a few WARM rounds before the window
      yield* Effect.sleep("10 seconds")
      const metrics = VENUES.map((v) => running.metrics.forVenue(v))
      const sum = (f: (x: typeof metrics[number]) => number) => metrics.reduce((s, x) => s + f(x), 0)
      const reconnects0 = sum((x) => x.reconnects)
      const msgs0 = sum((x) => x.messagesReceived)
      const probe = startTickProbe()
      const cpu0 = process.cpuUsage()
      const w0 = performance.now()
      const rssSamples: number[] = []
      for (let i = 0; i < WINDOW_S; i++) {
        yield* Effect.sleep("1 second")
        rssSamples.push(process.memoryUsage().rss)
      }
      const cpu = process.cpuUsage(cpu0)
      const wallS = (performance.now() - w0) / 1000
      const lag = probe.stop()
      // frames: what the simulator had sent on our sockets by now must all arrive
      const sent = yield* Effect.promise(() => simFramesSent(sim.control))
      yield* Effect.sleep("3 seconds")
      const received = sum((x) => x.framesReceived)
      // the measures so far, before the shutdown drains the writer (minutes at 10,000/s)
      process.stderr.write(`P10 ${rate}/s: live ${liveAtMs === null ? "never" : (liveAtMs - t0) / 1000} s (${liveSubs}/${subsWanted}), rows ${allRowsAtMs === null ? "never" : (allRowsAtMs - t0) / 1000} s, ` +
        `cpu ${round((cpu.user + cpu.system) / 1e6 / wallS, 3)}, p99 ${round(lag.p99Ms, 1)} ms (max ${round(lag.maxGapMs, 1)}), ` +
        `rss ${round(rssBefore / 2 ** 20, 1)} -> ${round(rssSamples[rssSamples.length - 1]! / 2 ** 20, 1)} MB for ${books} books, dropped ${Math.max(0, sent - received)}, ` +
        `reconnects ${sum((x) => x.reconnects) - reconnects0}, stalls ${sum((x) => x.connectionStalls)}, load ${os.loadavg().map((x) => round(x, 2)).join(" ")}\n`)
      return {
        liveS: liveAtMs === null ? null : (liveAtMs - t0) / 1000,
        rowsS: allRowsAtMs === null ? null : (allRowsAtMs - t0) / 1000,
        liveSubs, books,
        cpuShare: (cpu.user + cpu.system) / 1e6 / wallS,
        p99Ms: lag.p99Ms, maxGapMs: lag.maxGapMs,
        rssAfter: rssSamples.reduce((a, b) => a + b, 0) / rssSamples.length,
        dropped: Math.max(0, sent - received),
        reconnects: sum((x) => x.reconnects) - reconnects0,
        stalls: sum((x) => x.connectionStalls),
        msgsPerS: (sum((x) => x.messagesReceived) - msgs0) / wallS,
        connections: sum((x) => x.connections),
      }
    })).pipe(Effect.provide(VenuesLive(cfg)), Effect.provide(FileStoreLayer), Effect.provide(counting)))
    // after shutdown the writer has published every row: the run's Parquet bytes over its length
    const runS = (Date.now() - t0) / 1000
    const disk = Object.fromEntries(["orderbook_snapshots", "trades", "book_events"].map((d) => [d, parquetBytes(cfg.data_dir, d) * 86_400 / runS / 1e9]))
    const diskPerDayGb = Object.values(disk).reduce((a, b) => a + b, 0)
    const perBookKb = (m.rssAfter - rssBefore) / Math.max(1, m.books) / 1024
    const common = `event log ${cfg.storage.event_log ? "on" : "off"}; ${rate} updates/s (${round(m.msgsPerS, 0)} msg/s received), ${m.books} books over ${m.connections} connections; load ${os.loadavg().map((x) => round(x, 2)).join(" ")}`
    const r = (name: string, ours: number | null, unit: string, target: string, met: boolean | null, higherIsBetter = false, notes = common) =>
      result({ figure: "P10", name: `${name} @ ${rate}/s`, ours: ours === null ? null : round(ours, 3), reference: null, referenceName: "issue target", unit, higherIsBetter, target, met, notes })
    return [
      r("all mode: time to full subscription", m.liveS, "s", "<= 60 s", m.liveS !== null && m.liveS <= 60, false,
        `${m.liveSubs}/${subsWanted} subscriptions live; every market's first non-stale row after ${m.rowsS ?? "never"} s; ${common}`),
      r("all mode: CPU share of one core", m.cpuShare, "cores", "<= 1 core", m.cpuShare <= 1),
      r("all mode: RSS per book", perBookKb, "KB/book", "<= 10 KB/book", perBookKb <= 10, false,
        `RSS ${round(rssBefore / 2 ** 20, 1)} -> ${round(m.rssAfter / 2 ** 20, 1)} MB; ${common}`),
      r("all mode: event-loop p99", m.p99Ms, "ms", "< 50 ms", m.p99Ms < 50, false, `max gap ${round(m.maxGapMs, 1)} ms; ${common}`),
      r("all mode: frames dropped", m.dropped, "frames", "0", m.dropped === 0 && m.reconnects === 0, false,
        `${m.reconnects} reconnects and ${m.stalls} stalls in the window; ${common}`),
      r("all mode: disk per day", diskPerDayGb, "GB/day", "-", null, false,
        `Parquet over a ${round(runS, 0)} s run (fill included): snapshots ${round(disk["orderbook_snapshots"]!, 2)}, trades ${round(disk["trades"]!, 2)}, event log ${round(disk["book_events"]!, 2)} GB/day; ${common}`)
    ]
  } finally {
    await sim.stop()
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 })
  }
}

export async function run(): Promise<FigureResult[]> {
  const out: FigureResult[] = []
  for (const rate of RATES) {
    const rs = await measure(rate)
    // each rate's figures as soon as they exist (a later rate may not finish)
    for (const r of rs) process.stderr.write(`P10 ${r.name}: ${r.ours} ${r.unit} (${r.notes ?? ""})\n`)
    out.push(...rs)
  }
  return out
}

await mainIfDirect(import.meta.url, run)
