import { describe, expect, it } from "@effect/vitest"
import { SnapshotSchedule } from "../../src/books/SnapshotSchedule.js"

const take = (s: SnapshotSchedule, now: number) => {
  const out: string[] = []
  s.takeDue(now, out)
  return out
}

describe("SnapshotSchedule", () => {
  it("fires HOT books every hot interval and WARM books every warm interval", () => {
    const s = new SnapshotSchedule()
    s.add("hot", 2000, 0)
    s.add("warm", 10_000, 0)
    const fired: Record<string, number[]> = { hot: [], warm: [] }
    for (let t = 0; t <= 20_000; t += 100) for (const k of take(s, t)) fired[k]!.push(t)
    expect(fired["hot"]).toEqual([2000, 4000, 6000, 8000, 10_000, 12_000, 14_000, 16_000, 18_000, 20_000])
    expect(fired["warm"]).toEqual([10_000, 20_000])
  })

  it("reports the next due time and returns ties in insertion order", () => {
    const s = new SnapshotSchedule()
    expect(s.nextDueAt()).toBeNull()
    s.add("b", 1000, 0)
    s.add("a", 1000, 0)
    s.add("c", 500, 0)
    expect(s.nextDueAt()).toBe(500)
    expect(take(s, 499)).toEqual([])
    expect(take(s, 1000)).toEqual(["c", "b", "a"])
    expect(s.nextDueAt()).toBe(1500)
  })

  it("removes keys (first, middle, last) and never returns them again", () => {
    const s = new SnapshotSchedule()
    for (let i = 0; i < 10; i++) s.add(`k${i}`, 100 + i, 0)
    s.remove("k0")
    s.remove("k5")
    s.remove("k9")
    s.remove("absent")
    expect(s.size).toBe(7)
    expect(take(s, 120).sort()).toEqual(["k1", "k2", "k3", "k4", "k6", "k7", "k8"])
  })

  it("re-bases the next due time when the cadence changes (WARM promoted to HOT fires sooner)", () => {
    const s = new SnapshotSchedule()
    s.add("m", 10_000, 0)
    take(s, 10_000) // fired at 10 s, next at 20 s
    s.setInterval("m", 2000)
    expect(s.dueAtOf("m")).toBe(12_000)
    expect(take(s, 12_000)).toEqual(["m"])
    s.setInterval("m", 10_000)
    expect(s.dueAtOf("m")).toBe(22_000)
    s.add("m", 3000, 0) // add of a known key only changes its interval
    expect(s.dueAtOf("m")).toBe(15_000)
    expect(s.size).toBe(1)
  })

  it("does not burst catch-up rows after a stall", () => {
    const s = new SnapshotSchedule()
    s.add("m", 1000, 0)
    expect(take(s, 60_000)).toEqual(["m"])
    expect(s.dueAtOf("m")).toBe(61_000)
  })

  it("stays correct against a naive scan under random adds, removes and cadence changes", () => {
    let seed = 12345
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32)
    const s = new SnapshotSchedule()
    const naive = new Map<string, { interval: number; due: number }>()
    let now = 0
    let checks = 0
    const mismatches: string[] = []
    for (let step = 0; step < 20_000; step++) {
      const r = rnd()
      const key = `k${Math.floor(rnd() * 300)}`
      if (r < 0.05) {
        const iv = 100 + Math.floor(rnd() * 5000)
        if (!naive.has(key)) naive.set(key, { interval: iv, due: now + iv })
        else {
          const e = naive.get(key)!
          e.due = e.due - e.interval + iv
          e.interval = iv
        }
        s.add(key, iv, now)
      } else if (r < 0.07) {
        naive.delete(key)
        s.remove(key)
      } else if (r < 0.09 && naive.has(key)) {
        const iv = 100 + Math.floor(rnd() * 5000)
        const e = naive.get(key)!
        e.due = e.due - e.interval + iv
        e.interval = iv
        s.setInterval(key, iv)
      } else {
        now += Math.floor(rnd() * 50)
        const expected: string[] = []
        for (const [k, e] of naive) {
          if (e.due <= now) {
            expected.push(k)
            const next = e.due + e.interval
            e.due = next > now ? next : now + e.interval
          }
        }
        const got = take(s, now).sort().join(",")
        if (got !== expected.sort().join(",")) mismatches.push(`t=${now}: got [${got}] expected [${expected.join(",")}]`)
        checks++
      }
    }
    expect(mismatches.slice(0, 3)).toEqual([])
    expect(checks).toBeGreaterThan(15_000)
    expect(s.size).toBe(naive.size)
  })

  it("rejects a non-positive interval instead of looping forever", () => {
    const s = new SnapshotSchedule()
    expect(() => s.add("m", 0, 0)).toThrow(/interval must be >= 1 ms/)
  })
})
