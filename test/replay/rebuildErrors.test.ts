/**
 * `rebuild` and `resnapshot` on an event file that is not Parquet (a disk that lost a block, a
 * copy cut short): one line naming the file, exit 1, nothing half-printed on stdout.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { eventFilePath } from "../../src/storage/paths.js"
import { runCliSync } from "../support/cli.js"

describe("rebuild and resnapshot on a damaged event file", () => {
  it("name the file in one line and exit 1", () => {
    const dataDir = fs.mkdtempSync(path.join(fs.realpathSync("/tmp"), "rebuild-damaged-"))
    const bucket = Date.UTC(2026, 0, 5, 12, 0)
    const file = eventFilePath(dataDir, "polymarket", bucket, 0)
    fs.mkdirSync(path.dirname(file), { recursive: true })
    fs.writeFileSync(file, "PAR1 this is not a parquet file")
    const config = path.join(dataDir, "surveillance.toml")
    fs.writeFileSync(config, `data_dir = ${JSON.stringify(dataDir)}\n`)
    const rebuild = runCliSync(["rebuild", "polymarket", "--config", config, "--at", new Date(bucket + 1000).toISOString()])
    expect(rebuild.code).toBe(1)
    expect(rebuild.stdout).toBe("")
    const lines = rebuild.stderr.trim().split("\n")
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain("cannot read the event log")
    expect(lines[0]).toContain(file)
    const resnap = runCliSync(["resnapshot", "polymarket", "2026-01-05", "--every", "2s", "--config", config])
    expect(resnap.code).toBe(1)
    expect(resnap.stderr.trim().split("\n")).toHaveLength(1)
    expect(resnap.stderr).toContain(file)
    fs.rmSync(dataDir, { recursive: true, force: true })
  }, 60_000)
})
