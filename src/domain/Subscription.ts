import type { Effect } from "effect"

/**
 * The seam between the scheduler (decides WHAT is subscribed) and the collector (HOW it is
 * collected). One instance per venue; implemented by the collector, driven by the scheduler
 * (or by a fixed target when rotation is off / in tests).
 *
 * A subscription is what the venue counts against its limits and what `max_subs` counts:
 * - Polymarket: one CLOB token id (asset id). `key` = token id, `outcomeIds` = [token id].
 * - Kalshi: one market ticker. `key` = ticker, `outcomeIds` = ["yes", "no"].
 */
export type Tier = "hot" | "warm"

/** One subscription a market needs: Polymarket one per token id, Kalshi one per ticker. */
export interface MarketKey {
  readonly key: string
  readonly outcomeIds: ReadonlyArray<string>
}

export interface SubscriptionSpec {
  readonly key: string
  readonly marketId: string
  readonly outcomeIds: ReadonlyArray<string>
  readonly tier: Tier
}

export interface SubscriptionControl {
  /** Add subscriptions (already-subscribed keys only get their tier updated). */
  readonly subscribe: (specs: ReadonlyArray<SubscriptionSpec>) => Effect.Effect<void>
  /** Remove subscriptions; their books are dropped from memory. Unknown keys are ignored. */
  readonly unsubscribe: (keys: ReadonlyArray<string>) => Effect.Effect<void>
  /** Change HOT/WARM membership (snapshot cadence) without touching the venue subscription. */
  readonly setTier: (keys: ReadonlyArray<string>, tier: Tier) => Effect.Effect<void>
  /** What is subscribed now, by key. */
  readonly current: Effect.Effect<ReadonlyMap<string, SubscriptionSpec>>
}
