/** Trade files: TIMESTAMP(MILLIS, UTC) `ts_recv` and nullable `source_ts`, nullable `trade_id`. */
import type { TradeRow } from "../../domain/TradeRow.js"
import { encodeTable, readTable, type EncodeOptions, type TableSpec } from "./table.js"

export const TRADE_TABLE: TableSpec = [
  { name: "ts_recv", kind: "TIMESTAMP_MS" },
  { name: "source_ts", kind: "TIMESTAMP_MS", nullable: true },
  { name: "venue", kind: "STRING", dictionary: true },
  { name: "market_id", kind: "STRING", dictionary: true },
  { name: "outcome_id", kind: "STRING", dictionary: true },
  { name: "price", kind: "DOUBLE" },
  { name: "size", kind: "DOUBLE" },
  { name: "side", kind: "STRING", dictionary: true },
  { name: "trade_id", kind: "STRING", nullable: true }
]

export function encodeTradeRows(rows: ReadonlyArray<TradeRow>, opts?: EncodeOptions): Uint8Array {
  return encodeTable(TRADE_TABLE, rows as unknown as ReadonlyArray<Record<string, unknown>>, opts)
}

export async function readTradeFile(filePath: string, columns?: ReadonlyArray<keyof TradeRow>): Promise<Array<Partial<TradeRow>>> {
  return (await readTable(filePath, TRADE_TABLE, columns)) as Array<Partial<TradeRow>>
}
