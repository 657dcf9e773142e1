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

/** `file` holds the whole file named by `input.path` (the path only names it in errors) */
export const readInput = async (input: Pick<DayInput, "path" | "kind">, file: ArrayBuffer, withLevels: boolean): Promise<InputBatch> => {
  if (input.kind === "trades") return { columns: await readColumnsFromBytes(file, input.path, TRADE_COLUMNS_USED) }
  const columns = await readColumnsFromBytes(file, input.path, SNAPSHOT_SCALAR_COLUMNS)
  if (!withLevels) return { columns }
  return { columns, levels: await readLevelPrefixes(file, input.path) }
}
