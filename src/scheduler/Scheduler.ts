import { Clock, Duration, Effect } from "effect"
import type { MarketRecord } from "../domain/Market.js"
import type { MarketKey, SubscriptionControl } from "../domain/Subscription.js"
import type { VenueConfig } from "../config/schema.js"
import type { VenueId } from "../domain/VenueId.js"
import type { MarketActivity } from "../venues/MarketActivity.js"
import { ChurnLimiter } from "./ChurnLimiter.js"
import { planBatch, targetGroups, type TargetGroup } from "./planBatch.js"
import type { FileStore } from "../storage/FileStore.js"
import { makeFileInputs, type InputsView, type SchedulerInputs } from "./SchedulerInputs.js"
import { advanceCursor, computeAllTarget, computeTarget, initialCursor, type RotationCursor, type Target } from "./rotation.js"
import { rankMarkets } from "./scoring.js"

/**
 * The scheduler fiber of one venue (README.md, "Scheduler"): every `rotation_period_secs`
 * it re-reads its inputs (when a newer file appeared), ranks the markets, moves the cursor past
 * what the last window actually subscribed and computes a new HOT + WARM target; between
 * rotations it drives the collector's SubscriptionControl towards that target within the churn
 * limit, waking when churn tokens come back. No state is shared across venues: each call owns
 * its cursor, limiter and caches.
 */

export interface RotationReport {
  readonly venue: VenueId
  /** 1-based count of rotations (with rotation disabled, of periods) */
  readonly rotation: number
  readonly atMs: number
  readonly universeDate: string | null
  readonly statsDate: string | null
  /** markets eligible after dropping closed / closing-soon ones */
  readonly eligible: number
  readonly hotMarkets: ReadonlyArray<string>
  readonly hotSubs: number
  readonly warmSubs: number
  readonly addsApplied: number
  readonly removesApplied: number
  readonly pendingAdds: number
  readonly pendingRemoves: number
  /** where the warm window starts in the warm order, and that order's size */
  readonly cursorIndex: number
  readonly warmOrderSize: number
  readonly pass: number
  /** fraction of eligible markets subscribed at least once in the current pass (HOT included) */
  readonly coveredFrac: number
}

