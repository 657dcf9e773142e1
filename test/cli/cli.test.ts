import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
// @ts-expect-error plain ESM JavaScript without type declarations
import { seedArgv } from "../../bin/seed-alias.js"
// @ts-expect-error plain ESM JavaScript without type declarations
import { collectArgs, minerArgs, scannerArgs } from "../../bin/seed-maps.js"
import { runCliSync } from "../support/cli.js"

const dir = mkdtempSync(join(tmpdir(), "cli-"))
const write = (name: string, text: string) => {
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}

const surveillance = (args: string[], env?: Record<string, string>) => runCliSync(args, env === undefined ? {} : { env })

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

describe("seed aliases", () => {
  const argv = (...args: string[]) => ["node", "alias", ...args]

  it("map the seed's positional CONFIG onto --config of scan, collect and mine", () => {
    expect(seedArgv(argv("my.toml"), scannerArgs, 1)).toEqual(["node", "alias", "scan", "--config", "my.toml"])
    expect(seedArgv(argv("my.toml"), collectArgs, 1)).toEqual(["node", "alias", "collect", "--config", "my.toml"])
    expect(seedArgv(argv("my.toml", "kalshi", "2026-01-02"), minerArgs, 3)).toEqual(
      ["node", "alias", "mine", "--config", "my.toml", "kalshi", "2026-01-02"]
    )
  })

  it("pass options through and fall back to the default config when CONFIG is omitted", () => {
    expect(seedArgv(argv("--log-level", "debug"), scannerArgs, 1)).toEqual(["node", "alias", "scan", "--log-level", "debug"])
    expect(seedArgv(argv("c.toml", "--venue", "kalshi"), scannerArgs, 1)).toEqual(
      ["node", "alias", "scan", "--config", "c.toml", "--venue", "kalshi"]
    )
  })

  it("the miner alias reaches the mine command with the seed's arguments (spawned)", () => {
    const missing = join(dir, "missing.toml")
    const r = runCliSync([missing, "kalshi", "2026-01-02"], { bin: "surveillance_miner" })
    expect(r.code).toBe(2)
    expect(r.stderr.trimEnd()).toBe(`surveillance: ${missing}: config file not found (pass --config FILE)`)
  })
})
