/**
 * `npm run chaos`: faults an operator meets, played against the real CLI (`surveillance scan`
 * and `collect` as child processes) talking to the in-process venue simulator over real
 * sockets, with the data directory on a real small filesystem for the disk faults (tmpfs; needs
 * root, else those two are skipped with one line saying so). Every fault knob of the simulator
 * (src/simulator/faults.ts) is played by one of the scenarios below, plus a full disk, a
 * read-only disk and kill -9 x10.
 *
 * Prints one table: each fault, what it did (the collector's own counters moved by the fault),
 * rows produced (accepted by the writer), written, dropped with reason, duplicates found by
 * DuckDB (an independent reader), and the time from the end of the fault until /healthz is 200
 * again and no market is without a live subscription (data flowing, the writer flushing).
 *
 * `npm run chaos -- NAME...` runs only some (names in SCENARIOS below, and `kill9`).
 */
import { spawn, type ChildProcess } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { DuckDBInstance } from "@duckdb/node-api"
import { Effect, Exit, Scope } from "effect"
import { loadConfig } from "../src/config/load.js"
import { writeSimulatorConfig } from "../src/simulator/configFile.js"
import { startSimulator, type SimulatorHandle } from "../src/simulator/Simulator.js"
import { mountSmallFs } from "../test/support/faultyDisk.js"

const ROOT = path.resolve(import.meta.dirname, "..")
const CLI = path.join(ROOT, "bin", "surveillance.js")
const FLUSH_SECONDS = 1
/** watchdog bounds of the silence scenarios: short, so the fault is noticed within the run */
const SOCKET_SILENCE_MS = 3000
const ASSET_SILENCE_MS = 5000

/** what a scenario changes in the collector's config (other scenarios keep the product's watchdog defaults but shorter socket silence) */
interface Tuning {
  readonly queueRows?: number
  readonly socketSilenceMs?: number
  readonly firstBookTimeoutMs?: number
  readonly assetSilenceMs?: number
}
const KILLS = 10
const QUEUE_ROWS = 4000
/** small enough that 10 s of a full disk overflows it: the rows beyond it are dropped and counted */
const FULL_DISK_QUEUE_ROWS = 500

interface Row {
  readonly fault: string
  /** the collector's counters the fault moved (short, for the table) */
  readonly did: string
  /** what was played and anything odd, printed under the table */
  readonly detail: string
  readonly produced: number | null
  readonly written: number | null
  readonly dropped: string
  readonly duplicates: number | null
  /** seconds from the end of the fault to /healthz 200; null: no fault end, or not within the run (`notRecoveredAfterS`) */
  readonly recoverS: number | null
  readonly notRecoveredAfterS?: number
  readonly verdict: string
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port
      srv.close(() => resolve(port))
    })
    srv.once("error", reject)
  })

// ---- small filesystem (tmpfs)

/** Fills the filesystem of `dir` with one file until ENOSPC; returns its path. */
function fillDisk(dir: string): string {
  const filler = path.join(dir, "filler.bin")
  const fd = fs.openSync(filler, "w")
  const block = Buffer.alloc(64 * 1024, 0x61)
  try {
    for (;;) {
      const n = fs.writeSync(fd, block)
      if (n < block.length) break
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOSPC") throw e
  } finally {
    fs.closeSync(fd)
  }
  return filler
}

// ---- the collector as an operator runs it

interface CollectRun {
  readonly child: ChildProcess
  readonly output: string[]
  readonly health: Array<{ readonly t: number; readonly ok: boolean }>
  readonly exited: Promise<number | null>
  stopPolling(): void
}

function startCollect(configPath: string, metricsPort: number, durationS: number | null): CollectRun {
  const args = [CLI, "collect", "--config", configPath, ...(durationS !== null ? ["--duration", `${durationS}s`] : [])]
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] })
  const output: string[] = []
  const collect = (b: Buffer) => { for (const l of b.toString().split("\n")) if (l.trim() !== "") output.push(l) }
  child.stdout!.on("data", collect)
  child.stderr!.on("data", collect)
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)))
  const health: Array<{ t: number; ok: boolean }> = []
  let polling = true
  void (async () => {
    while (polling) {
      try {
        // recovered = /healthz 200 and no market without a live subscription (the gauge is
        // exact; /healthz tolerates a few seconds of it)
        const res = await fetch(`http://127.0.0.1:${metricsPort}/healthz`, { signal: AbortSignal.timeout(1000) })
        await res.body?.cancel()
        const unsubscribed = (await effectCounters(metricsPort)).get("unsubscribed_markets") ?? 0
        health.push({ t: Date.now(), ok: res.status === 200 && unsubscribed === 0 })
      } catch {
        // not listening yet / gone
      }
      await sleep(200)
    }
  })()
  return { child, output, health, exited, stopPolling: () => { polling = false } }
}

