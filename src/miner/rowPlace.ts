/**
 * Rows must belong to the folder they were found in: `venue=V/date=D` holds rows of venue V
 * whose `ts_recv` falls on UTC day D (the writer routes by both). A file copied into the wrong
 * folder, or a row that does not match it, would put one venue's keys into another venue's
 * stats or count a day twice, so such rows are left out and counted. Runs where the file is
 * decoded (a worker thread), in one pass over two columns; a batch with nothing out of place is
 * returned as is.
 */
import type { ListPrefix } from "./listPrefix.js"
import { type ColumnBatch, type LevelPrefixes, numberColumn } from "./stats.js"

/** Where a file was found: the folder's venue and UTC date. */
export interface RowPlace {
  readonly venue: string
  readonly date: string
}

export interface MisplacedRows {
  /** rows of another venue (or with no venue) */
  readonly wrongVenue: number
  /** rows of this venue whose ts_recv is not on the folder's date */
  readonly wrongDate: number
  /** one venue value that did not match, for the warning */
  readonly otherVenue: string | null
}

export const NOTHING_MISPLACED: MisplacedRows = { wrongVenue: 0, wrongDate: 0, otherVenue: null }

export const misplacedCount = (m: MisplacedRows): number => m.wrongVenue + m.wrongDate

const DAY_MS = 86_400_000

const keepRows = (col: ArrayLike<unknown>, keep: Uint8Array, kept: number): ArrayLike<unknown> => {
  if (col instanceof Float64Array) {
    const out = new Float64Array(kept)
    let j = 0
    for (let i = 0; i < col.length; i++) if (keep[i] === 1) out[j++] = col[i]!
    return out
  }
  const out = new Array<unknown>(kept)
  let j = 0
  for (let i = 0; i < col.length; i++) if (keep[i] === 1) out[j++] = col[i]
  return out
}

const keepPrefixRows = (p: ListPrefix, keep: Uint8Array, kept: number): ListPrefix => {
  const values = new Float64Array(kept * p.k)
  let j = 0
  for (let i = 0; i < p.rows; i++) {
    if (keep[i] !== 1) continue
    values.set(p.values.subarray(i * p.k, (i + 1) * p.k), j * p.k)
    j++
  }
  return { values, k: p.k, rows: kept }
}

/**
 * Leaves out the rows of `columns` (and `levels`) that do not belong in `place`. `venues` is the
 * file's venue column (undefined when the file has none: then only the date is checked).
 */
export function keepRowsInPlace(
  place: RowPlace, venues: ArrayLike<unknown> | undefined, columns: ColumnBatch, levels: LevelPrefixes | undefined
): { readonly columns: ColumnBatch; readonly levels: LevelPrefixes | undefined; readonly misplaced: MisplacedRows } {
  const ts = numberColumn(columns["ts_recv"], "ts_recv")
  const dayStart = Date.parse(`${place.date}T00:00:00Z`)
  const dayEnd = dayStart + DAY_MS
  let keep: Uint8Array | null = null
  let wrongVenue = 0
  let wrongDate = 0
  let otherVenue: string | null = null
  for (let i = 0; i < ts.length; i++) {
    const v = venues === undefined ? place.venue : venues[i]
    const t = ts[i]!
    const venueOk = v === place.venue
    if (venueOk && t >= dayStart && t < dayEnd) continue
    if (keep === null) keep = new Uint8Array(ts.length).fill(1)
    keep[i] = 0
    if (venueOk) wrongDate++
    else {
      wrongVenue++
      if (otherVenue === null) otherVenue = typeof v === "string" ? v : String(v)
    }
  }
  if (keep === null) return { columns, levels, misplaced: NOTHING_MISPLACED }
  const kept = ts.length - wrongVenue - wrongDate
  const out: Record<string, ArrayLike<unknown> | undefined> = {}
  for (const [name, col] of Object.entries(columns)) out[name] = col === undefined ? undefined : keepRows(col, keep, kept)
  const outLevels = levels === undefined ? undefined : {
    bidPx: keepPrefixRows(levels.bidPx, keep, kept),
    bidSz: keepPrefixRows(levels.bidSz, keep, kept),
    askPx: keepPrefixRows(levels.askPx, keep, kept),
    askSz: keepPrefixRows(levels.askSz, keep, kept)
  }
  return { columns: out, levels: outLevels, misplaced: { wrongVenue, wrongDate, otherVenue } }
}
