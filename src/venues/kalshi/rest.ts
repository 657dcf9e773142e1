import { Effect, Either, Schema, Stream } from "effect"
import type { MarketRecord } from "../../domain/Market.js"
import { fetchJson, type FetchJsonOptions, VenueHttpError } from "../http.js"
import { DiscoveryPage, isoToMs, isRecord, toNumberOrNull } from "../Discovery.js"
import { cursorPages } from "../paging.js"

/**
 * Kalshi discovery: `GET /markets?status=open&mve_filter=exclude&limit=1000&cursor=C` until the cursor comes
 * back empty (docs/PROTOCOLS.md, Kalshi REST v2; 1000 is the documented maximum `limit`).
 * Market data is public: no credentials. `status=open` returns markets whose status reads
 * "active"; anything else that slips through is dropped by the filters.
 */
export const KALSHI_MARKETS_PAGE_LIMIT = 1000
/** `/events` allows at most 200 per page (Kalshi API reference, GetEvents `limit`). */
export const KALSHI_EVENTS_PAGE_LIMIT = 200

const NumberLike = Schema.Union(Schema.String, Schema.Number)

/** Fields we use (OpenAPI 3.30 names, plus the older integer-cent ones). */
const KalshiMarket = Schema.Struct({
  ticker: Schema.String.pipe(Schema.minLength(1)),
  event_ticker: Schema.optional(Schema.NullOr(Schema.String)),
  title: Schema.optional(Schema.NullOr(Schema.String)),
  yes_sub_title: Schema.optional(Schema.NullOr(Schema.String)),
  no_sub_title: Schema.optional(Schema.NullOr(Schema.String)),
  close_time: Schema.optional(Schema.NullOr(Schema.String)),
  status: Schema.String,
  volume_fp: Schema.optional(Schema.NullOr(NumberLike)),
  volume: Schema.optional(Schema.NullOr(NumberLike)),
  liquidity_dollars: Schema.optional(Schema.NullOr(NumberLike)),
  /** older responses: cents */
  liquidity: Schema.optional(Schema.NullOr(NumberLike)),
  /** older responses: tick in cents */
  tick_size: Schema.optional(Schema.NullOr(NumberLike)),
  price_ranges: Schema.optional(Schema.NullOr(Schema.Array(Schema.Unknown))),
  category: Schema.optional(Schema.NullOr(Schema.String))
})
type KalshiMarket = typeof KalshiMarket.Type

const decodeMarket = Schema.decodeUnknownEither(KalshiMarket)

/** Smallest `step` of `price_ranges` (dollar strings), else legacy `tick_size` cents, else 1 cent. */
const tickSize = (m: KalshiMarket): number => {
  let best: number | null = null
  for (const range of m.price_ranges ?? []) {
    const step = isRecord(range) ? toNumberOrNull(range["step"]) : null
    if (step !== null && step > 0 && (best === null || step < best)) best = step
  }
  if (best !== null) return best
  const cents = toNumberOrNull(m.tick_size)
  return cents !== null && cents > 0 ? cents / 100 : 0.01
}

const liquidity = (m: KalshiMarket): number | null => {
  const dollars = toNumberOrNull(m.liquidity_dollars)
  if (dollars !== null) return dollars
  const cents = toNumberOrNull(m.liquidity)
  return cents === null ? null : cents / 100
}

const nonEmpty = (s: string | null | undefined): string | null => (s === null || s === undefined || s === "" ? null : s)

