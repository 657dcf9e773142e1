import type { VenueId } from "../domain/VenueId.js"
import { Rng } from "./rng.js"

/**
 * Fault knobs of the venue simulator. Read this header to drive them.
 *
 * Programmatic API: `handle.faults` (a `FaultControl`). HTTP API: `urls.control` (see control.ts):
 *   GET  {control}/faults                 -> current state (JSON)
 *   GET  {control}/connections            -> open WebSocket connections [{id, venue, subscriptions, framesSent}]
 *   POST {control}/faults  {"action": A, ...args}  -> {"ok": true, "affected": n}
 *     where A is one of the method names below and args are its option fields, e.g.
 *     {"action":"drop","venue":"kalshi","mode":"terminate"}
 *     {"action":"setStream","venue":"polymarket","patch":{"silent":true}}
 *     {"action":"failRest","pathPrefix":"/gamma/events","status":429,"count":2,"retryAfterSec":1}
 *     {"action":"restDown","down":true}   {"action":"gammaRefuseOffset","refuse":true}   {"action":"clear"}
 *   POST {control}/step {"n": 10}        -> advance the market model n ticks (stepping mode)
 *
 * Targets: every stream knob takes an optional target `{ venue?, connId? }`. No target = all
 * connections of both venues. Persistent knobs (`setStream`) apply to open connections AND to
 * connections opened later (a venue-wide patch is remembered; a connId patch lives with that
 * connection). Pass the patch at start with `SimulatorOptions.faults` (`{ polymarket?, kalshi? }`).
 * Connection ids: "pm-1", "pm-2", ... and "k-1", ... in order of acceptance; list them with
 * `handle.connections()`.
 *
 * Persistent stream knobs (`StreamFaults`, set with `setStream(patch, target)`):
 *   silent            no data frames at all, but Polymarket PING->PONG and Kalshi ping control
 *                     frames continue (the "open but deaf" socket, docs/PROTOCOLS.md failure modes)
 *   silentAssets      asset ids (Polymarket) / market tickers (Kalshi) that get no data frames
 *                     while the others on the same socket flow
 *   slowMs            every outbound data frame waits this long (queued, order kept): slow feed
 *   duplicate         every data frame is sent twice
 *   reorder           the frames of one tick for a connection are sent in reverse order
 *   legacyPriceChange Polymarket: the pre-2025-09-15 price_change shape (asset_id + changes[])
 *   arrayFrames       Polymarket: a tick's frames for a connection go out as one JSON array
 *   stallAboveAssets  N > 0: a connection whose subscription grows past N assets (Polymarket token
 *                     ids, Kalshi tickers) stalls at that moment (see `stall`); the subscribe that
 *                     crossed N gets no books. {"action":"setStream","venue":"polymarket","patch":{"stallAboveAssets":250}}
 * Suppressed frames consume no Kalshi seq (the server did not produce them): silence is not a gap.
 *
 * One-shot stream actions (return how many connections were affected):
 *   drop({mode: "close"|"terminate", code?, reason?, ...target})  clean close frame or abrupt TCP reset
 *   malformed({text?, ...target})       one frame that is not valid JSON (default: a truncated
 *                                       `{"event_type":"book","asset_id":` / `{"type":"orderbook_delta","sid":`)
 *   skipSeq({by?, ...target})           Kalshi: the next data frame on every sid skips `by` (default 1) seq numbers
 *   crossedBook({asset?, ...target})    Polymarket: a `book` frame whose best bid >= best ask for one
 *                                       subscribed asset; Kalshi: a delta that crosses YES bids over
 *                                       1 - best NO bid, withdrawn on the next tick
 *   oversized({bytes?, ...target})      one valid JSON data frame of at least `bytes` (default 17 MiB,
 *                                       above the collector's 16 MiB max_frame_bytes) bytes
 *   stall({...target})                  the silent stall: the connection stays open, answers PING with
 *                                       PONG (Polymarket) and keeps its ping frames and command replies
 *                                       (Kalshi), but sends no data frame again until it closes (latched;
 *                                       clear() does not lift it: reconnecting does). Seen on Polymarket
 *                                       for hours at a time. GET {control}/connections shows `stalled`.
 *   customEvent({kind, asset?, ...target})  Polymarket: kind "new_market" | "market_resolved" sends
 *                                       that frame (fixture shapes) about a subscribed market to
 *                                       connections that subscribed with custom_feature_enabled;
 *                                       kind "settlement_preview" sends an array frame mixing a
 *                                       known event with an unknown event_type (any connection)
 *
 * WebSocket upgrade knob:
 *   failUpgrade({venue?, status?, count?, retryAfterSec?})  the next `count` (default 1) upgrade
 *       requests (of that venue, default both) are refused with HTTP `status` (default 429, with
 *       Retry-After): "opening many sockets at once draws HTTP 429 on the upgrade" (docs/PROTOCOLS.md)
 *
 * REST knobs (Gamma, CLOB and Kalshi REST; the control API itself is never affected):
 *   failRest({pathPrefix?, status, count?, fraction?, retryAfterSec?})
 *       requests whose URL path starts with pathPrefix (the full path on the simulator, e.g.
 *       "/gamma/events", "/clob/book", "/trade-api/v2/markets"; default: every REST path) fail with `status`
 *       (429 carries `Retry-After: retryAfterSec`, default 1). `count`: the next N matching requests
 *       (default 1); `fraction`: that share of matching requests (seeded RNG), until cleared.
 *   malformedRecords({pathPrefix?, count?})  the next `count` (default 1) matching list pages carry one
 *       broken record (Gamma: `clobTokenIds` not JSON and no `conditionId`; Kalshi: no `ticker`)
 *   restDown(true|false)  every REST request gets its TCP connection destroyed (connection reset)
 *   gammaRefuseOffset(true|false)  Gamma /events and /markets answer 422 to `offset` > 0, as the
 *       venue does since it moved to keyset paging (/events/keyset, /markets/keyset keep working)
 * clear() resets every knob (stream and REST) to the defaults.
 */

