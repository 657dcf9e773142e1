import * as fs from "node:fs/promises"
import { Effect } from "effect"
import type { MarketRecord } from "../domain/Market.js"
import type { VenueId } from "../domain/VenueId.js"
import { readColumns } from "../storage/parquet/table.js"
import { listPartitionDates, statsPath, universePath, utcDate } from "../storage/paths.js"
import { parseUniverse } from "../storage/universe.js"
import { aggregateStats, type MarketStats, type StatsInputRow } from "./scoring.js"

/**
 * What the scheduler reads from the data directory (issue 6, "Inputs"):
 * - the universe: today's file (UTC), else the newest earlier one; a file is re-read only when
 *   its (date, mtime, size) changes, so a scanner re-run mid-day is picked up at the next
 *   rotation. An empty or unreadable file never replaces a good one (never an empty target
 *   because today's file is late or half-written by hand).
 * - the stats cache: the newest `stats/venue=V/date=D/stats.parquet` with D within 7 days of
 *   today (not only today's: the miner may run daily). Missing or unreadable -> null, and the
 *   scheduler scores from universe hints; the warning is logged once per situation, not per
 *   rotation.
 */

export const STATS_MAX_AGE_DAYS = 7
const DAY_MS = 86_400_000

export interface LoadedUniverse {
  readonly date: string
  readonly path: string
  readonly markets: ReadonlyArray<MarketRecord>
  readonly badLines: number
}

export interface LoadedStats {
  readonly date: string
  readonly path: string
  readonly byMarket: ReadonlyMap<string, MarketStats>
  readonly rows: number
}

export interface InputsView {
  readonly universe: LoadedUniverse | null
  readonly stats: LoadedStats | null
}

export interface SchedulerInputs {
  /** The inputs to use at `nowMs`, re-reading a file only when it changed. Never fails. */
  readonly refresh: (nowMs: number) => Effect.Effect<InputsView>
}

/** The columns scoring reads (StatsRow.ts); market_id first. */
export const STATS_SCORING_COLUMNS = [
  "market_id", "score", "avg_depth", "avg_spread", "tw_spread", "updates_per_min", "two_sided_frac"
] as const

interface FileSig {
  readonly path: string
  readonly mtimeMs: number
  readonly size: number
}
const sameSig = (a: FileSig | null, b: FileSig | null): boolean =>
  a !== null && b !== null && a.path === b.path && a.mtimeMs === b.mtimeMs && a.size === b.size

const statOrNull = (path: string): Promise<FileSig | null> =>
  fs.stat(path).then(
    (s) => (s.isFile() ? { path, mtimeMs: s.mtimeMs, size: s.size } : null),
    () => null
  )

const errText = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split("\n")[0]!

/** Stats rows from the column arrays readColumns returns (NaN where a value is null). */
export const statsRowsFromColumns = (cols: Record<string, ArrayLike<unknown>>): Array<StatsInputRow> => {
  const ids = cols["market_id"]!
  const numAt = (name: string, i: number): number => {
    const v = cols[name]?.[i]
    return typeof v === "number" ? v : Number.NaN
  }
  const rows: Array<StatsInputRow> = []
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]
    if (typeof id !== "string") continue
    rows.push({
      market_id: id,
      score: numAt("score", i),
      avg_depth: numAt("avg_depth", i),
      avg_spread: numAt("avg_spread", i),
      tw_spread: numAt("tw_spread", i),
      updates_per_min: numAt("updates_per_min", i),
      two_sided_frac: numAt("two_sided_frac", i)
    })
  }
  return rows
}

