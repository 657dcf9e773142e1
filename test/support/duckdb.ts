import { DuckDBInstance } from "@duckdb/node-api"

/** The first column of the first row of `sql`, run by DuckDB in memory (e.g. a count(*) over read_parquet). */
export const duckdbScalar = async (sql: string): Promise<number> => {
  const db = await DuckDBInstance.create(":memory:")
  const con = await db.connect()
  const rows = (await con.runAndReadAll(sql)).getRows()
  con.closeSync()
  return Number(rows[0]?.[0])
}
