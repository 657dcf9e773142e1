/**
 * The scanner's output and the scheduler's input: `data/metadata/venue=V/date=D/universe.jsonl`,
 * one MarketRecord per line (docs/DESIGN.md, "Data layout"), written atomically.
 */
import { Effect, Either, ParseResult, Schema } from "effect"
import { MarketRecord } from "../domain/Market.js"
import type { VenueId } from "../domain/VenueId.js"
import { FileStore, type FileStoreError } from "./FileStore.js"
import { listPartitionDates } from "./partitions.js"
import { assertDate, universePath } from "./paths.js"

export interface BadUniverseLine {
  /** 1-based line number in the file */
  readonly line: number
  readonly error: string
}

export interface ParsedUniverse {
  readonly markets: MarketRecord[]
  readonly badLines: number
  /** the first few bad lines, for a log message that says where */
  readonly badLineDetails: ReadonlyArray<BadUniverseLine>
}

const MAX_BAD_LINE_DETAILS = 10
const decodeMarket = Schema.decodeUnknownEither(MarketRecord)
const encodeMarket = Schema.encodeSync(MarketRecord)

/** One JSON object per line, `\n`-terminated; fields in MarketRecord order. */
export function encodeUniverse(markets: ReadonlyArray<MarketRecord>): string {
  let out = ""
  for (const m of markets) out += JSON.stringify(encodeMarket(m)) + "\n"
  return out
}

/**
 * Parses JSONL; a line that is not JSON or not a MarketRecord is skipped and counted (with
 * its line number), so one bad line never hides a whole universe. Blank lines are ignored.
 */
export function parseUniverse(text: string, file: string): ParsedUniverse {
  const markets: MarketRecord[] = []
  const badLineDetails: BadUniverseLine[] = []
  let badLines = 0
  const lines = text.split("\n")
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim()
    if (line === "") continue
    let error: string
    try {
      const decoded = decodeMarket(JSON.parse(line))
      if (Either.isRight(decoded)) {
        markets.push(decoded.right)
        continue
      }
      error = ParseResult.TreeFormatter.formatErrorSync(decoded.left).replace(/\s+/g, " ")
    } catch (e) {
      error = `invalid JSON: ${(e as Error).message}`
    }
    badLines++
    if (badLineDetails.length < MAX_BAD_LINE_DETAILS) badLineDetails.push({ line: i + 1, error: `${file}:${i + 1}: ${error.slice(0, 300)}` })
  }
  return { markets, badLines, badLineDetails }
}

/** Writes the universe for (venue, date) atomically; returns its path. */
export const writeUniverse = (
  dataDir: string,
  venue: VenueId,
  date: string,
  markets: ReadonlyArray<MarketRecord>
): Effect.Effect<string, FileStoreError, FileStore> =>
  Effect.gen(function*() {
    const file = universePath(dataDir, venue, date)
    yield* (yield* FileStore).writeAtomic(file, encodeUniverse(markets))
    return file
  })

export interface LoadedUniverse extends ParsedUniverse {
  readonly date: string
  readonly path: string
}

/**
 * The newest universe on or before `onOrBefore` (today's, else the newest earlier one);
 * null when there is none. A date folder without a universe file is skipped.
 */
export const readNewestUniverse = (
  dataDir: string,
  venue: VenueId,
  onOrBefore: string
): Effect.Effect<LoadedUniverse | null, FileStoreError, FileStore> =>
  Effect.gen(function*() {
    assertDate(onOrBefore)
    const store = yield* FileStore
    const dates = yield* listPartitionDates(dataDir, "metadata", venue)
    for (let i = dates.length - 1; i >= 0; i--) {
      const date = dates[i]!
      if (date > onOrBefore) continue
      const file = universePath(dataDir, venue, date)
      if ((yield* store.stat(file))?.kind !== "file") continue
      return { date, path: file, ...parseUniverse(yield* store.readText(file), file) }
    }
    return null
  })