export interface StreamFaults {
  readonly silent: boolean
  readonly silentAssets: ReadonlyArray<string>
  readonly slowMs: number
  readonly duplicate: boolean
  readonly reorder: boolean
  readonly legacyPriceChange: boolean
  readonly arrayFrames: boolean
  /**
   * > 0: a connection that comes to hold more than this many assets (Polymarket token ids; Kalshi
   * market tickers over its ticker subscriptions) stalls silently, as Polymarket sockets above
   * ~200-250 tokens have been seen to: see `stall`
   */
  readonly stallAboveAssets: number
}

export const DEFAULT_STREAM_FAULTS: StreamFaults = {
  silent: false,
  silentAssets: [],
  slowMs: 0,
  duplicate: false,
  reorder: false,
  legacyPriceChange: false,
  arrayFrames: false,
  stallAboveAssets: 0
}

export type CustomEventKind = "new_market" | "market_resolved" | "settlement_preview"

export interface FaultTarget {
  readonly venue?: VenueId
  readonly connId?: string
}

export interface RestFailRule {
  readonly pathPrefix?: string
  readonly status: number
  readonly count?: number
  readonly fraction?: number
  readonly retryAfterSec?: number
}

export interface MalformedRecordsRule {
  readonly pathPrefix?: string
  readonly count?: number
}

