import { Clock, Effect } from "effect"
import type { SubscriptionControl, SubscriptionSpec, Tier } from "../../src/domain/Subscription.js"

/**
 * A SubscriptionControl that records every command with its Clock time (TestClock in tests)
 * and keeps the live set exactly as the contract says a collector would: subscribe adds (an
 * already-live key only gets its tier updated), unsubscribe removes (unknown keys ignored),
 * setTier changes the tier of live keys.
 */
export type FakeCommand =
  | { readonly atMs: number; readonly op: "subscribe"; readonly specs: ReadonlyArray<SubscriptionSpec> }
  | { readonly atMs: number; readonly op: "unsubscribe"; readonly keys: ReadonlyArray<string> }
  | { readonly atMs: number; readonly op: "setTier"; readonly keys: ReadonlyArray<string>; readonly tier: Tier }

/** One change of the live set: a key that became live or stopped being live. */
export interface LiveChange {
  readonly atMs: number
  readonly key: string
  readonly kind: "added" | "removed"
}

export interface FakeSubscriptionControl {
  readonly control: SubscriptionControl
  readonly commands: Array<FakeCommand>
  readonly changes: Array<LiveChange>
  readonly live: Map<string, SubscriptionSpec>
  /** every key that was live at some moment */
  readonly everLive: Set<string>
  /** the largest live-set size ever seen (after each command) */
  readonly maxLiveSize: () => number
  readonly keysOfTier: (tier: Tier) => Array<string>
}

export const makeFakeSubscriptionControl = (): FakeSubscriptionControl => {
  const commands: Array<FakeCommand> = []
  const changes: Array<LiveChange> = []
  const live = new Map<string, SubscriptionSpec>()
  const everLive = new Set<string>()
  let maxLive = 0

  const control: SubscriptionControl = {
    subscribe: (specs) =>
      Effect.gen(function*() {
        const atMs = yield* Clock.currentTimeMillis
        commands.push({ atMs, op: "subscribe", specs: [...specs] })
        for (const spec of specs) {
          if (!live.has(spec.key)) changes.push({ atMs, key: spec.key, kind: "added" })
          everLive.add(spec.key)
          live.set(spec.key, spec)
        }
        maxLive = Math.max(maxLive, live.size)
      }),
    unsubscribe: (keys) =>
      Effect.gen(function*() {
        const atMs = yield* Clock.currentTimeMillis
        commands.push({ atMs, op: "unsubscribe", keys: [...keys] })
        for (const key of keys) {
          if (live.delete(key)) changes.push({ atMs, key, kind: "removed" })
        }
      }),
    setTier: (keys, tier) =>
      Effect.gen(function*() {
        const atMs = yield* Clock.currentTimeMillis
        commands.push({ atMs, op: "setTier", keys: [...keys], tier })
        for (const key of keys) {
          const spec = live.get(key)
          if (spec !== undefined) live.set(key, { ...spec, tier })
        }
      }),
    current: Effect.sync(() => new Map(live))
  }

  return {
    control,
    commands,
    changes,
    live,
    everLive,
    maxLiveSize: () => maxLive,
    keysOfTier: (tier) => [...live.values()].filter((s) => s.tier === tier).map((s) => s.key)
  }
}
