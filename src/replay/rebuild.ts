/**
 * `surveillance rebuild VENUE --at TIME [--market ID]...`: the books at an instant, from the
 * event log alone (README "Commands"). One bucket's files are read (eventFiles.ts) and replayed
 * up to the instant (eventReplay.ts); each subscribed book comes out as the snapshot row the
 * collector would have written at that instant, with every level.
 */
import { Effect } from "effect"
import type { SnapshotRow } from "../domain/SnapshotRow.js"
import type { VenueId } from "../domain/VenueId.js"
import type { FileStore, FileStoreError } from "../storage/FileStore.js"
import { EventReplayer } from "./eventReplay.js"
import { eventBucketAt, readBucket, type EventFileError } from "./eventFiles.js"

export interface RebuildOptions {
  readonly dataDir: string
  readonly venue: VenueId
  readonly atMs: number
  /** only up to this event-log position (a snapshot row's `event_seq`): rows and events of one ms told apart */
  readonly maxSeq?: number | null
  /** only these markets (all when empty) */
  readonly markets?: ReadonlyArray<string>
}

export interface RebuildResult {
  readonly rows: SnapshotRow[]
  /** the files read; empty when the log has nothing at or before the instant */
  readonly files: ReadonlyArray<string>
  readonly eventsApplied: number
}

export const rebuildAt = (opts: RebuildOptions): Effect.Effect<RebuildResult, FileStoreError | EventFileError, FileStore> =>
  Effect.gen(function*() {
    const bucket = yield* eventBucketAt(opts.dataDir, opts.venue, opts.atMs)
    if (bucket === null) return { rows: [], files: [], eventsApplied: 0 }
    const markets = opts.markets !== undefined && opts.markets.length > 0 ? new Set(opts.markets) : null
    const files = yield* readBucket(bucket, markets)
    const replayer = new EventReplayer(opts.venue)
    replayer.replay({ files }, { atMs: opts.atMs, maxSeq: opts.maxSeq ?? null }, markets)
    return { rows: replayer.rowsAt(opts.atMs, markets), files: bucket.files, eventsApplied: replayer.rowsApplied }
  })

/** `--at`: ISO-8601 (a zone is required: Z or an offset) or epoch milliseconds; null when neither. */
export function parseInstant(text: string): number | null {
  const t = text.trim()
  if (/^\d{1,16}$/.test(t)) return Number(t)
  if (!/^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:?\d{2})$/.test(t)) return null
  const ms = Date.parse(t)
  return Number.isFinite(ms) ? ms : null
}

/** A row as one JSON line (NaN prices as null, like `replay`). */
export const rowJson = (row: SnapshotRow): string => JSON.stringify(row)
