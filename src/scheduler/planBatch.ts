import type { SubscriptionSpec, Tier } from "../domain/Subscription.js"
import type { Target } from "./rotation.js"
import type { RankedMarket } from "./scoring.js"

/**
 * From a target and what is live now, the next batch of subscription commands. Pure.
 *
 * The pending work is never stored: it is recomputed from (target, live) at every step, so a
 * newer target simply replaces older pending diffs and pending work is bounded by
 * |target| + |live| (both <= max_subs plus one batch).
 *
 * A batch spends at most `tokens` changes. Adds go first (HOT in rank order, then WARM in
 * window order, whole markets at a time so the cursor's "subscribed prefix" is well defined),
 * and the live set may not end the batch above `maxSubs`: an add beyond the headroom is paid
 * for with a remove in the same batch. Tokens left after the adds remove stale subscriptions.
 * The caller subscribes first, then unsubscribes (DESIGN section 8). Tier changes of keys
 * already live are free: they change snapshot cadence, not the venue subscription.
 */

/** Ordered target subscriptions, grouped by market: HOT in rank order, then the WARM window. */
export interface TargetGroup {
  readonly marketId: string
  readonly specs: ReadonlyArray<SubscriptionSpec>
}

const groupOf = (m: RankedMarket, tier: Tier): TargetGroup => ({
  marketId: m.marketId,
  specs: m.keys.map((k) => ({ key: k.key, marketId: m.marketId, outcomeIds: k.outcomeIds, tier }))
})

export const targetGroups = (target: Target): ReadonlyArray<TargetGroup> => [
  ...target.hot.map((m) => groupOf(m, "hot")),
  ...target.warm.map((w) => groupOf(w.market, "warm"))
]

export interface Batch {
  readonly subscribe: ReadonlyArray<SubscriptionSpec>
  readonly unsubscribe: ReadonlyArray<string>
  readonly toHot: ReadonlyArray<string>
  readonly toWarm: ReadonlyArray<string>
  /** adds / removes still needed after this batch */
  readonly pendingAdds: number
  readonly pendingRemoves: number
}

export const planBatch = (opts: {
  readonly groups: ReadonlyArray<TargetGroup>
  readonly live: ReadonlyMap<string, SubscriptionSpec>
  readonly tokens: number
  /** the limiter's capacity: a market needing more than this is the only one split */
  readonly capacity: number
  readonly maxSubs: number
}): Batch => {
  const { groups, live, maxSubs } = opts
  const targetKeys = new Set<string>()
  const toHot: Array<string> = []
  const toWarm: Array<string> = []
  const missing: Array<ReadonlyArray<SubscriptionSpec>> = []
  let missingCount = 0
  for (const g of groups) {
    const absent: Array<SubscriptionSpec> = []
    for (const spec of g.specs) {
      targetKeys.add(spec.key)
      const cur = live.get(spec.key)
      if (cur === undefined) absent.push(spec)
      else if (cur.tier !== spec.tier) (spec.tier === "hot" ? toHot : toWarm).push(spec.key)
    }
    if (absent.length > 0) {
      missing.push(absent)
      missingCount += absent.length
    }
  }
  const stale: Array<string> = []
  for (const key of live.keys()) if (!targetKeys.has(key)) stale.push(key)

  let tokens = Math.max(0, Math.floor(Math.min(opts.tokens, Number.MAX_SAFE_INTEGER)))
  const headroom = maxSubs - live.size
  const subscribe: Array<SubscriptionSpec> = []
  let removesNeeded = 0
  for (const absent of missing) {
    const n = absent.length
    const needRemoves = Math.max(0, subscribe.length + n - headroom)
    const extraRemoves = needRemoves - removesNeeded
    if (n + extraRemoves <= tokens && needRemoves <= stale.length) {
      subscribe.push(...absent)
      tokens -= n + extraRemoves
      removesNeeded = needRemoves
      continue
    }
    if (n <= opts.capacity) break
    // A market with more subscriptions than the whole budget could never go in whole:
    // take what fits rather than stall forever (only with tiny churn limits).
    for (const spec of absent) {
      const need = Math.max(0, subscribe.length + 1 - headroom)
      const extra = need - removesNeeded
      if (1 + extra > tokens || need > stale.length) break
      subscribe.push(spec)
      tokens -= 1 + extra
      removesNeeded = need
    }
    break
  }
  const removeCount = Math.min(stale.length, removesNeeded + tokens)
  const unsubscribe = stale.slice(0, removeCount)
  return {
    subscribe,
    unsubscribe,
    toHot,
    toWarm,
    pendingAdds: missingCount - subscribe.length,
    pendingRemoves: stale.length - removeCount
  }
}
