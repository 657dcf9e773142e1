/**
 * The published package as a user gets it: `npm pack`, `npm install -g --prefix TMP` of the
 * tarball, then the installed `surveillance` binary runs `--help`, a 10 s demo whose Parquet
 * DuckDB reads, and a collector that SIGTERM stops cleanly.
 *
 * Slow (an npm install, about a minute), so it runs only when SURVEILLANCE_PACKAGE_TEST=1;
 * .ci/run sets it. SURVEILLANCE_PACKAGE_PREFIX names the install prefix (default: a fresh
 * temporary one); with SURVEILLANCE_PACKAGE_REUSE=1 an installation already there is used
 * as it is (.ci/run's runs on other Node versions reuse the one the main run installed).
 */
import { type ChildProcess, spawn } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { delimiter, dirname, join, resolve } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { duckdbScalar } from "../support/duckdb.js"

const ROOT = join(import.meta.dirname, "../..")
const enabled = process.env["SURVEILLANCE_PACKAGE_TEST"] === "1"
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  name: string
  bin: Record<string, string>
  files: Array<string>
  engines: { node: string }
}

/** `surveillance` as installed: its `#!/usr/bin/env node` finds this test's node first on PATH. */
const env = (): NodeJS.ProcessEnv => ({
  ...process.env,
  PATH: `${dirname(process.execPath)}${delimiter}${process.env["PATH"] ?? ""}`,
  KALSHI_API_KEY_ID: "",
  KALSHI_PRIVATE_KEY: "",
  KALSHI_PRIVATE_KEY_PATH: ""
})

/** Runs to completion without blocking this worker (vitest's RPC must keep answering). */
const run = (cmd: string, args: ReadonlyArray<string>, cwd: string, timeoutMs: number) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: env(), stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()))
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs)
    child.on("error", reject)
    child.on("close", (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })

const count = duckdbScalar