export interface FaultControl {
  setStream(patch: Partial<StreamFaults>, target?: FaultTarget): number
  drop(opts?: FaultTarget & { readonly mode?: "close" | "terminate"; readonly code?: number; readonly reason?: string }): number
  malformed(opts?: FaultTarget & { readonly text?: string }): number
  skipSeq(opts?: FaultTarget & { readonly by?: number }): number
  crossedBook(opts?: FaultTarget & { readonly asset?: string }): number
  oversized(opts?: FaultTarget & { readonly bytes?: number }): number
  customEvent(opts: FaultTarget & { readonly kind: CustomEventKind; readonly asset?: string }): number
  stall(opts?: FaultTarget): number
  failRest(rule: RestFailRule): void
  failUpgrade(opts?: { readonly venue?: VenueId; readonly status?: number; readonly count?: number; readonly retryAfterSec?: number }): void
  malformedRecords(rule?: MalformedRecordsRule): void
  restDown(down: boolean): void
  gammaRefuseOffset(refuse: boolean): void
  clear(): void
  state(): FaultState
}

export interface FaultState {
  readonly venueStream: Readonly<Record<VenueId, StreamFaults>>
  readonly restRules: ReadonlyArray<RestFailRule & { remaining: number | null }>
  readonly malformedRules: ReadonlyArray<{ pathPrefix: string; remaining: number }>
  readonly restDown: boolean
  readonly gammaRefuseOffset: boolean
  readonly upgradeFailures: ReadonlyArray<{ venue: VenueId | null; status: number; remaining: number; retryAfterSec: number }>
}

/** The REST side of the knobs: decides, per request, whether and how to fail it. */
export class RestFaults {
  private rules: Array<{ pathPrefix: string; status: number; remaining: number | null; fraction: number | null; retryAfterSec: number }> = []
  private malformed: Array<{ pathPrefix: string; remaining: number }> = []
  down = false
  /** Gamma answers 422 to `offset` > 0 on /events and /markets (clients must use /…/keyset) */
  refuseOffset = false
  private readonly rng: Rng

  constructor(seed: number) {
    this.rng = Rng.derive(seed, "rest-faults")
  }

  addFail(rule: RestFailRule): void {
    const fraction = rule.fraction ?? null
    this.rules.push({
      pathPrefix: rule.pathPrefix ?? "",
      status: rule.status,
      remaining: fraction === null ? (rule.count ?? 1) : null,
      fraction,
      retryAfterSec: rule.retryAfterSec ?? 1
    })
  }

  addMalformed(rule: MalformedRecordsRule): void {
    this.malformed.push({ pathPrefix: rule.pathPrefix ?? "", remaining: rule.count ?? 1 })
  }

  /** the failure to answer with, if any (consumes a counted rule) */
  failureFor(path: string): { status: number; retryAfterSec: number } | null {
    for (const r of this.rules) {
      if (!path.startsWith(r.pathPrefix)) continue
      if (r.remaining !== null) {
        if (r.remaining <= 0) continue
        r.remaining--
        return { status: r.status, retryAfterSec: r.retryAfterSec }
      }
      if (r.fraction !== null && this.rng.next() < r.fraction) return { status: r.status, retryAfterSec: r.retryAfterSec }
    }
    return null
  }

  /** whether this list page must carry a broken record (consumes the rule) */
  takeMalformed(path: string): boolean {
    for (const r of this.malformed) {
      if (r.remaining > 0 && path.startsWith(r.pathPrefix)) {
        r.remaining--
        return true
      }
    }
    return false
  }

  clear(): void {
    this.rules = []
    this.malformed = []
    this.down = false
    this.refuseOffset = false
  }

  describe(): Pick<FaultState, "restRules" | "malformedRules" | "restDown" | "gammaRefuseOffset"> {
    return {
      restRules: this.rules.map((r) => ({ pathPrefix: r.pathPrefix, status: r.status, remaining: r.remaining, ...(r.fraction === null ? {} : { fraction: r.fraction }), retryAfterSec: r.retryAfterSec })),
      malformedRules: this.malformed.map((m) => ({ ...m })),
      restDown: this.down,
      gammaRefuseOffset: this.refuseOffset
    }
  }
}

export const mergeStreamFaults = (base: StreamFaults, patch: Partial<StreamFaults> | undefined): StreamFaults =>
  patch === undefined ? base : { ...base, ...patch }
