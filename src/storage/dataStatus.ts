import * as fs from "node:fs/promises"
import * as path from "node:path"
import { asyncBufferFromFile, parquetMetadataAsync } from "hyparquet"
import type { VenueId } from "../domain/VenueId.js"
import { datasetDayDir, isTempFile, listDayFiles, listPartitionDates, universePath, walRootDir } from "./paths.js"
import { parseUniverse } from "./universe.js"

/**
 * Data freshness per venue, read from the data directory only (`surveillance status`), so
 * it works while the collector runs elsewhere and needs no connection to it.
 *
 * Liveness signal: the collector writes a Parquet file per bucket when the bucket closes,
 * and appends the rows of the open bucket to its write-ahead files (`<data>/.wal/venue=V/`)
 * every `flush_seconds`. A healthy collector therefore always has either a snapshot file
 * younger than one bucket (plus a short close grace) or a write-ahead append younger than
 * `flush_seconds`. Snapshots count as stale when the freshest of the two is older than
 * `3 * flush_seconds + bucket_minutes` (issue 8).
 */
export interface VenueDataStatus {
  readonly venue: VenueId
  readonly universeDate: string | null
  /** valid market records in the newest universe file (lines that decode as a MarketRecord) */
  readonly universeMarkets: number
  /** lines of that file that are not a market record */
  readonly universeBadLines: number
  readonly newestSnapshotFile: string | null
  /** age of the newest snapshot Parquet file (by modification time), ms */
  readonly newestSnapshotAgeMs: number | null
  /** age of the newest write-ahead append of the open bucket, ms */
  readonly newestWalAgeMs: number | null
  readonly snapshotFilesLastHour: number
  readonly snapshotRowsLastHour: number
  readonly tradeFilesLastHour: number
  readonly tradeRowsLastHour: number
  readonly statsDate: string | null
  readonly staleAfterMs: number
  readonly stale: boolean
}

export interface DataStatusOptions {
  readonly dataDir: string
  readonly venues: ReadonlyArray<VenueId>
  readonly nowMs: number
  readonly flushSeconds: number
  readonly bucketMinutes: number
}

const HOUR_MS = 3_600_000
const DAY_MS = 86_400_000

interface FileAge {
  readonly file: string
  readonly mtimeMs: number
}

const statOrNull = async (file: string): Promise<FileAge | null> => {
  try {
    const st = await fs.stat(file)
    return { file, mtimeMs: st.mtimeMs }
  } catch {
    return null
  }
}

const countUniverse = async (file: string): Promise<{ readonly markets: number; readonly badLines: number }> => {
  try {
    const parsed = parseUniverse(await fs.readFile(file, "utf8"), file)
    return { markets: parsed.markets.length, badLines: parsed.badLines }
  } catch {
    return { markets: 0, badLines: 0 }
  }
}

/** Row count from the Parquet footer only (no data pages read). Unreadable files count 0. */
const parquetRowCount = async (file: string): Promise<number> => {
  try {
    const meta = await parquetMetadataAsync(await asyncBufferFromFile(file))
    return Number(meta.num_rows)
  } catch {
    return 0
  }
}

/** Dates (UTC) whose files can hold the last hour: today and, just after midnight, yesterday. */
const recentDates = (nowMs: number): ReadonlyArray<string> => {
  const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10)
  const today = iso(nowMs)
  const hourAgo = iso(nowMs - HOUR_MS)
  return hourAgo === today ? [today] : [hourAgo, today]
}

interface DatasetRecent {
  readonly newest: FileAge | null
  readonly filesLastHour: number
  readonly rowsLastHour: number
}

const scanDataset = async (
  dataDir: string,
  dataset: "orderbook_snapshots" | "trades",
  venue: VenueId,
  nowMs: number
): Promise<DatasetRecent> => {
  let newest: FileAge | null = null
  let filesLastHour = 0
  let rowsLastHour = 0
  // The newest file may be on an older date when the collector has been down a while.
  const dates = await listPartitionDates(dataDir, dataset, venue)
  const candidates = new Set([...recentDates(nowMs), ...dates.slice(-1)])
  for (const date of candidates) {
    for (const file of await listDayFiles(dataDir, dataset, venue, date)) {
      const age = await statOrNull(file)
      if (age === null) continue
      if (newest === null || age.mtimeMs > newest.mtimeMs) newest = age
      if (nowMs - age.mtimeMs <= HOUR_MS) {
        filesLastHour++
        rowsLastHour += await parquetRowCount(file)
      }
    }
  }
  return { newest, filesLastHour, rowsLastHour }
}

