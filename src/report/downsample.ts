/**
 * Min/max downsampling for the report's charts: a chart is a few hundred pixels wide, so a
 * day of 10 s snapshots (8,640 points per series) is cut into at most `maxBuckets` equal time
 * buckets and each bucket keeps, per series, its minimum and its maximum in the order they
 * occurred. The drawn envelope (every spike, every gap) is the same as the full series; the
 * page only holds at most 2 x maxBuckets points per series. Missing values (NaN) stay missing:
 * a bucket with no value for a series gives null there, which uPlot draws as a gap.
 */

/** One chart's data as uPlot takes it: x (seconds) and one array per series. */
export interface SeriesTable {
  readonly x: Array<number>
  readonly ys: Array<Array<number | null>>
  /** points before downsampling */
  readonly rawPoints: number
}

export const DEFAULT_MAX_BUCKETS = 600

const orNull = (v: number): number | null => (Number.isFinite(v) ? v : null)

/**
 * `x` ascending (any unit); `ys[s][i]` is series s at x[i]. At most `maxBuckets` buckets, so at
 * most 2 x maxBuckets output points; a table that already fits is returned as is.
 */
export const downsampleMinMax = (
  x: ArrayLike<number>,
  ys: ReadonlyArray<ArrayLike<number>>,
  maxBuckets: number = DEFAULT_MAX_BUCKETS
): SeriesTable => {
  const n = x.length
  if (n <= 2 * maxBuckets) {
    return { x: Array.from(x), ys: ys.map((y) => Array.from(y, orNull)), rawPoints: n }
  }
  const x0 = x[0]!
  const span = x[n - 1]! - x0
  const width = span / maxBuckets
  const outX: Array<number> = []
  const outYs: Array<Array<number | null>> = ys.map(() => [])
  let i = 0
  while (i < n) {
    const bucket = width > 0 ? Math.min(maxBuckets - 1, Math.floor((x[i]! - x0) / width)) : 0
    let j = i
    while (j < n && (width > 0 ? Math.min(maxBuckets - 1, Math.floor((x[j]! - x0) / width)) : 0) === bucket) j++
    // rows [i, j) are this bucket
    if (j - i === 1) {
      outX.push(x[i]!)
      ys.forEach((y, s) => outYs[s]!.push(orNull(y[i]!)))
    } else {
      outX.push(x[i]!, x[j - 1]!)
      ys.forEach((y, s) => {
        let min = Infinity
        let max = -Infinity
        let minAt = -1
        let maxAt = -1
        for (let k = i; k < j; k++) {
          const v = y[k]!
          if (!Number.isFinite(v)) continue
          if (v < min) {
            min = v
            minAt = k
          }
          if (v > max) {
            max = v
            maxAt = k
          }
        }
        const out = outYs[s]!
        if (minAt < 0) out.push(null, null)
        else if (minAt <= maxAt) out.push(min, max)
        else out.push(max, min)
      })
    }
    i = j
  }
  return { x: outX, ys: outYs, rawPoints: n }
}
