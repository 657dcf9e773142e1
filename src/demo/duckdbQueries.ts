/**
 * The DuckDB statements the demo hands its user: README "Data layout" views and the queries
 * that need no date, exactly as printed there (test/demo/demo.test.ts checks each is in the
 * README verbatim and runs them against a demo run). README paths start `data/`; the demo
 * points them at its own run directory.
 */
export const README_STATEMENTS: ReadonlyArray<string> = [
  `CREATE VIEW snapshots AS
SELECT * FROM read_parquet('data/orderbook_snapshots/*/*/*/*.parquet',
                           hive_partitioning = true, hive_types = {'hour': INTEGER},
                           union_by_name = true)`,
  `CREATE VIEW trades AS
SELECT * FROM read_parquet('data/trades/*/*/*/*.parquet',
                           hive_partitioning = true, hive_types = {'hour': INTEGER})`,
  `CREATE VIEW stats AS
SELECT * FROM read_parquet('data/stats/*/*/stats.parquet', hive_partitioning = true)`,
  `CREATE VIEW universe AS
SELECT * FROM read_json('data/metadata/*/*/universe.jsonl', hive_partitioning = true,
  columns = {market_id: 'VARCHAR', title: 'VARCHAR', outcome_ids: 'VARCHAR[]', outcomes: 'VARCHAR[]',
             close_ts: 'BIGINT', status: 'VARCHAR', tags: 'VARCHAR[]', token_ids: 'VARCHAR[]',
             event_id: 'VARCHAR', slug: 'VARCHAR', volume: 'DOUBLE', liquidity: 'DOUBLE',
             tick_size: 'DOUBLE'})`,
  `SELECT venue, date, count(*) AS markets, count(*) FILTER (WHERE close_ts IS NULL) AS no_close_time
FROM read_json_auto('data/metadata/*/*/universe.jsonl', hive_partitioning = true)
GROUP BY ALL ORDER BY ALL`,
  `SELECT venue, date, hour, count(*) AS rows,
       count(*) FILTER (WHERE status <> 'ok') AS not_ok,
       max(ts_recv) AS newest
FROM snapshots
GROUP BY ALL
ORDER BY ALL`,
  `SELECT venue, status, coalesce(err, '') AS err, count(*) AS rows
FROM snapshots
GROUP BY ALL
ORDER BY ALL`,
  `SELECT venue, date, market_id, outcome_id, n_trades, ev_30s, toxicity_30s, pnl_per_hour_30s
FROM read_parquet('data/reports/mm_viability/*/*/mm_viability.parquet',
                  hive_partitioning = true, union_by_name = true)
WHERE viable
ORDER BY pnl_per_hour_30s DESC NULLS LAST
LIMIT 20`
]

/** the statements with `data/` replaced by `dataDir/`, as one SQL file */
export const demoQueriesSql = (dataDir: string): string =>
  `-- README "Data layout" views and queries over ${dataDir}\n` +
  README_STATEMENTS.map((s) => s.replaceAll("'data/", `'${dataDir}/`) + ";\n").join("\n")
