import { runCli } from "../support/cli.js"
import { mkdtempSync, writeFileSync } from "node:fs"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const s = createServer()
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as AddressInfo).port
      s.close(() => resolve(port))
    })
  })

// accepts connections, never answers: every request times out
let silent: Server
let silentPort = 0
beforeAll(async () => {
  silent = createServer(() => {})
  await new Promise<void>((r) => silent.listen(0, "127.0.0.1", () => r()))
  silentPort = (silent.address() as AddressInfo).port
})
afterAll(async () => {
  silent.closeAllConnections()
  await new Promise<void>((r) => silent.close(() => r()))
})

const TIMEOUT_MS = 400
const RETRIES = 1
// attempts x timeout + backoffs (first backoff at most 1.5 x 500 ms), plus scheduling slack
const BUDGET_S = ((RETRIES + 1) * TIMEOUT_MS + 750) / 1000 + 1.5

describe("scan with unreachable venues", () => {
  it("fails within the timeout budget with one line naming each host, exit 1, no stack", async () => {
    const refusedPort = await freePort()
    const dir = mkdtempSync(join(tmpdir(), "unreach-"))
    const config = join(dir, "c.toml")
    writeFileSync(
      config,
      [
        `data_dir = "${dir}/data"`,
        "[venues.polymarket]",
        `rest_url = "http://127.0.0.1:${silentPort}"`,
        `request_timeout_ms = ${TIMEOUT_MS}`,
        `max_retries = ${RETRIES}`,
        "[venues.kalshi]",
        `rest_url = "http://127.0.0.1:${refusedPort}/trade-api/v2"`,
        `request_timeout_ms = ${TIMEOUT_MS}`,
        `max_retries = ${RETRIES}`
      ].join("\n")
    )
    // the seed alias form: surveillance_scanner CONFIG
    const r = await runCli([config], { bin: "surveillance_scanner" })
    expect(r.code).toBe(1)
    expect(r.stdout).toBe("")
    const lines = r.stderr.trimEnd().split("\n")
    expect(lines).toHaveLength(1)
    const line = lines[0]!
    expect(line).toContain(`(host 127.0.0.1:${silentPort}): no response within ${TIMEOUT_MS} ms after 2 attempts`)
    expect(line).toContain(`(host 127.0.0.1:${refusedPort}): unreachable (ECONNREFUSED) after 2 attempts`)
    expect(line).not.toMatch(/\n\s+at /)
    for (const m of line.matchAll(/scan failed after (\d+\.\d) s/g)) {
      expect(Number(m[1])).toBeLessThanOrEqual(BUDGET_S)
    }
  }, 60_000)
})
