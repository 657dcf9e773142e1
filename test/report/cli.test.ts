import { describe, expect, it } from "vitest"
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { Effect } from "effect"
import { writeReport } from "../../src/report/runReport.js"
import { FileStoreLayer } from "../../src/storage/FileStore.js"
import { runCli } from "../support/cli.js"
import { writeSyntheticDay } from "../support/syntheticDay.js"

describe("surveillance report: bad input", () => {
  it("a date without data: one line on stderr naming venue and date, exit 1, nothing written", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "report-cli-"))
    const config = path.join(dir, "surveillance.toml")
    await fs.writeFile(config, `data_dir = ${JSON.stringify(path.join(dir, "data"))}\n`)
    const empty = await runCli(["report", "polymarket", "2026-01-14", "--config", config])
    expect(empty.code).toBe(1)
    expect(empty.stdout).toBe("")
    expect(empty.stderr).toBe(
      `surveillance: no polymarket data for 2026-01-14 in ${path.join(dir, "data")}: no snapshot files and no stats under ` +
        `${path.join(dir, "data", "orderbook_snapshots", "venue=polymarket", "date=2026-01-14")}\n`
    )
    await expect(fs.stat(path.join(dir, "data", "reports"))).rejects.toThrow()
    await fs.rm(dir, { recursive: true, force: true })
  }, 30_000)

  it("a day with snapshots but no stats says which mine command to run", async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "report-unmined-"))
    writeSyntheticDay({ dataDir, venue: "kalshi", date: "2026-01-15", markets: 2, intervalMs: 60_000, levels: 2, hours: 1 })
    const failure = await Effect.runPromise(
      writeReport({ dataDir, venue: "kalshi", from: "2026-01-15", to: "2026-01-15", top: 8 }).pipe(Effect.flip, Effect.provide(FileStoreLayer))
    )
    expect(failure._tag).toBe("ReportNoDataError")
    expect(failure.message).toBe(
      `no stats for kalshi 2026-01-15 in ${dataDir} (${path.join(dataDir, "stats", "venue=kalshi", "date=2026-01-15", "stats.parquet")} is missing): ` +
        "run `surveillance mine kalshi 2026-01-15` first"
    )
    await fs.rm(dataDir, { recursive: true, force: true })
  })
})
