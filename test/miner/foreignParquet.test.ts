/**
 * Files the project did not write: snapshot and trade files written by DuckDB in every layout
 * a data engineer might produce (codecs, dictionary off, small row groups, v2 pages with
 * byte-stream-split, NULL lists, empty lists, NULL elements, TIMESTAMP times) and by a second,
 * independent writers (Polars itself, through nodejs-polars, with its default ZSTD; parquet-wasm,
 * the Rust arrow writer, with v1 and v2 data pages),
 * mined through the real decode workers and compared statistic by statistic with DuckDB SQL
 * on the same files. The list walker must read every one of them itself (no fallback) and
 * agree with hyparquet's row assembly.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api"
import { it } from "@effect/vitest"
import { Field, Float64, Int64, List, Table, TimestampMillisecond, Utf8, tableToIPC, type Vector, vectorFromArray } from "apache-arrow"
import { Effect } from "effect"
import { parquetMetadata, type FileMetaData } from "hyparquet"
import { parquetHeader } from "hyparquet/src/column.js"
import pl from "nodejs-polars"
import { Compression, Table as WasmTable, WriterPropertiesBuilder, WriterVersion, writeParquet } from "parquet-wasm/node"
import { afterAll, beforeAll, describe, expect } from "vitest"
import { mineDay } from "../../src/miner/mineDay.js"
import { readLevelPrefixesAssembled, readLevelPrefixesFast } from "../../src/miner/readInput.js"
import { readFile as readFileBytes } from "node:fs/promises"

const fileBytes = async (p: string): Promise<ArrayBuffer> => {
  const b = await readFileBytes(p)
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer
}
import type { LevelPrefixes } from "../../src/miner/stats.js"
import { encodeStatsRows } from "../../src/storage/parquet/stats.js"
import { snapshotFilePath, tradeFilePath } from "../../src/storage/paths.js"
import { expectStatsMatch, minedStatsSql, referenceStatsSql, sqlList } from "../support/minerReference.js"
import { writeSyntheticDay } from "../support/syntheticDay.js"

import { type FileStore, FileStoreLayer } from "../../src/storage/FileStore.js"
/** it.effect with the local FileStore the miner reads through */
const itWithFiles = <A, E>(name: string, self: () => Effect.Effect<A, E, FileStore>, timeout?: number) =>
  it.effect(name, () => self().pipe(Effect.provide(FileStoreLayer)), timeout)

const DATE = "2026-01-14"
const BUCKET = Date.UTC(2026, 0, 14, 0, 0)
const WARM_MS = 10_000

let root = ""
let instance: DuckDBInstance
let conn: DuckDBConnection

const run = async (sql: string) => (await conn.runAndReadAll(sql)).getRows() as Array<Array<unknown>>

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(fs.realpathSync("/tmp"), "miner-foreign-"))
  // our own files are only the source of realistic rows: every file mined below is rewritten
  const day = writeSyntheticDay({
    dataDir: path.join(root, "ours"), venue: "polymarket", date: DATE, markets: 3, intervalMs: 6000, levels: 14, hours: 1,
    badRowRate: 0.1, tradeRate: 0.2, seed: 21
  })
  instance = await DuckDBInstance.create(":memory:")
  conn = await instance.connect()
  await conn.run(`create table snaps as select * from read_parquet(${sqlList(day.snapshotFiles)}) order by ts_recv`)
  await conn.run(`create table trades as select * from read_parquet(${sqlList(day.tradeFiles)}) order by ts_recv`)
  // NULL lists, empty lists and NULL elements (prices and sizes) on a share of the rows
  await conn.run(`create table edge as select * replace (
      case when seq % 11 = 0 then null when seq % 13 = 0 then []::DOUBLE[] else bid_px end as bid_px,
      case when seq % 11 = 0 then null when seq % 13 = 0 then []::DOUBLE[]
           else list_transform(bid_sz, (x, i) -> case when (i + seq) % 5 = 0 then null else x end) end as bid_sz,
      list_transform(ask_px, (x, i) -> case when (i + seq) % 7 = 1 then null else x end) as ask_px,
      -- high-cardinality sizes: DuckDB writes them PLAIN or (V2) byte-stream-split, not as a dictionary
      case when seq % 17 = 0 then null else list_transform(ask_sz, (x, i) -> x + ((seq * 7919 + i * 104729) % 100003) / 131072.0) end as ask_sz
    ) from snaps`)
}, 60_000)

