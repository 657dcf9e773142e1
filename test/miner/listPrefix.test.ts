import * as fs from "node:fs"
import * as path from "node:path"
import { parquetMetadata } from "hyparquet"
import { describe, expect, it } from "vitest"
import { readListPrefix } from "../../src/miner/listPrefix.js"
import { prefixFromRows } from "../../src/miner/stats.js"
import { encodeSnapshotRows } from "../../src/storage/parquet/snapshots.js"
import { encodeTable, readColumns } from "../../src/storage/parquet/table.js"
import { seededRandom, syntheticSnapshotRow } from "../support/syntheticDay.js"

describe("readListPrefix", () => {
  it("gives the same first-k elements as hyparquet's row assembly, across row groups and empty lists", async () => {
    const rand = seededRandom(4)
    const rows = Array.from({ length: 500 }, (_, i) => {
      const key = { marketId: "m", outcomeId: "yes", midTicks: 10 + (i % 80), seq: i, offsetMs: 0 }
      // levels 0..24 per side; status mix gives empty / one-sided ladders too
      return syntheticSnapshotRow("polymarket", key, 1_768_000_000_000 + i, i % 25, rand, 0.3)
    })
    const file = path.join(fs.mkdtempSync(path.join(fs.realpathSync("/tmp"), "miner-lists-")), "s.parquet")
    fs.writeFileSync(file, encodeSnapshotRows(rows, { rowGroupSize: 64 }))
    const buf = fs.readFileSync(file)
    const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer
    const metadata = parquetMetadata(ab)
    expect(metadata.row_groups.length).toBe(8)
    const lists = await readColumns(file, ["bid_px", "bid_sz", "ask_px", "ask_sz"])
    for (const name of ["bid_px", "bid_sz", "ask_px", "ask_sz"] as const) {
      for (const k of [1, 3, 10, 30]) {
        const fast = readListPrefix(ab, metadata, name, k)
        const reference = prefixFromRows(lists[name] as ArrayLike<ArrayLike<number>>, k)
        expect(fast.rows).toBe(500)
        expect(Array.from(fast.values)).toEqual(Array.from(reference.values))
      }
    }
    expect(rows.some((r) => r.ask_px.length === 0)).toBe(true)
    expect(rows.some((r) => r.bid_px.length === 0 && r.ask_px.length === 0)).toBe(true)
  })

  it("reads PLAIN-encoded lists too (high-cardinality doubles, NaN, empty lists, several pages)", async () => {
    const rand = seededRandom(9)
    const rows = Array.from({ length: 3000 }, (_, i) => ({
      id: i,
      px: Array.from({ length: i % 7 === 0 ? 0 : Math.floor(rand() * 25) }, () => (rand() < 0.02 ? Number.NaN : rand() * 1000))
    }))
    const bytes = encodeTable([{ name: "id", kind: "INT64" }, { name: "px", kind: "LIST_DOUBLE" }], rows.map((r) => ({ ...r, id: BigInt(r.id) })), { rowGroupSize: 700 })
    const file = path.join(fs.mkdtempSync(path.join(fs.realpathSync("/tmp"), "miner-lists-plain-")), "p.parquet")
    fs.writeFileSync(file, bytes)
    const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
    const metadata = parquetMetadata(ab)
    const encodings = metadata.row_groups.flatMap((g) => g.columns.filter((c) => c.meta_data?.path_in_schema[0] === "px").flatMap((c) => c.meta_data!.encodings))
    expect(encodings).toContain("PLAIN")
    const lists = await readColumns(file, ["px"])
    for (const k of [1, 3, 10, 30]) {
      const fast = readListPrefix(ab, metadata, "px", k)
      const reference = prefixFromRows(lists.px as ArrayLike<ArrayLike<number>>, k)
      expect(fast.rows).toBe(3000)
      expect(Array.from(fast.values)).toEqual(Array.from(reference.values))
    }
  })
})
