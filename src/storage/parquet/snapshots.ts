/**
 * Order-book snapshot files (docs/DESIGN.md, "Data layout"). Column order and types are the contract that
 * DuckDB/Polars users see: INT64 `ts_recv`, `seq`, `source_ts` (nullable); DOUBLE best
 * levels, `mid`, `spread` (NaN when missing, seed convention); LIST<DOUBLE> ladders (bids
 * descending, asks ascending, never null, possibly empty); STRING ids, `status`, `err`
 * (nullable).
 */
import type { SnapshotRow } from "../../domain/SnapshotRow.js"
import { encodeTable, readTable, type EncodeOptions, type TableSpec } from "./table.js"

export const SNAPSHOT_TABLE: TableSpec = [
  { name: "ts_recv", kind: "INT64" },
  { name: "venue", kind: "STRING", dictionary: true },
  { name: "market_id", kind: "STRING", dictionary: true },
  { name: "outcome_id", kind: "STRING", dictionary: true },
  { name: "seq", kind: "INT64" },
  { name: "best_bid_px", kind: "DOUBLE" },
  { name: "best_bid_sz", kind: "DOUBLE" },
  { name: "best_ask_px", kind: "DOUBLE" },
  { name: "best_ask_sz", kind: "DOUBLE" },
  { name: "mid", kind: "DOUBLE" },
  { name: "spread", kind: "DOUBLE" },
  { name: "bid_px", kind: "LIST_DOUBLE" },
  { name: "bid_sz", kind: "LIST_DOUBLE", dictionary: true },
  { name: "ask_px", kind: "LIST_DOUBLE" },
  { name: "ask_sz", kind: "LIST_DOUBLE", dictionary: true },
  { name: "status", kind: "STRING", dictionary: true },
  { name: "err", kind: "STRING", nullable: true, dictionary: true },
  { name: "source_ts", kind: "INT64", nullable: true }
]

export function encodeSnapshotRows(rows: ReadonlyArray<SnapshotRow>, opts?: EncodeOptions): Uint8Array {
  return encodeTable(SNAPSHOT_TABLE, rows as unknown as ReadonlyArray<Record<string, unknown>>, opts)
}

/** Reads a snapshot file, only `columns` when given (read only what you need: lists are slow). */
export async function readSnapshotFile(filePath: string, columns?: ReadonlyArray<keyof SnapshotRow>): Promise<Array<Partial<SnapshotRow>>> {
  return (await readTable(filePath, SNAPSHOT_TABLE, columns)) as Array<Partial<SnapshotRow>>
}