export const makeFileInputs = (opts: { readonly dataDir: string; readonly venue: VenueId }): SchedulerInputs => {
  const { dataDir, venue } = opts
  let universe: LoadedUniverse | null = null
  let universeSig: FileSig | null = null
  /** files already found empty/unreadable, by signature: not re-read until they change */
  const rejected = new Map<string, FileSig>()
  let stats: LoadedStats | null = null
  let statsSig: FileSig | null = null
  let statsNote: string | null = null

  const note = (message: string) =>
    Effect.suspend(() => {
      if (message === statsNote) return Effect.void
      statsNote = message
      return Effect.logWarning(message)
    })

  const refreshUniverse = (today: string) =>
    Effect.gen(function*() {
      const dates = yield* Effect.tryPromise(() => listPartitionDates(dataDir, "metadata", venue)).pipe(
        Effect.tapError((e) => Effect.logWarning(`scheduler ${venue}: cannot list universe dates under ${dataDir}: ${errText(e.error)}`)),
        Effect.orElseSucceed(() => [] as Array<string>)
      )
      for (let i = dates.length - 1; i >= 0; i--) {
        const date = dates[i]!
        if (date > today) continue
        const path = universePath(dataDir, venue, date)
        const sig = yield* Effect.promise(() => statOrNull(path))
        if (sig === null) continue
        if (sameSig(sig, universeSig)) return
        if (sameSig(sig, rejected.get(path) ?? null)) continue
        const parsed = yield* Effect.tryPromise(async () => parseUniverse(await fs.readFile(path, "utf8"), path)).pipe(
          Effect.catchAll((e) =>
            Effect.as(Effect.logWarning(`scheduler ${venue}: universe ${path} unreadable (${errText(e.error)}); trying an older one`), null)
          )
        )
        if (parsed === null || parsed.markets.length === 0) {
          if (parsed !== null) yield* Effect.logWarning(`scheduler ${venue}: universe ${path} has no markets; trying an older one`)
          rejected.set(path, sig)
          continue
        }
        if (parsed.badLines > 0) yield* Effect.logWarning(`scheduler ${venue}: universe ${path}: ${parsed.badLines} bad lines skipped (first: ${parsed.badLineDetails[0]?.error ?? "?"})`)
        universe = { date, path, markets: parsed.markets, badLines: parsed.badLines }
        universeSig = sig
        yield* Effect.logInfo(`scheduler ${venue}: universe ${path} loaded (${parsed.markets.length} markets)`)
        return
      }
      if (universe === null) yield* Effect.logWarning(`scheduler ${venue}: no universe file on or before ${today} under ${dataDir}; nothing to subscribe yet`)
    })

  const refreshStats = (today: string, oldest: string) =>
    Effect.gen(function*() {
      const dates = yield* Effect.tryPromise(() => listPartitionDates(dataDir, "stats", venue)).pipe(
        Effect.orElseSucceed(() => [] as Array<string>)
      )
      let sig: FileSig | null = null
      let date = ""
      for (let i = dates.length - 1; i >= 0 && sig === null; i--) {
        date = dates[i]!
        if (date > today) continue
        if (date < oldest) break
        sig = yield* Effect.promise(() => statOrNull(statsPath(dataDir, venue, date)))
      }
      if (sig === null) {
        stats = null
        statsSig = null
        return yield* note(`scheduler ${venue}: no stats file dated ${oldest}..${today} under ${dataDir}; scoring from universe hints`)
      }
      if (sameSig(sig, statsSig)) return
      const path = sig.path
      const cols = yield* Effect.tryPromise(() => readColumns(path, STATS_SCORING_COLUMNS)).pipe(
        Effect.catchAll((e) =>
          Effect.as(note(`scheduler ${venue}: stats file ${path} unreadable (${errText(e.error)}); scoring from universe hints`), null)
        )
      )
      statsSig = sig
      if (cols === null) {
        stats = null
        return
      }
      const rows = statsRowsFromColumns(cols)
      stats = { date, path, byMarket: aggregateStats(rows), rows: rows.length }
      statsNote = null
      yield* Effect.logInfo(`scheduler ${venue}: stats ${path} loaded (${rows.length} rows, ${stats.byMarket.size} markets)`)
    })

  return {
    refresh: (nowMs) =>
      Effect.gen(function*() {
        const today = utcDate(nowMs)
        yield* refreshUniverse(today)
        yield* refreshStats(today, utcDate(Math.max(0, nowMs - STATS_MAX_AGE_DAYS * DAY_MS)))
        return { universe, stats }
      })
  }
}
