import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { AppConfig } from "../../src/config/schema.js"
import { scanVenue } from "../../src/scanner/Scanner.js"
import { startSimulator } from "../../src/simulator/Simulator.js"
import { FileStoreLayer } from "../../src/storage/FileStore.js"
import { VenuesLive } from "../../src/venues/VenueLayers.js"
import type { FetchLike } from "../../src/venues/http.js"

/**
 * Kalshi lists multivariate combos (over 90 % of its markets, no books) first on GET /markets;
 * the scanner asks for `mve_filter=exclude`. Both ends are checked against the simulator's HTTP server.
 */

type Page = { markets: Array<{ ticker: string; mve_collection_ticker?: string; mve_selected_legs?: unknown[] }>; cursor: string }

const listAll = (base: string, query: string) =>
  Effect.promise(async () => {
    const out: Page["markets"] = []
    let cursor = ""
    for (;;) {
      const page = (await fetch(`${base}/markets?${query}&limit=1000${cursor === "" ? "" : `&cursor=${cursor}`}`).then((r) => r.json())) as Page
      out.push(...page.markets)
      if (page.cursor === "") return out
      cursor = page.cursor
    }
  })

describe("Kalshi mve_filter", () => {
  it.scopedLive("the simulator lists combos first; only/exclude select them; a bad value is 400", () =>
    Effect.gen(function* () {
      const sim = yield* startSimulator({ seed: 3, polymarketMarkets: 5, kalshiMarkets: 200, kalshiComboShare: 0.92, tickMs: 0 })
      const base = sim.urls.kalshiRest
      const open = sim.truth.liveMarkets("kalshi").map((m) => m.market_id).sort()
      const all = yield* listAll(base, "status=open")
      const combos = all.filter((m) => m.mve_collection_ticker !== undefined)
      expect(combos.length / all.length).toBeGreaterThan(0.9)
      expect(all.slice(0, combos.length)).toEqual(combos)
      expect(combos[0]!.ticker).toMatch(/^KXMVECROSSCATEGORY-/)
      expect(combos[0]!.mve_selected_legs!.length).toBeGreaterThanOrEqual(2)
      expect((yield* listAll(base, "status=open&mve_filter=only")).map((m) => m.ticker)).toEqual(combos.map((m) => m.ticker))
      expect((yield* listAll(base, "status=open&mve_filter=exclude")).map((m) => m.ticker).sort()).toEqual(open)
      const bad = yield* Effect.promise(() => fetch(`${base}/markets?mve_filter=sometimes`))
      expect(bad.status).toBe(400)
    }))

  it.scopedLive("the scanner sends mve_filter=exclude and keeps no combo", () =>
    Effect.gen(function* () {
      const sim = yield* startSimulator({ seed: 3, polymarketMarkets: 5, kalshiMarkets: 200, kalshiComboShare: 0.92, tickMs: 0 })
      const urls: string[] = []
      const recording: FetchLike = (url, init) => {
        urls.push(url)
        return fetch(url, init)
      }
      const dir = mkdtempSync(join(tmpdir(), "scan-mve-"))
      const cfg = Schema.decodeUnknownSync(AppConfig)({
        data_dir: dir,
        venues: { polymarket: { enabled: false }, kalshi: { rest_url: sim.urls.kalshiRest, min_hours_until_close: 0, max_retries: 0 } }
      })
      const r = yield* scanVenue(cfg, "kalshi", { fetch: recording }).pipe(Effect.provide(VenuesLive(cfg)))
      if (r._tag !== "ok") throw new Error(r.reason)
      const marketUrls = urls.filter((u) => new URL(u).pathname.endsWith("/markets"))
      expect(marketUrls.length).toBeGreaterThan(0)
      for (const u of marketUrls) expect(new URL(u).searchParams.get("mve_filter")).toBe("exclude")
      expect(r.found).toBe(sim.truth.liveMarkets("kalshi").length)
      const kept = readFileSync(r.file, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { market_id: string })
      expect(kept.length).toBeGreaterThan(0)
      expect(kept.filter((m) => m.market_id.startsWith("KXMVE"))).toEqual([])
    }).pipe(Effect.provide(FileStoreLayer)))
})
