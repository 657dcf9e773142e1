/**
 * `surveillance resnapshot VENUE DATE --every DURATION [--markets ...]`: snapshot rows at any
 * cadence, from the event log alone, written as snapshot Parquet in the standard layout under a
 * separate directory (default `<data_dir>/derived`), so the miner runs on them unchanged.
 *
 * Instants are the multiples of `every` (epoch ms) within each bucket that has event files; at
 * each, every subscribed book (or those of `markets`) gives the row the collector would have
 * written then: the state after every event received at or before the instant.
 */
import { Effect } from "effect"
import type { SnapshotRow } from "../domain/SnapshotRow.js"
import type { VenueId } from "../domain/VenueId.js"
import type { FileStore, FileStoreError } from "../storage/FileStore.js"
import { EventReplayer } from "./eventReplay.js"
import { eventDayBuckets, readBucket, type EventFileError } from "./eventFiles.js"
import { writeReplayRows } from "./writeReplayRows.js"

export interface ResnapshotOptions {
  readonly dataDir: string
  readonly outDir: string
  readonly venue: VenueId
  readonly date: string
  readonly everyMs: number
  readonly bucketMinutes: number
  /** levels per side in the rows (storage.top_k) */
  readonly topK: number
  readonly markets?: ReadonlyArray<string>
}

export interface ResnapshotResult {
  readonly rows: number
  readonly instants: number
  readonly filesRead: number
  readonly filesWritten: ReadonlyArray<string>
}

export const resnapshot = (opts: ResnapshotOptions): Effect.Effect<ResnapshotResult, FileStoreError | EventFileError, FileStore> => Effect.gen(function*() {
  const markets = opts.markets !== undefined && opts.markets.length > 0 ? new Set(opts.markets) : null
  const bucketMs = opts.bucketMinutes * 60_000
  const replayer = new EventReplayer(opts.venue, opts.topK)
  let rows = 0
  let instants = 0
  let filesRead = 0
  const written: string[] = []
  const buckets = yield* eventDayBuckets(opts.dataDir, opts.venue, opts.date)
  for (let b = 0; b < buckets.length; b++) {
    const bucket = buckets[b]!
    // a bucket's files start with a checkpoint: replaying it from scratch is the same as continuing
    replayer.load({ files: yield* readBucket(bucket, markets) })
    filesRead += bucket.files.length
    const end = b + 1 < buckets.length ? Math.min(buckets[b + 1]!.bucketStartMs, bucket.bucketStartMs + bucketMs) : bucket.bucketStartMs + bucketMs
    const out: SnapshotRow[] = []
    for (let t = Math.ceil(bucket.bucketStartMs / opts.everyMs) * opts.everyMs; t < end; t += opts.everyMs) {
      replayer.advance({ atMs: t }, markets, true)
      // nothing known yet at this instant (before the bucket's first row): no rows
      if (replayer.position < 0) continue
      instants++
      for (const row of replayer.rowsAt(t, markets)) out.push(row)
    }
    rows += out.length
    if (out.length > 0) written.push(...yield* writeReplayRows(opts.outDir, opts.venue, out, opts.bucketMinutes))
  }
  return { rows, instants, filesRead, filesWritten: written }
})

/** `--every`: `500ms`, `2s`, `1m`, `1h` or plain milliseconds; null when not a positive duration. */
export function parseEvery(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim())
  if (m === null) return null
  const n = Number(m[1])
  const ms = Math.round(n * ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const)[(m[2] ?? "ms") as "ms" | "s" | "m" | "h"])
  return ms >= 1 ? ms : null
}
