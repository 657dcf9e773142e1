/**
 * What the writer does while the disk refuses its writes (ENOSPC, EROFS, EIO...): the rows stay
 * in memory up to the queue bound, beyond it the oldest are dropped and counted by reason, one
 * attempt is made per retry delay (exponential from `flush_seconds`, capped), and one line per
 * flush interval says how many rows wait and why.
 */
import { Duration, Schedule } from "effect"
import { DISK_REFUSALS, type DiskRefusal } from "../storage/durableAppend.js"

export interface DiskFailure {
  readonly reason: DiskRefusal
  /** "append" (write-ahead file) or "encode" (Parquet file) */
  readonly op: string
  readonly message: string
  /** Clock ms of the first failure of this incident */
  readonly sinceMs: number
}

/** Why rows the writer accepted never reached a file. */
export type DropReason = DiskRefusal | "shutdown" | "unreadable_write_ahead_line"
export const DROP_REASONS: ReadonlyArray<DropReason> = [...DISK_REFUSALS, "shutdown", "unreadable_write_ahead_line"]

/** The longest wait between two attempts while the disk refuses. */
export const RETRY_CAP_MS = 30_000

/**
 * Delays between attempts while failing: flush_seconds, then doubling, capped at 30 s (never
 * below flush_seconds), so a full disk costs one failed syscall per delay instead of one per
 * batch, and the rows held are written at most 30 s after space returns.
 */
export const writerRetrySchedule = (flushSeconds: number) =>
  Schedule.exponential(Duration.seconds(flushSeconds), 2).pipe(
    Schedule.union(Schedule.spaced(Duration.millis(Math.max(RETRY_CAP_MS, flushSeconds * 1000))))
  )

/** Rows held for one file, as far as dropping is concerned. */
export interface HeldRows {
  readonly bucketStartMs: number
  readonly pendingSinceMs: number
  pending: Array<unknown>
}

/**
 * Removes the `count` oldest held rows (oldest bucket first, then in arrival order) and returns
 * how many were removed (fewer when fewer are held, e.g. while a batch is being appended).
 */
export function dropOldestHeld(held: Iterable<HeldRows>, count: number): number {
  if (count <= 0) return 0
  const withRows = [...held].filter((h) => h.pending.length > 0)
  withRows.sort((a, b) => a.bucketStartMs - b.bucketStartMs || a.pendingSinceMs - b.pendingSinceMs)
  let dropped = 0
  for (const h of withRows) {
    if (dropped >= count) break
    const n = Math.min(count - dropped, h.pending.length)
    h.pending.splice(0, n)
    dropped += n
  }
  return dropped
}

export const formatDrops = (byReason: Readonly<Record<string, number>>): string => {
  const parts = Object.entries(byReason).filter(([, n]) => n > 0).map(([r, n]) => `${r} ${n}`)
  return parts.length === 0 ? "" : ` (${parts.join(", ")})`
}

/** The line logged once per flush interval while the disk refuses. */
export const waitingLine = (
  failure: DiskFailure, nowMs: number, inMemory: number, bound: number, inWal: number, dropped: number, byReason: Readonly<Record<string, number>>
): string =>
  `writer: disk refuses writes for ${Math.round((nowMs - failure.sinceMs) / 1000)} s (${failure.reason}: ${failure.message}); ` +
  `${inMemory} rows wait in memory (bound ${bound})` + (inWal > 0 ? `, ${inWal} in write-ahead files` : "") +
  `; ${dropped} dropped so far${formatDrops(byReason)}; retrying with backoff`
