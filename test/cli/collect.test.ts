import { type ChildProcess, spawn } from "node:child_process"
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DuckDBInstance } from "@duckdb/node-api"
import { Schema } from "effect"
import { stringify } from "smol-toml"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { parseDurationMs } from "../../src/cli/collect.js"
import { AppConfig } from "../../src/config/schema.js"
import type { MarketRecord } from "../../src/domain/Market.js"
import type { VenueId } from "../../src/domain/VenueId.js"
import { type SimulatorHandle, startSimulatorPromise } from "../../src/simulator/Simulator.js"
import { utcDate } from "../../src/storage/paths.js"
import { writeUniverse } from "../../src/storage/universe.js"

const BIN = join(import.meta.dirname, "../../bin/surveillance.js")
const TOP_K = 5

describe("parseDurationMs", () => {
  it("reads 90s, 500ms, 2m, 1h30m and bare seconds; rejects the rest", () => {
    expect(parseDurationMs("90s")).toBe(90_000)
    expect(parseDurationMs("500ms")).toBe(500)
    expect(parseDurationMs("2m")).toBe(120_000)
    expect(parseDurationMs("1h30m")).toBe(5_400_000)
    expect(parseDurationMs("3")).toBe(3000)
    expect(parseDurationMs("0s")).toBeNull()
    expect(parseDurationMs("ten")).toBeNull()
    expect(parseDurationMs("5x")).toBeNull()
    expect(parseDurationMs("")).toBeNull()
  })
})

interface Run {
  readonly code: number | null
  readonly output: string
  readonly elapsedAfterSignalMs: number | null
}

/** Spawns the real CLI; `signalWhen` sends SIGTERM once the output matches, after `delayMs`. */
const runCli = (
  args: ReadonlyArray<string>,
  cwd: string,
  signalWhen?: { pattern: RegExp; delayMs: number },
  onOutput?: (output: string) => void
): Promise<Run> =>
  new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ["ignore", "pipe", "pipe"] })
    let output = ""
    let signalledAt: number | null = null
    let armed = signalWhen !== undefined
    const onData = (d: Buffer) => {
      output += d.toString()
      onOutput?.(output)
      if (armed && signalWhen!.pattern.test(output)) {
        armed = false
        setTimeout(() => {
          signalledAt = Date.now()
          child.kill("SIGTERM")
        }, signalWhen!.delayMs)
      }
    }
    child.stdout!.on("data", onData)
    child.stderr!.on("data", onData)
    const killer = setTimeout(() => child.kill("SIGKILL"), 60_000)
    child.on("error", reject)
    child.on("exit", (code) => {
      clearTimeout(killer)
      resolve({ code, output, elapsedAfterSignalMs: signalledAt === null ? null : Date.now() - signalledAt })
    })
  })

const producedRows = (output: string): number => {
  let total = 0
  for (const m of output.matchAll(/shutdown: collector (\w+): snapshot_rows=(\d+)/g)) total += Number(m[2])
  return total
}

const query = async (sql: string): Promise<Array<Record<string, unknown>>> => {
  const db = await DuckDBInstance.create(":memory:")
  const c = await db.connect()
  const r = await c.runAndReadAll(sql)
  const rows = r.getRowObjects() as Array<Record<string, unknown>>
  c.closeSync()
  return rows
}

const snapshotsGlob = (dir: string) =>
  `read_parquet('${dir}/data/orderbook_snapshots/venue=*/date=*/hour=*/*.parquet', hive_partitioning=true, hive_types={'hour': INTEGER})`