afterAll(() => {
  conn?.closeSync()
  instance?.closeSync()
  fs.rmSync(root, { recursive: true, force: true })
})

const metadataOf = (file: string): { ab: ArrayBuffer; meta: FileMetaData } => {
  const buf = fs.readFileSync(file)
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer
  return { ab, meta: parquetMetadata(ab) }
}

/** what a ladder column chunk of the file is made of: codecs, encodings, page types, element repetition, row groups */
const layoutOf = (file: string, column: string) => {
  const { ab, meta } = metadataOf(file)
  const codecs = new Set<string>()
  const encodings = new Set<string>()
  const pageTypes = new Set<string>()
  for (const group of meta.row_groups) {
    const chunk = group.columns.find((c) => c.meta_data?.path_in_schema[0] === column)!.meta_data!
    codecs.add(chunk.codec)
    for (const e of chunk.encodings) encodings.add(e)
    const start = Number(chunk.dictionary_page_offset || chunk.data_page_offset)
    const reader = { view: new DataView(ab, start, Number(chunk.total_compressed_size)), offset: 0 }
    while (reader.offset < reader.view.byteLength) {
      const header = parquetHeader(reader)
      pageTypes.add(header.type)
      reader.offset += header.compressed_page_size
    }
  }
  const top = meta.schema.findIndex((e) => e.name === column)
  const element = meta.schema[top + 2]!
  return { codecs, encodings, pageTypes, elementRepetition: element.repetition_type, rowGroups: meta.row_groups.length }
}

/** a data dir holding exactly one snapshot file and one trade file of the day */
const lakeWith = (name: string): { dataDir: string; snapshots: string; trades: string } => {
  const dataDir = path.join(root, name)
  const snapshots = snapshotFilePath(dataDir, "polymarket", BUCKET, 0)
  const trades = tradeFilePath(dataDir, "polymarket", BUCKET, 0)
  fs.mkdirSync(path.dirname(snapshots), { recursive: true })
  fs.mkdirSync(path.dirname(trades), { recursive: true })
  return { dataDir, snapshots, trades }
}

const sameValues = (a: Float64Array, b: Float64Array): boolean => a.length === b.length && a.every((x, i) => Object.is(x, b[i]))

/** mines the lake and compares with DuckDB SQL on the same files; the walker reads the ladders itself and agrees with row assembly */
const mineAndCompare = (label: string, lake: { dataDir: string; snapshots: string; trades: string }, ts?: string) =>
  Effect.gen(function*() {
    const fast: LevelPrefixes = yield* Effect.promise(async () => readLevelPrefixesFast(await fileBytes(lake.snapshots), lake.snapshots))
    const assembled = yield* Effect.promise(async () => readLevelPrefixesAssembled(await fileBytes(lake.snapshots), lake.snapshots))
    for (const side of ["bidPx", "bidSz", "askPx", "askSz"] as const) {
      expect(sameValues(fast[side].values, assembled[side].values), `${label}: ${side} walker vs row assembly`).toBe(true)
    }
    const warnings: Array<string> = []
    const mined = yield* mineDay({
      dataDir: lake.dataDir, venue: "polymarket", date: DATE, warmIntervalMs: WARM_MS, withLevels: true,
      warn: (line) => Effect.sync(() => void warnings.push(line))
    })
    expect(warnings, label).toEqual([])
    expect(mined.filesRead, label).toBe(2)
    const statsFile = path.join(lake.dataDir, "stats.parquet")
    fs.writeFileSync(statsFile, encodeStatsRows(mined.stats))
    const reference = yield* Effect.promise(() => run(referenceStatsSql(`read_parquet('${lake.snapshots}')`, `read_parquet('${lake.trades}')`, ts)))
    const ours = yield* Effect.promise(() => run(minedStatsSql(statsFile)))
    expect(reference.length, label).toBe(6)
    expectStatsMatch(label, ours, reference)
  })