export const kalshiRecord = (raw: unknown): MarketRecord | null => {
  const decoded = decodeMarket(raw)
  if (Either.isLeft(decoded)) return null
  const m = decoded.right
  return {
    market_id: m.ticker,
    title: m.title ?? m.yes_sub_title ?? m.ticker,
    outcome_ids: ["yes", "no"],
    // the venue's own outcome labels when it gives them (e.g. "Above 100k"), else Yes/No
    outcomes: [nonEmpty(m.yes_sub_title) ?? "Yes", nonEmpty(m.no_sub_title) ?? "No"],
    close_ts: isoToMs(m.close_time),
    status: m.status,
    // markets carry no category in the current API; the /events pass fills it in
    tags: nonEmpty(m.category) === null ? [] : [m.category as string],
    token_ids: [],
    event_id: m.event_ticker ?? null,
    slug: null,
    // prefer the fixed-point string (current) over the integer field (older)
    volume: toNumberOrNull(m.volume_fp) ?? toNumberOrNull(m.volume),
    liquidity: liquidity(m),
    tick_size: tickSize(m)
  }
}

export interface KalshiDiscoveryOptions {
  readonly restUrl: string
  readonly http: FetchJsonOptions
  readonly pageLimit?: number
}

const cursorParam = (cursor: string): string => (cursor === "" ? "" : `&cursor=${encodeURIComponent(cursor)}`)
const cursorOf = (body: unknown): string => (isRecord(body) && typeof body["cursor"] === "string" ? body["cursor"] : "")

const marketPages = (base: string, opts: KalshiDiscoveryOptions): Stream.Stream<DiscoveryPage, VenueHttpError> => {
  const limit = opts.pageLimit ?? KALSHI_MARKETS_PAGE_LIMIT
  return cursorPages((cursor) =>
    Effect.gen(function* () {
      // mve_filter=exclude: multivariate combos are over 90 % of the listing and have no books
      const url = `${base}/markets?status=open&mve_filter=exclude&limit=${limit}${cursorParam(cursor)}`
      const body = yield* fetchJson(url, opts.http)
      const markets = isRecord(body) && Array.isArray(body["markets"]) ? body["markets"] : null
      if (markets === null) {
        return yield* Effect.fail(
          new VenueHttpError({ url, host: new URL(url).host, status: 200, attempts: 1, message: `GET ${url}: expected { markets: [...], cursor }` })
        )
      }
      const page = new DiscoveryPage()
      for (const raw of markets) {
        const record = kalshiRecord(raw)
        if (record === null) page.bad(raw)
        else page.add(record)
      }
      return { page, next: cursorOf(body), empty: markets.length === 0 }
    }))
}

/** `/events` pages carrying only event -> category (a body without `events` counts as empty). */
const eventCategoryPages = (base: string, opts: KalshiDiscoveryOptions): Stream.Stream<DiscoveryPage, VenueHttpError> =>
  cursorPages((cursor) =>
    Effect.map(fetchJson(`${base}/events?status=open&limit=${KALSHI_EVENTS_PAGE_LIMIT}${cursorParam(cursor)}`, opts.http), (body) => {
      const events = isRecord(body) && Array.isArray(body["events"]) ? body["events"] : []
      const page = new DiscoveryPage()
      for (const e of events) {
        if (isRecord(e) && typeof e["event_ticker"] === "string" && typeof e["category"] === "string") {
          page.eventCategories.set(e["event_ticker"], e["category"])
        }
      }
      return { page, next: cursorOf(body), empty: events.length === 0 }
    }))

/**
 * Every open Kalshi market, one page per request, then the event categories that tag them.
 * Categories live on events, not markets: one cheap extra pass (200 events a page), made
 * only once the markets are listed, so an unreachable venue costs one retry budget, not
 * two. Optional: if it fails the universe is still written, the markets it did not reach
 * untagged.
 */
export const kalshiDiscoveryPages = (opts: KalshiDiscoveryOptions): Stream.Stream<DiscoveryPage, VenueHttpError> => {
  const base = opts.restUrl.replace(/\/+$/, "")
  const categories = eventCategoryPages(base, opts).pipe(
    Stream.catchAll((e) =>
      Stream.drain(Stream.fromEffect(
        Effect.logWarning(`kalshi: event categories unavailable, the markets they did not reach left untagged: ${e.message}`)
      ))
    )
  )
  return Stream.concat(marketPages(base, opts), categories)
}
