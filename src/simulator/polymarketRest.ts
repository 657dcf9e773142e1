import type { IncomingMessage, ServerResponse } from "node:http"
import { ASK, BID, type BinaryBook, pmPrice, pmSize } from "./book.js"
import type { MarketEngine } from "./engine.js"
import type { RestFaults } from "./faults.js"
import { boolParam, intParam, iso, pseudoHash, readBody, sendJson } from "./http.js"
import type { PmEvent, PmMarket } from "./universe.js"

/**
 * Polymarket REST: Gamma (`/events`, `/markets`, offset pagination, bare-array answers) and the
 * CLOB (`/book`, `/books`, `/markets` cursor pages, `/markets/{conditionId}`, `/tick-size`,
 * `/neg-risk`, `/time`). Field names follow fixtures gamma_event.json, gamma_market_live.json,
 * clob_book_response_empty_ask.json and clob_market_response.json.
 */

/** Gamma caps `limit`; 500 is the cap others report for /events (nautilus gamma docs: keyset
 * /events at most 500 a page). We apply it to /markets too; default page 100. */
export const GAMMA_MAX_LIMIT = 500
const GAMMA_DEFAULT_LIMIT = 100
/** CLOB /markets pages hold 1000 and end with next_cursor "LTE=" (base64 "-1"; fixture http_empty_page.json) */
const CLOB_PAGE = 1000
const CLOB_END_CURSOR = "LTE="

/** Gamma prints JSON-in-a-string arrays with a space after the comma (gamma_market_live.json) */
const jsonString = (items: ReadonlyArray<string>): string => JSON.stringify(items).replace(/","/g, '", "')

const priceHint = (m: PmMarket): [string, string] => {
  const yes = m.fair / 1000
  return [String(yes), String(Math.round((1 - yes) * 1000) / 1000)]
}

interface EventFacts {
  readonly active: boolean
  readonly closed: boolean
  readonly archived: boolean
  readonly volume: number
  readonly liquidity: number
}

/** the universe is static during a run: event-level facts are computed once, not per request */
const factsCache = new WeakMap<PmEvent, EventFacts>()
const eventFacts = (e: PmEvent): EventFacts => {
  let f = factsCache.get(e)
  if (f === undefined) {
    f = {
      active: e.markets.some((m) => m.active),
      closed: e.markets.every((m) => m.closed),
      archived: e.markets.every((m) => m.archived),
      volume: e.markets.reduce((s, m) => s + m.volume, 0),
      liquidity: e.markets.reduce((s, m) => s + m.liquidity, 0)
    }
    factsCache.set(e, f)
  }
  return f
}

const eventHeader = (e: PmEvent) => ({
  id: e.id,
  ticker: e.ticker,
  slug: e.slug,
  title: e.title,
  description: e.description,
  resolutionSource: "",
  startDate: iso(e.startMs),
  creationDate: iso(e.startMs),
  endDate: iso(e.endMs),
  image: `https://polymarket-upload.s3.us-east-2.amazonaws.com/${e.slug}.png`,
  icon: `https://polymarket-upload.s3.us-east-2.amazonaws.com/${e.slug}.png`,
  active: eventFacts(e).active,
  closed: eventFacts(e).closed,
  archived: eventFacts(e).archived,
  new: false,
  featured: false,
  restricted: true,
  liquidity: eventFacts(e).liquidity,
  volume: eventFacts(e).volume,
  openInterest: 0,
  createdAt: iso(e.startMs),
  updatedAt: iso(e.startMs),
  enableOrderBook: e.markets.some((m) => m.enableOrderBook),
  negRisk: e.negRisk,
  commentCount: 0
})