const duckdbVariants: ReadonlyArray<{ name: string; table: string; options: string; check: (l: ReturnType<typeof layoutOf>) => void }> = [
  { name: "defaults", table: "snaps", options: "", check: (l) => {
    expect([...l.pageTypes]).toContain("DATA_PAGE")
    expect(l.elementRepetition).toBe("OPTIONAL")
    expect(l.codecs).toEqual(new Set(["SNAPPY"]))
  } },
  { name: "zstd", table: "snaps", options: ", COMPRESSION zstd", check: (l) => expect(l.codecs).toEqual(new Set(["ZSTD"])) },
  { name: "gzip", table: "snaps", options: ", COMPRESSION gzip", check: (l) => expect(l.codecs).toEqual(new Set(["GZIP"])) },
  { name: "lz4_raw", table: "snaps", options: ", COMPRESSION lz4_raw", check: (l) => expect(l.codecs).toEqual(new Set(["LZ4_RAW"])) },
  { name: "brotli", table: "snaps", options: ", COMPRESSION brotli", check: (l) => expect(l.codecs).toEqual(new Set(["BROTLI"])) },
  { name: "uncompressed", table: "snaps", options: ", COMPRESSION uncompressed", check: (l) => expect(l.codecs).toEqual(new Set(["UNCOMPRESSED"])) },
  { name: "dictionary off", table: "snaps", options: ", DICTIONARY_SIZE_LIMIT 0", check: (l) => {
    expect([...l.encodings].some((e) => e.endsWith("DICTIONARY"))).toBe(false)
  } },
  { name: "row groups of 1000", table: "snaps", options: ", ROW_GROUP_SIZE 1000", check: (l) => expect(l.rowGroups).toBeGreaterThan(1) },
  // DuckDB's V2 means the newer encodings (byte-stream-split doubles), still in DATA_PAGE pages
  { name: "PARQUET_VERSION V2", table: "snaps", options: ", PARQUET_VERSION V2", check: (l) => expect([...l.pageTypes]).toContain("DATA_PAGE") },
  { name: "NULL lists, empty lists, NULL elements", table: "edge", options: "", check: (l) => expect(l.elementRepetition).toBe("OPTIONAL") },
  { name: "NULL lists, empty lists, NULL elements, V2, ZSTD, row groups of 1000", table: "edge", options: ", PARQUET_VERSION V2, COMPRESSION zstd, ROW_GROUP_SIZE 1000", check: (l) => expect(l.rowGroups).toBeGreaterThan(1) }
]

describe("the miner reads snapshot and trade files written by DuckDB", () => {
  itWithFiles("every variant mines to DuckDB SQL's statistics within 1e-9", () =>
    Effect.gen(function*() {
      const seen = new Set<string>()
      for (const v of duckdbVariants) {
        const lake = lakeWith(v.name.replace(/\W+/g, "-"))
        yield* Effect.promise(() => conn.run(`copy (select * from ${v.table} order by ts_recv) to '${lake.snapshots}' (FORMAT parquet${v.options})`))
        yield* Effect.promise(() => conn.run(`copy (select * from trades order by ts_recv) to '${lake.trades}' (FORMAT parquet${v.options})`))
        for (const column of ["bid_px", "bid_sz", "ask_px", "ask_sz"]) {
          const layout = layoutOf(lake.snapshots, column)
          v.check(layout)
          for (const e of layout.encodings) seen.add(e)
        }
        yield* mineAndCompare(`DuckDB ${v.name}`, lake)
      }
      // the matrix did cover plain, dictionary and byte-stream-split values
      expect(seen).toContain("PLAIN")
      expect(seen).toContain("RLE_DICTIONARY")
      expect(seen).toContain("BYTE_STREAM_SPLIT")
    }), 60_000)

  itWithFiles("NULL elements keep their position: a NULL size counts 0, a level with a NULL price adds no notional", () =>
    Effect.gen(function*() {
      const lake = lakeWith("null-semantics")
      yield* Effect.promise(() => conn.run(`copy (
          select make_timestamptz(1768348800000000) as ts_recv, 'polymarket' as venue, 'm' as market_id, 'yes' as outcome_id, 1::BIGINT as seq,
            0.5 as best_bid_px, 10.0 as best_bid_sz, 0.6 as best_ask_px, 5.0 as best_ask_sz, 0.55 as mid, 0.1 as spread,
            [0.5, null, 0.3, 0.2]::DOUBLE[] as bid_px, [10.0, 20.0, 30.0, null, 40.0]::DOUBLE[] as bid_sz,
            [0.6, 0.7]::DOUBLE[] as ask_px, [5.0, null]::DOUBLE[] as ask_sz, 'ok' as status, null::VARCHAR as err, null::BIGINT as source_ts
        ) to '${lake.snapshots}' (FORMAT parquet)`))
      yield* Effect.promise(() => conn.run(`copy (select * from trades limit 0) to '${lake.trades}' (FORMAT parquet)`))
      const fast = yield* Effect.promise(async () => readLevelPrefixesFast(await fileBytes(lake.snapshots), lake.snapshots))
      expect(Array.from(fast.bidPx.values)).toEqual([0.5, Number.NaN, 0.3])
      expect(Array.from(fast.bidSz.values).slice(0, 6)).toEqual([10, 20, 30, Number.NaN, 40, Number.NaN])
      const mined = yield* mineDay({ dataDir: lake.dataDir, venue: "polymarket", date: DATE, warmIntervalMs: WARM_MS, withLevels: true, warn: () => Effect.void })
      const row = mined.stats[0]!
      expect(row.avg_depth_top3).toBeCloseTo(10 + 20 + 30 + 5, 12)
      expect(row.avg_depth_top10).toBeCloseTo(10 + 20 + 30 + 40 + 5, 12)
      // bid: 0.5*10 + (NULL price)*20 + 0.3*30; ask: 0.6*5 + 0.7*(NULL size)
      expect(row.avg_notional_top3).toBeCloseTo(0.5 * 10 + 0.3 * 30 + 0.6 * 5, 12)
    }))
})

