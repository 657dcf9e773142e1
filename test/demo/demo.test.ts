import { describe, expect, it } from "vitest"
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { Effect } from "effect"
import { spawnSync } from "node:child_process"
import { README_STATEMENTS } from "../../src/demo/duckdbQueries.js"
import { freshDemoDir } from "../../src/demo/runDemo.js"
import { FileStoreLayer } from "../../src/storage/FileStore.js"
import { MemoryFileStoreLayer } from "../support/MemoryFileStore.js"
import { runCli } from "../support/cli.js"
import { duckdbScalar } from "../support/duckdb.js"

const count = duckdbScalar

describe("surveillance demo", () => {
  it("gives every run a fresh directory under data/demo", async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), "demo-root-"))
    const now = Date.parse("2026-01-14T10:11:12.345Z")
    for (const layer of [FileStoreLayer, MemoryFileStoreLayer]) {
      const [a, b] = await Effect.runPromise(
        Effect.all([freshDemoDir(root, now), freshDemoDir(root, now)]).pipe(Effect.provide(layer))
      )
      expect(path.basename(a)).toBe("run-20260114T101112Z")
      expect(path.basename(b)).toBe("run-20260114T101112Z-1")
    }
  })

  it("runs simulator, scan, collect and mine in one process and writes files DuckDB reads", async () => {
    const cwd = await fs.mkdtemp(path.join(os.tmpdir(), "demo-cwd-"))
    const first = await runCli(["demo", "--duration", "6s", "--markets", "80"], { cwd })
    expect(first.code).toBe(0)
    // logs: stderr, one JSON object per line (not a terminal), nothing at error level
    const logs = first.stderr.trimEnd().split("\n").map((l) => JSON.parse(l) as { level: string; component: string; message: string })
    expect(logs.length).toBeGreaterThan(3)
    expect(logs.filter((r) => r.level === "error" || r.level === "fatal")).toEqual([])
    // the mm-viability settings the report used are said, next to the command's defaults
    expect(first.stdout).toContain("mm-viability here uses --min-trades 3 and --horizons 1s,5s,30s (the command's defaults are 20 and 1s,5s,30s,120s)")
    expect(first.stdout).toMatch(/^polymarket \d{4}-\d\d-\d\d mm-viability: \d+ outcomes with trades, \d+ viable \(min-trades 3, horizons 1s,5s,30s, fee 0\)$/m)
    // duration + 30 s budget; generous for a loaded CI machine
    expect(first.ms).toBeLessThan(6_000 + 30_000)
    expect(first.stdout).toMatch(/^polymarket: found \d+, kept \d+/m)
    expect(first.stdout).toMatch(/^kalshi: found \d+, kept \d+/m)
    expect(first.stdout).toMatch(/top 5 by depth/)
    const runs = await fs.readdir(path.join(cwd, "data", "demo"))
    expect(runs).toHaveLength(1)
    const dir = path.join(cwd, "data", "demo", runs[0] as string)
    expect(first.stdout).toContain(dir.replace(cwd + path.sep, ""))
    // the demo writes and names a report page per venue (test/report/ opens one in a browser)
    for (const venue of ["polymarket", "kalshi"]) {
      const report = new RegExp(`^report: (\\S+/reports/html/venue=${venue}/date=\\d{4}-\\d\\d-\\d\\d/report\\.html)$`, "m").exec(first.stdout)
      expect(report, venue).not.toBeNull()
      expect((await fs.stat(path.resolve(cwd, report![1]!))).size).toBeGreaterThan(50_000)
    }
    expect(first.stdout).toMatch(/^Look at it: open \S+report\.html in a browser/m)

    const glob = (ds: string, tail: string) => `'${dir}/${ds}/venue=*/date=*/${tail}'`
    expect(await count(`select count(*) from read_json_auto(${glob("metadata", "universe.jsonl")})`)).toBeGreaterThan(50)
    const snapshots = await count(`select count(*) from read_parquet(${glob("orderbook_snapshots", "hour=*/*.parquet")}, hive_partitioning=true, hive_types={'hour': INTEGER}) where venue in ('polymarket','kalshi')`)
    expect(snapshots).toBeGreaterThan(100)
    expect(await count(`select count(distinct venue) from read_parquet(${glob("orderbook_snapshots", "hour=*/*.parquet")}, hive_partitioning=true, hive_types={'hour': INTEGER})`)).toBe(2)
    expect(await count(`select count(*) from read_parquet(${glob("trades", "hour=*/*.parquet")}, hive_partitioning=true, hive_types={'hour': INTEGER})`)).toBeGreaterThan(0)
    expect(await count(`select count(*) from read_parquet(${glob("stats", "stats.parquet")}, hive_partitioning=true) where snapshot_count > 0`)).toBeGreaterThan(10)

    // the DuckDB hint: README's views and queries with this run's paths, run exactly as printed
    const hint = first.stdout.split("\n").find((l) => /^ {2}node \S+duckdb-sql\.mjs /.test(l))
    expect(hint).toBeDefined()
    const [, script, queries] = hint!.trim().split(/\s+/)
    expect(queries).toBe(path.join(path.relative(cwd, dir), "queries.sql"))
    const sql = spawnSync(process.execPath, [script!, queries!], { cwd, encoding: "utf8" })
    expect(sql.stderr).toBe("")
    expect(sql.status).toBe(0)
    expect(sql.stdout).toMatch(/SELECT venue, status, coalesce\(err, ''\) AS err, count\(\*\) AS rows \.\.\.\n┌/)
    expect((sql.stdout.match(/\n┌/g) ?? []).length).toBeGreaterThanOrEqual(3)
    const readme = await fs.readFile(path.resolve(import.meta.dirname, "../../README.md"), "utf8")
    for (const statement of README_STATEMENTS) expect(readme).toContain(`${statement};`)

    // the written run config points status at this run's data
    const status = await runCli(["status", "--config", path.join(dir, "demo.toml")], { cwd })
    expect(status.stdout).toMatch(/^polymarket: universe \d{4}-\d\d-\d\d/m)
  }, 90_000)
})
