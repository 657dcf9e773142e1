import * as fs from "node:fs"
import * as path from "node:path"
import * as Command from "@effect/cli/Command"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { Effect } from "effect"
import { beforeAll, describe, expect, it, vi } from "vitest"
import { mineCommand } from "../../src/cli/mine.js"
import { runCommandEffect } from "../../src/cli/run.js"
import { FileStoreLayer } from "../../src/storage/FileStore.js"
import { writeUniverse } from "../../src/storage/universe.js"
import { runCliSync } from "../support/cli.js"
import { onLocalDisk } from "../support/onLocalDisk.js"
import { duckdbRows as duckdb } from "../support/minerReference.js"
import { writeSyntheticDay } from "../support/syntheticDay.js"

const DATE = "2026-01-14"
let dir = ""
let config = ""

const surveillance = (args: Array<string>) => runCliSync(args)

/** the same command tree and exit-code mapping as bin/surveillance.js, in this process (no tsx start-up per case) */
const cliApp = Command.run(Command.make("surveillance").pipe(Command.withSubcommands([mineCommand])), { name: "surveillance", version: "test" })
const inProcess = async (args: Array<string>) => {
  const stdout: Array<string> = []
  const stderr: Array<string> = []
  const log = vi.spyOn(console, "log").mockImplementation((...xs: Array<unknown>) => void stdout.push(xs.join(" ")))
  const error = vi.spyOn(console, "error").mockImplementation((...xs: Array<unknown>) => void stderr.push(xs.join(" ")))
  const write = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    stderr.push(String(chunk).trimEnd())
    return true
  })
  try {
    const argv = ["node", "surveillance", ...args]
    const code = await Effect.runPromise(runCommandEffect(cliApp(argv), argv).pipe(Effect.provide(NodeContext.layer), Effect.provide(FileStoreLayer)))
    return { code, stdout: stdout.join("\n"), stderr: stderr.join("\n") }
  } finally {
    log.mockRestore()
    error.mockRestore()
    write.mockRestore()
  }
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(fs.realpathSync("/tmp"), "miner-cli-"))
  const dataDir = path.join(dir, "data")
  writeSyntheticDay({ dataDir, venue: "polymarket", date: DATE, markets: 3, intervalMs: 5000, levels: 10, hours: 1, tradeRate: 0.3, seed: 9 })
  await onLocalDisk(writeUniverse(dataDir, "polymarket", DATE, [0, 1, 2].map((m) => ({
    market_id: `0xsyn${m.toString(16).padStart(6, "0")}`, title: `Will synthetic market ${m} resolve yes?`,
    outcome_ids: [`${m}1`, `${m}2`], outcomes: ["Yes", "No"], close_ts: null, status: "active", tags: [],
    token_ids: [`${m}1`, `${m}2`], event_id: null, slug: null, volume: null, liquidity: null, tick_size: 0.01
  }))))
  config = path.join(dir, "surveillance.toml")
  fs.writeFileSync(config, `data_dir = "${dataDir}"\n[venues.polymarket]\nsnapshot_interval_ms_warm = 5000\n`)
})

describe("surveillance mine (spawned)", () => {
  it("seed form `surveillance_miner CONFIG VENUE DATE` writes stats.parquet and prints the summary with titles", async () => {
    const r = runCliSync([config, "polymarket", DATE], { bin: "surveillance_miner" })
    expect(r.stderr).toBe("")
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("polymarket 2026-01-14: 3 markets, 6 outcomes")
    expect(r.stdout).toContain("top 6 by depth")
    expect(r.stdout).toContain("Will synthetic market")
    expect(r.stdout).toMatch(/\[(Yes|No)\]/)
    const statsFile = path.join(dir, "data/stats/venue=polymarket/date=2026-01-14/stats.parquet")
    const rows = await duckdb(`select count(*)::INTEGER, sum(snapshot_count)::INTEGER, min(score) >= 0 from read_parquet('${statsFile}')`)
    expect(rows[0]![0]).toBe(6)
    expect(rows[0]![1]).toBe(6 * 720)
    expect(rows[0]![2]).toBe(true)
  })

  it("mm-viability parses with --config on the parent and writes the report; the JSON is ranked by pnl_per_hour_30s", async () => {
    const r = surveillance(["mine", "--config", config, "mm-viability", "polymarket", DATE, "--fee", "0.001", "--horizons", "1s,5s", "--min-trades", "5", "--json"])
    expect(r.stderr).toBe("")
    expect(r.code).toBe(0)
    const doc = JSON.parse(r.stdout) as { horizons: Array<string>; rows: Array<Record<string, number | null>>; report_path: string }
    expect(doc.horizons).toEqual(["1s", "5s", "30s"])
    expect(doc.rows.length).toBe(6)
    const pnl = doc.rows.map((row) => row.pnl_per_hour_30s ?? Number.NEGATIVE_INFINITY)
    expect([...pnl].sort((a, b) => b - a)).toEqual(pnl)
    const file = path.join(dir, "data/reports/mm_viability/venue=polymarket/date=2026-01-14/mm_viability.parquet")
    expect(doc.report_path).toBe(file)
    const check = await duckdb(
      `select count(*)::INTEGER, max(abs(eff_half_spread_check))::DOUBLE from (select realized_5s + impact_5s - eff_half_spread as eff_half_spread_check from read_parquet('${file}') where n_5s = n_trades)`
    )
    expect(check[0]![0]).toBeGreaterThan(0)
    expect(Number(check[0]![1])).toBeLessThan(1e-12)
  })

  it("mm-viability also parses with --config after the subcommand and options after positionals; prints a ranked table", async () => {
    const r = await inProcess(["mine", "mm-viability", "--config", config, "polymarket", DATE, "--top", "3"])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("mm-viability: 6 outcomes with trades")
    expect(r.stdout.split("\n").filter((l) => /^\s+\d+\s+-?\d/.test(l)).length).toBe(3)
  })

  it("`mine VENUE all --json` prints one JSON document; a venue without data exits 1 with one line; a bad date exits 2", async () => {
    const all = await inProcess(["mine", "polymarket", "all", "--config", config, "--json", "--top", "2"])
    expect(all.code).toBe(0)
    const doc = JSON.parse(all.stdout) as { days: Array<{ date: string; top_depth: Array<{ title: string }> }> }
    expect(doc.days.map((d) => d.date)).toEqual([DATE])
    expect(doc.days[0]!.top_depth[0]!.title).toContain("Will synthetic market")

    const none = await inProcess(["mine", "kalshi", DATE, "--config", config])
    expect(none.code).toBe(1)
    expect(none.stderr.trimEnd().split("\n")).toEqual([
      `surveillance: no snapshot or trade files for kalshi 2026-01-14 (looked under ${path.join(dir, "data")}/orderbook_snapshots/venue=kalshi/date=2026-01-14 and the trades folder)`
    ])

    const bad = await inProcess(["mine", "polymarket", "2026-13-01", "--config", config])
    expect(bad.code).toBe(2)
    expect(bad.stderr.trimEnd()).toBe(`surveillance: DATE "2026-13-01" is not a date: expected YYYY-MM-DD`)
  })
})
