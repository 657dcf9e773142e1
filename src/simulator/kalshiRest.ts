import type { IncomingMessage, ServerResponse } from "node:http"
import { ASK, BID, type BinaryBook, kDollars, kFp } from "./book.js"
import type { MarketEngine } from "./engine.js"
import type { RestFaults } from "./faults.js"
import { intParam, iso, sendJson } from "./http.js"
import { comboMarket, type KEvent, type KMarket } from "./universe.js"

/**
 * Kalshi REST v2 under `/trade-api/v2`: `/markets` (status filter, limit <= 1000, opaque cursor),
 * `/markets/{ticker}`, `/markets/{ticker}/orderbook` (orderbook_fp, dollar strings), `/events`
 * (limit <= 200, cursor, with_nested_markets), `/events/{event_ticker}`. Field names from
 * kalshi-typescript 3.30 models/market.ts and fixture nautilus_rest_markets_page.json.
 * Market data needs no auth (auth headers, when sent, are ignored on REST).
 */

const MARKETS_MAX_LIMIT = 1000
const EVENTS_MAX_LIMIT = 200
const DEFAULT_LIMIT = 100

/** the query filter names differ from the status values markets carry (docs/PROTOCOLS.md) */
const STATUS_FILTER: Record<string, ReadonlyArray<KMarket["status"]>> = {
  open: ["active"],
  closed: ["closed"],
  settled: ["finalized"],
  unopened: ["initialized"]
}

const bookTop = (book: BinaryBook | null) => {
  if (book === null) return { yesBid: 0, yesBidSize: 0, yesAsk: 1000, yesAskSize: 0 }
  const bb = book.bestBid(), ba = book.bestAsk()
  return {
    yesBid: bb < 0 ? 0 : bb,
    yesBidSize: bb < 0 ? 0 : book.bids.get(bb) ?? 0,
    yesAsk: ba > 1000 ? 1000 : ba,
    yesAskSize: ba > 1000 ? 0 : book.asks.get(ba) ?? 0
  }
}

export const kalshiMarketJson = (m: KMarket, book: BinaryBook | null, broken = false): Record<string, unknown> => {
  const top = bookTop(book)
  const last = book?.lastTradePrice ?? m.fair
  const out: Record<string, unknown> = {
    ticker: m.ticker,
    event_ticker: m.eventTicker,
    market_type: "binary",
    title: m.title,
    subtitle: m.subtitle,
    yes_sub_title: m.yesSubTitle,
    no_sub_title: m.noSubTitle,
    created_time: iso(m.openMs - 86_400_000),
    updated_time: iso(m.openMs),
    open_time: iso(m.openMs),
    close_time: iso(m.closeMs),
    expected_expiration_time: iso(m.closeMs + 3_600_000),
    expiration_time: iso(m.closeMs + 7 * 86_400_000),
    latest_expiration_time: iso(m.closeMs + 7 * 86_400_000),
    settlement_timer_seconds: 300,
    status: m.status,
    yes_bid_dollars: kDollars(top.yesBid),
    yes_bid_size_fp: kFp(top.yesBidSize),
    yes_ask_dollars: kDollars(top.yesAsk),
    yes_ask_size_fp: kFp(top.yesAskSize),
    no_bid_dollars: kDollars(1000 - top.yesAsk),
    no_ask_dollars: kDollars(1000 - top.yesBid),
    last_price_dollars: kDollars(last),
    volume_fp: kFp(m.volume * 100),
    volume_24h_fp: kFp(Math.round(m.volume * 0.02) * 100),
    result: m.status === "finalized" ? (m.fair >= 500 ? "yes" : "no") : "",
    can_close_early: true,
    open_interest_fp: kFp(m.openInterest * 100),
    notional_value_dollars: "1.0000",
    previous_yes_bid_dollars: kDollars(top.yesBid),
    previous_yes_ask_dollars: kDollars(top.yesAsk),
    previous_price_dollars: kDollars(last),
    liquidity_dollars: m.liquidity.toFixed(4),
    expiration_value: "",
    rules_primary: m.rulesPrimary,
    rules_secondary: "",
    price_level_structure: "linear_cent",
    price_ranges: [{ start: "0.0000", end: "1.0000", step: "0.0100" }]
  }
  if (broken) delete out.ticker
  return out
}

