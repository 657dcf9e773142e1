import { describe, expect, it } from "vitest"
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { runCli } from "../support/cli.js"
import { writeSyntheticDay } from "../support/syntheticDay.js"

describe("surveillance report (CLI)", () => {
  it("names the venue and date in one line and exits 1 when there is no data (or no stats) for the date", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "report-cli-"))
    const config = path.join(dir, "surveillance.toml")
    await fs.writeFile(config, `data_dir = ${JSON.stringify(path.join(dir, "data"))}\n`)
    // 2026-01-15 has snapshots but was never mined
    writeSyntheticDay({ dataDir: path.join(dir, "data"), venue: "kalshi", date: "2026-01-15", markets: 2, intervalMs: 60_000, levels: 2, hours: 1 })
    const [empty, unmined] = await Promise.all([
      runCli(["report", "polymarket", "2026-01-14", "--config", config]),
      runCli(["report", "kalshi", "2026-01-15", "--config", config])
    ])
    expect(empty.code).toBe(1)
    expect(empty.stdout).toBe("")
    expect(empty.stderr).toBe(
      `surveillance: no polymarket data for 2026-01-14 in ${path.join(dir, "data")}: no snapshot files and no stats under ` +
        `${path.join(dir, "data", "orderbook_snapshots", "venue=polymarket", "date=2026-01-14")}\n`
    )
    expect(unmined.code).toBe(1)
    expect(unmined.stderr.trimEnd().split("\n")).toHaveLength(1)
    expect(unmined.stderr).toMatch(/^surveillance: no stats for kalshi 2026-01-15 in .*: run `surveillance mine kalshi 2026-01-15` first\n$/)
    // nothing was written
    await expect(fs.stat(path.join(dir, "data", "reports"))).rejects.toThrow()
  }, 30_000)
})
