/**
 * The miner's statistics recomputed by DuckDB SQL, independently of our code: the reference
 * the miner's tests compare against (within 1e-9). `snapshots` and `trades` are FROM-clause
 * sources (read_parquet(...)); `ts` is the expression of ts_recv as epoch milliseconds
 * (a TIMESTAMP through epoch_ms, as our files hold it; a plain BIGINT column as is).
 */
import { DuckDBInstance } from "@duckdb/node-api"
import { expect } from "vitest"

export const REFERENCE_COLUMNS = [
  "avg_spread", "median_spread", "avg_depth", "avg_depth_top3", "two_sided_frac", "update_count", "trade_volume",
  "avg_depth_top10", "avg_notional_top3", "snapshot_count", "first_ts", "last_ts"
] as const

export const sqlList = (files: ReadonlyArray<string>) => `[${files.map((f) => `'${f}'`).join(", ")}]`

/** rows: market_id, outcome_id, then REFERENCE_COLUMNS; ordered by market_id, outcome_id */
export const referenceStatsSql = (snapshots: string, trades: string, ts = "epoch_ms(ts_recv)"): string => {
  const twoSided = "status = 'ok' and isfinite(spread) and spread > 0 and isfinite(mid)"
  return `
    with s as (
      select *, ${ts} as ts_ms, seq - lag(seq) over (partition by market_id, outcome_id order by ${ts}) as seq_inc
      from ${snapshots}
    ),
    q as (
      select market_id, outcome_id,
        avg(spread) filter (where ${twoSided}) as avg_spread,
        median(spread) filter (where ${twoSided}) as median_spread,
        avg(best_bid_sz + best_ask_sz) filter (where status <> 'stale') as avg_depth,
        avg(coalesce(list_sum(bid_sz[1:3]), 0) + coalesce(list_sum(ask_sz[1:3]), 0)) filter (where status <> 'stale') as avg_depth_top3,
        (count(*) filter (where ${twoSided}))::DOUBLE / count(*) as two_sided_frac,
        avg(coalesce(list_sum(bid_sz[1:10]), 0) + coalesce(list_sum(ask_sz[1:10]), 0)) filter (where status <> 'stale') as avg_depth_top10,
        avg(coalesce(list_sum(list_transform(list_zip(bid_px[1:3], bid_sz[1:3]), x -> x[1] * x[2])), 0)
          + coalesce(list_sum(list_transform(list_zip(ask_px[1:3], ask_sz[1:3]), x -> x[1] * x[2])), 0)) filter (where status <> 'stale') as avg_notional_top3,
        sum(greatest(seq_inc, 0))::BIGINT as update_count,
        count(*) as snapshot_count, min(ts_ms) as first_ts, max(ts_ms) as last_ts
      from s group by market_id, outcome_id
    ),
    t as (
      select market_id, outcome_id, sum(size) as trade_volume
      from ${trades} where size > 0 and isfinite(price)
      group by market_id, outcome_id
    )
    select q.market_id, q.outcome_id, ${REFERENCE_COLUMNS.map((c) => (c === "trade_volume" ? "coalesce(t.trade_volume, 0)" : `q.${c}`)).join(", ")}
    from q left join t using (market_id, outcome_id) order by q.market_id, q.outcome_id`
}

export async function duckdbRows(sql: string): Promise<Array<Array<unknown>>> {
  const instance = await DuckDBInstance.create(":memory:")
  const conn = await instance.connect()
  try {
    return (await conn.runAndReadAll(sql)).getRows() as Array<Array<unknown>>
  } finally {
    conn.closeSync()
    instance.closeSync()
  }
}

/** the same columns from a stats file the miner wrote */
export const minedStatsSql = (statsFile: string): string =>
  `select market_id, outcome_id, ${REFERENCE_COLUMNS.map((c) => (c.endsWith("_ts") ? `epoch_ms(${c})` : c)).join(", ")}
   from read_parquet('${statsFile}') order by market_id, outcome_id`

/** mined rows (market_id, outcome_id, REFERENCE_COLUMNS) equal the reference within 1e-9, every value finite */
export const expectStatsMatch = (label: string, ours: ReadonlyArray<ReadonlyArray<unknown>>, reference: ReadonlyArray<ReadonlyArray<unknown>>): void => {
  expect(ours.length, label).toBe(reference.length)
  for (let r = 0; r < reference.length; r++) {
    const ref = reference[r]!
    const got = ours[r]!
    expect(got.slice(0, 2), label).toEqual(ref.slice(0, 2))
    for (let c = 2; c < ref.length; c++) {
      const a = Number(got[c])
      const b = Number(ref[c])
      const where = `${label}: ${String(ref[0])}/${String(ref[1])} ${REFERENCE_COLUMNS[c - 2]}`
      expect(Number.isFinite(a), where).toBe(true)
      expect(Math.abs(a - b), `${where}: ${a} vs ${b}`).toBeLessThanOrEqual(1e-9)
    }
  }
}