/** a combo as `GET /markets` lists it: a market with its collection and legs, no book (OpenAPI 3.30 Market: mve_collection_ticker, mve_selected_legs) */
const comboJson = (m: ReturnType<typeof comboMarket>, broken: boolean): Record<string, unknown> => ({
  ...kalshiMarketJson(m, null, broken),
  mve_collection_ticker: "KXMVECROSSCATEGORY-R",
  mve_selected_legs: m.legs.map((l) => ({ event_ticker: l.eventTicker, market_ticker: l.ticker, side: "yes" })),
  is_provisional: true
})

const eventJson = (e: KEvent, nested: ReadonlyArray<Record<string, unknown>> | null) => ({
  event_ticker: e.eventTicker,
  series_ticker: e.seriesTicker,
  sub_title: e.subTitle,
  title: e.title,
  collateral_return_type: "",
  mutually_exclusive: e.mutuallyExclusive,
  category: e.category,
  settlement_sources: [],
  ...(nested === null ? {} : { markets: nested })
})

const encodeCursor = (offset: number): string => Buffer.from(`o:${offset}`).toString("base64url")
const decodeCursor = (c: string | null): number | null => {
  if (c === null || c === "") return 0
  const m = /^o:(\d+)$/.exec(Buffer.from(c, "base64url").toString("utf8"))
  return m === null ? null : Number(m[1])
}

const kalshiError = (res: ServerResponse, status: number, code: string, message: string) =>
  sendJson(res, status, { error: { code, message, details: "" } })

/** orderbook_fp: YES bids and NO bids (= 1 - YES asks), each ascending by price (fixture nautilus_rest_orderbook.json) */
export const kalshiOrderbookJson = (book: BinaryBook | null, depth: number) => {
  if (book === null) return { orderbook_fp: { yes_dollars: [], no_dollars: [] } }
  const yes = book.sortedLevels(BID, "desc").slice(0, depth > 0 ? depth : undefined).reverse()
  const no = book.sortedLevels(ASK, "asc").slice(0, depth > 0 ? depth : undefined).reverse()
  return {
    orderbook_fp: {
      yes_dollars: yes.map(([p, s]) => [kDollars(p), kFp(s)]),
      no_dollars: no.map(([p, s]) => [kDollars(1000 - p), kFp(s)])
    }
  }
}

