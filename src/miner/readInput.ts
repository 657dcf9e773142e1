/**
 * Decoding one input file for the miner from its bytes (read through the FileStore on the main
 * thread): the scalar columns through storage's columnar reader, the ladder prefixes through
 * the list walker (listPrefix.ts). A layout the walker refuses goes through hyparquet's row
 * assembly instead, which the foreign-writer tests prove on the same files; if that fails too,
 * the file is unreadable and the error names both reasons.
 */
import { parquetMetadata } from "hyparquet"
import { ParquetCodecError, readColumnsFromBytes } from "../storage/parquet/table.js"
import type { DayInput } from "./dayInputs.js"
import { readListPrefix } from "./listPrefix.js"
import { keepRowsInPlace, type MisplacedRows } from "./rowPlace.js"
import {
  type ColumnBatch,
  type LevelPrefixes,
  levelPrefixesFromBatch,
  PRICE_PREFIX,
  SIZE_PREFIX,
  SNAPSHOT_LEVEL_COLUMNS,
  SNAPSHOT_SCALAR_COLUMNS,
  TRADE_COLUMNS_USED
} from "./stats.js"

export interface InputBatch {
  readonly columns: ColumnBatch
  readonly levels?: LevelPrefixes
  /** rows left out because they do not belong in the file's folder (absent: none) */
  readonly misplaced?: MisplacedRows
}

/** The ladder prefixes through the list walker only (no fallback). */
export const readLevelPrefixesFast = (file: ArrayBuffer, filePath: string): LevelPrefixes => {
  let metadata: ReturnType<typeof parquetMetadata>
  try {
    metadata = parquetMetadata(file)
  } catch (e) {
    throw new ParquetCodecError(`${filePath}: cannot read Parquet: ${message(e).split("\n")[0]}`)
  }
  return {
    bidPx: readListPrefix(file, metadata, "bid_px", PRICE_PREFIX),
    bidSz: readListPrefix(file, metadata, "bid_sz", SIZE_PREFIX),
    askPx: readListPrefix(file, metadata, "ask_px", PRICE_PREFIX),
    askSz: readListPrefix(file, metadata, "ask_sz", SIZE_PREFIX)
  }
}

/** The ladder prefixes through hyparquet's row assembly (whole lists per row): slow, general. */
export const readLevelPrefixesAssembled = async (file: ArrayBuffer, filePath: string): Promise<LevelPrefixes> => {
  const lists = await readColumnsFromBytes(file, filePath, SNAPSHOT_LEVEL_COLUMNS)
  const levels = levelPrefixesFromBatch(lists)
  if (levels === undefined) throw new Error("ladder columns missing")
  return levels
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e))

const readLevelPrefixes = async (file: ArrayBuffer, filePath: string): Promise<LevelPrefixes> => {
  try {
    return readLevelPrefixesFast(file, filePath)
  } catch (fast) {
    try {
      return await readLevelPrefixesAssembled(file, filePath)
    } catch (assembled) {
      throw new Error(`${filePath}: cannot read the ladders (${message(fast)}; row assembly: ${message(assembled)})`)
    }
  }
}

/** The columns plus `venue` when the rows' place is checked (a file without a venue column: date only). */
const readWithVenue = async (file: ArrayBuffer, filePath: string, names: ReadonlyArray<string>, checkVenue: boolean) => {
  if (!checkVenue) return { columns: await readColumnsFromBytes(file, filePath, names), venues: undefined }
  try {
    const { venue, ...columns } = await readColumnsFromBytes(file, filePath, [...names, "venue"])
    return { columns, venues: venue }
  } catch (e) {
    if (!(e instanceof Error && e.message.endsWith(": no column venue"))) throw e
    return { columns: await readColumnsFromBytes(file, filePath, names), venues: undefined }
  }
}

/** `file` holds the whole file named by `input.path` (the path only names it in errors) */
export const readInput = async (input: Pick<DayInput, "path" | "kind" | "place">, file: ArrayBuffer, withLevels: boolean): Promise<InputBatch> => {
  const names = input.kind === "trades" ? TRADE_COLUMNS_USED : SNAPSHOT_SCALAR_COLUMNS
  const { columns, venues } = await readWithVenue(file, input.path, names, input.place !== null)
  const levels = input.kind === "snapshots" && withLevels ? await readLevelPrefixes(file, input.path) : undefined
  if (input.place === null) return levels === undefined ? { columns } : { columns, levels }
  const placed = keepRowsInPlace(input.place, venues, columns, levels)
  const misplaced = placed.misplaced.wrongVenue + placed.misplaced.wrongDate > 0 ? { misplaced: placed.misplaced } : {}
  return placed.levels === undefined ? { columns: placed.columns, ...misplaced } : { columns: placed.columns, levels: placed.levels, ...misplaced }
}