const metricValue = async (port: number, name: string): Promise<number> => {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
  let sum = 0
  for (const line of text.split("\n")) if (line.startsWith(`surveillance_${name}`)) sum += Number(line.split(" ").at(-1))
  return sum
}

/** Collector counters that say what a fault did, summed over venues: [series, label in the table] */
const EFFECTS: ReadonlyArray<readonly [string, string]> = [
  ["reconnects_total", "reconnects"],
  ["socket_silence_timeouts_total", "silent sockets"],
  ["asset_resubscribes_total", "asset resubs"],
  ["seq_gaps_total", "seq gaps"],
  ["book_resyncs_total", "resyncs"],
  ["seq_out_of_order_total", "out-of-order dropped"],
  ["trades_duplicate_total", "repeated trades dropped"],
  ["messages_rejected_total", "malformed"],
  ["messages_unknown_total", "unknown events"],
  ["venue_errors_total", "venue errors"],
  ["writer_errors_total", "writer errors"],
  ["writer_backpressure_waits_total", "writer waits"]
]

const effectCounters = async (port: number): Promise<Map<string, number>> => {
  const text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text()).catch(() => "")
  const out = new Map<string, number>()
  for (const line of text.split("\n")) {
    const name = /^surveillance_([a-z_]+)[{ ]/.exec(line)?.[1]
    if (name === undefined) continue
    out.set(name, (out.get(name) ?? 0) + Number(line.split(" ").at(-1)))
  }
  return out
}

const describeEffects = (before: Map<string, number>, after: Map<string, number>): string => {
  const moved = EFFECTS.map(([series, label]) => [label, (after.get(series) ?? 0) - (before.get(series) ?? 0)] as const).filter(([, n]) => n > 0)
  return moved.length === 0 ? "nothing counted" : moved.map(([label, n]) => `${label} ${n}`).join(", ")
}

interface StoppedLine {
  readonly accepted: number
  readonly written: number
  readonly dropped: number
  readonly reasons: string
  readonly leftInWal: number
}

/** The writer's last line: `writer: stopped; accepted N rows = written W in F files + dropped D (r n, ...) [+ L left ...]` */
const parseStopped = (output: ReadonlyArray<string>): StoppedLine | null => {
  for (const line of [...output].reverse()) {
    const m = /writer: stopped; accepted (\d+) rows = written (\d+) in \d+ files \+ dropped (\d+)( \([^)]*\))?( \+ (\d+) left in write-ahead files)?/.exec(line)
    if (m !== null) {
      return { accepted: Number(m[1]), written: Number(m[2]), dropped: Number(m[3]), reasons: (m[4] ?? "").trim(), leftInWal: Number(m[6] ?? 0) }
    }
  }
  return null
}

/**
 * Seconds from the end of the fault until the collector was healthy again: the first healthy
 * sample after the last unhealthy one since the fault began (0: it never looked unhealthy;
 * null: it still did at the end of the run).
 */