const newestWalAppend = async (dataDir: string, venue: VenueId): Promise<number | null> => {
  const root = path.join(walRootDir(dataDir), `venue=${venue}`)
  let newest: number | null = null
  const walk = async (dir: string): Promise<void> => {
    let entries: Array<import("node:fs").Dirent>
    try {
      entries = await fs.readdir(dir, { withFileTypes: true })
    } catch {
      return
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name)
      if (entry.isDirectory()) await walk(full)
      else if (entry.name.endsWith(".wal") && !isTempFile(entry.name)) {
        const age = await statOrNull(full)
        if (age !== null && (newest === null || age.mtimeMs > newest)) newest = age.mtimeMs
      }
    }
  }
  await walk(root)
  return newest
}

export const venueDataStatus = async (opts: DataStatusOptions, venue: VenueId): Promise<VenueDataStatus> => {
  const { dataDir, nowMs } = opts
  const universeDates = await listPartitionDates(dataDir, "metadata", venue)
  const universeDate = universeDates.at(-1) ?? null
  const universe = universeDate === null ? { markets: 0, badLines: 0 } : await countUniverse(universePath(dataDir, venue, universeDate))

  const snapshots = await scanDataset(dataDir, "orderbook_snapshots", venue, nowMs)
  const trades = await scanDataset(dataDir, "trades", venue, nowMs)
  const walMtime = await newestWalAppend(dataDir, venue)

  const statsDates = await listPartitionDates(dataDir, "stats", venue)
  let statsDate: string | null = null
  for (const date of [...statsDates].reverse()) {
    if ((await statOrNull(path.join(datasetDayDir(dataDir, "stats", venue, date), "stats.parquet"))) !== null) {
      statsDate = date
      break
    }
  }

  const staleAfterMs = 3 * opts.flushSeconds * 1000 + opts.bucketMinutes * 60_000
  const snapshotAgeMs = snapshots.newest === null ? null : Math.max(0, nowMs - snapshots.newest.mtimeMs)
  const walAgeMs = walMtime === null ? null : Math.max(0, nowMs - walMtime)
  const freshest = [snapshotAgeMs, walAgeMs].filter((a): a is number => a !== null)
  const stale = freshest.length === 0 || Math.min(...freshest) > staleAfterMs

  return {
    venue,
    universeDate,
    universeMarkets: universe.markets,
    universeBadLines: universe.badLines,
    newestSnapshotFile: snapshots.newest?.file ?? null,
    newestSnapshotAgeMs: snapshotAgeMs,
    newestWalAgeMs: walAgeMs,
    snapshotFilesLastHour: snapshots.filesLastHour,
    snapshotRowsLastHour: snapshots.rowsLastHour,
    tradeFilesLastHour: trades.filesLastHour,
    tradeRowsLastHour: trades.rowsLastHour,
    statsDate,
    staleAfterMs,
    stale
  }
}

export const dataStatus = (opts: DataStatusOptions): Promise<ReadonlyArray<VenueDataStatus>> =>
  Promise.all(opts.venues.map((venue) => venueDataStatus(opts, venue)))

/** "42s", "7m05s", "3h12m", "2d04h": ages for humans. */
export const formatAge = (ms: number | null): string => {
  if (ms === null) return "never"
  const s = Math.floor(ms / 1000)
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`
  if (ms < DAY_MS) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`
  return `${Math.floor(ms / DAY_MS)}d${String(Math.floor((ms % DAY_MS) / HOUR_MS)).padStart(2, "0")}h`
}

export const formatVenueStatus = (s: VenueDataStatus): string =>
  [
    `${s.venue}:`,
    `universe ${s.universeDate ?? "none"} (${s.universeMarkets} markets${s.universeBadLines > 0 ? `, ${s.universeBadLines} bad lines ignored` : ""});`,
    `newest snapshot ${s.newestSnapshotFile === null ? "none" : path.basename(s.newestSnapshotFile)} age ${formatAge(s.newestSnapshotAgeMs)}`,
    `(write-ahead ${formatAge(s.newestWalAgeMs)});`,
    `last hour ${s.snapshotFilesLastHour} files ${s.snapshotRowsLastHour} rows, trades ${s.tradeFilesLastHour} files ${s.tradeRowsLastHour} rows;`,
    `stats ${s.statsDate ?? "none"};`,
    s.stale ? `STALE (> ${formatAge(s.staleAfterMs)})` : "fresh"
  ].join(" ")
