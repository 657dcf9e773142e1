/**
 * P6 storage: bytes per snapshot row in our Parquet files, for typical books (5-10
 * levels per side) and deep books (50 levels). Reference: DuckDB writing the very same rows to
 * Parquet with its defaults (COPY ... TO ... (FORMAT parquet), Snappy), and, for scale, the
 * rows as JSON lines (what a naive recorder or our write-ahead log holds).
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { DuckDBInstance } from "@duckdb/node-api"
import { encodeSnapshotRows } from "../src/storage/parquet/snapshots.js"
import { mainIfDirect, result, round, type FigureResult } from "./harness.js"
import { makeSnapshotSet } from "./snapshotRows.js"

const BOOKS = 1000
const ROUNDS = 50 // one 5-minute bucket of 1000 books at 2-10 s: 50,000 rows

export async function run(): Promise<FigureResult[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-p6-"))
  const db = await DuckDBInstance.create(":memory:")
  const conn = await db.connect()
  const out: FigureResult[] = []
  try {
    for (const [label, levels] of [["5-10 levels", [5, 10]], ["50 levels", 50]] as const) {
      const rows = makeSnapshotSet({ books: BOOKS, rounds: ROUNDS, levels })
      const ours = path.join(dir, `ours-${levels}.parquet`)
      fs.writeFileSync(ours, encodeSnapshotRows(rows))
      const duck = path.join(dir, `duckdb-${levels}.parquet`)
      await conn.run(`COPY (SELECT * FROM read_parquet('${ours}')) TO '${duck}' (FORMAT parquet)`)
      const count = Number((await conn.runAndReadAll(`SELECT count(*) FROM read_parquet('${duck}')`)).getRows()[0]![0])
      if (count !== rows.length) throw new Error(`P6: DuckDB copy has ${count} rows, expected ${rows.length}`)
      let jsonBytes = 0
      for (const row of rows) jsonBytes += Buffer.byteLength(JSON.stringify(row)) + 1
      const oursPerRow = fs.statSync(ours).size / rows.length
      const duckPerRow = fs.statSync(duck).size / rows.length
      out.push(result({
        figure: "P6", name: `storage, ${label} per side`, ours: round(oursPerRow, 1), reference: round(duckPerRow, 1),
        referenceName: "DuckDB COPY TO parquet (defaults) of the same rows", ratio: round(oursPerRow / duckPerRow),
        unit: "bytes/row", higherIsBetter: false, target: "report (no target)", met: null,
        notes: `${rows.length} rows (${BOOKS} books x ${ROUNDS} snapshots); JSON lines would take ${round(jsonBytes / rows.length, 0)} bytes/row`,
        extra: { json_bytes_per_row: round(jsonBytes / rows.length, 1) }
      }))
    }
  } finally {
    conn.closeSync()
    fs.rmSync(dir, { recursive: true, force: true })
  }
  return out
}

await mainIfDirect(import.meta.url, run)