const recoverySeconds = (health: ReadonlyArray<{ t: number; ok: boolean }>, startMs: number, endMs: number): number | null => {
  const since = health.filter((h) => h.t >= startMs)
  let lastBad = -1
  since.forEach((h, i) => { if (!h.ok) lastBad = i })
  if (lastBad === -1) return 0
  const ok = since.slice(lastBad + 1).find((h) => h.ok)
  return ok === undefined ? null : Math.max(0, Math.round((ok.t - endMs) / 100) / 10)
}

// ---- the independent check

async function duckCounts(dataDir: string): Promise<{ rows: number; duplicates: number }> {
  const db = await DuckDBInstance.create(":memory:")
  const c = await db.connect()
  let rows = 0
  let duplicates = 0
  try {
    for (const [dataset, key] of [
      ["orderbook_snapshots", "venue, market_id, outcome_id, ts_recv, seq"],
      ["trades", "venue, market_id, outcome_id, trade_id, price, size, side, source_ts"],
      // the event log (its files carry no venue column: the folder names it); a checkpoint's
      // rows share one event_seq, so the book's ids are part of the key
      ["book_events", "venue, event_seq, kind, market_id, coalesce(outcome_id, ''), coalesce(side, ''), coalesce(price, -1)"]
    ] as const) {
      const glob = path.join(dataDir, dataset, "venue=*", "date=*", "hour=*", "*.parquet")
      const probe = await c.runAndReadAll(`select count(*)::INTEGER from glob('${glob}')`)
      if (Number(probe.getRows()[0]![0]) === 0) continue
      const hive = dataset === "book_events" ? ", hive_partitioning = true" : ""
      const r = await c.runAndReadAll(`select count(*)::INTEGER, count(distinct (${key}))::INTEGER from read_parquet('${glob}'${hive})`)
      const [n, distinct] = r.getRows()[0]! as [number, number]
      rows += Number(n)
      duplicates += Number(n) - Number(distinct)
    }
  } finally {
    c.closeSync()
    db.closeSync()
  }
  return { rows, duplicates }
}

// ---- scenarios

interface Env {
  readonly sim: SimulatorHandle
  readonly work: string
  readonly small: ReturnType<typeof mountSmallFs>
  /** a scanned `metadata/` folder copied into every scenario's data dir (null: each scans) */
  universe: string | null
}

/**
 * A config for this scenario: the simulator's, with a free metrics port and short watchdog
 * bounds (so a silent socket or asset is noticed within seconds). `writeSimulatorConfig` puts
 * the data under `<dataDir>/sim`: that is where the rows are.
 */
async function scenarioConfig(env: Env, name: string, dataDir: string, tuning: Tuning = {}): Promise<{ configPath: string; port: number; dataDir: string }> {
  const basePath = path.join(env.work, `${name}.base.toml`)
  fs.writeFileSync(basePath, [
    `data_dir = ${JSON.stringify(dataDir)}`,
    "[storage]", `flush_seconds = ${FLUSH_SECONDS}`, "bucket_minutes = 1", "top_k = 10",
    "[collector]", `writer_queue_rows = ${tuning.queueRows ?? QUEUE_ROWS}`,
    "reconnect_base_ms = 100", "reconnect_max_ms = 2000",
    `socket_silence_ms = ${tuning.socketSilenceMs ?? 10_000}`, `first_book_timeout_ms = ${tuning.firstBookTimeoutMs ?? 10_000}`,
    `asset_silence_ms = ${tuning.assetSilenceMs ?? 900_000}`,
    "[venues.polymarket]", "max_subs = 24", "hot_count = 12", "snapshot_interval_ms_hot = 250", "snapshot_interval_ms_warm = 1000",
    "[venues.kalshi]", "max_subs = 12", "hot_count = 6", "snapshot_interval_ms_hot = 250", "snapshot_interval_ms_warm = 1000",
    ""
  ].join("\n"))
  const base = await Effect.runPromise(loadConfig(basePath))
  const configPath = path.join(env.work, `${name}.toml`)
  const written = await Effect.runPromise(writeSimulatorConfig(env.sim, configPath, base))
  const port = Number(written.metricsAddr.split(":").at(-1))
  // the universe scanned once at start: each scenario starts from the same markets
  if (env.universe !== null) fs.cpSync(env.universe, path.join(written.dataDir, "metadata"), { recursive: true })
  return { configPath, port, dataDir: written.dataDir }
}

