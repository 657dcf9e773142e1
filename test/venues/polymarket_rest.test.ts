import { it } from "@effect/vitest"
import { Effect } from "effect"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { FIXTURES_DIR } from "../support/fixtureFrames.js"
import { describe, expect } from "vitest"
import { makeRateLimiter } from "../../src/venues/http.js"
import {
  addEventsPage,
  discoverPolymarket,
  eventsOfPage,
  parseJsonStringArray,
  polymarketRecord
} from "../../src/venues/polymarket/rest.js"
import { DiscoveryTally } from "../../src/venues/Discovery.js"
import { sendJson, withRestServer } from "./rest_server.js"

const FIXTURES = join(FIXTURES_DIR, "polymarket/nautilus")
const fixture = (name: string): unknown => JSON.parse(readFileSync(`${FIXTURES}/${name}`, "utf8"))
const http = { timeoutMs: 5000, maxRetries: 2, limiter: makeRateLimiter(1000), backoffBaseMs: 5 }

describe("Polymarket Gamma discovery", () => {
  it("maps a live Gamma market: conditionId, JSON-string token ids and labels in the same order", () => {
    const mapped = polymarketRecord(fixture("gamma_market_live.json"), null)
    if (mapped._tag !== "record") throw new Error(`expected a record, got ${mapped._tag}`)
    const r = mapped.record
    expect(r.market_id).toBe("0x0f49db97f71c68b1e42a6d16e3de93d85dbf7d4148e3f018eb79e88554be9f75")
    expect(r.title).toBe("Will Gavin Newsom win the 2028 Democratic presidential nomination?")
    expect(r.token_ids).toEqual([
      "54533043819946592547517511176940999955633860128497669742211153063842200957669",
      "87854174148074652060467921081181402357467303721471806610111179101805869578687"
    ])
    expect(r.outcome_ids).toEqual(r.token_ids)
    expect(r.outcomes).toEqual(["Yes", "No"])
    expect(r.close_ts).toBe(Date.parse("2028-11-07T00:00:00Z"))
    expect(r.status).toBe("active")
    expect(r.tick_size).toBe(0.001)
    expect(r.volume).toBeCloseTo(25814545.294374414)
    expect(r.liquidity).toBeCloseTo(230438.22824)
  })

  it("marks a closed legacy market closed (the filter drops it) and a synthetic one active", () => {
    const closed = polymarketRecord(fixture("gamma_market_closed_nonbinary_legacy.json"), null)
    expect(closed._tag === "record" && closed.record.status).toBe("closed")
    const synthetic = polymarketRecord(fixture("gamma_market.json"), null)
    expect(synthetic._tag === "record" && synthetic.record.outcomes).toEqual(["Yes", "No"])
  })

  it("flattens the recorded events page with event id and tag labels", () => {
    const tally = new DiscoveryTally()
    const events = eventsOfPage(fixture("gamma_event.json"))!
    expect(addEventsPage(events, tally, new Set())).toBe(1)
    expect(tally.markets).toHaveLength(2)
    expect(tally.malformed).toBe(0)
    for (const m of tally.markets) {
      expect(m.event_id).toBe("30829")
      expect(m.tags).toContain("Politics")
      expect(m.token_ids).toHaveLength(2)
    }
  })

  it("skips (and counts) markets without order book or token ids, and malformed ones", () => {
    const base = fixture("gamma_market.json") as Record<string, unknown>
    const tally = new DiscoveryTally()
    const event = {
      id: "1",
      title: "E",
      markets: [
        base,
        { ...base, conditionId: "0xnobook", enableOrderBook: false },
        { ...base, conditionId: "0xnotokens", clobTokenIds: undefined },
        { ...base, conditionId: "0xbadjson", clobTokenIds: "[\"unterminated" },
        { ...base, conditionId: undefined },
        { ...base, conditionId: "0xmismatch", outcomes: "[\"Yes\"]" }
      ]
    }
    addEventsPage([event, { title: "event without id" }], tally, new Set())
    expect(tally.markets.map((m) => m.market_id)).toEqual(["0xabc123def456789"])
    expect(tally.skipped).toEqual({ no_orderbook: 1, no_token_ids: 1 })
    expect(tally.malformed).toBe(4)
    expect(tally.firstMalformed).not.toBeNull()
  })

  it("parses JSON-string arrays strictly", () => {
    expect(parseJsonStringArray('["a","b"]')).toEqual(["a", "b"])
    expect(parseJsonStringArray("[1]")).toBeNull()
    expect(parseJsonStringArray("nope")).toBeNull()
    expect(parseJsonStringArray(undefined)).toBeNull()
  })

  it.scopedLive("pages /events by offset until an empty page, tolerating {data:[...]} and a silent page cap", () =>
    Effect.gen(function* () {
      const base = fixture("gamma_market.json") as Record<string, unknown>
      const events = Array.from({ length: 7 }, (_, i) => ({
        id: String(100 + i),
        title: `event ${i}`,
        markets: [{ ...base, conditionId: `0xc${i}`, question: `market ${i}` }]
      }))
      const server = yield* withRestServer((url, _req, res) => {
        if (url.pathname !== "/events") return sendJson(res, 404, {})
        const limit = Number(url.searchParams.get("limit"))
        const offset = Number(url.searchParams.get("offset"))
        // the server silently caps pages at 2 although 3 were asked for
        const page = events.slice(offset, offset + Math.min(limit, 2))
        sendJson(res, 200, offset === 2 ? { data: page } : page)
      })
      const d = yield* discoverPolymarket({ restUrl: `${server.base}/`, http, pageLimit: 3 })
      expect(d.markets.map((m) => m.market_id)).toEqual(events.map((_, i) => `0xc${i}`))
      expect(d.pages).toBe(5) // 2+2+2+1, then the empty page
      const first = server.requests[0]!
      expect(first.searchParams.get("closed")).toBe("false")
      expect(server.requests.map((u) => u.searchParams.get("offset"))).toEqual(["0", "2", "4", "6", "7"])
    })
  )

  it.scopedLive("stops when a server ignores offset instead of paging forever", () =>
    Effect.gen(function* () {
      const base = fixture("gamma_market.json") as Record<string, unknown>
      const server = yield* withRestServer((_url, _req, res) =>
        sendJson(res, 200, [{ id: "1", markets: [base] }])
      )
      const d = yield* discoverPolymarket({ restUrl: server.base, http, pageLimit: 1 })
      expect(d.markets).toHaveLength(1)
      expect(server.requests.length).toBe(2)
    })
  )
})

