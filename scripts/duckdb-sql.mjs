#!/usr/bin/env node
// Runs a file of DuckDB SQL statements (`;` at a line end ends one) on an in-memory DuckDB
// through @duckdb/node-api (installed by `npm ci`), printing each SELECT's rows as a table:
// the DuckDB CLI is not needed. Usage: node scripts/duckdb-sql.mjs FILE.sql
import * as fs from "node:fs"
import { DuckDBInstance } from "@duckdb/node-api"

const file = process.argv[2]
if (file === undefined) {
  process.stderr.write("usage: node scripts/duckdb-sql.mjs FILE.sql\n")
  process.exit(2)
}
const statements = fs.readFileSync(file, "utf8").split(/;[ \t]*(?:\n|$)/).map((s) => s.trim()).filter((s) => s !== "")
const instance = await DuckDBInstance.create(":memory:")
const conn = await instance.connect()
for (const sql of statements) {
  const body = sql.replace(/^(\s*--[^\n]*\n)*/, "")
  try {
    const reader = await conn.runAndReadAll(sql)
    if (/^\s*(SELECT|WITH|FROM)/i.test(body)) {
      console.log(`\n${body.split("\n")[0]} ...`)
      const rows = reader.getRowObjectsJson()
      if (rows.length === 0) console.log("(no rows)")
      else console.table(rows)
    }
  } catch (e) {
    process.stderr.write(`duckdb-sql: ${file}: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}\n${sql}\n`)
    process.exit(1)
  }
}
conn.closeSync()
instance.closeSync()