/** `surveillance scan`: its exit code and output */
const runScan = (configPath: string): Promise<{ code: number | null; out: string }> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, "scan", "--config", configPath], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] })
    let out = ""
    child.stdout!.on("data", (b: Buffer) => { out += b.toString() })
    child.stderr!.on("data", (b: Buffer) => { out += b.toString() })
    child.once("exit", (code) => resolve({ code, out }))
  })

async function scan(configPath: string): Promise<void> {
  const r = await runScan(configPath)
  if (r.code !== 0) throw new Error(`scan exited ${r.code}: ${r.out.slice(-500)}`)
}

interface Timed {
  readonly did: string
  readonly faultEndMs: number | null
}

/**
 * One collect run: once rows reach the writer, `faultAtS` seconds of normal collecting, then
 * `play` (the fault), then `tailS` seconds more, then SIGTERM (as systemd stops it).
 */
async function runScenario(
  env: Env, fault: string, dataDir: string, faultAtS: number, tailS: number,
  play: (run: CollectRun, port: number) => Promise<Timed>, tuning: Tuning = {},
  prepare?: (configPath: string, dataDir: string) => Promise<{ readonly did: string; readonly detail: string }>
): Promise<Row> {
  const name = fault.replace(/[^a-z0-9]+/gi, "-").toLowerCase()
  const cfg = await scenarioConfig(env, name, dataDir, tuning)
  const { configPath, port } = cfg
  const prepared = prepare === undefined ? null : await prepare(configPath, cfg.dataDir)
  if (env.universe === null && prepare === undefined) await scan(configPath)
  const run = startCollect(configPath, port, null)
  await waitForRows(port, run)
  await sleep(faultAtS * 1000)
  const before = await effectCounters(port)
  const faultStartMs = Date.now()
  const timed = await play(run, port)
  await sleep(tailS * 1000)
  const after = await effectCounters(port)
  run.child.kill("SIGTERM")
  const code = await run.exited
  run.stopPolling()
  const stopped = parseStopped(run.output)
  const duck = await duckCounts(cfg.dataDir)
  const did = prepared?.did ?? describeEffects(before, after)
  const played = prepared === null ? timed.did : `${prepared.detail}; ${timed.did}`
  if (stopped === null) {
    return { fault, did, detail: `${played}; exit ${code}, no writer stopped line; last output:\n    ${run.output.slice(-12).join("\n    ")}`, produced: null, written: null, dropped: "?", duplicates: duck.duplicates, recoverS: null, verdict: "FAIL" }
  }
  const lost = stopped.accepted - stopped.written - stopped.dropped - stopped.leftInWal
  const independent = duck.rows === stopped.written
  const recoverS = timed.faultEndMs === null ? null : recoverySeconds(run.health, faultStartMs, timed.faultEndMs)
  const verdict = lost === 0 && independent && duck.duplicates === 0 && code === 0 ? "ok" : "FAIL"
  const waiting = run.output.filter((l) => l.includes("disk refuses writes for")).length
  const errors = run.output.filter((l) => l.includes("writer: cannot")).length
  return {
    fault, did,
    detail: played + (waiting + errors > 0 ? `; the writer logged ${errors} error line(s) and ${waiting} waiting line(s)` : "") + (independent ? "" : `; DuckDB reads ${duck.rows} rows, the writer says ${stopped.written}`) + (lost !== 0 ? `; ${lost} rows unaccounted` : "") + (code !== 0 ? `; exit ${code}` : ""),
    produced: stopped.accepted, written: stopped.written, dropped: `${stopped.dropped}${stopped.reasons !== "" ? " " + stopped.reasons : ""}`,
    duplicates: duck.duplicates, recoverS, verdict,
    ...(timed.faultEndMs !== null && recoverS === null ? { notRecoveredAfterS: tailS } : {})
  }
}