export const gammaMarketJson = (m: PmMarket, withEvent: PmEvent | null, broken = false): Record<string, unknown> => {
  const [yes, no] = priceHint(m)
  const out: Record<string, unknown> = {
    id: m.id,
    question: m.question,
    conditionId: m.conditionId,
    slug: m.slug,
    resolutionSource: "",
    endDate: iso(m.endMs),
    liquidity: String(m.liquidity),
    startDate: iso(m.startMs),
    image: "",
    icon: "",
    description: m.description,
    outcomes: jsonString(["Yes", "No"]),
    outcomePrices: jsonString([yes, no]),
    volume: String(m.volume),
    active: m.active,
    closed: m.closed,
    marketMakerAddress: "",
    createdAt: iso(m.startMs),
    updatedAt: iso(m.startMs),
    new: false,
    featured: false,
    archived: m.archived,
    restricted: true,
    groupItemTitle: m.groupItemTitle,
    groupItemThreshold: "0",
    questionID: m.questionID,
    enableOrderBook: m.enableOrderBook,
    orderPriceMinTickSize: m.tick / 1000,
    orderMinSize: 5,
    volumeNum: m.volume,
    liquidityNum: m.liquidity,
    endDateIso: iso(m.endMs).slice(0, 10),
    startDateIso: iso(m.startMs).slice(0, 10),
    hasReviewedDates: true,
    volume24hr: Math.round(m.volume * 0.01 * 100) / 100,
    acceptingOrders: m.active && !m.closed,
    negRisk: m.negRisk,
    spread: m.tick / 1000,
    lastTradePrice: m.fair / 1000,
    bestBid: Math.max(0, m.fair - m.tick) / 1000,
    bestAsk: Math.min(1000, m.fair + m.tick) / 1000
  }
  if (m.enableOrderBook) out.clobTokenIds = jsonString(m.tokenIds)
  if (withEvent !== null) out.events = [eventHeader(withEvent)]
  if (broken) {
    // a record a scanner must skip (and count), not crash on
    delete out.conditionId
    out.clobTokenIds = "[\"unterminated"
  }
  return out
}

type OrderField = "id" | "volume" | "liquidity" | "endDate" | "startDate"
const ORDER_FIELDS: Record<string, OrderField> = {
  id: "id", volume: "volume", volumeNum: "volume", volume24hr: "volume",
  liquidity: "liquidity", liquidityNum: "liquidity", endDate: "endDate", startDate: "startDate"
}

const marketKey = (m: PmMarket, f: OrderField): number =>
  f === "id" ? Number(m.id) : f === "volume" ? m.volume : f === "liquidity" ? m.liquidity : f === "endDate" ? m.endMs : m.startMs
const eventKey = (e: PmEvent, f: OrderField): number =>
  f === "id" ? Number(e.id) : f === "volume" ? eventFacts(e).volume : f === "liquidity" ? eventFacts(e).liquidity : f === "endDate" ? e.endMs : e.startMs

const applyOrder = <T>(items: T[], q: URLSearchParams, key: (t: T, f: OrderField) => number): T[] | string => {
  const order = q.get("order")
  if (order === null || order === "") return items
  const f = ORDER_FIELDS[order.split(",")[0]!]
  if (f === undefined) return `invalid order field: ${JSON.stringify(order)}`
  const asc = boolParam(q, "ascending") ?? false
  const sorted = items.slice()
  sorted.sort((a, b) => (asc ? 1 : -1) * (key(a, f) - key(b, f)))
  return sorted
}

const dateBound = (q: URLSearchParams, name: string): number | null => {
  const v = q.get(name)
  if (v === null || v === "") return null
  const t = Date.parse(v)
  return Number.isNaN(t) ? null : t
}

export interface PmRestContext {
  readonly engine: MarketEngine
  readonly rest: RestFaults
}

const paging = (q: URLSearchParams): { limit: number; offset: number } | string => {
  const limit = intParam(q, "limit", GAMMA_DEFAULT_LIMIT, 0, GAMMA_MAX_LIMIT)
  if (typeof limit === "string") return limit
  const offset = intParam(q, "offset", 0, 0, Number.MAX_SAFE_INTEGER)
  if (typeof offset === "string") return offset
  return { limit, offset }
}

const marketPasses = (m: PmMarket, q: URLSearchParams): boolean => {
  const closed = boolParam(q, "closed")
  if (closed !== null && m.closed !== closed) return false
  const active = boolParam(q, "active")
  if (active !== null && m.active !== active) return false
  const archived = boolParam(q, "archived")
  if (archived !== null && m.archived !== archived) return false
  const min = dateBound(q, "end_date_min")
  if (min !== null && m.endMs < min) return false
  const max = dateBound(q, "end_date_max")
  if (max !== null && m.endMs > max) return false
  return true
}

/**
 * Keyset paging (`/events/keyset` <= 500, `/markets/keyset` <= 100 a page; `after_cursor` in,
 * `next_cursor` out and absent on the last page: nautilus' Gamma client docs). The cursor is
 * opaque (base64url of the next index). Filters as the offset endpoints.
 */