export const handleKalshiRest = async (req: IncomingMessage, res: ServerResponse, path: string, q: URLSearchParams, ctx: { engine: MarketEngine; rest: RestFaults }): Promise<void> => {
  const u = ctx.engine.universe
  if (req.method !== "GET") return kalshiError(res, 405, "method_not_allowed", "method not allowed")
  if (path === "/markets") {
    const limit = intParam(q, "limit", DEFAULT_LIMIT, 1, MARKETS_MAX_LIMIT)
    if (typeof limit === "string") return kalshiError(res, 400, "bad_request", limit)
    const offset = decodeCursor(q.get("cursor"))
    if (offset === null) return kalshiError(res, 400, "bad_request", "invalid cursor")
    const status = q.get("status")
    const statuses = status === null || status === "" ? null : STATUS_FILTER[status]
    if (statuses === undefined) return kalshiError(res, 400, "bad_request", `invalid status filter: ${status}`)
    const mve = q.get("mve_filter")
    if (mve !== null && mve !== "only" && mve !== "exclude") return kalshiError(res, 400, "bad_request", `invalid mve_filter: ${mve}`)
    const eventTicker = q.get("event_ticker"), series = q.get("series_ticker")
    const tickers = q.get("tickers")?.split(",").filter((t) => t !== "") ?? null
    const minClose = q.get("min_close_ts"), maxClose = q.get("max_close_ts")
    const minS = minClose === null ? null : Number(minClose) * 1000
    const maxS = maxClose === null ? null : Number(maxClose) * 1000
    const all = u.kMarkets.filter((m) =>
      (statuses === null || statuses.includes(m.status)) &&
      (eventTicker === null || m.eventTicker === eventTicker) &&
      (series === null || m.eventTicker.startsWith(series + "-")) &&
      (tickers === null || tickers.includes(m.ticker)) &&
      (minS === null || m.closeMs >= minS) &&
      (maxS === null || m.closeMs <= maxS)
    )
    // combos come first, as on the venue; the market filters other than status (all active) and
    // mve_filter leave them out (our simplification: the scanner uses none of them)
    const combos = mve === "exclude" || eventTicker !== null || series !== null || tickers !== null || minS !== null || maxS !== null ||
        (statuses !== null && !statuses.includes("active")) ? 0 : u.kCombos
    const regular = mve === "only" ? [] : all
    const total = combos + regular.length
    const broken = offset < total && ctx.rest.takeMalformed("/trade-api/v2/markets")
    const markets: Array<Record<string, unknown>> = []
    for (let i = offset; i < Math.min(total, offset + limit); i++) {
      if (i < combos) markets.push(comboJson(comboMarket(u, i), broken && i === offset))
      else {
        const m = regular[i - combos]!
        markets.push(kalshiMarketJson(m, ctx.engine.kBook(m), broken && i === offset))
      }
    }
    const cursor = offset + limit < total ? encodeCursor(offset + limit) : ""
    return sendJson(res, 200, { markets, cursor })
  }
  if (path === "/events") {
    const limit = intParam(q, "limit", DEFAULT_LIMIT, 1, EVENTS_MAX_LIMIT)
    if (typeof limit === "string") return kalshiError(res, 400, "bad_request", limit)
    const offset = decodeCursor(q.get("cursor"))
    if (offset === null) return kalshiError(res, 400, "bad_request", "invalid cursor")
    const status = q.get("status")
    const statuses = status === null || status === "" ? null : STATUS_FILTER[status]
    if (statuses === undefined) return kalshiError(res, 400, "bad_request", `invalid status filter: ${status}`)
    const nested = q.get("with_nested_markets") === "true"
    const all = u.kEvents.filter((e) => statuses === null || e.markets.some((m) => statuses.includes(m.status)))
    const page = all.slice(offset, offset + limit)
    const events = page.map((e) => eventJson(e, nested ? e.markets.map((m) => kalshiMarketJson(m, ctx.engine.kBook(m))) : null))
    const cursor = offset + limit < all.length ? encodeCursor(offset + limit) : ""
    return sendJson(res, 200, { events, cursor })
  }
  const ob = /^\/markets\/([^/]+)\/orderbook$/.exec(path)
  if (ob !== null) {
    const m = u.kByTicker.get(decodeURIComponent(ob[1]!))
    if (m === undefined) return kalshiError(res, 404, "not_found", "market not found")
    const depth = intParam(q, "depth", 0, 0, 100)
    if (typeof depth === "string") return kalshiError(res, 400, "bad_request", depth)
    return sendJson(res, 200, kalshiOrderbookJson(ctx.engine.kBook(m), depth))
  }
  const one = /^\/markets\/([^/]+)$/.exec(path)
  if (one !== null) {
    const m = u.kByTicker.get(decodeURIComponent(one[1]!))
    if (m === undefined) return kalshiError(res, 404, "not_found", "market not found")
    return sendJson(res, 200, { market: kalshiMarketJson(m, ctx.engine.kBook(m)) })
  }
  const ev = /^\/events\/([^/]+)$/.exec(path)
  if (ev !== null) {
    const e = u.kEvents.find((x) => x.eventTicker === decodeURIComponent(ev[1]!))
    if (e === undefined) return kalshiError(res, 404, "not_found", "event not found")
    return sendJson(res, 200, { event: eventJson(e, null), markets: e.markets.map((m) => kalshiMarketJson(m, ctx.engine.kBook(m))) })
  }
  return kalshiError(res, 404, "not_found", `no such path: ${path}`)
}