/** Polls /metrics until the writer has accepted rows; returns when (ms). */
async function waitForRows(port: number, run: CollectRun): Promise<number> {
  for (let i = 0; i < 300; i++) {
    const accepted = await metricValue(port, "writer_rows_accepted_total").catch(() => 0)
    if (accepted > 0) return Date.now()
    if (run.child.exitCode !== null) throw new Error(`collect exited ${run.child.exitCode}: ${run.output.slice(-5).join(" | ")}`)
    await sleep(100)
  }
  throw new Error("no rows reached the writer within 30 s")
}

async function killNineScenario(env: Env, kills: number): Promise<Row> {
  const cfg = await scenarioConfig(env, "kill9", path.join(env.work, "kill9-data"))
  const { configPath, port, dataDir } = cfg
  if (env.universe === null) await scan(configPath)
  let acceptedAtKills = 0
  let lostBound = 0
  const outputs: string[] = []
  for (let i = 0; i < kills; i++) {
    const run = startCollect(configPath, port, null)
    // wait until rows reach the writer (the CLI takes a few seconds to load under load), then
    // let it run 2-4 s: the kill lands at a different point of the flush cycle each time
    const upAt = await waitForRows(port, run)
    await sleep(2000 + (i % 3) * 700)
    const accepted = await metricValue(port, "writer_rows_accepted_total")
    // every row the writer takes (snapshots, trades and event-log rows) counts towards the bound
    const rowsPerSecond = accepted / ((Date.now() - upAt) / 1000 + 1)
    run.child.kill("SIGKILL")
    await run.exited
    run.stopPolling()
    outputs.push(...run.output)
    acceptedAtKills += accepted
    // what the documented bound allows: flush_seconds of rows, plus the append in flight
    lostBound += Math.ceil(rowsPerSecond * FLUSH_SECONDS * 2)
  }
  const final = startCollect(configPath, port, 5)
  await final.exited
  final.stopPolling()
  const stopped = parseStopped(final.output)
  const recovered = final.output.join("\n").match(/recovered (\d+) rows from/g)?.reduce((n, l) => n + Number(/(\d+)/.exec(l)![1]), 0) ?? 0
  const duck = await duckCounts(dataDir)
  if (stopped === null) return { fault: `kill -9 x${kills}`, did: "-", detail: "no writer stopped line in the last run", produced: null, written: null, dropped: "?", duplicates: duck.duplicates, recoverS: null, verdict: "FAIL" }
  const produced = acceptedAtKills + stopped.accepted
  const inFiles = duck.rows
  const lost = produced - inFiles
  // (negative: rows accepted between the last /metrics scrape and the kill)
  const verdict = lost <= lostBound && duck.duplicates === 0 ? "ok" : "FAIL"
  return {
    fault: `kill -9 x${kills}`,
    did: `recovered ${recovered} rows from write-ahead files; ${lost} lost at the kills (bound ${lostBound})`,
    detail: `${kills} SIGKILLs 2-3.4 s after rows started flowing, each restart recovered the write-ahead files (${recovered} rows); ${lost} rows lost at the kills (bound ${lostBound}: ${FLUSH_SECONDS} s of rows + the append in flight, per kill)`,
    produced, written: inFiles, dropped: `${stopped.dropped}`, duplicates: duck.duplicates, recoverS: null, verdict
  }
}

/** Subscribed Polymarket assets and Kalshi tickers right now, as the simulator sees them. */
const subscribed = (sim: SimulatorHandle, venue: "polymarket" | "kalshi"): Array<string> =>
  sim.connections().filter((c) => c.venue === venue).flatMap((c) => c.subscriptions)

/** records in the universe files under `dataDir` (every venue and date) */
const universeLines = (dataDir: string): number => {
  let n = 0
  const root = path.join(dataDir, "metadata")
  for (const venue of fs.existsSync(root) ? fs.readdirSync(root) : []) {
    for (const date of fs.readdirSync(path.join(root, venue))) {
      const file = path.join(root, venue, date, "universe.jsonl")
      if (fs.existsSync(file)) n += fs.readFileSync(file, "utf8").split("\n").filter((l) => l.trim() !== "").length
    }
  }
  return n
}