const gammaKeyset = (res: ServerResponse, path: string, q: URLSearchParams, ctx: PmRestContext): void => {
  const u = ctx.engine.universe
  const events = path === "/events/keyset"
  const limit = intParam(q, "limit", events ? GAMMA_DEFAULT_LIMIT : 100, 1, events ? GAMMA_MAX_LIMIT : 100)
  if (typeof limit === "string") return sendJson(res, 422, { error: limit })
  const raw = q.get("after_cursor")
  const start = raw === null || raw === "" ? 0 : Number(Buffer.from(raw, "base64url").toString("utf8"))
  if (!Number.isInteger(start) || start < 0) return sendJson(res, 422, { error: "invalid after_cursor" })
  const page = (total: number, slice: (from: number, to: number) => unknown[], key: string) => {
    const items = slice(start, start + limit)
    const next = start + limit < total ? { next_cursor: Buffer.from(String(start + limit)).toString("base64url") } : {}
    return sendJson(res, 200, { [key]: items, ...next })
  }
  if (events) {
    const all = u.pmEvents.filter((e) => eventPasses(e, q))
    const broken = ctx.rest.takeMalformed("/gamma/events")
    return page(all.length, (a, b) => all.slice(a, b).map((e, i) => eventJson(e, broken && i === 0)), "events")
  }
  const all = u.pmMarkets.filter((m) => marketPasses(m, q))
  const broken = ctx.rest.takeMalformed("/gamma/markets")
  return page(all.length, (a, b) => all.slice(a, b).map((m, i) => gammaMarketJson(m, u.pmEvents[m.eventIndex]!, broken && i === 0)), "markets")
}

const eventPasses = (e: PmEvent, q: URLSearchParams): boolean => {
  const h = eventFacts(e)
  const closed = boolParam(q, "closed"), active = boolParam(q, "active"), archived = boolParam(q, "archived")
  if (closed !== null && h.closed !== closed) return false
  if (active !== null && h.active !== active) return false
  if (archived !== null && h.archived !== archived) return false
  const min = dateBound(q, "end_date_min"), max = dateBound(q, "end_date_max")
  if (min !== null && e.endMs < min) return false
  if (max !== null && e.endMs > max) return false
  const tagSlug = q.get("tag_slug"), slug = q.get("slug"), ids = q.getAll("id")
  if (tagSlug !== null && !e.tags.some((t) => t.slug === tagSlug)) return false
  if (slug !== null && e.slug !== slug) return false
  if (ids.length > 0 && !ids.includes(e.id)) return false
  return true
}

const eventJson = (e: PmEvent, brokenFirstMarket: boolean) => ({
  ...eventHeader(e),
  markets: e.markets.map((m, j) => gammaMarketJson(m, null, brokenFirstMarket && j === 0)),
  tags: e.tags.map((t) => ({ ...t, forceShow: false, requiresTranslation: false }))
})

