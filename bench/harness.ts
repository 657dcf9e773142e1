/**
 * Shared benchmark plumbing. Each figure is one file exporting `run(): Promise<FigureResult[]>`;
 * bench/run.ts starts every figure in its own Node process (a clean heap and JIT per figure,
 * and an honest RSS for P5) and collects the results.
 *
 * Speed claims are ratios measured in the same process on the same input: absolute numbers on
 * this shared 2-core machine drift with the load.
 */
import { monitorEventLoopDelay } from "node:perf_hooks"

export interface FigureResult {
  /** "P1".."P6" */
  readonly figure: string
  /** what is measured, e.g. "book updates/s" */
  readonly name: string
  readonly ours: number | null
  readonly reference: number | null
  /** what the reference is */
  readonly referenceName: string
  /** ours / reference (for "lower is better" units the caller says so in `higherIsBetter`) */
  readonly ratio: number | null
  readonly unit: string
  readonly higherIsBetter: boolean
  /** the target, in words, and whether this run met it */
  readonly target: string
  readonly met: boolean | null
  readonly notes?: string
  readonly extra?: Readonly<Record<string, number | string>>
}

export const RESULT_MARKER = "BENCH_RESULT "

export function result(r: Omit<FigureResult, "ratio"> & { ratio?: number | null }): FigureResult {
  const ratio = r.ratio !== undefined ? r.ratio : r.ours !== null && r.reference !== null && r.reference !== 0 ? r.ours / r.reference : null
  return { ...r, ratio: ratio === null ? null : Number(ratio.toPrecision(4)) }
}

/** Wall time of `f` in ms. */
export async function timeMs(f: () => unknown | Promise<unknown>): Promise<number> {
  const t0 = performance.now()
  await f()
  return performance.now() - t0
}

/** Runs `f` `reps` times and returns the fastest wall time in ms (least disturbed by other load). */
export async function bestOf(reps: number, f: () => unknown | Promise<unknown>): Promise<number> {
  let best = Infinity
  for (let i = 0; i < reps; i++) best = Math.min(best, await timeMs(f))
  return best
}

/**
 * CPU time (user + system, ms) and wall time of a synchronous or async `f`. On this shared
 * machine wall time mostly measures the neighbours; CPU time of a single-threaded job is what
 * it would take on an idle core (process-wide: GC helper threads count too).
 */
export async function cpuAndWallMs(f: () => unknown | Promise<unknown>): Promise<{ cpuMs: number; wallMs: number }> {
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  await f()
  const wallMs = performance.now() - t0
  const c = process.cpuUsage(c0)
  return { cpuMs: (c.user + c.system) / 1000, wallMs }
}

/**
 * A 1 ms ticker on the event loop, recording when each tick really ran. `p99Ms` is the delay a
 * frame arriving at a uniformly random moment of the window would wait before the loop runs
 * again (each gap g contributes delays 0..g, weighted by g), so one long stall is weighted by
 * its length rather than counted as one sample.
 */
export function startTickProbe(): { stop: () => { p99Ms: number; maxGapMs: number; windowMs: number } } {
  const ticks: number[] = [performance.now()]
  const timer = setInterval(() => ticks.push(performance.now()), 1)
  return {
    stop: () => {
      clearInterval(timer)
      ticks.push(performance.now())
      const gaps: number[] = []
      for (let i = 1; i < ticks.length; i++) gaps.push(ticks[i]! - ticks[i - 1]!)
      const windowMs = ticks[ticks.length - 1]! - ticks[0]!
      // P(delay > d) = sum over gaps of max(0, g - d) / window; find d with P = 1%
      const sorted = gaps.sort((a, b) => b - a)
      let lo = 0
      let hi = sorted[0] ?? 0
      for (let it = 0; it < 50; it++) {
        const d = (lo + hi) / 2
        let tail = 0
        for (const g of sorted) {
          if (g <= d) break
          tail += g - d
        }
        if (tail / windowMs > 0.01) lo = d
        else hi = d
      }
      return { p99Ms: hi, maxGapMs: sorted[0] ?? 0, windowMs }
    }
  }
}

/** Event-loop delay while `f` runs: p99 and max in ms (perf_hooks histogram, 5 ms resolution... 1 ms here). */
export async function eventLoopLag<A>(f: () => Promise<A>): Promise<{ value: A; p50Ms: number; p99Ms: number; maxMs: number }> {
  const h = monitorEventLoopDelay({ resolution: 1 })
  h.enable()
  try {
    const value = await f()
    return { value, p50Ms: h.percentile(50) / 1e6, p99Ms: h.percentile(99) / 1e6, maxMs: h.max / 1e6 }
  } finally {
    h.disable()
  }
}

export { mulberry32 as rng } from "../test/support/mulberry32.js"

export const round = (x: number, digits = 3): number => {
  const f = 10 ** digits
  return Math.round(x * f) / f
}

/** When a figure file is run directly (by run.ts), print its results for the parent to collect. */
export async function mainIfDirect(importMetaUrl: string, run: () => Promise<ReadonlyArray<FigureResult>>): Promise<void> {
  const argv1 = process.argv[1] ?? ""
  if (!importMetaUrl.endsWith(argv1.split("/").pop() ?? "\u0000")) return
  try {
    const results = await run()
    for (const r of results) process.stdout.write(RESULT_MARKER + JSON.stringify(r) + "\n")
    process.exit(0)
  } catch (e) {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`)
    process.exit(1)
  }
}