describe("Polymarket keyset fallback", () => {
  it.scopedLive("switches to /events/keyset when offset paging is refused with 422", () =>
    Effect.gen(function* () {
      const base = fixture("gamma_market.json") as Record<string, unknown>
      const events = Array.from({ length: 5 }, (_, i) => ({
        id: String(i),
        markets: [{ ...base, conditionId: `0xk${i}`, question: `q${i}` }]
      }))
      const server = yield* withRestServer((url, _req, res) => {
        if (url.pathname === "/events") return sendJson(res, 422, { type: "validation error", error: "offset is not supported" })
        if (url.pathname !== "/events/keyset") return sendJson(res, 404, {})
        const after = Number(url.searchParams.get("after_cursor") ?? "0")
        const limit = Number(url.searchParams.get("limit"))
        const next = after + limit
        sendJson(res, 200, { events: events.slice(after, next), ...(next < events.length ? { next_cursor: String(next) } : {}) })
      })
      const d = yield* discoverPolymarket({ restUrl: server.base, http, pageLimit: 2 })
      expect(d.markets.map((m) => m.market_id)).toEqual(["0xk0", "0xk1", "0xk2", "0xk3", "0xk4"])
      expect(d.pages).toBe(3)
      expect(server.requests.map((u) => u.pathname)).toEqual(["/events", "/events/keyset", "/events/keyset", "/events/keyset"])
    })
  )
})
