import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { startSimulator } from "../../src/simulator/Simulator.js"
import { FIXTURES_DIR } from "../support/fixtureFrames.js"
import { drained, kalshiHeaders, TEST_KALSHI_KEY, waitFor, WireClient } from "./support.js"

/**
 * Every recorded frame type in the shared fixtures (test/fixtures/shared) has a simulator-produced counterpart with
 * the same field names, types and nesting: each fixture field exists in the simulator's frames
 * of that type with the same JSON type, and the simulator invents no field no fixture has.
 */

const FIXTURES = FIXTURES_DIR
const wait = (f: () => Promise<void>) => Effect.promise(f)

/** integer-cent fields of the transitional Kalshi form and recorder artifacts: decoders accept them; the simulator emits the current dollar/fp form */
const KALSHI_LEGACY_KEYS: ReadonlySet<string> = new Set(["yes_price", "no_price", "count", "price", "yes_bid", "yes_ask", "volume", "open_interest", "dollar_volume", "dollar_open_interest", "Clock", "delta", "yes", "no"])
/** the nautilus array's unknown event type: the simulator injects one only on request (customEvent), with its own fields */
const NOT_PRODUCED = new Set<string>()

const shapeOf = (v: unknown, prefix = "", out = new Map<string, string>()): Map<string, string> => {
  if (Array.isArray(v)) {
    out.set(prefix, "array")
    for (const x of v) shapeOf(x, `${prefix}[]`, out)
  } else if (v !== null && typeof v === "object") {
    out.set(prefix, "object")
    for (const [k, x] of Object.entries(v)) shapeOf(x, prefix === "" ? k : `${prefix}.${k}`, out)
  } else out.set(prefix, v === null ? "null" : typeof v)
  return out
}

const pmType = (o: Record<string, unknown>): string =>
  typeof o.event_type === "string" ? o.event_type
    : "price_changes" in o ? "price_change"
    : "bids" in o ? "book"
    : "new_tick_size" in o ? "tick_size_change"
    : "fee_rate_bps" in o ? "last_trade_price"
    : "unknown"

const readFrames = (dir: string, match: (name: string) => boolean): unknown[] => {
  const out: unknown[] = []
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name)
      if (e.isDirectory()) walk(p)
      else if (match(e.name)) {
        const text = readFileSync(p, "utf8")
        if (e.name.endsWith(".jsonl")) for (const l of text.split("\n")) { if (l.trim() !== "") out.push(JSON.parse(l)) }
        else out.push(JSON.parse(text))
      }
    }
  }
  walk(dir)
  return out
}

const stripLegacy = (o: Record<string, unknown>, legacy: ReadonlySet<string>): Record<string, unknown> => {
  const copy: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(o)) {
    if (legacy.has(k)) continue
    copy[k] = v !== null && typeof v === "object" && !Array.isArray(v) ? stripLegacy(v as Record<string, unknown>, legacy) : v
  }
  return copy
}

const group = (frames: unknown[], typeOf: (o: Record<string, unknown>) => string): Map<string, Array<Record<string, unknown>>> => {
  const m = new Map<string, Array<Record<string, unknown>>>()
  for (const f of frames) {
    for (const o of Array.isArray(f) ? f : [f]) {
      const r = o as Record<string, unknown>
      const t = typeOf(r)
      if (!m.has(t)) m.set(t, [])
      m.get(t)!.push(r)
    }
  }
  return m
}