/** rows of a DuckDB table as an Arrow table in our schema (lists of nullable doubles) */
const arrowTableOf = async (table: string): Promise<Table> => {
  // times as epoch ms, written as Arrow timestamp[ms, UTC] (what Polars writes for a datetime column)
  const reader = await conn.runAndReadAll(`select * replace (epoch_ms(ts_recv) as ts_recv, epoch_ms(source_ts) as source_ts) from ${table} order by ts_recv`)
  const rows = reader.getRowObjectsJS() as Array<Record<string, unknown>>
  const col = (name: string) => rows.map((r) => r[name])
  const list = (name: string) => vectorFromArray(col(name) as Array<Array<number | null> | null>, new List(new Field("element", new Float64(), true)))
  const doubles = (name: string) => vectorFromArray(col(name) as Array<number | null>, new Float64())
  const strings = (name: string) => vectorFromArray(col(name) as Array<string | null>, new Utf8())
  const ints = (name: string) => vectorFromArray((col(name) as Array<bigint | number | null>).map((v) => (v === null ? null : BigInt(v))), new Int64())
  const times = (name: string) => vectorFromArray((col(name) as Array<bigint | number | null>).map((v) => (v === null ? null : Number(v))), new TimestampMillisecond("UTC"))
  const columns: Record<string, Vector> = {}
  for (const f of reader.columnNames()) {
    const type = reader.columnTypes()[reader.columnNames().indexOf(f)]!.toString()
    columns[f] = (f.endsWith("_ts") || f === "ts_recv" ? times(f) : type === "BIGINT" ? ints(f) : type === "DOUBLE" ? doubles(f) : type === "DOUBLE[]" ? list(f) : strings(f)) as Vector
  }
  return new Table(columns as never)
}

const writeWithArrow = async (table: string, file: string, compression: Compression, version = WriterVersion.V1): Promise<void> => {
  const ipc = tableToIPC(await arrowTableOf(table), "stream")
  const props = new WriterPropertiesBuilder().setCompression(compression).setMaxRowGroupSize(1500).setWriterVersion(version)
    .setDataPageSizeLimit(4096).build()
  fs.writeFileSync(file, writeParquet(WasmTable.fromIPCStream(ipc), props))
}