const played = async (ms: number, did: string): Promise<Timed> => {
  await sleep(ms)
  return { did, faultEndMs: Date.now() }
}

type Scenario = readonly [name: string, run: (env: Env) => Promise<Row>]

/** One scenario per fault; together they play every knob of src/simulator/faults.ts. */
const SCENARIOS: ReadonlyArray<Scenario> = [
  ["baseline", (env) => runScenario(env, "none (baseline)", path.join(env.work, "baseline"), 8, 0, async () => ({ did: "8 s of collecting", faultEndMs: null }))],
  ["drops", (env) => runScenario(env, "socket drops: clean close, then TCP reset", path.join(env.work, "drops"), 2, 5, async () => {
    const closed = env.sim.faults.drop({ mode: "close" })
    await sleep(2000)
    const reset = env.sim.faults.drop({ mode: "terminate" })
    return { did: `closed ${closed} sockets (both venues), 2 s later reset ${reset}`, faultEndMs: Date.now() }
  })],
  ["upgrade429", (env) => runScenario(env, "429 + Retry-After on reconnect", path.join(env.work, "upgrade429"), 2, 6, async () => {
    env.sim.faults.failUpgrade({ venue: "polymarket", status: 429, count: 2, retryAfterSec: 1 })
    env.sim.faults.failUpgrade({ venue: "kalshi", status: 429, count: 2, retryAfterSec: 1 })
    const dropped = env.sim.faults.drop({ mode: "terminate" })
    return { did: `reset ${dropped} sockets; the next 2 upgrades per venue answered 429 with Retry-After: 1`, faultEndMs: Date.now() }
  })],
  ["silent", (env) => runScenario(env, "silent sockets (pings answered)", path.join(env.work, "silent"), 2, 6, async () => {
    env.sim.faults.setStream({ silent: true })
    const t = await played(SOCKET_SILENCE_MS + 2000, `no data frames on any socket for ${(SOCKET_SILENCE_MS + 2000) / 1000} s (socket_silence_ms ${SOCKET_SILENCE_MS})`)
    env.sim.faults.clear()
    return t
  }, { socketSilenceMs: SOCKET_SILENCE_MS })],
  ["silentAssets", (env) => runScenario(env, "silent assets", path.join(env.work, "silent-assets"), 2, 4, async () => {
    const assets = [...subscribed(env.sim, "polymarket").slice(0, 2), ...subscribed(env.sim, "kalshi").slice(0, 1)]
    env.sim.faults.setStream({ silentAssets: assets })
    const t = await played(ASSET_SILENCE_MS + 2000, `${assets.length} subscribed assets (2 Polymarket, 1 Kalshi) got no frames for ${(ASSET_SILENCE_MS + 2000) / 1000} s (asset_silence_ms ${ASSET_SILENCE_MS})`)
    env.sim.faults.clear()
    return t
  }, { assetSilenceMs: ASSET_SILENCE_MS, firstBookTimeoutMs: SOCKET_SILENCE_MS })],
  ["slow", (env) => runScenario(env, "slow feed (each frame +20 ms)", path.join(env.work, "slow"), 2, 5, async () => {
    env.sim.faults.setStream({ slowMs: 20 })
    const t = await played(6000, "every data frame of both venues queued 20 ms behind the previous one for 6 s")
    env.sim.faults.clear()
    return t
  })],
  ["malformed", (env) => runScenario(env, "malformed + oversized frames", path.join(env.work, "malformed"), 2, 5, async () => {
    let bad = 0
    for (let i = 0; i < 3; i++) {
      bad += env.sim.faults.malformed()
      await sleep(300)
    }
    const big = env.sim.faults.oversized()
    return { did: `${bad} truncated JSON frames, then ${big} frames of 17 MiB (above max_frame_bytes)`, faultEndMs: Date.now() }
  })],
  ["gaps", (env) => runScenario(env, "Kalshi seq gaps + crossed books", path.join(env.work, "gaps"), 2, 4, async () => {
    let gaps = 0
    let crossed = 0
    for (let i = 0; i < 3; i++) {
      gaps += env.sim.faults.skipSeq({ venue: "kalshi", by: 2 })
      crossed += env.sim.faults.crossedBook()
      await sleep(1000)
    }
    return { did: `3 seq skips of 2 on every Kalshi sid (${gaps} sockets), ${crossed} crossing levels on both venues`, faultEndMs: Date.now() }
  })],
  ["shapes", (env) => runScenario(env, "legacy shapes, array frames, custom events", path.join(env.work, "shapes"), 2, 3, async () => {
    env.sim.faults.setStream({ legacyPriceChange: true, arrayFrames: true }, { venue: "polymarket" })
    let sent = 0
    for (const kind of ["new_market", "market_resolved", "settlement_preview"] as const) sent += env.sim.faults.customEvent({ kind, venue: "polymarket" })
    const t = await played(5000, `Polymarket: pre-2025-09 price_change shape and one JSON array per tick for 5 s; new_market / market_resolved / settlement_preview events (${sent} sent)`)
    env.sim.faults.clear()
    return t
  })],
  ["rest", (env) => runScenario(env, "REST faults during scan", path.join(env.work, "rest"), 2, 0, async () => ({ did: "collected from the universe the scans left", faultEndMs: null }), {},
    async (configPath, dataDir) => {
      // paging refused, 429s, 500s and broken records: the scan still completes
      env.sim.faults.gammaRefuseOffset(true)
      env.sim.faults.failRest({ status: 429, count: 3, retryAfterSec: 1 })
      env.sim.faults.failRest({ status: 500, fraction: 0.3 })
      env.sim.faults.malformedRecords({ count: 2 })
      const flaky = await runScan(configPath)
      env.sim.faults.clear()
      // REST down: the scan fails and the universe it wrote before stays
      env.sim.faults.restDown(true)
      const down = await runScan(configPath)
      env.sim.faults.clear()
      const kept = universeLines(dataDir)
      const markets = [...flaky.out.matchAll(/(polymarket|kalshi): found \d+, kept (\d+);.*?malformed (\d+);/g)].map((m) => `${m[1]} kept ${m[2]}, ${m[3]} malformed skipped`).join("; ")
      return {
        did: `scan under faults exit ${flaky.code}; with REST down exit ${down.code}, ${kept} universe records kept`,
        detail: `scan with offset paging refused, 3 x 429, 30% 500s, 2 malformed records: exit ${flaky.code} (${markets === "" ? "no summary" : markets}); scan with REST down: exit ${down.code}, the universe files still hold ${kept} records`
      }
    })],
  ["dupPolymarket", (env) => runScenario(env, "duplicate + reordered frames, Polymarket", path.join(env.work, "dup-pm"), 2, 4, async () => {
    env.sim.faults.setStream({ duplicate: true, reorder: true }, { venue: "polymarket" })
    const t = await played(6000, "every Polymarket frame twice, each tick's frames reversed, for 6 s")
    env.sim.faults.clear()
    return t
  })],
  ["dupKalshi", (env) => runScenario(env, "duplicate + reordered frames, Kalshi", path.join(env.work, "dup-k"), 2, 4, async () => {
    env.sim.faults.setStream({ duplicate: true, reorder: true }, { venue: "kalshi" })
    // a gap in the middle: the resubscription's snapshot burst arrives repeated and reversed too
    await sleep(2000)
    env.sim.faults.skipSeq({ venue: "kalshi" })
    const t = await played(4000, "every Kalshi frame twice, each tick's frames reversed, for 6 s, with a seq gap 2 s in")
    env.sim.faults.clear()
    return t
  })],
  ["full", async (env) => {
    const small = env.small as Exclude<Env["small"], string>
    return runScenario(env, "full disk (16 MiB tmpfs)", path.join(small.dir, "full"), 3, 14, async () => {
      const filler = fillDisk(small.dir)
      await sleep(10_000)
      fs.rmSync(filler)
      return { did: `filled the filesystem for 10 s (writer_queue_rows = ${FULL_DISK_QUEUE_ROWS}), then freed it`, faultEndMs: Date.now() }
    }, { queueRows: FULL_DISK_QUEUE_ROWS })
  }],
  ["readonly", async (env) => {
    const small = env.small as Exclude<Env["small"], string>
    return runScenario(env, "read-only disk", path.join(small.dir, "ro"), 3, 14, async () => {
      small.readOnly(true)
      await sleep(8_000)
      small.readOnly(false)
      return { did: "remounted read-only for 8 s, then read-write", faultEndMs: Date.now() }
    })
  }],
  ["kill9", (env) => killNineScenario(env, KILLS)]
]