export interface SchedulerOptions {
  readonly venue: VenueId
  readonly venueConfig: Pick<
    VenueConfig,
    "max_subs" | "hot_count" | "rotation_period_secs" | "subscription_churn_limit_per_minute" | "min_hours_until_close"
  > & {
    /** default "rotate" */
    readonly rotation_mode?: VenueConfig["rotation_mode"]
  }
  readonly dataDir: string
  /** the subscriptions a market needs (the venue's `marketKeys`) */
  readonly keysOf: (m: MarketRecord) => ReadonlyArray<MarketKey>
  /** `[rotation] enabled`; false keeps the first non-empty target */
  readonly rotationEnabled: boolean
  readonly control: SubscriptionControl
  /** overrides venueConfig.min_hours_until_close */
  readonly minHoursUntilClose?: number
  /** defaults to the data directory (SchedulerInputs.ts); tests may supply their own */
  readonly inputs?: SchedulerInputs
  /** the command suggested while the venue has no universe, e.g. `surveillance scan --config F --venue V` */
  readonly scanCommand?: string
  /** the venue-wide activity feed (Kalshi firehose): trades since the last rotation rank first */
  readonly activity?: MarketActivity | null
  /** called after each rotation's first batch, after the log line */
  readonly onRotation?: (report: RotationReport) => Effect.Effect<void>
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`

export const runScheduler = (opts: SchedulerOptions): Effect.Effect<never, never, FileStore> =>
  Effect.gen(function*() {
    const { venue, venueConfig: vc, control } = opts
    const periodMs = vc.rotation_period_secs * 1000
    const minHours = opts.minHoursUntilClose ?? vc.min_hours_until_close
    const inputs = opts.inputs ??
      (yield* makeFileInputs({ dataDir: opts.dataDir, venue, ...(opts.scanCommand !== undefined ? { scanCommand: opts.scanCommand } : {}) }))
    const limiter = new ChurnLimiter(vc.subscription_churn_limit_per_minute)
    // all mode holds the whole universe: no max_subs window, and universe changes are not
    // rotation, so they go out whole at the next period instead of 20 a minute
    const allMode = vc.rotation_mode === "all"
    const maxSubs = allMode ? Number.POSITIVE_INFINITY : vc.max_subs

    let cursor: RotationCursor = initialCursor
    let target: Target | null = null
    let groups: ReadonlyArray<TargetGroup> = []
    let view: InputsView = { universe: null, stats: null }
    let eligible = new Set<string>()
    /** window and HOT markets whose every key was live at some point this period */
    const subscribedThisPeriod = new Set<string>()
    /** markets subscribed at least once in the current pass */
    let covered = new Set<string>()
    let rotation = 0
    let addsApplied = 0
    let removesApplied = 0
    let pendingAdds = 0
    let pendingRemoves = 0
    /**
     * Until the first target is reached the collector holds nothing worth keeping, so the fill
     * is not a rotation: it goes out whole (one subscribe per connection) and spends no churn
     * tokens. The churn limit paces what rotation swaps afterwards.
     */
    let filling = true

    const noteSubscribed = (live: ReadonlyMap<string, unknown>) => {
      for (const g of groups) {
        if (subscribedThisPeriod.has(g.marketId)) continue
        if (g.specs.every((s) => live.has(s.key))) {
          subscribedThisPeriod.add(g.marketId)
          covered.add(g.marketId)
        }
      }
    }

    const rotate = (nowMs: number) =>
      Effect.gen(function*() {
        rotation++
        const frozen = !opts.rotationEnabled && target !== null && groups.length > 0
        view = yield* inputs.refresh(nowMs)
        const ranking = rankMarkets({
          keysOf: opts.keysOf,
          markets: view.universe?.markets ?? [],
          stats: view.stats?.byMarket ?? null,
          nowMs,
          minHoursUntilClose: minHours,
          activity: opts.activity?.takeTradeCounts() ?? null
        })
        eligible = new Set(ranking.ranked.map((m) => m.marketId))
        if (allMode) {
          target = computeAllTarget(ranking.ranked, vc.hot_count, cursor)
          groups = targetGroups(target)
          return
        }
        if (frozen && target !== null) {
          // rotation disabled keeps the first target, minus markets that closed since
          const t: Target = target
          const hot = t.hot.filter((m) => eligible.has(m.marketId))
          const warm = t.warm.filter((w) => eligible.has(w.market.marketId))
          const subs = (n: number, m: { readonly keys: ReadonlyArray<unknown> }) => n + m.keys.length
          target = { ...t, hot, warm, hotSubs: hot.reduce(subs, 0), warmSubs: warm.map((w) => w.market).reduce(subs, 0) }
          groups = targetGroups(target)
          return
        }
        if (target !== null) {
          noteSubscribed(yield* control.current)
          const advanced = advanceCursor(
            cursor,
            target.warm,
            (id) => subscribedThisPeriod.has(id) || !eligible.has(id)
          )
          cursor = advanced.cursor
          if (advanced.newPass) covered = new Set(advanced.passedInNewPass)
        }
        target = computeTarget(ranking.ranked, { hotCount: vc.hot_count, maxSubs: vc.max_subs }, cursor)
        if (target.cursor.pass !== cursor.pass) covered = new Set()
        cursor = target.cursor
        groups = targetGroups(target)
        subscribedThisPeriod.clear()
      })

    const applyBatch = (nowMs: number) =>
      Effect.gen(function*() {
        const live = yield* control.current
        const batch = planBatch({
          groups,
          live,
          tokens: filling || allMode ? Number.POSITIVE_INFINITY : limiter.available(nowMs),
          capacity: limiter.capacity,
          maxSubs
        })
        if (batch.toHot.length > 0) yield* control.setTier(batch.toHot, "hot")
        if (batch.toWarm.length > 0) yield* control.setTier(batch.toWarm, "warm")
        if (batch.subscribe.length > 0) yield* control.subscribe(batch.subscribe)
        if (batch.unsubscribe.length > 0) yield* control.unsubscribe(batch.unsubscribe)
        if (!filling && !allMode) limiter.spend(nowMs, batch.subscribe.length + batch.unsubscribe.length)
        else if (groups.length > 0 && batch.pendingAdds === 0) filling = false
        addsApplied += batch.subscribe.length
        removesApplied += batch.unsubscribe.length
        pendingAdds = batch.pendingAdds
        pendingRemoves = batch.pendingRemoves
        if (batch.subscribe.length > 0) noteSubscribed(yield* control.current)
        else noteSubscribed(live)
      })

    const report = (nowMs: number): RotationReport => {
      let coveredEligible = 0
      for (const id of covered) if (eligible.has(id)) coveredEligible++
      return {
        venue,
        rotation,
        atMs: nowMs,
        universeDate: view.universe?.date ?? null,
        statsDate: view.stats?.date ?? null,
        eligible: eligible.size,
        hotMarkets: target?.hot.map((m) => m.marketId) ?? [],
        hotSubs: target?.hotSubs ?? 0,
        warmSubs: target?.warmSubs ?? 0,
        addsApplied,
        removesApplied,
        pendingAdds,
        pendingRemoves,
        cursorIndex: target?.startIndex ?? 0,
        warmOrderSize: target?.warmOrderSize ?? 0,
        pass: cursor.pass,
        coveredFrac: eligible.size === 0 ? 0 : coveredEligible / eligible.size
      }
    }

    const logReport = (r: RotationReport) =>
      Effect.logInfo(
        `scheduler ${venue}: rotation ${r.rotation}: target ${r.hotSubs + r.warmSubs}/${allMode ? "all" : vc.max_subs} subs ` +
          `(hot ${r.hotSubs}, warm ${r.warmSubs}); adds ${r.addsApplied} applied, ${r.pendingAdds} pending; ` +
          `removes ${r.removesApplied} applied, ${r.pendingRemoves} pending; ` +
          `cursor ${r.cursorIndex}/${r.warmOrderSize}; pass ${r.pass} covered ${pct(r.coveredFrac)} of ${r.eligible} markets; ` +
          `scores from ${r.statsDate === null ? "universe hints" : `stats ${r.statsDate}`}` +
          (r.universeDate === null ? "; no universe yet" : `; universe ${r.universeDate}`)
      )

    let nextRotationAt = yield* Clock.currentTimeMillis
    while (true) {
      const nowMs = yield* Clock.currentTimeMillis
      const rotating = nowMs >= nextRotationAt
      if (rotating) {
        yield* rotate(nowMs)
        while (nextRotationAt <= nowMs) nextRotationAt += periodMs
      }
      yield* applyBatch(nowMs)
      if (rotating) {
        const r = report(nowMs)
        yield* logReport(r)
        addsApplied = 0
        removesApplied = 0
        if (opts.onRotation !== undefined) yield* opts.onRotation(r)
      }
      let wakeAt = nextRotationAt
      if (pendingAdds + pendingRemoves > 0) {
        const tokenBack = limiter.nextReturnAt(nowMs)
        if (tokenBack !== null && tokenBack < wakeAt) wakeAt = tokenBack
      }
      // re-read the clock: onRotation or a slow control may have let time pass since nowMs
      const sleepFrom = yield* Clock.currentTimeMillis
      yield* Effect.sleep(Duration.millis(Math.max(0, wakeAt - sleepFrom)))
    }
  }).pipe(Effect.annotateLogs({ component: "scheduler", venue: opts.venue }))
