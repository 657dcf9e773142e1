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

export const readInput = async (input: DayInput, withLevels: boolean): Promise<InputBatch> => {
  if (input.kind === "trades") return { columns: await readColumns(input.path, TRADE_COLUMNS_USED) }
  const columns = await readColumns(input.path, SNAPSHOT_SCALAR_COLUMNS)
  if (!withLevels) return { columns }
  return { columns, levels: await readLevelPrefixes(input.path) }
}
