import { describe, expect, it } from "vitest"
import type { SubscriptionSpec, Tier } from "../../src/domain/Subscription.js"
import { planBatch, type TargetGroup } from "../../src/scheduler/planBatch.js"

const group = (marketId: string, tier: Tier, subs = 1): TargetGroup => ({
  marketId,
  specs: Array.from({ length: subs }, (_, k) => ({ key: `${marketId}/${k}`, marketId, outcomeIds: [`${marketId}/${k}`], tier }))
})
const liveOf = (groups: ReadonlyArray<TargetGroup>): Map<string, SubscriptionSpec> =>
  new Map(groups.flatMap((g) => g.specs.map((s) => [s.key, s] as const)))

describe("planBatch", () => {
  it("adds HOT first, then WARM in window order, within the tokens", () => {
    const groups = [group("h1", "hot"), group("h2", "hot"), group("w1", "warm"), group("w2", "warm")]
    const b = planBatch({ groups, live: new Map(), tokens: 3, capacity: 20, maxSubs: 10 })
    expect(b.subscribe.map((s) => s.key)).toEqual(["h1/0", "h2/0", "w1/0"])
    expect([b.pendingAdds, b.pendingRemoves, b.unsubscribe.length]).toEqual([1, 0, 0])
  })

  it("never ends a batch above max_subs: adds beyond the headroom are paid with removes", () => {
    const old = [group("o1", "warm"), group("o2", "warm"), group("o3", "warm"), group("o4", "warm")]
    const groups = [group("n1", "warm"), group("n2", "warm"), group("n3", "warm"), group("n4", "warm")]
    const b = planBatch({ groups, live: liveOf(old), tokens: 5, capacity: 20, maxSubs: 4 })
    // 2 adds + 2 removes fit in 5 tokens; the 5th token cannot buy an add (it needs a remove too)
    // and is spent on a remove of a stale subscription
    expect(b.subscribe.map((s) => s.key)).toEqual(["n1/0", "n2/0"])
    expect(b.unsubscribe).toEqual(["o1/0", "o2/0", "o3/0"])
    expect([b.pendingAdds, b.pendingRemoves]).toEqual([2, 1])
  })

  it("keeps a Polymarket market's two tokens in one batch unless the budget can never hold them", () => {
    const groups = [group("a", "hot", 2), group("b", "hot", 2)]
    const b = planBatch({ groups, live: new Map(), tokens: 3, capacity: 20, maxSubs: 10 })
    expect(b.subscribe.map((s) => s.key)).toEqual(["a/0", "a/1"])
    const tiny = planBatch({ groups, live: new Map(), tokens: 1, capacity: 1, maxSubs: 10 })
    expect(tiny.subscribe.map((s) => s.key)).toEqual(["a/0"])
  })

  it("tier changes of live keys are free and reported separately", () => {
    const live = liveOf([group("a", "warm"), group("b", "hot")])
    const b = planBatch({ groups: [group("a", "hot"), group("b", "warm")], live, tokens: 0, capacity: 20, maxSubs: 10 })
    expect([b.toHot, b.toWarm, b.subscribe.length, b.unsubscribe.length]).toEqual([["a/0"], ["b/0"], 0, 0])
  })

  it("a newer target replaces pending work instead of queueing behind it", () => {
    const live = liveOf([group("x", "warm")])
    const first = planBatch({ groups: [group("a", "warm"), group("b", "warm")], live, tokens: 0, capacity: 20, maxSubs: 10 })
    expect([first.pendingAdds, first.pendingRemoves]).toEqual([2, 1])
    const newer = planBatch({ groups: [group("x", "warm")], live, tokens: 0, capacity: 20, maxSubs: 10 })
    expect([newer.pendingAdds, newer.pendingRemoves]).toEqual([0, 0])
  })
})
