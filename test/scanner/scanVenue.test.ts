import { it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { existsSync, mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect } from "vitest"
import { AppConfig } from "../../src/config/schema.js"
import { scanVenue, selectVenues, summaryLine } from "../../src/scanner/Scanner.js"
import { universePath, utcDate } from "../../src/storage/paths.js"
import { sendJson, withRestServer } from "../venues/rest_server.js"
import { VenuesLive } from "../../src/venues/VenueLayers.js"
import { MockVenues } from "../../src/simulator/MockVenues.js"

const configFor = (dataDir: string, kalshiUrl: string) =>
  Schema.decodeUnknownSync(AppConfig)({
    data_dir: dataDir,
    venues: { polymarket: { enabled: false }, kalshi: { rest_url: kalshiUrl, min_hours_until_close: 0, max_retries: 0 } }
  })

describe("scanVenue", () => {
  it.scopedLive("an empty listing is a failure and writes nothing", () =>
    Effect.gen(function* () {
      const server = yield* withRestServer((_url, _req, res) => sendJson(res, 200, { markets: [], cursor: "" }))
      const dir = mkdtempSync(join(tmpdir(), "scanv-"))
      const cfg = configFor(dir, server.base)
      const r = yield* scanVenue(cfg, "kalshi").pipe(Effect.provide(VenuesLive(cfg)))
      expect(r._tag).toBe("failed")
      expect(r._tag === "failed" && r.reason).toContain("listed no open markets")
      expect(existsSync(universePath(dir, "kalshi", utcDate(Date.now())))).toBe(false)
    })
  )

  it.scopedLive("writes the kept markets and reports counts in the summary line", () =>
    Effect.gen(function* () {
      const future = new Date(Date.now() + 48 * 3_600_000).toISOString()
      const server = yield* withRestServer((url, _req, res) =>
        url.pathname.endsWith("/markets")
          ? sendJson(res, 200, {
              markets: [
                { ticker: "A", title: "Keep me", status: "active", close_time: future },
                { ticker: "B", title: "Closed", status: "closed", close_time: future },
                { title: "no ticker", status: "active" }
              ],
              cursor: ""
            })
          : sendJson(res, 200, { events: [], cursor: "" })
      )
      const dir = mkdtempSync(join(tmpdir(), "scanv-"))
      const cfg = configFor(dir, server.base)
      const r = yield* scanVenue(cfg, "kalshi").pipe(Effect.provide(VenuesLive(cfg)))
      if (r._tag !== "ok") throw new Error(r.reason)
      expect(r.found).toBe(3)
      expect(r.kept).toBe(1)
      expect(r.file).toBe(universePath(dir, "kalshi", utcDate(Date.now())))
      expect(summaryLine(r)).toMatch(
        /^kalshi: found 3, kept 1; dropped closed 1, closing_soon 0, excluded_title 0, no_orderbook 0, no_token_ids 0, malformed 1; 2 pages in \d+\.\d s -> /
      )
    })
  )

  it("selects named venues, else the enabled ones", () => {
    const cfg = configFor("d", "http://x")
    expect(selectVenues(cfg, [])).toEqual(["kalshi"])
    expect(selectVenues(cfg, ["polymarket", "polymarket"])).toEqual(["polymarket"])
  })
})

describe("scan in mock mode", () => {
  it.scopedLive("[mock] enabled = true scans the in-process simulator through the same code", () =>
    Effect.gen(function* () {
      const { runScanCommand } = yield* Effect.promise(() => import("../../src/scanner/command.js"))
      const dir = mkdtempSync(join(tmpdir(), "scanmock-"))
      const cfg = Schema.decodeUnknownSync(AppConfig)({
        data_dir: dir,
        mock: { enabled: true, markets_per_venue: 120, seed: 5 },
        // the real venues' URLs stay in the config; mock mode must not reach them
        venues: { polymarket: { rest_url: "http://127.0.0.1:9" }, kalshi: { rest_url: "http://127.0.0.1:9" } }
      })
      const r = yield* runScanCommand(cfg, []).pipe(Effect.provide(MockVenues(cfg)))
      expect(r.failures).toEqual([])
      expect(r.lines.map((l) => l.split(":")[0])).toEqual(["polymarket", "kalshi"])
      for (const venue of ["polymarket", "kalshi"] as const) {
        expect(existsSync(universePath(dir, venue, utcDate(Date.now())))).toBe(true)
      }
    })
  )
})
