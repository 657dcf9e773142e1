import * as path from "node:path"
import { Effect } from "effect"
import { parquetMetadata } from "hyparquet"
import { decodeHealthRecord, type HealthRecord } from "../domain/HealthRecord.js"
import type { VenueId } from "../domain/VenueId.js"
import { FileStore, type FileStoreError, type FileStoreService } from "./FileStore.js"
import { listDayFiles, listPartitionDates } from "./partitions.js"
import { datasetDayDir, healthPath, isTempFile, universePath, utcDate, walRootDir } from "./paths.js"
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
 * `3 * flush_seconds + bucket_minutes`.
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
  /** the collector's newest per-minute health record (data/health/), with how many records its day has */
  readonly health: VenueHealth | null
  readonly staleAfterMs: number
  readonly stale: boolean
}

export interface VenueHealth {
  readonly date: string
  /** valid records in that day's file (one per minute the collector ran) */
  readonly records: number
  readonly latest: HealthRecord
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

const statOrNull = (store: FileStoreService, file: string): Effect.Effect<FileAge | null> =>
  store.stat(file).pipe(
    Effect.map((st) => (st?.kind === "file" ? { file, mtimeMs: st.mtimeMs } : null)),
    Effect.orElseSucceed(() => null)
  )

const countUniverse = (store: FileStoreService, file: string): Effect.Effect<{ readonly markets: number; readonly badLines: number }> =>
  store.readText(file).pipe(
    Effect.map((text) => {
      const parsed = parseUniverse(text, file)
      return { markets: parsed.markets.length, badLines: parsed.badLines }
    }),
    Effect.orElseSucceed(() => ({ markets: 0, badLines: 0 }))
  )

/** Row count from the Parquet footer only (the file's tail: no data pages read). Unreadable files count 0. */
const parquetRowCount = (store: FileStoreService, file: string, size: number): Effect.Effect<number> =>
  Effect.gen(function*() {
    if (size < 8) return 0
    const tail = yield* store.readRange(file, size - 8, 8)
    const footerLength = new DataView(tail.buffer, tail.byteOffset, tail.byteLength).getUint32(0, true) + 8
    if (footerLength > size) return 0
    const footer = yield* store.readRange(file, size - footerLength, footerLength)
    return Number(parquetMetadata(footer).num_rows)
  }).pipe(Effect.catchAllCause(() => Effect.succeed(0)))

/** Dates (UTC) whose files can hold the last hour: today and, just after midnight, yesterday. */
const recentDates = (nowMs: number): ReadonlyArray<string> => {
  const today = utcDate(nowMs)
  const hourAgo = utcDate(nowMs - HOUR_MS)
  return hourAgo === today ? [today] : [hourAgo, today]
}

interface DatasetRecent {
  readonly newest: FileAge | null
  readonly filesLastHour: number
  readonly rowsLastHour: number
}

const scanDataset = (
  dataDir: string,
  dataset: "orderbook_snapshots" | "trades",
  venue: VenueId,
  nowMs: number
): Effect.Effect<DatasetRecent, FileStoreError, FileStore> =>
  Effect.gen(function*() {
    const store = yield* FileStore
    let newest: FileAge | null = null
    let filesLastHour = 0
    let rowsLastHour = 0
    // The newest file may be on an older date when the collector has been down a while.
    const dates = yield* listPartitionDates(dataDir, dataset, venue)
    const candidates = new Set([...recentDates(nowMs), ...dates.slice(-1)])
    for (const date of candidates) {
      for (const file of yield* listDayFiles(dataDir, dataset, venue, date)) {
        const st = yield* Effect.orElseSucceed(store.stat(file), () => null)
        if (st?.kind !== "file") continue
        if (newest === null || st.mtimeMs > newest.mtimeMs) newest = { file, mtimeMs: st.mtimeMs }
        if (nowMs - st.mtimeMs <= HOUR_MS) {
          filesLastHour++
          rowsLastHour += yield* parquetRowCount(store, file, st.size)
        }
      }
    }
    return { newest, filesLastHour, rowsLastHour }
  })

const newestWalAppend = (dataDir: string, venue: VenueId): Effect.Effect<number | null, never, FileStore> =>
  Effect.gen(function*() {
    const store = yield* FileStore
    let newest: number | null = null
    const walk = (dir: string): Effect.Effect<void> =>
      Effect.gen(function*() {
        for (const name of yield* Effect.orElseSucceed(store.list(dir), () => [])) {
          const full = path.join(dir, name)
          const st = yield* Effect.orElseSucceed(store.stat(full), () => null)
          if (st?.kind === "directory") yield* walk(full)
          else if (st !== null && name.endsWith(".wal") && !isTempFile(name) && (newest === null || st.mtimeMs > newest)) newest = st.mtimeMs
        }
      })
    yield* walk(path.join(walRootDir(dataDir), `venue=${venue}`))
    return newest
  })

/** The newest day of health records: its last valid line and how many valid lines it has. */
const newestHealth = (dataDir: string, venue: VenueId): Effect.Effect<VenueHealth | null, FileStoreError, FileStore> =>
  Effect.gen(function*() {
    const store = yield* FileStore
    const dates = yield* listPartitionDates(dataDir, "health", venue)
    for (const date of [...dates].reverse()) {
      const text = yield* store.readText(healthPath(dataDir, venue, date)).pipe(Effect.orElseSucceed(() => ""))
      let records = 0
      let latest: HealthRecord | null = null
      for (const line of text.split("\n")) {
        if (line.trim() === "") continue
        const decoded = decodeHealthRecord(line)
        if (decoded._tag === "Left") continue
        records++
        if (latest === null || decoded.right.ts >= latest.ts) latest = decoded.right
      }
      if (latest !== null) return { date, records, latest }
    }
    return null
  })

export const venueDataStatus = (opts: DataStatusOptions, venue: VenueId): Effect.Effect<VenueDataStatus, FileStoreError, FileStore> =>
  Effect.gen(function*() {
    const store = yield* FileStore
    const { dataDir, nowMs } = opts
    const universeDates = yield* listPartitionDates(dataDir, "metadata", venue)
    const universeDate = universeDates.at(-1) ?? null
    const universe = universeDate === null ? { markets: 0, badLines: 0 } : yield* countUniverse(store, universePath(dataDir, venue, universeDate))

    const snapshots = yield* scanDataset(dataDir, "orderbook_snapshots", venue, nowMs)
    const trades = yield* scanDataset(dataDir, "trades", venue, nowMs)
    const walMtime = yield* newestWalAppend(dataDir, venue)

    const statsDates = yield* listPartitionDates(dataDir, "stats", venue)
    let statsDate: string | null = null
    for (const date of [...statsDates].reverse()) {
      if ((yield* statOrNull(store, path.join(datasetDayDir(dataDir, "stats", venue, date), "stats.parquet"))) !== null) {
        statsDate = date
        break
      }
    }

    const health = yield* newestHealth(dataDir, venue)

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
      health,
      staleAfterMs,
      stale
    }
  })

export const dataStatus = (opts: DataStatusOptions): Effect.Effect<ReadonlyArray<VenueDataStatus>, FileStoreError, FileStore> =>
  Effect.forEach(opts.venues, (venue) => venueDataStatus(opts, venue), { concurrency: "unbounded" })

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
    `${formatHealth(s.health)};`,
    s.stale ? `STALE (> ${formatAge(s.staleAfterMs)})` : "fresh"
  ].join(" ")

const percent = (x: number | null): string => (x === null ? "-" : `${(100 * x).toFixed(1)}%`)

/** "health 12:34Z conn 2/2 reconnects 0 gaps 0 stale 1.2% crossed 0.0% (57 records on 2026-01-14)" */
export const formatHealth = (h: VenueHealth | null): string => {
  if (h === null) return "health none"
  const r = h.latest
  return `health ${new Date(r.ts).toISOString().slice(11, 16)}Z conn ${r.connections}/${r.connections_total} ` +
    `reconnects ${r.reconnects} gaps ${r.seq_gaps} stale ${percent(r.stale_frac)} crossed ${percent(r.crossed_frac)} ` +
    `(${h.records} ${h.records === 1 ? "record" : "records"} on ${h.date})`
}