describe("the miner reads files written by an Arrow writer (parquet-wasm)", () => {
  itWithFiles("ZSTD, Arrow timestamp[ms, UTC] times, NULL lists and NULL elements", () =>
    Effect.gen(function*() {
      const lake = lakeWith("arrow-zstd")
      yield* Effect.promise(() => writeWithArrow("edge", lake.snapshots, Compression.ZSTD))
      yield* Effect.promise(() => writeWithArrow("trades", lake.trades, Compression.ZSTD))
      const layout = layoutOf(lake.snapshots, "bid_sz")
      expect(layout.codecs).toEqual(new Set(["ZSTD"]))
      expect(layout.elementRepetition).toBe("OPTIONAL")
      expect(layout.rowGroups).toBeGreaterThan(1)
      expect(metadataOf(lake.snapshots).meta.created_by).toContain("parquet-rs")
      yield* mineAndCompare("parquet-wasm ZSTD", lake)
    }), 30_000)

  itWithFiles("DATA_PAGE_V2 pages (writer version 2), small pages, NULL lists and NULL elements", () =>
    Effect.gen(function*() {
      const lake = lakeWith("arrow-v2")
      yield* Effect.promise(() => writeWithArrow("edge", lake.snapshots, Compression.LZ4_RAW, WriterVersion.V2))
      yield* Effect.promise(() => writeWithArrow("trades", lake.trades, Compression.SNAPPY, WriterVersion.V2))
      const layout = layoutOf(lake.snapshots, "bid_px")
      expect(layout.pageTypes).toEqual(new Set(["DICTIONARY_PAGE", "DATA_PAGE_V2"]))
      expect(layout.codecs).toEqual(new Set(["LZ4_RAW"]))
      yield* mineAndCompare("parquet-wasm V2", lake)
    }), 30_000)

  itWithFiles("times as TIMESTAMP(MICROS) without time zone or as plain BIGINT epoch ms mine to the same epoch milliseconds", () =>
    Effect.gen(function*() {
      for (const [name, ts, reference] of [
        ["micros", "ts_recv::TIMESTAMP", "epoch_ms(ts_recv)"],
        ["bigint", "epoch_ms(ts_recv)", "ts_recv"]
      ] as const) {
        const lake = lakeWith(`times-${name}`)
        yield* Effect.promise(() => conn.run(`copy (select * replace (${ts} as ts_recv) from edge order by ts_recv) to '${lake.snapshots}' (FORMAT parquet)`))
        yield* Effect.promise(() => conn.run(`copy (select * replace (${ts} as ts_recv) from trades order by ts_recv) to '${lake.trades}' (FORMAT parquet)`))
        const element = metadataOf(lake.snapshots).meta.schema.find((e) => e.name === "ts_recv")!
        expect(element.logical_type?.type).toBe(name === "micros" ? "TIMESTAMP" : undefined)
        yield* mineAndCompare(`DuckDB ts_recv ${name}`, lake, reference)
      }
    }))
})

/** a DuckDB table as a Polars DataFrame in our schema: times Datetime(ms, UTC), ladders List(Float64) with NULLs */
const polarsFrameOf = async (table: string): Promise<pl.DataFrame> => {
  const reader = await conn.runAndReadAll(`select * replace (epoch_ms(ts_recv) as ts_recv, epoch_ms(source_ts) as source_ts) from ${table} order by ts_recv`)
  const rows = reader.getRowObjectsJS() as Array<Record<string, unknown>>
  const names = reader.columnNames()
  const series = names.map((name, i) => {
    const type = reader.columnTypes()[i]!.toString()
    const values = rows.map((r) => (typeof r[name] === "bigint" ? Number(r[name]) : r[name]))
    if (name === "ts_recv" || name === "source_ts") return pl.Series(name, values, pl.Int64).cast(pl.Datetime("ms", "UTC"))
    if (type === "BIGINT") return pl.Series(name, values, pl.Int64)
    if (type === "DOUBLE") return pl.Series(name, values, pl.Float64)
    if (type === "DOUBLE[]") return pl.Series(name, values as never, pl.List(pl.Float64))
    return pl.Series(name, values, pl.Utf8)
  })
  return pl.DataFrame(series)
}

describe("the miner reads files written by Polars", () => {
  itWithFiles("Polars' default ZSTD, datetime[ms, UTC] times, NULL lists and NULL elements", () =>
    Effect.gen(function*() {
      const lake = lakeWith("polars")
      const snapshots = yield* Effect.promise(() => polarsFrameOf("edge"))
      snapshots.writeParquet(lake.snapshots, { compression: "zstd" })
      ;(yield* Effect.promise(() => polarsFrameOf("trades"))).writeParquet(lake.trades, { compression: "zstd" })
      const layout = layoutOf(lake.snapshots, "bid_sz")
      expect(layout.codecs).toEqual(new Set(["ZSTD"]))
      expect(layout.elementRepetition).toBe("OPTIONAL")
      expect(metadataOf(lake.snapshots).meta.created_by).toContain("Polars")
      yield* mineAndCompare("Polars ZSTD", lake)
    }), 30_000)
})
