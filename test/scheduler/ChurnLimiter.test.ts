import { describe, expect, it } from "vitest"
import { ChurnLimiter } from "../../src/scheduler/ChurnLimiter.js"

describe("ChurnLimiter", () => {
  it("gives each token back exactly one minute after it was spent", () => {
    const l = new ChurnLimiter(20)
    expect(l.available(0)).toBe(20)
    l.spend(0, 15)
    l.spend(10_000, 5)
    expect(l.available(59_999)).toBe(0)
    expect(l.nextReturnAt(59_999)).toBe(60_000)
    expect(l.available(60_000)).toBe(15)
    expect(l.nextReturnAt(60_000)).toBe(70_000)
    expect(l.available(70_000)).toBe(20)
    expect(l.nextReturnAt(70_000)).toBeNull()
  })

  it("never allows more than capacity changes in any rolling minute under greedy use", () => {
    const l = new ChurnLimiter(20)
    const spends: Array<[number, number]> = []
    for (let t = 0; t < 600_000; t += 1_700) {
      const n = Math.min(l.available(t), 7)
      l.spend(t, n)
      if (n > 0) spends.push([t, n])
    }
    for (const [t0] of spends) {
      const inWindow = spends.filter(([t]) => t >= t0 && t < t0 + 60_000).reduce((s, [, n]) => s + n, 0)
      expect(inWindow).toBeLessThanOrEqual(20)
    }
    // and it is not needlessly slow: close to 20 per minute over 10 minutes
    expect(spends.reduce((s, [, n]) => s + n, 0)).toBeGreaterThanOrEqual(180)
  })
})
