import { it } from "@effect/vitest"
import { Chunk, Effect, Stream } from "effect"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { FIXTURES_DIR } from "../support/fixtureFrames.js"
import { describe, expect } from "vitest"
import { makeRateLimiter } from "../../src/venues/http.js"
import { kalshiDiscoveryPages, kalshiRecord } from "../../src/venues/kalshi/rest.js"
import { collectDiscovery } from "../../src/venues/Discovery.js"
import { sendJson, withRestServer } from "./rest_server.js"

const page = JSON.parse(readFileSync(join(FIXTURES_DIR, "kalshi/recorded/nautilus_rest_markets_page.json"), "utf8")) as {
  markets: Array<Record<string, unknown>>
}
const market = page.markets[0]!
const http = { timeoutMs: 5000, maxRetries: 2, limiter: makeRateLimiter(1000), backoffBaseMs: 5 }

describe("Kalshi REST discovery", () => {
  it("maps the recorded markets page (dollar/fp fields)", () => {
    const r = kalshiRecord(market)!
    expect(r).toEqual({
      market_id: "KXBTC-25MAR15-B100000",
      title: "Will Bitcoin exceed $100,000 by March 15?",
      outcome_ids: ["yes", "no"],
      outcomes: ["Yes", "No"],
      close_ts: Date.parse("2025-03-15T23:59:59Z"),
      status: "active",
      tags: [],
      token_ids: [],
      event_id: "KXBTC-25MAR15",
      slug: null,
      volume: 125000,
      liquidity: null,
      tick_size: 0.01
    })
  })

  it("accepts the older integer-cent fields", () => {
    const r = kalshiRecord({ ticker: "T", status: "active", volume: 12, liquidity: 2550, tick_size: 1 })!
    expect(r.volume).toBe(12)
    expect(r.liquidity).toBe(25.5)
    expect(r.tick_size).toBe(0.01)
  })

  it("rejects a market without ticker or status", () => {
    expect(kalshiRecord({ ...market, ticker: undefined })).toBeNull()
    expect(kalshiRecord({ ...market, status: 3 })).toBeNull()
  })

  it.scopedLive("follows the cursor until it is empty, tags markets with event categories, counts bad records", () =>
    Effect.gen(function* () {
      const all = Array.from({ length: 5 }, (_, i) => ({ ...market, ticker: `T-${i}`, event_ticker: `E-${i % 2}` }))
      const broken = { ...market, ticker: undefined }
      const server = yield* withRestServer((url, _req, res) => {
        const cursor = url.searchParams.get("cursor") ?? ""
        const offset = cursor === "" ? 0 : Number(cursor.slice(1))
        if (url.pathname === "/trade-api/v2/markets") {
          expect(url.searchParams.get("status")).toBe("open")
          const limit = Number(url.searchParams.get("limit"))
          const slice: unknown[] = all.slice(offset, offset + limit)
          if (offset === 2) slice.push(broken)
          return sendJson(res, 200, { markets: slice, cursor: offset + limit < all.length ? `c${offset + limit}` : "" })
        }
        if (url.pathname === "/trade-api/v2/events") {
          return sendJson(res, 200, {
            events: offset === 0 ? [{ event_ticker: "E-0", category: "Crypto" }] : [{ event_ticker: "E-1", category: "Economics" }],
            cursor: offset === 0 ? "c1" : ""
          })
        }
        sendJson(res, 404, {})
      })
      const d = yield* collectDiscovery(kalshiDiscoveryPages({ restUrl: `${server.base}/trade-api/v2`, http, pageLimit: 2 }))
      expect(d.markets.map((m) => m.market_id)).toEqual(["T-0", "T-1", "T-2", "T-3", "T-4"])
      expect(d.markets.map((m) => m.tags[0])).toEqual(["Crypto", "Economics", "Crypto", "Economics", "Crypto"])
      expect(d.malformed).toBe(1)
      expect(d.pages).toBe(5) // 3 market pages + 2 event pages
      const cursors = server.requests.filter((u) => u.pathname.endsWith("/markets")).map((u) => u.searchParams.get("cursor"))
      expect(cursors).toEqual([null, "c2", "c4"])
    })
  )

  it.scopedLive("stops on a repeated cursor", () =>
    Effect.gen(function* () {
      const server = yield* withRestServer((url, _req, res) =>
        url.pathname.endsWith("/markets")
          ? sendJson(res, 200, { markets: [market], cursor: "same" })
          : sendJson(res, 200, { events: [], cursor: "" })
      )
      const d = yield* collectDiscovery(kalshiDiscoveryPages({ restUrl: server.base, http }))
      expect(d.markets).toHaveLength(1)
      expect(server.requests.filter((u) => u.pathname.endsWith("/markets")).length).toBe(2)
    })
  )

  it.scopedLive("keeps the markets when the categories pass fails part-way, tagging those it reached", () =>
    Effect.gen(function* () {
      const all = Array.from({ length: 3 }, (_, i) => ({ ...market, ticker: `T-${i}`, event_ticker: `E-${i}` }))
      const server = yield* withRestServer((url, _req, res) => {
        if (url.pathname.endsWith("/markets")) return sendJson(res, 200, { markets: all, cursor: "" })
        if ((url.searchParams.get("cursor") ?? "") === "") {
          return sendJson(res, 200, { events: [{ event_ticker: "E-1", category: "Sports" }], cursor: "e2" })
        }
        sendJson(res, 503, {})
      })
      const d = yield* collectDiscovery(kalshiDiscoveryPages({ restUrl: server.base, http }))
      expect(d.markets.map((m) => m.tags)).toEqual([[], ["Sports"], []])
      expect(d.pages).toBe(2)
      // the failing events page was tried 1 + max_retries times, then given up without failing the scan
      expect(server.requests.filter((u) => u.searchParams.get("cursor") === "e2")).toHaveLength(3)
    })
  )

  it.scopedLive("never asks for categories when the markets cannot be listed", () =>
    Effect.gen(function* () {
      const server = yield* withRestServer((url, _req, res) => sendJson(res, url.pathname.endsWith("/markets") ? 500 : 200, {}))
      const result = yield* Effect.either(collectDiscovery(kalshiDiscoveryPages({ restUrl: server.base, http })))
      expect(result._tag === "Left" && result.left.message).toMatch(/HTTP 500 after 3 attempts$/)
      expect(server.requests.every((u) => u.pathname.endsWith("/markets"))).toBe(true)
    })
  )

  it.scopedLive("streams market pages one request at a time", () =>
    Effect.gen(function* () {
      const server = yield* withRestServer((url, _req, res) => {
        const n = Number((url.searchParams.get("cursor") ?? "c0").slice(1))
        sendJson(res, 200, { markets: [{ ...market, ticker: `T-${n}` }], cursor: `c${n + 1}` })
      })
      const pages = yield* Stream.runCollect(Stream.take(kalshiDiscoveryPages({ restUrl: server.base, http, pageLimit: 1 }), 3))
      expect(Chunk.toArray(pages).map((p) => p.markets[0]!.market_id)).toEqual(["T-0", "T-1", "T-2"])
      expect(server.requests.map((u) => u.searchParams.get("cursor"))).toEqual([null, "c1", "c2"])
    })
  )
})