const DISK_SCENARIOS = new Set(["full", "readonly"])

async function main(): Promise<void> {
  const started = Date.now()
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "chaos-"))
  const scope = Effect.runSync(Scope.make())
  const sim = await Effect.runPromise(startSimulator({ seed: 19, polymarketMarkets: 20, kalshiMarkets: 12, tickMs: 50 }).pipe(Scope.extend(scope)))
  const small = mountSmallFs("16m")
  const env: Env = { sim, work, small, universe: null }
  const rows: Row[] = []
  const notes: string[] = []
  // `npm run chaos -- full readonly` runs only the named scenarios
  const only = process.argv.slice(2)
  const unknown = only.filter((n) => !SCENARIOS.some(([name]) => name === n))
  if (unknown.length > 0) throw new Error(`unknown scenario(s) ${unknown.join(", ")}; known: ${SCENARIOS.map(([n]) => n).join(", ")}`)
  try {
    // one clean scan; every collect scenario starts from a copy of its universe
    const template = await scenarioConfig(env, "template", path.join(work, "template"))
    await scan(template.configPath)
    env.universe = path.join(template.dataDir, "metadata")
    for (const [name, run] of SCENARIOS) {
      if (only.length > 0 && !only.includes(name)) continue
      if (DISK_SCENARIOS.has(name) && typeof small === "string") {
        notes.push(`${name}: skipped, ${small}`)
        continue
      }
      const t0 = Date.now()
      const row = await run(env)
      rows.push(row)
      console.error(`chaos: ${name} ${row.verdict} (${Math.round((Date.now() - t0) / 1000)} s)`)
    }
  } finally {
    await Effect.runPromise(Scope.close(scope, Exit.void))
    if (typeof small !== "string") small.unmount()
  }

  const header = ["fault", "what it did", "produced", "written", "dropped (reason)", "dups (DuckDB)", "recover s", "result"]
  const table = rows.map((r) => [r.fault, r.did, String(r.produced ?? "?"), String(r.written ?? "?"), r.dropped, String(r.duplicates ?? "?"), r.recoverS !== null ? String(r.recoverS) : r.notRecoveredAfterS !== undefined ? `> ${r.notRecoveredAfterS}` : "-", r.verdict])
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i]!.length)))
  const line = (cells: ReadonlyArray<string>) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`
  console.log(line(header))
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`)
  for (const t of table) console.log(line(t))
  console.log("")
  for (const r of rows) console.log(`- ${r.fault}: ${r.detail}`)
  for (const n of notes) console.log(`- ${n}`)
  console.log(`\n(${os.cpus().length} vCPU, load ${os.loadavg().map((l) => l.toFixed(1)).join(" ")} at the end, Node ${process.version}, ${new Date().toISOString()}, ${Math.round((Date.now() - started) / 1000)} s; flush_seconds = ${FLUSH_SECONDS})`)
  fs.rmSync(work, { recursive: true, force: true })
  if (rows.some((r) => r.verdict !== "ok")) process.exitCode = 1
}

await main()
