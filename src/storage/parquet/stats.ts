/**
 * The miner's stats cache (`data/stats/venue=V/date=D/stats.parquet`), one row per
 * (market_id, outcome_id). Counters are INT64, `first_ts` / `last_ts` TIMESTAMP(MILLIS, UTC),
 * the rest DOUBLE (NULL = no qualifying rows; NaN in memory), ids STRING. Column order follows
 * StatsRow.
 */
import type { StatsRow } from "../../domain/StatsRow.js"
import { encodeTable, readTable, type ColumnSpec, type EncodeOptions, type TableSpec } from "./table.js"

const STRING_COLUMNS = new Set(["venue", "market_id", "outcome_id", "date"])
const INT64_COLUMNS = new Set(["snapshot_count", "update_count", "trade_count"])
const TIMESTAMP_COLUMNS = new Set(["first_ts", "last_ts"])

// Kept in step with src/domain/StatsRow.ts (a test checks the two lists are equal); listed
// here so this module stays free of runtime Effect imports (it runs in worker threads).
const STATS_COLUMN_ORDER = [
  "venue", "market_id", "outcome_id", "date", "snapshot_count", "first_ts", "last_ts", "observed_secs",
  "two_sided_frac", "crossed_frac", "stale_frac", "empty_frac", "avg_spread", "median_spread", "p90_spread",
  "tw_spread", "avg_mid", "mid_abs_change_per_min", "avg_depth", "avg_depth_top3", "avg_depth_top10",
  "avg_notional_top3", "update_count", "updates_per_min", "trade_count", "trade_volume", "trade_notional",
  "vwap", "score"
] as const satisfies ReadonlyArray<keyof StatsRow>

export const STATS_TABLE: TableSpec = STATS_COLUMN_ORDER.map((name): ColumnSpec =>
  STRING_COLUMNS.has(name)
    ? { name, kind: "STRING", dictionary: name !== "market_id" && name !== "outcome_id" }
    : INT64_COLUMNS.has(name)
    ? { name, kind: "INT64" }
    : TIMESTAMP_COLUMNS.has(name)
    ? { name, kind: "TIMESTAMP_MS" }
    : { name, kind: "DOUBLE", missingAsNull: true }
)

export function encodeStatsRows(rows: ReadonlyArray<StatsRow>, opts?: EncodeOptions): Uint8Array {
  return encodeTable(STATS_TABLE, rows as unknown as ReadonlyArray<Record<string, unknown>>, opts)
}

export async function readStatsFile(filePath: string, columns?: ReadonlyArray<keyof StatsRow>): Promise<Array<Partial<StatsRow>>> {
  return (await readTable(filePath, STATS_TABLE, columns)) as Array<Partial<StatsRow>>
}
