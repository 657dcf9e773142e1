/**
 * Recorded WebSocket text frames -> snapshot rows, through the collector's own decoder, book
 * store and Kalshi sequencing (duplicates and steps back dropped, gaps mark books stale), with
 * no network. Plain TypeScript: `surveillance replay`
 * (src/cli/replay.ts) wraps it.
 *
 * Input: JSON lines (one frame per line: an object or an array, as the venue sent it) or one
 * JSON document: an array of frames, or a single (possibly pretty-printed) frame. A one-line
 * file holding an array is one frame (a Polymarket array frame), not a list of frames.
 *
 * Every frame that changed a book yields one row per changed book, in order (a Kalshi market
 * is one book with two rows, `yes` then `no`); `ts_recv` of those rows is the frame's venue
 * time (the latest `sourceTs` of its events) or, for a frame without one, the previous
 * frame's, so a replay is deterministic. Bad frames (not JSON, malformed fields) are counted
 * and named by line, never fatal.
 */
import type { BookEvent } from "../domain/BookEvent.js"
import type { SnapshotRow } from "../domain/SnapshotRow.js"
import type { VenueId } from "../domain/VenueId.js"
import { BookStore } from "../books/BookStore.js"
import { makeDecodeStats } from "../venues/DecodeStats.js"
import { recordedFrameDecoder } from "../venues/recordedFrames.js"

/** every level of every book: a replay shows whole ladders */
export const REPLAY_TOP_K = 1_000_000

export interface Frame {
  /** 1-based line of the frame in the file (for a JSON array: the element's index + 1) */
  readonly line: number
  readonly text: string
}

/** Splits a recording into frames (see the module comment for the accepted forms). */
export const splitFrames = (content: string): Array<Frame> => {
  const trimmed = content.trim()
  if (trimmed === "") return []
  const multiLine = trimmed.includes("\n")
  if (multiLine && (trimmed.startsWith("[") || trimmed.startsWith("{"))) {
    let whole: unknown
    try {
      whole = JSON.parse(trimmed)
    } catch {
      whole = undefined // JSON lines
    }
    if (Array.isArray(whole)) return whole.map((f, i) => ({ line: i + 1, text: JSON.stringify(f) }))
    if (whole !== undefined) return [{ line: 1, text: trimmed }]
  }
  const frames: Array<Frame> = []
  const lines = content.split("\n")
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!.trim()
    if (text !== "") frames.push({ line: i + 1, text })
  }
  return frames
}

export interface ReplaySummary {
  frames: number
  /** decoded events by kind (snapshot, level_set, binary_snapshot, binary_delta, trade, ...) */
  events: Record<string, number>
  /** frames, or objects inside a frame, the decoder could not use (bad JSON, missing or bad fields) */
  rejected: number
  /** objects of an event type the decoder does not know */
  unknown: number
  /** rows printed whose book was crossed */
  crossed_states: number
}

export interface ReplayCallbacks {
  /** one row for a book the frame changed */
  readonly row: (row: SnapshotRow, frame: Frame) => void
  /** one line about a bad frame, a venue error reply or a sequence gap */
  readonly note: (line: string) => void
}

const changedKey = (ev: BookEvent): { marketId: string; outcomeId: string | null } | null => {
  switch (ev.kind) {
    case "snapshot":
    case "level_set":
      return { marketId: ev.marketId, outcomeId: ev.outcomeId }
    case "binary_snapshot":
    case "binary_delta":
      return { marketId: ev.marketId, outcomeId: null }
    default:
      return null
  }
}

export const replayFrames = (venue: VenueId, frames: ReadonlyArray<Frame>, out: ReplayCallbacks): ReplaySummary => {
  const store = new BookStore({ venue, topK: REPLAY_TOP_K })
  const stats = makeDecodeStats()
  const decoder = recordedFrameDecoder(venue, stats)
  const summary: ReplaySummary = { frames: 0, events: {}, rejected: 0, unknown: 0, crossed_states: 0 }
  const events: Array<BookEvent> = []
  const errors: Array<string> = []
  let ts = 0
  for (const frame of frames) {
    summary.frames++
    events.length = 0
    errors.length = 0
    const malformedBefore = stats.malformed
    decoder.decode(frame.text, events, errors)
    if (stats.malformed > malformedBefore) {
      out.note(`line ${frame.line}: ${stats.lastMalformedReason ?? "malformed frame"}${stats.malformed - malformedBefore > 1 ? ` (${stats.malformed - malformedBefore} objects)` : ""}`)
    }
    for (const e of errors) out.note(`line ${frame.line}: ${e}`)
    for (const ev of events) {
      if (ev.kind !== "seq_only" && ev.sourceTs !== null && ev.sourceTs > ts) ts = ev.sourceTs
    }
    // books changed by this frame, in order of first change
    const changed = new Map<string, { marketId: string; outcomeId: string | null }>()
    for (const ev of events) {
      summary.events[ev.kind] = (summary.events[ev.kind] ?? 0) + 1
      const applied = store.counters.applied
      decoder.apply(ev, store, ts, (line) => out.note(`line ${frame.line}: ${line}`))
      const key = changedKey(ev)
      if (key !== null && store.counters.applied > applied) changed.set(`${key.marketId}\u0000${key.outcomeId ?? ""}`, key)
    }
    for (const { marketId, outcomeId } of changed.values()) {
      const rows: Array<SnapshotRow> = []
      if (outcomeId === null) store.rowsForMarket(marketId, ts, rows)
      else rows.push(store.snapshotRow(marketId, outcomeId, ts))
      for (const row of rows) {
        if (row.status === "crossed") summary.crossed_states++
        out.row(row, frame)
      }
    }
  }
  summary.rejected = stats.malformed
  summary.unknown = stats.unknown
  return summary
}