describe.skipIf(!enabled)(`npm package ${pkg.name} installed with npm install -g --prefix`, () => {
  const prefix = process.env["SURVEILLANCE_PACKAGE_PREFIX"] ?? mkdtempSync(join(tmpdir(), "surveillance-prefix-"))
  const surveillance = join(prefix, "bin", "surveillance")
  let tarballFiles: Array<string> = []
  let tarballBytes = 0

  beforeAll(async () => {
    if (process.env["SURVEILLANCE_PACKAGE_REUSE"] === "1" && existsSync(surveillance)) return
    const packDir = mkdtempSync(join(tmpdir(), "surveillance-pack-"))
    const packed = await run("npm", ["pack", "--json", "--pack-destination", packDir, ROOT], ROOT, 120_000)
    expect(packed.code, packed.stderr).toBe(0)
    const info = (JSON.parse(packed.stdout) as Array<{ filename: string; size: number; files: Array<{ path: string }> }>)[0]!
    tarballFiles = info.files.map((f) => f.path)
    tarballBytes = statSync(join(packDir, info.filename)).size
    mkdirSync(prefix, { recursive: true })
    // dependencies come from the registry (npm's cache first); the package itself from the tarball
    const installed = await run(
      "npm",
      ["install", "-g", "--prefix", prefix, "--prefer-offline", "--no-audit", "--no-fund", join(packDir, info.filename)],
      packDir,
      240_000
    )
    expect(installed.code, installed.stderr).toBe(0)
  }, 300_000)

  it("the tarball holds what runs: under 1 MB, no test/ or bench/, the bins, README and config examples", () => {
    if (tarballFiles.length === 0) return // reused installation: the main run checked its tarball
    expect(tarballBytes).toBeLessThan(1_000_000)
    expect(tarballFiles.filter((f) => /^(test|bench|\.ci|data|scratch)\//.test(f))).toEqual([])
    for (const f of ["bin/surveillance.js", "src/cli/main.ts", "src/report/assets/report.js", "src/report/assets/report.css", "README.md", "config/surveillance.toml", "config/demo.toml", "package.json"]) {
      expect(tarballFiles).toContain(f)
    }
    expect(pkg.bin["surveillance"]).toBe("bin/surveillance.js")
    expect(pkg.engines.node).toBe("^20.19.0 || ^22.12.0 || ^24.0.0")
  })

  it("`surveillance --help` runs from the prefix: exit 0, plain text", async () => {
    const r = await run(surveillance, ["--help"], tmpdir(), 60_000)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout.startsWith("Usage: surveillance COMMAND [OPTIONS]")).toBe(true)
    expect(r.stdout).not.toContain("\u001b")
    expect((await run(surveillance, ["--version"], tmpdir(), 60_000)).stdout).toMatch(/^surveillance \d+\.\d+\.\d+\n$/)
  }, 120_000)

  it("`surveillance demo --duration 10s` exits 0 and writes Parquet DuckDB reads", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "surveillance-installed-demo-"))
    const r = await run(surveillance, ["demo", "--duration", "10s", "--markets", "60"], cwd, 120_000)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/^polymarket: found \d+, kept \d+/m)
    const runs = readdirSync(join(cwd, "data", "demo"))
    expect(runs).toHaveLength(1)
    const dir = join(cwd, "data", "demo", runs[0]!)
    const n = await count(
      `select count(*) from read_parquet('${dir}/orderbook_snapshots/venue=*/date=*/hour=*/*.parquet', hive_partitioning=true)`
    )
    expect(n).toBeGreaterThan(100)
    // the report page inlines uPlot from the installed dependency and the page's own script
    const report = /^report: (\S+report\.html)$/m.exec(r.stdout)
    expect(report, r.stdout).not.toBeNull()
    const html = readFileSync(resolve(cwd, report![1]!), "utf8")
    expect(html).toContain("https://github.com/leeoniya/uPlot")
    expect(html).toContain("window.surveillanceReport")
  }, 150_000)

  describe("SIGTERM to the installed `surveillance collect`", () => {
    let child: ChildProcess | null = null
    afterAll(() => void child?.kill("SIGKILL"))

    it("drains, exits 0 and leaves no lock", async () => {
      const cwd = mkdtempSync(join(tmpdir(), "surveillance-installed-collect-"))
      writeFileSync(
        join(cwd, "mock.toml"),
        [
          'data_dir = "data"',
          "[mock]", "enabled = true", "markets_per_venue = 20",
          "[collector]", 'metrics_addr = ""',
          "[venues.polymarket]", "snapshot_interval_ms_hot = 200", "snapshot_interval_ms_warm = 500",
          "[venues.kalshi]", "snapshot_interval_ms_hot = 200", "snapshot_interval_ms_warm = 500"
        ].join("\n") + "\n"
      )
      child = spawn(surveillance, ["collect", "--config", "mock.toml"], { cwd, env: env(), stdio: ["ignore", "pipe", "pipe"] })
      let err = ""
      const code = await new Promise<number | null>((resolve) => {
        let signalled = false
        child!.stderr!.on("data", (d: Buffer) => {
          err += d.toString()
          if (!signalled && /scheduler kalshi: rotation 1/.test(err)) {
            signalled = true
            setTimeout(() => child!.kill("SIGTERM"), 1500)
          }
        })
        child!.on("exit", (c) => resolve(c))
      })
      expect(code, err).toBe(0)
      const produced = [...err.matchAll(/shutdown: collector \w+: snapshot_rows=(\d+)/g)].reduce((n, m) => n + Number(m[1]), 0)
      expect(produced).toBeGreaterThan(0)
      const files = await count(
        `select count(*) from read_parquet('${cwd}/data/orderbook_snapshots/venue=*/date=*/hour=*/*.parquet', hive_partitioning=true)`
      )
      expect(files).toBe(produced)
      expect(existsSync(join(cwd, "data", ".wal", "collector.lock"))).toBe(false)
    }, 120_000)
  })
})