describe("surveillance collect (spawned CLI against the simulator)", () => {
  let sim: SimulatorHandle
  let dir: string

  const writeConfig = async (name: string, metricsAddr = "") => {
    const cfg = Schema.decodeUnknownSync(AppConfig)(sim.configFor({
      data_dir: "data",
      storage: { top_k: TOP_K, flush_seconds: 1 },
      collector: { metrics_addr: metricsAddr },
      venues: {
        polymarket: { snapshot_interval_ms_hot: 200, snapshot_interval_ms_warm: 500, subscription_churn_limit_per_minute: 1000, hot_count: 6, max_subs: 12 },
        kalshi: { snapshot_interval_ms_hot: 200, snapshot_interval_ms_warm: 500, subscription_churn_limit_per_minute: 1000, hot_count: 3, max_subs: 8 }
      }
    } as never))
    await writeFile(join(dir, name), stringify(cfg as unknown as Record<string, unknown>))
  }

  beforeAll(async () => {
    sim = await startSimulatorPromise({ seed: 11, polymarketMarkets: 8, kalshiMarkets: 8, tickMs: 50 })
    dir = await mkdtemp(join(tmpdir(), "collect-cli-"))
    // the universe the scanner would write (the scanner itself is tested in its room)
    const today = utcDate(Date.now())
    for (const venue of ["polymarket", "kalshi"] as const satisfies ReadonlyArray<VenueId>) {
      const markets: Array<MarketRecord> = sim.truth.liveMarkets(venue).map((m) => ({
        market_id: m.market_id, title: m.title, outcome_ids: m.outcome_ids, outcomes: m.outcomes,
        close_ts: m.close_ts + 30 * 86_400_000, status: "active", tags: m.tags, token_ids: m.token_ids,
        event_id: m.event_id, slug: m.slug, volume: m.volume, liquidity: m.liquidity, tick_size: m.tick_size
      }))
      await writeUniverse(join(dir, "data"), venue, today, markets)
    }
    await writeConfig("a.toml")
    await writeConfig("m.toml", "127.0.0.1:0")
  })

  afterAll(async () => {
    await sim?.close()
    if (dir !== undefined) await rm(dir, { recursive: true, force: true })
  })

  it("collect --duration writes Parquet that DuckDB reads with the DESIGN section 6 schema; every produced row is in the files", async () => {
    // the metrics endpoint (issue 8) serves the collector's counters while it runs
    let metricsText: Promise<string> | null = null
    const run = await runCli(["collect", "--config", "m.toml", "--duration", "3s"], dir, undefined, (out) => {
      const m = /metrics on (http:\/\/[\d.:]+)\/metrics/.exec(out)
      if (metricsText === null && m !== null) {
        metricsText = new Promise((res) => setTimeout(res, 1500)).then(() => fetch(`${m[1]}/metrics`)).then((r) => r.text())
      }
    })
    expect(run.output).not.toMatch(/surveillance: /)
    expect(metricsText).not.toBeNull()
    expect(await metricsText!).toMatch(/venue="kalshi"/)
    expect(run.code).toBe(0)
    const produced = producedRows(run.output)
    expect(produced).toBeGreaterThan(50)

    const cols = await query(`describe select * from ${snapshotsGlob(dir)}`)
    const types = Object.fromEntries(cols.map((c) => [c["column_name"], c["column_type"]]))
    expect(types).toMatchObject({
      ts_recv: "BIGINT", venue: "VARCHAR", market_id: "VARCHAR", outcome_id: "VARCHAR", seq: "BIGINT",
      best_bid_px: "DOUBLE", best_bid_sz: "DOUBLE", best_ask_px: "DOUBLE", best_ask_sz: "DOUBLE", mid: "DOUBLE", spread: "DOUBLE",
      bid_px: "DOUBLE[]", bid_sz: "DOUBLE[]", ask_px: "DOUBLE[]", ask_sz: "DOUBLE[]", status: "VARCHAR", err: "VARCHAR",
      source_ts: "BIGINT", hour: "INTEGER"
    })
    const [stats] = await query(`select count(*)::INTEGER n,
        count(*) filter (where status = 'ok')::INTEGER ok,
        count(distinct venue)::INTEGER venues,
        count(*) filter (where len(bid_px) <> len(bid_sz) or len(ask_px) <> len(ask_sz))::INTEGER unequal,
        count(*) filter (where len(bid_px) > ${TOP_K} or len(ask_px) > ${TOP_K})::INTEGER over_k,
        count(*) filter (where bid_px <> list_sort(bid_px, 'DESC') or ask_px <> list_sort(ask_px, 'ASC'))::INTEGER unsorted,
        count(*) filter (where status = 'ok' and (best_bid_px <> bid_px[1] or best_ask_px <> ask_px[1]))::INTEGER best_mismatch,
        max(len(bid_px))::INTEGER max_levels
      from ${snapshotsGlob(dir)}`)
    expect(stats).toMatchObject({ n: produced, venues: 2, unequal: 0, over_k: 0, unsorted: 0, best_mismatch: 0, max_levels: TOP_K })
    expect(stats!["ok"] as number).toBeGreaterThan(produced / 2)
    // trades happen at random in the simulator: a 3 s run may see none; every one it saw is in a file
    const producedTrades = [...run.output.matchAll(/ trades=(\d+)/g)].reduce((n, m) => n + Number(m[1]), 0)
    if (producedTrades > 0) {
      const [trades] = await query(`select count(*)::INTEGER n from read_parquet('${dir}/data/trades/venue=*/date=*/hour=*/*.parquet', hive_partitioning=true)`)
      expect(trades!["n"] as number).toBeGreaterThan(0)
      expect(trades!["n"] as number).toBe(producedTrades)
    }
  }, 90_000)

  it("SIGTERM during collection exits 0 within 10 s and loses no snapshotted row", async () => {
    await rm(join(dir, "data", "orderbook_snapshots"), { recursive: true, force: true })
    const run = await runCli(["collect", "--config", "a.toml"], dir, { pattern: /scheduler kalshi: rotation 1/, delayMs: 1500 })
    expect(run.code).toBe(0)
    expect(run.elapsedAfterSignalMs).not.toBeNull()
    expect(run.elapsedAfterSignalMs!).toBeLessThan(10_000)
    const produced = producedRows(run.output)
    expect(produced).toBeGreaterThan(20)
    const [files] = await query(`select count(*)::INTEGER n from ${snapshotsGlob(dir)}`)
    expect(files!["n"]).toBe(produced)
  }, 90_000)
})
