/**
 * Order-book snapshot files. Column order and types are the contract that DuckDB/Polars
 * users see: TIMESTAMP(MILLIS, UTC) `ts_recv` and `source_ts` (nullable); INT64 `seq`; DOUBLE
 * best levels, `mid`, `spread` (NULL when missing; NaN in memory); LIST<DOUBLE> ladders (bids
 * descending, asks ascending, never null, possibly empty); STRING ids, `status`, `err`
 * (nullable); INT64 `event_seq` (nullable, newer files only: the event-log position of the row).
 */
import type { SnapshotRow } from "../../domain/SnapshotRow.js"
import { encodeTable, readTable, type EncodeOptions, type TableSpec } from "./table.js"

export const SNAPSHOT_TABLE: TableSpec = [
  { name: "ts_recv", kind: "TIMESTAMP_MS" },
  { name: "venue", kind: "STRING", dictionary: true },
  { name: "market_id", kind: "STRING", dictionary: true },
  { name: "outcome_id", kind: "STRING", dictionary: true },
  { name: "seq", kind: "INT64" },
  { name: "best_bid_px", kind: "DOUBLE", missingAsNull: true },
  { name: "best_bid_sz", kind: "DOUBLE", missingAsNull: true },
  { name: "best_ask_px", kind: "DOUBLE", missingAsNull: true },
  { name: "best_ask_sz", kind: "DOUBLE", missingAsNull: true },
  { name: "mid", kind: "DOUBLE", missingAsNull: true },
  { name: "spread", kind: "DOUBLE", missingAsNull: true },
  { name: "bid_px", kind: "LIST_DOUBLE" },
  { name: "bid_sz", kind: "LIST_DOUBLE", dictionary: true },
  { name: "ask_px", kind: "LIST_DOUBLE" },
  { name: "ask_sz", kind: "LIST_DOUBLE", dictionary: true },
  { name: "status", kind: "STRING", dictionary: true },
  { name: "err", kind: "STRING", nullable: true, dictionary: true },
  { name: "source_ts", kind: "TIMESTAMP_MS", nullable: true },
  // added with the event log; older files lack it (read as absent)
  { name: "event_seq", kind: "INT64", nullable: true, delta: true }
]

export function encodeSnapshotRows(rows: ReadonlyArray<SnapshotRow>, opts?: EncodeOptions): Uint8Array {
  return encodeTable(SNAPSHOT_TABLE, rows as unknown as ReadonlyArray<Record<string, unknown>>, opts)
}

/** Reads a snapshot file, only `columns` when given (read only what you need: lists are slow). */
export async function readSnapshotFile(filePath: string, columns?: ReadonlyArray<keyof SnapshotRow>): Promise<Array<Partial<SnapshotRow>>> {
  const rows = await readTable(filePath, SNAPSHOT_TABLE, columns)
  // `event_seq` is optional in memory: a row without a position reads back without the key
  for (const row of rows) if (row["event_seq"] === null) delete row["event_seq"]
  return rows as Array<Partial<SnapshotRow>>
}