const compare = (recorded: Map<string, Array<Record<string, unknown>>>, ours: Map<string, Array<Record<string, unknown>>>, legacy: ReadonlySet<string> = new Set()): string[] => {
  const problems: string[] = []
  for (const [type, fixtures] of recorded) {
    if (NOT_PRODUCED.has(type)) continue
    const produced = ours.get(type)
    if (produced === undefined) {
      problems.push(`${type}: no simulator frame of this type`)
      continue
    }
    const ourShape = new Map<string, string>()
    for (const o of produced) shapeOf(o, "", ourShape)
    const fixtureShape = new Map<string, string>()
    for (const f of fixtures) {
      const s = shapeOf(stripLegacy(f, legacy))
      for (const [path, t] of s) {
        fixtureShape.set(path, t)
        const mine = ourShape.get(path)
        if (mine === undefined) problems.push(`${type}: fixture field ${path} (${t}) missing from simulator frames`)
        else if (mine !== t) problems.push(`${type}: field ${path} is ${mine} in simulator frames, ${t} in fixtures`)
      }
    }
    for (const [path, t] of ourShape) {
      if (!fixtureShape.has(path)) problems.push(`${type}: simulator field ${path} (${t}) appears in no fixture`)
    }
  }
  return Array.from(new Set(problems))
}

