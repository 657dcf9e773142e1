import { spawn, spawnSync } from "node:child_process"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"

const dir = mkdtempSync(join(tmpdir(), "cli-"))
const write = (name: string, text: string) => {
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}

const run = (bin: string, args: string[], env: Record<string, string> = {}) => {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: "utf8",
    env: { ...process.env, KALSHI_API_KEY_ID: "", KALSHI_PRIVATE_KEY: "", KALSHI_PRIVATE_KEY_PATH: "", ...env },
    timeout: 60_000
  })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}
const surveillance = (args: string[], env?: Record<string, string>) => run("bin/surveillance.js", args, env)

describe("surveillance CLI (spawned)", () => {
  it("--help lists the config command and exits 0", () => {
    const r = surveillance(["--help"])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("config")
    expect(r.stdout).toContain("--log-level")
  })

  it("config with an unknown key exits 2 with one line naming file and key, no stack", () => {
    const bad = write("unknown.toml", "[venues.kalshi]\nmax_subz = 3\n")
    const r = surveillance(["config", "--config", bad])
    expect(r.code).toBe(2)
    expect(r.stdout).toBe("")
    const lines = r.stderr.trimEnd().split("\n")
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain(`${bad}: venues.kalshi.max_subz: unknown key`)
    expect(r.stderr).not.toMatch(/\bat .*\.ts:\d+/)
  })

  it("config with a wrong type exits 2 with one line", () => {
    const bad = write("type.toml", "[storage]\nflush_rows = \"many\"\n")
    const r = surveillance(["config", "--config", bad])
    expect(r.code).toBe(2)
    expect(r.stderr.trimEnd().split("\n")).toEqual([
      `surveillance: ${bad}: storage.flush_rows: expected a positive integer (got "many")`
    ])
  })

  it("config prints the effective config with a set secret shown as <redacted>", () => {
    const good = write("good.toml", '[venues.kalshi]\napi_key = "my-key-id"\n')
    const r = surveillance(["config", "--config", good], { KALSHI_PRIVATE_KEY: "SECRET-PEM" })
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('api_key = "<redacted>"')
    expect(r.stdout).toContain('api_secret = "<redacted>"')
    expect(r.stdout).not.toContain("my-key-id")
    expect(r.stdout).not.toContain("SECRET-PEM")
    expect(r.stdout).toContain("bucket_minutes = 5")
  })

  it("an unknown subcommand exits 2", () => {
    expect(surveillance(["frobnicate"]).code).toBe(2)
  })
})

describe("seed aliases (spawned)", () => {
  const runAsync = (args: string[]) =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"] })
      let stderr = ""
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
      child.on("close", (code) => resolve({ code, stderr }))
    })

  it("map the seed's positional CONFIG onto --config of scan, collect and mine", async () => {
    const missing = join(dir, "missing.toml")
    const results = await Promise.all([
      runAsync(["bin/surveillance_scanner.js", missing]),
      runAsync(["bin/surveillance_collect.js", missing]),
      runAsync(["bin/surveillance_miner.js", missing, "kalshi", "2026-01-02"])
    ])
    for (const r of results) {
      expect(r.code).toBe(2)
      expect(r.stderr.trimEnd()).toBe(`surveillance: ${missing}: config file not found (pass --config FILE)`)
    }
  }, 60_000)
})
