import { describe, expect, it } from "vitest"
import { advanceCursor, computeTarget, initialCursor, selectHot, warmWindow } from "../../src/scheduler/rotation.js"
import type { RankedMarket } from "../../src/scheduler/scoring.js"

const market = (id: string, score: number, subs = 1): RankedMarket => ({
  marketId: id,
  keys: Array.from({ length: subs }, (_, k) => ({ key: `${id}/${k}`, outcomeIds: [`${id}/${k}`] })),
  score,
  source: "hints",
  group: 1
})

const ids = (xs: ReadonlyArray<{ market: RankedMarket }>) => xs.map((x) => x.market.marketId)

describe("rotation", () => {
  it("HOT is the ranked prefix of whole markets that fits hot_count", () => {
    const ranked = [market("a", 9, 2), market("b", 8, 2), market("c", 7, 2), market("d", 6, 1)]
    const h = selectHot(ranked, 5)
    expect(h.hot.map((m) => m.marketId)).toEqual(["a", "b"])
    expect(h.hotSubs).toBe(4)
    // "d" would fit the 5th slot but is not in the top: HOT never skips a better market
    expect(h.rest.map((m) => m.marketId)).toEqual(["c", "d"])
  })

  it("warm window walks market ids from the cursor and wraps once into the next pass", () => {
    const order = ["a", "b", "c", "d", "e"].map((id) => market(id, 0))
    const w1 = warmWindow(order, initialCursor, 2)
    expect([ids(w1.items), w1.startIndex]).toEqual([["a", "b"], 0])
    const w2 = warmWindow(order, { after: "d", pass: 1 }, 3)
    expect(ids(w2.items)).toEqual(["e", "a", "b"])
    expect(w2.items.map((i) => i.nextPass)).toEqual([false, true, true])
    const w3 = warmWindow(order, { after: "e", pass: 1 }, 10)
    expect(ids(w3.items)).toEqual(["a", "b", "c", "d", "e"])
    expect(w3.items.every((i) => i.nextPass)).toBe(true)
    // a cursor id that left the universe: start at the next id after it
    expect(ids(warmWindow(order, { after: "bb", pass: 1 }, 1).items)).toEqual(["c"])
  })

  it("cursor advances past exactly the subscribed prefix of the window", () => {
    const order = ["a", "b", "c", "d", "e"].map((id) => market(id, 0))
    const w = warmWindow(order, { after: "c", pass: 1 }, 4).items // d e | a b
    const partial = advanceCursor({ after: "c", pass: 1 }, w, (id) => id === "d" || id === "a")
    expect(partial).toMatchObject({ cursor: { after: "d", pass: 1 }, passed: ["d"], newPass: false })
    const full = advanceCursor({ after: "c", pass: 1 }, w, () => true)
    expect(full).toMatchObject({ cursor: { after: "b", pass: 2 }, passed: ["d", "e", "a", "b"], newPass: true, passedInNewPass: ["a", "b"] })
  })

  it("one full pass over 4960 warm markets takes ceil(4960/160) windows", () => {
    const ranked = Array.from({ length: 5000 }, (_, i) => market(`m${String(i).padStart(4, "0")}`, 5000 - i))
    let cursor = initialCursor
    const seen = new Set<string>()
    let windows = 0
    while (seen.size < 4960) {
      const t = computeTarget(ranked, { hotCount: 40, maxSubs: 200 }, cursor)
      expect(t.hot.length).toBe(40)
      expect(t.warmSubs).toBe(160)
      const adv = advanceCursor(cursor, t.warm, () => true)
      for (const id of adv.passed) {
        expect(seen.has(id)).toBe(false)
        seen.add(id)
      }
      expect(cursor.pass).toBe(1)
      cursor = adv.cursor
      windows++
    }
    expect(windows).toBe(Math.ceil(4960 / 160))
    // the next window starts the second pass at the first warm market
    const next = computeTarget(ranked, { hotCount: 40, maxSubs: 200 }, cursor)
    expect(next.warm[0]!.market.marketId).toBe("m0040")
    expect(next.cursor).toEqual({ after: null, pass: 2 })
  })
})