export const handleGamma = async (req: IncomingMessage, res: ServerResponse, path: string, q: URLSearchParams, ctx: PmRestContext): Promise<void> => {
  const u = ctx.engine.universe
  if (req.method !== "GET") return sendJson(res, 405, { error: "method not allowed" })
  if (ctx.rest.refuseOffset && (path === "/events" || path === "/markets") && Number(q.get("offset") ?? "0") > 0) {
    // the venue retired deep offset paging in favour of keyset (scanner notes: nautilus_trader#4086)
    return sendJson(res, 422, { type: "validation error", error: "offset pagination is no longer supported; use /events/keyset" })
  }
  if (path === "/events") {
    const page = paging(q)
    if (typeof page === "string") return sendJson(res, 422, { error: page })
    const ordered = applyOrder(u.pmEvents.filter((e) => eventPasses(e, q)), q, eventKey)
    if (typeof ordered === "string") return sendJson(res, 422, { error: ordered })
    const events = ordered.slice(page.offset, page.offset + page.limit)
    const broken = events.length > 0 && ctx.rest.takeMalformed("/gamma/events")
    return sendJson(res, 200, events.map((e, i) => eventJson(e, broken && i === 0)))
  }
  if (path === "/markets") {
    const page = paging(q)
    if (typeof page === "string") return sendJson(res, 422, { error: page })
    const conds = q.getAll("condition_ids"), tokens = q.getAll("clob_token_ids"), ids = q.getAll("id"), slug = q.get("slug")
    let markets = u.pmMarkets.filter((m) =>
      marketPasses(m, q) &&
      (conds.length === 0 || conds.includes(m.conditionId)) &&
      (tokens.length === 0 || tokens.includes(m.tokenIds[0]) || tokens.includes(m.tokenIds[1])) &&
      (ids.length === 0 || ids.includes(m.id)) &&
      (slug === null || m.slug === slug)
    )
    const ordered = applyOrder(markets, q, marketKey)
    if (typeof ordered === "string") return sendJson(res, 422, { error: ordered })
    markets = ordered.slice(page.offset, page.offset + page.limit)
    const broken = markets.length > 0 && ctx.rest.takeMalformed("/gamma/markets")
    return sendJson(res, 200, markets.map((m, i) => gammaMarketJson(m, u.pmEvents[m.eventIndex]!, broken && i === 0)))
  }
  if (path === "/events/keyset" || path === "/markets/keyset") return gammaKeyset(res, path, q, ctx)
  const one = /^\/(events|markets)\/([^/]+)$/.exec(path)
  if (one !== null) {
    if (one[1] === "events") {
      const e = u.pmEvents.find((x) => x.id === one[2])
      if (e === undefined) return sendJson(res, 404, { type: "not found error", error: "id not found" })
      return sendJson(res, 200, { ...eventHeader(e), markets: e.markets.map((m) => gammaMarketJson(m, null)), tags: e.tags })
    }
    const m = u.pmMarkets.find((x) => x.id === one[2])
    if (m === undefined) return sendJson(res, 404, { type: "not found error", error: "id not found" })
    return sendJson(res, 200, gammaMarketJson(m, u.pmEvents[m.eventIndex]!))
  }
  return sendJson(res, 404, { error: `no such Gamma path: ${path}` })
}

/** One token's book as the CLOB prints it: bids ascending, asks descending (worst first). */
export const clobBookJson = (m: PmMarket, outcome: 0 | 1, book: BinaryBook, nowMs: number): Record<string, unknown> => {
  const { bids, asks } = tokenLevels(outcome, book)
  const assetId = m.tokenIds[outcome]
  return {
    market: m.conditionId,
    asset_id: assetId,
    timestamp: String(nowMs),
    hash: pseudoHash(`${assetId}:${book.step}:${bids.length}:${asks.length}`),
    bids,
    asks,
    min_order_size: "5",
    tick_size: pmPrice(book.tick),
    neg_risk: m.negRisk,
    last_trade_price: book.lastTradePrice === null ? "" : pmPrice(outcome === 0 ? book.lastTradePrice : 1000 - book.lastTradePrice)
  }
}

/** YES levels as stored; NO levels mirrored (NO bid = 1 - YES ask); both worst-first. */
export const tokenLevels = (outcome: 0 | 1, book: BinaryBook): { bids: Array<{ price: string; size: string }>; asks: Array<{ price: string; size: string }> } => {
  const lv = (l: [number, number], mirror: boolean) => ({ price: pmPrice(mirror ? 1000 - l[0] : l[0]), size: pmSize(l[1]) })
  if (outcome === 0) {
    return { bids: book.sortedLevels(BID, "asc").map((l) => lv(l, false)), asks: book.sortedLevels(ASK, "desc").map((l) => lv(l, false)) }
  }
  return { bids: book.sortedLevels(ASK, "desc").map((l) => lv(l, true)), asks: book.sortedLevels(BID, "asc").map((l) => lv(l, true)) }
}

const clobMarketJson = (m: PmMarket, e: PmEvent) => ({
  enable_order_book: m.enableOrderBook,
  active: m.active,
  closed: m.closed,
  archived: m.archived,
  accepting_orders: m.active && !m.closed,
  accepting_order_timestamp: iso(m.startMs),
  minimum_order_size: 5,
  minimum_tick_size: m.tick / 1000,
  condition_id: m.conditionId,
  question_id: m.questionID,
  question: m.question,
  description: m.description,
  market_slug: m.slug,
  end_date_iso: iso(m.endMs),
  game_start_time: null,
  seconds_delay: 0,
  fpmm: "",
  maker_base_fee: 0,
  taker_base_fee: 0,
  notifications_enabled: true,
  neg_risk: m.negRisk,
  neg_risk_market_id: "",
  neg_risk_request_id: "",
  icon: "",
  image: "",
  rewards: { rates: null, min_size: 0, max_spread: 0 },
  is_50_50_outcome: false,
  tokens: m.tokenIds.map((t, i) => ({ token_id: t, outcome: i === 0 ? "Yes" : "No", price: i === 0 ? m.fair / 1000 : 1 - m.fair / 1000, winner: false })),
  tags: e.tags.map((t) => t.label)
})

