/**
 * Reading one input file for the miner: the scalar columns through storage's columnar reader,
 * the ladder prefixes through the fast list walker (falling back to hyparquet's row assembly
 * if the walker meets a layout it does not expect).
 */
import * as fs from "node:fs/promises"
import { parquetMetadata } from "hyparquet"
import { readColumns } from "../storage/parquet/table.js"
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

const readLevelPrefixes = async (filePath: string): Promise<LevelPrefixes> => {
  const buf = await fs.readFile(filePath)
  const file = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer
  const metadata = parquetMetadata(file)
  try {
    return {
      bidPx: readListPrefix(file, metadata, "bid_px", PRICE_PREFIX),
      bidSz: readListPrefix(file, metadata, "bid_sz", SIZE_PREFIX),
      askPx: readListPrefix(file, metadata, "ask_px", PRICE_PREFIX),
      askSz: readListPrefix(file, metadata, "ask_sz", SIZE_PREFIX)
    }
  } catch {
    const lists = await readColumns(filePath, SNAPSHOT_LEVEL_COLUMNS)
    const levels = levelPrefixesFromBatch(lists)
    if (levels === undefined) throw new Error("ladder columns missing")
    return levels
  }
}

/** The columns plus `venue` when the rows' place is checked (a file without a venue column: date only). */
const readWithVenue = async (filePath: string, names: ReadonlyArray<string>, checkVenue: boolean) => {
  if (!checkVenue) return { columns: await readColumns(filePath, names), venues: undefined }
  try {
    const { venue, ...columns } = await readColumns(filePath, [...names, "venue"])
    return { columns, venues: venue }
  } catch (e) {
    if (!(e instanceof Error && e.message.endsWith(": no column venue"))) throw e
    return { columns: await readColumns(filePath, names), venues: undefined }
  }
}

export const readInput = async (input: DayInput, withLevels: boolean): Promise<InputBatch> => {
  const names = input.kind === "trades" ? TRADE_COLUMNS_USED : SNAPSHOT_SCALAR_COLUMNS
  const { columns, venues } = await readWithVenue(input.path, names, input.place !== null)
  const levels = input.kind === "snapshots" && withLevels ? await readLevelPrefixes(input.path) : undefined
  if (input.place === null) return levels === undefined ? { columns } : { columns, levels }
  const placed = keepRowsInPlace(input.place, venues, columns, levels)
  const misplaced = placed.misplaced.wrongVenue + placed.misplaced.wrongDate > 0 ? { misplaced: placed.misplaced } : {}
  return placed.levels === undefined ? { columns: placed.columns, ...misplaced } : { columns: placed.columns, levels: placed.levels, ...misplaced }
}