describe("simulator frame shapes against the recorded fixtures", () => {
  it.scopedLive("Polymarket: book, price_change, last_trade_price, tick_size_change, best_bid_ask, new_market, market_resolved, unknown types", () =>
    Effect.gen(function* () {
      const recorded = group(readFrames(join(FIXTURES, "polymarket"), (n) => n.endsWith(".jsonl") || n.startsWith("ws_")), pmType)
      expect(Array.from(recorded.keys()).sort()).toEqual(["best_bid_ask", "book", "last_trade_price", "market_resolved", "new_market", "price_change", "settlement_preview", "tick_size_change"])
      const sim = yield* startSimulator({ seed: 5, polymarketMarkets: 250, kalshiMarkets: 10, tickMs: 0, kalshiKey: TEST_KALSHI_KEY })
      const c = new WireClient(sim.urls.polymarketWs)
      yield* wait(() => c.opened)
      c.send({ type: "market", assets_ids: sim.truth.liveMarkets("polymarket").flatMap((m) => m.token_ids), initial_dump: true, custom_feature_enabled: true })
      yield* wait(() => waitFor(() => c.frames.length >= 1, "books"))
      sim.step(600)
      // listing/resolution/unknown frames come only on request (the simulated universe is static)
      expect(sim.faults.customEvent({ kind: "new_market" })).toBe(1)
      expect(sim.faults.customEvent({ kind: "market_resolved" })).toBe(1)
      expect(sim.faults.customEvent({ kind: "settlement_preview" })).toBe(1)
      yield* wait(() => drained(sim, c, "polymarket"))
      const ours = group(c.json(), pmType)
      expect(compare(recorded, ours)).toEqual([])
      c.close()
    }))

  it.scopedLive("Kalshi: subscribed, orderbook_snapshot, orderbook_delta, trade, ticker, ok, error", () =>
    Effect.gen(function* () {
      const recorded = group(readFrames(join(FIXTURES, "kalshi"), (n) => n.endsWith(".jsonl") || n.includes("_ws_")), (o) => String(o.type))
      expect(Array.from(recorded.keys()).sort()).toEqual(["error", "ok", "orderbook_delta", "orderbook_snapshot", "subscribed", "ticker", "trade"])
      const sim = yield* startSimulator({ seed: 5, polymarketMarkets: 10, kalshiMarkets: 200, tickMs: 0, kalshiKey: TEST_KALSHI_KEY })
      const tickers = sim.truth.liveMarkets("kalshi").map((m) => m.market_id)
      const c = new WireClient(sim.urls.kalshiWs, kalshiHeaders(sim))
      yield* wait(() => c.opened)
      c.send({ id: 1, cmd: "subscribe", params: { channels: ["orderbook_delta", "trade", "ticker"], market_tickers: tickers.slice(0, 100) } })
      yield* wait(() => waitFor(() => c.frames.length >= 100, "snapshots"))
      sim.step(300)
      c.send({ id: 2, cmd: "update_subscription", params: { sids: [1], market_tickers: tickers.slice(100, 102), action: "add_markets" } })
      c.send({ id: 3, cmd: "subscribe", params: { channels: ["nope"], market_tickers: tickers.slice(0, 1) } })
      yield* wait(() => waitFor(() => c.frames.some((f) => f.includes('"error"')), "error"))
      yield* wait(() => drained(sim, c, "kalshi"))
      const ours = group(c.json(), (o) => String(o.type))
      expect(compare(recorded, ours, KALSHI_LEGACY_KEYS)).toEqual([])
      c.close()
    }))

  it.scopedLive("REST answers carry the fixture field names with the same JSON types", () =>
    Effect.gen(function* () {
      const sim = yield* startSimulator({ seed: 5, polymarketMarkets: 100, kalshiMarkets: 100, tickMs: 0, kalshiKey: TEST_KALSHI_KEY })
      const get = (url: string) => Effect.promise(() => fetch(url).then((r) => r.json() as Promise<unknown>))
      const fixture = (p: string) => JSON.parse(readFileSync(join(FIXTURES, p), "utf8")) as unknown
      const sameTypes = (name: string, fix: unknown, ours: unknown, required: ReadonlyArray<string>) => {
        const f = shapeOf(fix), o = shapeOf(ours)
        for (const k of required) expect(o.has(k), `${name}: ${k} present`).toBe(true)
        for (const [path, t] of f) {
          const mine = o.get(path)
          if (mine !== undefined && !(mine === "null" || t === "null")) expect(`${name} ${path}: ${mine}`).toBe(`${name} ${path}: ${t}`)
        }
      }
      const live = sim.truth.liveMarkets("polymarket")[0]!
      const events = (yield* get(`${sim.urls.gamma}/events?closed=false&limit=1`)) as unknown[]
      sameTypes("gamma event", (fixture("polymarket/nautilus/gamma_event.json") as unknown[])[0], events[0], ["id", "title", "slug", "active", "closed", "endDate", "markets", "tags"])
      const markets = (yield* get(`${sim.urls.gamma}/markets?closed=false&limit=1`)) as unknown[]
      sameTypes("gamma market", fixture("polymarket/nautilus/gamma_market_live.json"), markets[0], ["id", "conditionId", "question", "slug", "endDate", "active", "closed", "archived", "enableOrderBook", "clobTokenIds", "outcomes", "outcomePrices", "volumeNum", "liquidityNum", "orderPriceMinTickSize", "orderMinSize", "negRisk", "description", "groupItemTitle"])
      const book = yield* get(`${sim.urls.clob}/book?token_id=${live.token_ids[0]}`)
      sameTypes("clob book", fixture("polymarket/nautilus/clob_book_response_empty_ask.json"), book, ["market", "asset_id", "timestamp", "hash", "bids", "asks", "min_order_size", "tick_size", "neg_risk", "last_trade_price"])
      const clobMarket = yield* get(`${sim.urls.clob}/markets/${live.market_id}`)
      sameTypes("clob market", fixture("polymarket/nautilus/clob_market_response.json"), clobMarket, Object.keys(fixture("polymarket/nautilus/clob_market_response.json") as object))
      const kPage = (yield* get(`${sim.urls.kalshiRest}/markets?status=open&limit=1`)) as { markets: unknown[] }
      const kFix = fixture("kalshi/recorded/nautilus_rest_markets_page.json") as { markets: unknown[] }
      sameTypes("kalshi markets page", kFix, kPage, ["markets", "cursor"])
      sameTypes("kalshi market", kFix.markets[0], kPage.markets[0], Object.keys(kFix.markets[0] as object))
      const ob = yield* get(`${sim.urls.kalshiRest}/markets/${sim.truth.liveMarkets("kalshi")[0]!.market_id}/orderbook`)
      sameTypes("kalshi orderbook", fixture("kalshi/recorded/nautilus_rest_orderbook.json"), ob, ["orderbook_fp", "orderbook_fp.yes_dollars", "orderbook_fp.no_dollars", "orderbook_fp.yes_dollars[][]"])
    }))
})
