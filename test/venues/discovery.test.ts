import { it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { describe, expect } from "vitest"
import type { MarketRecord } from "../../src/domain/Market.js"
import { collectDiscovery, DiscoveryPage } from "../../src/venues/Discovery.js"
import { VenueHttpError } from "../../src/venues/http.js"

const market = (id: string, eventId: string | null, tags: Array<string> = []): MarketRecord => ({
  market_id: id,
  title: `title ${id}`,
  outcome_ids: ["yes", "no"],
  outcomes: ["Yes", "No"],
  close_ts: null,
  status: "active",
  tags,
  token_ids: [],
  event_id: eventId,
  slug: null,
  volume: null,
  liquidity: null,
  tick_size: 0.01
})

const page = (fill: (p: DiscoveryPage) => void): DiscoveryPage => {
  const p = new DiscoveryPage()
  fill(p)
  return p
}

describe("collectDiscovery (the scanner's fold of discovery pages)", () => {
  it.effect("keeps the first copy of a market listed twice, sums skips and malformed records, counts every page", () =>
    Effect.gen(function* () {
      const pages = Stream.make(
        page((p) => {
          p.add(market("A", "E1"))
          p.add(market("B", "E2"))
          p.skip("no_orderbook")
          p.bad({ id: 1 })
        }),
        page((p) => {
          p.add({ ...market("A", "E1"), title: "a later copy" })
          p.skip("no_orderbook")
          p.skip("no_token_ids")
          p.bad("second")
        }),
        new DiscoveryPage()
      )
      const d = yield* collectDiscovery(pages)
      expect(d.markets.map((m) => [m.market_id, m.title])).toEqual([["A", "title A"], ["B", "title B"]])
      expect(d.skipped).toEqual({ no_orderbook: 2, no_token_ids: 1 })
      expect(d.malformed).toBe(2)
      expect(d.firstMalformed).toBe('{"id":1}')
      expect(d.pages).toBe(3)
    }))

  it.effect("tags untagged markets with categories that arrive after them, never overriding a venue's own tag", () =>
    Effect.gen(function* () {
      const pages = Stream.make(
        page((p) => {
          p.add(market("A", "E1"))
          p.add(market("B", "E2", ["Own"]))
          p.add(market("C", null))
          p.add(market("D", "E3"))
        }),
        page((p) => {
          p.eventCategories.set("E1", "Crypto")
          p.eventCategories.set("E2", "Sports")
          p.eventCategories.set("E3", "")
        })
      )
      const d = yield* collectDiscovery(pages)
      expect(d.markets.map((m) => m.tags)).toEqual([["Crypto"], ["Own"], [], []])
    }))

  it.effect("fails with the stream's error: a scan never publishes a partial listing", () =>
    Effect.gen(function* () {
      const error = new VenueHttpError({ url: "http://v/x", host: "v", status: 500, attempts: 3, message: "GET http://v/x: HTTP 500" })
      const pages = Stream.concat(Stream.make(page((p) => p.add(market("A", null)))), Stream.fail(error))
      const result = yield* Effect.either(collectDiscovery(pages))
      expect(result._tag === "Left" && result.left).toBe(error)
    }))
})
