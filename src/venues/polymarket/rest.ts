import { Effect, Either, Schema } from "effect"
import type { MarketRecord } from "../../domain/Market.js"
import { fetchJson, type FetchJsonOptions, VenueHttpError } from "../http.js"
import { type Discovery, DiscoveryTally, isoToMs, isRecord, toNumberOrNull } from "../Discovery.js"

/**
 * Polymarket discovery through Gamma `GET /events?closed=false` (PROTOCOLS.md, Gamma REST):
 * events carry their markets, so one pass over events yields every live market.
 *
 * Page size 500: Gamma caps `/events` at 500 results per request (pmxt-dev/pmxt#37,
 * Feb 2026: "hard limit of 500 results per request"; NautilusTrader's Gamma client docs:
 * "/events/keyset accepts at most 500 items per page"). Because Gamma has also been seen
 * to cap pages silently below the requested limit (nautechsystems/nautilus_trader#4086,
 * for /markets), the offset advances by what was received and paging stops on an empty
 * page, never on a "short" one. `order=id&ascending=true` keeps offsets stable while new
 * events are created during the scan (they sort last).
 */
export const GAMMA_EVENTS_PAGE_LIMIT = 500

/** Fields we use; everything else Gamma sends is ignored. JSON-string fields stay strings here. */
const GammaMarket = Schema.Struct({
  conditionId: Schema.String.pipe(Schema.minLength(1)),
  question: Schema.optional(Schema.NullOr(Schema.String)),
  slug: Schema.optional(Schema.NullOr(Schema.String)),
  endDate: Schema.optional(Schema.NullOr(Schema.String)),
  active: Schema.optional(Schema.NullOr(Schema.Boolean)),
  closed: Schema.optional(Schema.NullOr(Schema.Boolean)),
  archived: Schema.optional(Schema.NullOr(Schema.Boolean)),
  enableOrderBook: Schema.optional(Schema.NullOr(Schema.Boolean)),
  /** a JSON-encoded array of token id strings, e.g. "[\"4123...\",\"9876...\"]" */
  clobTokenIds: Schema.optional(Schema.NullOr(Schema.String)),
  /** a JSON-encoded array of labels in the same order as clobTokenIds */
  outcomes: Schema.optional(Schema.NullOr(Schema.String)),
  volumeNum: Schema.optional(Schema.NullOr(Schema.Number)),
  volume: Schema.optional(Schema.NullOr(Schema.Union(Schema.String, Schema.Number))),
  liquidityNum: Schema.optional(Schema.NullOr(Schema.Number)),
  liquidity: Schema.optional(Schema.NullOr(Schema.Union(Schema.String, Schema.Number))),
  orderPriceMinTickSize: Schema.optional(Schema.NullOr(Schema.Number))
})
type GammaMarket = typeof GammaMarket.Type

const GammaEvent = Schema.Struct({
  id: Schema.Union(Schema.String, Schema.Number),
  title: Schema.optional(Schema.NullOr(Schema.String)),
  markets: Schema.optional(Schema.NullOr(Schema.Array(Schema.Unknown))),
  tags: Schema.optional(Schema.NullOr(Schema.Array(Schema.Unknown)))
})
type GammaEvent = typeof GammaEvent.Type

const decodeMarket = Schema.decodeUnknownEither(GammaMarket)
const decodeEvent = Schema.decodeUnknownEither(GammaEvent)

/** `"[\"a\",\"b\"]"` -> ["a","b"]; null when it is not a JSON array of strings. */
export const parseJsonStringArray = (text: string | null | undefined): string[] | null => {
  if (text === null || text === undefined || text === "") return null
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return null
  }
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) return null
  return value as string[]
}

const marketStatus = (m: GammaMarket): string =>
  m.closed === true ? "closed" : m.archived === true ? "archived" : m.active === false ? "inactive" : "active"

const eventTags = (event: GammaEvent): string[] => {
  const out: string[] = []
  for (const tag of event.tags ?? []) {
    if (isRecord(tag) && typeof tag["label"] === "string") out.push(tag["label"])
    else if (typeof tag === "string") out.push(tag)
  }
  return out
}

export type PolymarketMapping =
  | { readonly _tag: "record"; readonly record: MarketRecord }
  | { readonly _tag: "skip"; readonly reason: "no_orderbook" | "no_token_ids" }
  | { readonly _tag: "malformed" }

/** One Gamma market (inside its event) -> universe record, or why it is not one. */
export const polymarketRecord = (raw: unknown, event: GammaEvent | null): PolymarketMapping => {
  const decoded = decodeMarket(raw)
  if (Either.isLeft(decoded)) return { _tag: "malformed" }
  const m = decoded.right
  if (m.enableOrderBook === false) return { _tag: "skip", reason: "no_orderbook" }
  if (m.clobTokenIds === null || m.clobTokenIds === undefined || m.clobTokenIds === "") {
    return { _tag: "skip", reason: "no_token_ids" }
  }
  const tokenIds = parseJsonStringArray(m.clobTokenIds)
  if (tokenIds === null) return { _tag: "malformed" }
  if (tokenIds.length === 0) return { _tag: "skip", reason: "no_token_ids" }
  const labels = parseJsonStringArray(m.outcomes)
  // labels pair with token ids by position; a mismatch means we cannot name the outcomes
  if (labels === null || labels.length !== tokenIds.length) return { _tag: "malformed" }
  const title = m.question ?? event?.title ?? null
  if (title === null || title === "") return { _tag: "malformed" }
  return {
    _tag: "record",
    record: {
      market_id: m.conditionId,
      title,
      outcome_ids: tokenIds,
      outcomes: labels,
      close_ts: isoToMs(m.endDate),
      status: marketStatus(m),
      tags: event === null ? [] : eventTags(event),
      token_ids: tokenIds,
      event_id: event === null ? null : String(event.id),
      slug: m.slug ?? null,
      volume: m.volumeNum ?? toNumberOrNull(m.volume),
      liquidity: m.liquidityNum ?? toNumberOrNull(m.liquidity),
      tick_size: m.orderPriceMinTickSize ?? null
    }
  }
}