const encodeCursor = (offset: number): string => Buffer.from(String(offset)).toString("base64")

export const handleClob = async (req: IncomingMessage, res: ServerResponse, path: string, q: URLSearchParams, ctx: PmRestContext): Promise<void> => {
  const u = ctx.engine.universe
  const now = ctx.engine.nowMs()
  const bookOf = (tokenId: string) => {
    const hit = u.pmByToken.get(tokenId)
    if (hit === undefined) return null
    const book = ctx.engine.pmBook(hit.market)
    return book === null ? null : clobBookJson(hit.market, hit.outcome, book, now)
  }
  if (path === "/book" && req.method === "GET") {
    const token = q.get("token_id")
    if (token === null || token === "") return sendJson(res, 400, { error: "Invalid payload" })
    const b = bookOf(token)
    if (b === null) return sendJson(res, 404, { error: "No orderbook exists for the requested token id" })
    return sendJson(res, 200, b)
  }
  if (path === "/books" && req.method === "POST") {
    let body: unknown
    try {
      body = JSON.parse(await readBody(req))
    } catch {
      return sendJson(res, 400, { error: "Invalid payload" })
    }
    if (!Array.isArray(body)) return sendJson(res, 400, { error: "Invalid payload" })
    const out: unknown[] = []
    for (const item of body) {
      const token = typeof item === "object" && item !== null ? (item as { token_id?: unknown }).token_id : undefined
      if (typeof token !== "string") return sendJson(res, 400, { error: "Invalid payload" })
      const b = bookOf(token)
      if (b !== null) out.push(b)
    }
    return sendJson(res, 200, out)
  }
  if (path === "/markets" && req.method === "GET") {
    const cursor = q.get("next_cursor") ?? ""
    if (cursor === CLOB_END_CURSOR) return sendJson(res, 200, { limit: CLOB_PAGE, count: 0, next_cursor: CLOB_END_CURSOR, data: [] })
    const offset = cursor === "" || cursor === "MA==" ? 0 : Number(Buffer.from(cursor, "base64").toString("utf8"))
    if (!Number.isInteger(offset) || offset < 0) return sendJson(res, 400, { error: "invalid next_cursor" })
    const data = u.pmMarkets.slice(offset, offset + CLOB_PAGE).map((m) => clobMarketJson(m, u.pmEvents[m.eventIndex]!))
    const next = offset + CLOB_PAGE >= u.pmMarkets.length ? CLOB_END_CURSOR : encodeCursor(offset + CLOB_PAGE)
    return sendJson(res, 200, { limit: CLOB_PAGE, count: data.length, next_cursor: next, data })
  }
  const one = /^\/markets\/([^/]+)$/.exec(path)
  if (one !== null && req.method === "GET") {
    const m = u.pmByCondition.get(one[1]!)
    if (m === undefined) return sendJson(res, 404, { error: "market not found" })
    return sendJson(res, 200, clobMarketJson(m, u.pmEvents[m.eventIndex]!))
  }
  if ((path === "/tick-size" || path === "/neg-risk") && req.method === "GET") {
    const hit = u.pmByToken.get(q.get("token_id") ?? "")
    if (hit === undefined) return sendJson(res, 404, { error: "market not found" })
    const book = ctx.engine.pmBook(hit.market)
    if (path === "/tick-size") return sendJson(res, 200, { minimum_tick_size: (book?.tick ?? hit.market.tick) / 1000 })
    return sendJson(res, 200, { neg_risk: hit.market.negRisk })
  }
  if (path === "/time" && req.method === "GET") return sendJson(res, 200, Math.floor(now / 1000))
  if (path === "/" && req.method === "GET") return sendJson(res, 200, "OK")
  return sendJson(res, 404, { error: `no such CLOB path: ${req.method} ${path}` })
}
