import { describe, expect, it } from "vitest"
import { downsampleMinMax } from "../../src/report/downsample.js"

describe("min/max downsampling", () => {
  it("keeps a table that fits as it is, missing values as null", () => {
    const t = downsampleMinMax([1, 2, 3], [[0.5, Number.NaN, 0.7]], 600)
    expect(t).toEqual({ x: [1, 2, 3], ys: [[0.5, null, 0.7]], rawPoints: 3 })
  })

  it("keeps each bucket's minimum and maximum in time order, so every spike survives", () => {
    // 10,000 points over 1,000 s, flat at 1 except one spike up and one down
    const n = 10_000
    const x = Array.from({ length: n }, (_, i) => i / 10)
    const y = x.map(() => 1)
    y[4321] = 9
    y[7777] = -3
    const depth = x.map((_, i) => i)
    const t = downsampleMinMax(x, [y, depth], 100)
    expect(t.rawPoints).toBe(n)
    expect(t.x.length).toBeLessThanOrEqual(200)
    expect(t.x.length).toBeGreaterThan(100)
    for (let i = 1; i < t.x.length; i++) expect(t.x[i]!).toBeGreaterThanOrEqual(t.x[i - 1]!)
    expect(Math.max(...(t.ys[0] as number[]))).toBe(9)
    expect(Math.min(...(t.ys[0] as number[]))).toBe(-3)
    // a rising series: each bucket gives its first (min) then last (max) value
    expect(t.ys[1]![0]).toBe(0)
    expect(t.ys[1]!.at(-1)).toBe(n - 1)
    // the spike at x = 432.1 lies in the bucket [430, 440): that bucket's points are at its first and last x
    const at = t.x.indexOf(430)
    expect([t.x[at], t.x[at + 1]]).toEqual([430, 439.9])
    expect([t.ys[0]![at], t.ys[0]![at + 1]]).toEqual([1, 9])
  })

  it("gives null where a bucket has no value of a series", () => {
    const x = Array.from({ length: 50 }, (_, i) => i)
    const y = x.map((v) => (v < 25 ? Number.NaN : v))
    const t = downsampleMinMax(x, [y], 5)
    expect(t.ys[0]!.slice(0, 4)).toEqual([null, null, null, null])
    expect(t.ys[0]!.filter((v) => v !== null).length).toBeGreaterThan(0)
  })
})