/** Add one page of events (the parsed body) to the tally; returns events new to this scan. */
export const addEventsPage = (page: ReadonlyArray<unknown>, tally: DiscoveryTally, seenEvents: Set<string>): number => {
  let fresh = 0
  for (const rawEvent of page) {
    const decoded = decodeEvent(rawEvent)
    if (Either.isLeft(decoded)) {
      tally.bad(rawEvent)
      continue
    }
    const event = decoded.right
    const eventId = String(event.id)
    if (seenEvents.has(eventId)) continue
    seenEvents.add(eventId)
    fresh++
    for (const rawMarket of event.markets ?? []) {
      const mapped = polymarketRecord(rawMarket, event)
      if (mapped._tag === "record") tally.add(mapped.record)
      else if (mapped._tag === "skip") tally.skip(mapped.reason)
      else tally.bad(rawMarket)
    }
  }
  return fresh
}

/** Gamma answers a bare array or `{ "data": [...] }` (PROTOCOLS.md). */
export const eventsOfPage = (body: unknown): ReadonlyArray<unknown> | null => {
  if (Array.isArray(body)) return body
  if (isRecord(body) && Array.isArray(body["data"])) return body["data"]
  return null
}

export interface PolymarketDiscoveryOptions {
  readonly restUrl: string
  readonly http: FetchJsonOptions
  readonly pageLimit?: number
}

/**
 * Legacy offset paging (PROTOCOLS.md; what the simulator serves). Polymarket announced that
 * offset paging gives way to `/events/keyset` (valory-xyz/trader#931 citing the Apr 10, 2026
 * changelog; Gamma answers 422 to a refused offset, nautechsystems/nautilus_trader#4086), so
 * a 404/410/422 on the offset path switches to keyset paging from the start.
 */
const discoverByOffset = (opts: PolymarketDiscoveryOptions, base: string, limit: number) =>
  Effect.gen(function* () {
    const tally = new DiscoveryTally()
    const seenEvents = new Set<string>()
    let offset = 0
    for (;;) {
      const url = `${base}/events?closed=false&order=id&ascending=true&limit=${limit}&offset=${offset}`
      const body = yield* fetchJson(url, opts.http)
      const events = eventsOfPage(body)
      if (events === null) return yield* Effect.fail(shapeError(url, "an array of events"))
      tally.pages++
      if (events.length === 0) break
      const fresh = addEventsPage(events, tally, seenEvents)
      // a server that ignores offset would otherwise be paged forever
      if (fresh === 0) break
      offset += events.length
    }
    return tally.result()
  })

/** `GET /events/keyset?closed=false&limit=L&after_cursor=C` -> `{ events, next_cursor }`; last page has no next_cursor. */
const discoverByKeyset = (opts: PolymarketDiscoveryOptions, base: string, limit: number) =>
  Effect.gen(function* () {
    const tally = new DiscoveryTally()
    const seenEvents = new Set<string>()
    const seenCursors = new Set<string>()
    let cursor = ""
    for (;;) {
      const url = `${base}/events/keyset?closed=false&limit=${limit}${cursor === "" ? "" : `&after_cursor=${encodeURIComponent(cursor)}`}`
      const body = yield* fetchJson(url, opts.http)
      const events = isRecord(body) && Array.isArray(body["events"]) ? body["events"] : null
      if (events === null) return yield* Effect.fail(shapeError(url, "{ events: [...], next_cursor }"))
      tally.pages++
      addEventsPage(events, tally, seenEvents)
      const next = isRecord(body) && typeof body["next_cursor"] === "string" ? body["next_cursor"] : ""
      if (next === "" || events.length === 0 || seenCursors.has(next)) break
      seenCursors.add(next)
      cursor = next
    }
    return tally.result()
  })

const shapeError = (url: string, expected: string) =>
  new VenueHttpError({ url, host: new URL(url).host, status: 200, attempts: 1, message: `GET ${url}: expected ${expected}` })

const OFFSET_REFUSED = new Set([404, 410, 422])

export const discoverPolymarket = (opts: PolymarketDiscoveryOptions): Effect.Effect<Discovery, VenueHttpError> => {
  const limit = opts.pageLimit ?? GAMMA_EVENTS_PAGE_LIMIT
  const base = opts.restUrl.replace(/\/+$/, "")
  return discoverByOffset(opts, base, limit).pipe(
    Effect.catchIf(
      (e) => e.status !== null && OFFSET_REFUSED.has(e.status),
      (e) =>
        Effect.zipRight(
          Effect.logWarning(`polymarket: offset paging refused (${e.message}); switching to /events/keyset`),
          discoverByKeyset(opts, base, limit)
        )
    )
  )
}
