import * as fs from "node:fs"
import * as path from "node:path"
import { parquetMetadata } from "hyparquet"
import { describe, expect, it } from "vitest"
import { readListPrefix } from "../../src/miner/listPrefix.js"
import { prefixFromRows } from "../../src/miner/stats.js"
import { encodeSnapshotRows } from "../../src/storage/parquet/snapshots.js"
import { readColumns } from "../../src/storage/parquet/table.js"
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
})
