import * as fs from "node:fs"
import * as path from "node:path"
import { parquetMetadata } from "hyparquet"
import { describe, expect, it } from "vitest"
import { decodeHybrid, readListPrefix } from "../../src/miner/listPrefix.js"
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

  it("refuses, naming the column, a chunk whose metadata disagrees with its pages (never a silent wrong value)", () => {
    const rand = seededRandom(5)
    const rows = Array.from({ length: 300 }, (_, i) =>
      syntheticSnapshotRow("polymarket", { marketId: "m", outcomeId: "yes", midTicks: 40, seq: i, offsetMs: 0 }, 1_768_000_000_000 + i, 8, rand, 0))
    const bytes = encodeSnapshotRows(rows, { rowGroupSize: 100 })
    const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
    const fresh = () => parquetMetadata(ab)
    expect(readListPrefix(ab, fresh(), "bid_sz", 3).rows).toBe(300)
    const chunkOf = (m: ReturnType<typeof fresh>, g: number) => m.row_groups[g]!.columns.find((c) => c.meta_data?.path_in_schema[0] === "bid_sz")!.meta_data!
    const moreValues = fresh()
    chunkOf(moreValues, 1).num_values += 1n
    expect(() => readListPrefix(ab, moreValues, "bid_sz", 3)).toThrow(/column bid_sz: chunk ends after/)
    const fewerRows = fresh()
    fewerRows.row_groups[2]!.num_rows -= 1n
    expect(() => readListPrefix(ab, fewerRows, "bid_sz", 3)).toThrow(/column bid_sz: 100 lists in a row group of 99 rows/)
    const noDictionary = fresh()
    const c = chunkOf(noDictionary, 0)
    delete (c as { dictionary_page_offset?: bigint }).dictionary_page_offset
    expect(() => readListPrefix(ab, noDictionary, "bid_sz", 3)).toThrow(/column bid_sz: dictionary-encoded page without a dictionary page/)
  })

  it("decodeHybrid stops at its byte range", () => {
    const out = new Int32Array(16)
    // bit-packed run of 8 values, width 3 (3 bytes), but only 2 bytes given
    expect(() => decodeHybrid(new Uint8Array([0x03, 0xff, 0xff, 0xff]), 0, 3, 3, out, 8)).toThrow(/past its 3 bytes/)
    // RLE run of 4 zeros covers only 4 of 6 values
    expect(() => decodeHybrid(new Uint8Array([0x08, 0x00]), 0, 2, 1, out, 6)).toThrow(/end after 4 of 6/)
    expect(decodeHybrid(new Uint8Array([0x08, 0x01, 0x04, 0x00]), 0, 4, 1, out, 6)).toBe(4)
    expect(Array.from(out.subarray(0, 6))).toEqual([1, 1, 1, 1, 0, 0])
  })
})
