/**
 * The scanner's output and the scheduler's input: `data/metadata/venue=V/date=D/universe.jsonl`,
 * one MarketRecord per line (DESIGN section 6), written atomically.
 */
import * as fs from "node:fs/promises"
import { Either, ParseResult, Schema } from "effect"
import { MarketRecord } from "../domain/Market.js"
import type { VenueId } from "../domain/VenueId.js"
import { writeFileAtomic } from "./atomic.js"
import { assertDate, listPartitionDates, universePath } from "./paths.js"

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
export async function writeUniverse(dataDir: string, venue: VenueId, date: string, markets: ReadonlyArray<MarketRecord>): Promise<string> {
  const file = universePath(dataDir, venue, date)
  await writeFileAtomic(file, encodeUniverse(markets))
  return file
}

export interface LoadedUniverse extends ParsedUniverse {
  readonly date: string
  readonly path: string
}

/**
 * The newest universe on or before `onOrBefore` (today's, else the newest earlier one, DESIGN
 * section 8); null when there is none. A date folder without a universe file is skipped.
 */
export async function readNewestUniverse(dataDir: string, venue: VenueId, onOrBefore: string): Promise<LoadedUniverse | null> {
  assertDate(onOrBefore)
  const dates = await listPartitionDates(dataDir, "metadata", venue)
  for (let i = dates.length - 1; i >= 0; i--) {
    const date = dates[i]!
    if (date > onOrBefore) continue
    const file = universePath(dataDir, venue, date)
    let text: string
    try {
      text = await fs.readFile(file, "utf8")
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") continue
      throw e
    }
    return { date, path: file, ...parseUniverse(text, file) }
  }
  return null
}
