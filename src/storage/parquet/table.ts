/**
 * Generic row <-> Parquet codec on hyparquet-writer 0.17.0 / hyparquet 1.31.5, the base of the
 * snapshot, trade, stats and mm_viability codecs. Facts from docs/DESIGN.md ("Stack and known traps") and the
 * libraries' source:
 * - LIST<DOUBLE> is written only with an explicit schema in the standard 3-level layout
 *   (`col` LIST -> repeated `list` -> `element` DOUBLE); we declare every column explicitly.
 * - INT64 values must be `bigint` when written and come back as `bigint`: in memory they are
 *   numbers (epoch ms, counters), so we convert at this boundary and nowhere else.
 * - Only SNAPPY is built in.
 * - The default dictionary heuristic rejects high-cardinality doubles; forcing RLE_DICTIONARY
 *   on size lists and id columns measured faster and about half the size.
 * - A missing price or size is NaN in memory but NULL in the file (`missingAsNull`): DuckDB,
 *   Polars and Spark aggregate NULLs away, while one NaN turns an `avg()` into NaN. Files
 *   written before this rule hold NaN in REQUIRED columns; both read back as NaN.
 * - Times are INT64 with the TIMESTAMP(MILLIS, UTC) logical type (`TIMESTAMP_MS`), so other
 *   tools read timestamps; in memory they stay epoch-ms numbers. Older files hold plain INT64
 *   and read the same (codecs.ts turns every timestamp unit into epoch ms).
 * Encoding is CPU-bound; the collector calls it from a worker thread (so nothing here may
 * import Effect or other heavy modules).
 */
import * as fs from "node:fs/promises"
import { parquetMetadata, parquetRead, parquetReadObjects, type ColumnChunk, type RowGroup, type SchemaElement } from "hyparquet"
import { ByteWriter, ParquetWriter } from "hyparquet-writer"
import { writeColumn } from "hyparquet-writer/src/column.js"
import { PARQUET_COMPRESSORS, PARQUET_PARSERS } from "./codecs.js"

export type ColumnKind = "INT64" | "TIMESTAMP_MS" | "INT32" | "DOUBLE" | "STRING" | "BOOLEAN" | "LIST_DOUBLE"

export interface ColumnSpec {
  readonly name: string
  readonly kind: ColumnKind
  /** OPTIONAL in Parquet: null allowed. Lists are always OPTIONAL at the outer level (pyarrow's layout) but never written null. */
  readonly nullable?: boolean
  /** force RLE_DICTIONARY (ids, sizes); otherwise the writer's own heuristic decides */
  readonly dictionary?: boolean
  /** DOUBLE only: NaN (missing) in memory is NULL in the file, an OPTIONAL column; NULL reads back as NaN */
  readonly missingAsNull?: boolean
  /** INT64 / TIMESTAMP_MS: DELTA_BINARY_PACKED (times and counters that grow row by row) */
  readonly delta?: boolean
  /** false: no min/max statistics for this column (they cost more than the encode of short values) */
  readonly stats?: boolean
}

const isOptional = (col: ColumnSpec): boolean => col.nullable === true || col.missingAsNull === true
const isInt64 = (col: ColumnSpec): boolean => col.kind === "INT64" || col.kind === "TIMESTAMP_MS"

export type TableSpec = ReadonlyArray<ColumnSpec>

/**
 * Rows per row group. Readers stream a file row group by row group, and the writer holds one
 * group's levels in memory: 20k rows of 20-level books is a few MB per column chunk.
 */
export const DEFAULT_ROW_GROUP_SIZE = 20_000

export class ParquetCodecError extends Error {
  override readonly name = "ParquetCodecError"
}

export function schemaFor(spec: TableSpec): SchemaElement[] {
  const schema: SchemaElement[] = [{ name: "root", num_children: spec.length }]
  for (const col of spec) {
    const repetition_type = isOptional(col) ? "OPTIONAL" : "REQUIRED"
    switch (col.kind) {
      case "TIMESTAMP_MS":
        schema.push({
          name: col.name, type: "INT64", repetition_type, converted_type: "TIMESTAMP_MILLIS",
          logical_type: { type: "TIMESTAMP", isAdjustedToUTC: true, unit: "MILLIS" }
        })
        break
      case "STRING":
        schema.push({ name: col.name, type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type })
        break
      case "LIST_DOUBLE":
        schema.push(
          { name: col.name, repetition_type: "OPTIONAL", converted_type: "LIST", num_children: 1 },
          { name: "list", repetition_type: "REPEATED", num_children: 1 },
          { name: "element", type: "DOUBLE", repetition_type: "REQUIRED" }
        )
        break
      default:
        schema.push({ name: col.name, type: col.kind, repetition_type })
    }
  }
  return schema
}

const toBigInt = (value: unknown, column: string, row: number): bigint => {
  if (typeof value === "bigint") return value
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new ParquetCodecError(`column ${column} row ${row}: INT64 value ${String(value)} is not a finite number`)
  }
  return BigInt(Math.trunc(value))
}

type ColumnValues = unknown[] | Float64Array | BigInt64Array

/** Transposes rows into one array per column; converts INT64 numbers to bigint. */
function transpose(spec: TableSpec, rows: ReadonlyArray<Readonly<Record<string, unknown>>>): ColumnValues[] {
  const n = rows.length
  return spec.map((col): ColumnValues => {
    if (isInt64(col) && col.nullable !== true) {
      const out = new BigInt64Array(n)
      for (let i = 0; i < n; i++) out[i] = toBigInt(rows[i]![col.name], col.name, i)
      return out
    }
    if (isInt64(col)) {
      const out = new Array<bigint | null>(n)
      for (let i = 0; i < n; i++) {
        const v = rows[i]![col.name]
        out[i] = v === null || v === undefined ? null : toBigInt(v, col.name, i)
      }
      return out
    }
    if (col.kind === "DOUBLE" && col.missingAsNull === true) {
      const out = new Array<number | null>(n)
      for (let i = 0; i < n; i++) {
        const v = rows[i]![col.name]
        if (v === null || v === undefined || (typeof v === "number" && Number.isNaN(v))) out[i] = null
        else if (typeof v === "number") out[i] = v
        else throw new ParquetCodecError(`column ${col.name} row ${i}: expected a number, got ${typeof v}`)
      }
      return out
    }
    if (col.kind === "DOUBLE" && col.nullable !== true) {
      const out = new Float64Array(n)
      for (let i = 0; i < n; i++) {
        const v = rows[i]![col.name]
        if (typeof v !== "number") throw new ParquetCodecError(`column ${col.name} row ${i}: expected a number, got ${typeof v}`)
        out[i] = v
      }
      return out
    }
    const out = new Array<unknown>(n)
    for (let i = 0; i < n; i++) {
      const v = rows[i]![col.name]
      if (v === null || v === undefined) {
        if (col.nullable !== true && col.kind !== "LIST_DOUBLE") {
          throw new ParquetCodecError(`column ${col.name} row ${i}: null in a non-nullable column`)
        }
        out[i] = null
      } else {
        if (col.kind === "LIST_DOUBLE" && !Array.isArray(v)) {
          throw new ParquetCodecError(`column ${col.name} row ${i}: expected an array of numbers`)
        }
        out[i] = v
      }
    }
    return out
  })
}

interface PageData {
  values: ArrayLike<unknown>
  definitionLevels: number[]
  repetitionLevels: number[]
  maxDefinitionLevel: number
}

/**
 * Dremel levels of rows [start, end) of a LIST<DOUBLE> column (OPTIONAL list -> REPEATED
 * list -> REQUIRED element: max definition 2, max repetition 1): an element gets def 2 (rep 0
 * for a row's first, 1 after); an empty list one slot with def 1; a null list def 0. These are
 * the levels hyparquet-writer's generic encodeNestedValues computes, in a flat loop: its
 * recursive walk (and its garbage) was the largest single cost of encoding our ladders.
 */
function listPageData(name: string, column: ReadonlyArray<unknown>, start: number, end: number): PageData {
  let total = 0
  for (let i = start; i < end; i++) {
    const list = column[i] as ReadonlyArray<number> | null
    total += list === null || list.length === 0 ? 1 : list.length
  }
  const values = new Array<number | undefined>(total)
  const definitionLevels = new Array<number>(total)
  const repetitionLevels = new Array<number>(total)
  let k = 0
  for (let i = start; i < end; i++) {
    const list = column[i] as ReadonlyArray<number> | null
    if (list === null || list.length === 0) {
      values[k] = undefined
      definitionLevels[k] = list === null ? 0 : 1
      repetitionLevels[k] = 0
      k++
      continue
    }
    for (let j = 0; j < list.length; j++) {
      const v = list[j]
      if (typeof v !== "number") throw new ParquetCodecError(`column ${name} row ${i}: element ${j} is not a number`)
      values[k] = v
      definitionLevels[k] = 2
      repetitionLevels[k] = j === 0 ? 0 : 1
      k++
    }
  }
  return { values, definitionLevels, repetitionLevels, maxDefinitionLevel: 2 }
}

function flatPageData(column: ColumnValues, start: number, end: number, nullable: boolean): PageData {
  const values = column.slice(start, end)
  if (!nullable) return { values, definitionLevels: [], repetitionLevels: [], maxDefinitionLevel: 0 }
  const definitionLevels = new Array<number>(values.length)
  for (let i = 0; i < values.length; i++) definitionLevels[i] = values[i] === null || values[i] === undefined ? 0 : 1
  return { values, definitionLevels, repetitionLevels: [], maxDefinitionLevel: 1 }
}

export interface EncodeOptions {
  readonly rowGroupSize?: number
  /** column statistics (min/max/nulls) in the metadata; default true */
  readonly stats?: boolean
}

/** hyparquet-writer's default target page size */
const PAGE_SIZE = 1_048_576

/** The fields of ParquetWriter 0.17.0 that `encodeTable` drives (plain JS fields, untyped in its .d.ts). */
interface InternalParquetWriter {
  compressors: Record<string, (input: Uint8Array) => Uint8Array>
  pendingIndexes: unknown[]
  num_rows: bigint
  row_groups: RowGroup[]
  finish(): void
}

/**
 * Encodes rows (objects keyed by column name) into one Parquet file image.
 *
 * Uses hyparquet-writer's ParquetWriter (header, footer, metadata, page indexes) and its
 * writeColumn (dictionary, statistics, pages, Snappy), but drives the row groups itself so list
 * columns get their levels from `listPageData` instead of the generic recursive walk. This
 * mirrors ParquetWriter.write of the pinned 0.17.0; the round-trip tests and the DuckDB interop
 * test are what prove the files right should that version change.
 */
export function encodeTable(spec: TableSpec, rows: ReadonlyArray<Readonly<Record<string, unknown>>>, opts: EncodeOptions = {}): Uint8Array {
  const schema = schemaFor(spec)
  const columns = transpose(spec, rows)
  const writer = new ByteWriter()
  const pq = new ParquetWriter({ writer, schema, codec: "SNAPPY", createdBy: "surveillance (hyparquet-writer 0.17.0)" }) as unknown as InternalParquetWriter
  const root = schema[0]!
  // schema path (root .. leaf) of each column, in column order; a list is 3 elements deep
  const paths: SchemaElement[][] = []
  for (let i = 1; i < schema.length; ) {
    const top = schema[i]!
    if (top.num_children === 1) {
      paths.push([root, top, schema[i + 1]!, schema[i + 2]!])
      i += 3
    } else {
      paths.push([root, top])
      i += 1
    }
  }
  const groupRows = Math.max(1, opts.rowGroupSize ?? DEFAULT_ROW_GROUP_SIZE)
  for (let start = 0; start < rows.length; start += groupRows) {
    const end = Math.min(rows.length, start + groupRows)
    const groupStartOffset = writer.offset
    const chunks: ColumnChunk[] = []
    for (let c = 0; c < spec.length; c++) {
      const col = spec[c]!
      const schemaPath = paths[c]!
      const pageData = col.kind === "LIST_DOUBLE"
        ? listPageData(col.name, columns[c] as unknown[], start, end)
        : flatPageData(columns[c]!, start, end, isOptional(col))
      const written = writeColumn({
        writer,
        column: {
          columnName: schemaPath.slice(1).map((e) => e.name).join("."),
          element: schemaPath[schemaPath.length - 1]!,
          schemaPath,
          codec: "SNAPPY",
          compressors: pq.compressors,
          stats: col.stats ?? opts.stats ?? true,
          pageSize: PAGE_SIZE,
          columnIndex: false,
          offsetIndex: true,
          ...(col.dictionary === true ? { encoding: "RLE_DICTIONARY" as const } : col.delta === true ? { encoding: "DELTA_BINARY_PACKED" as const } : {})
        },
        pageData: pageData as never
      })
      chunks.push(written.chunk)
      pq.pendingIndexes.push(written)
    }
    let totalByteSize = 0n
    for (const chunk of chunks) totalByteSize += chunk.meta_data?.total_uncompressed_size ?? 0n
    pq.num_rows += BigInt(end - start)
    pq.row_groups.push({
      columns: chunks,
      total_byte_size: totalByteSize,
      num_rows: BigInt(end - start),
      total_compressed_size: BigInt(writer.offset - groupStartOffset)
    })
  }
  pq.finish()
  return writer.getBytes()
}

/**
 * A whole local file as hyparquet's AsyncBuffer (ArrayBuffer satisfies it); our files are MBs.
 * Only the path-taking readers below use it (tests, benches, tools). The product reads file bytes
 * through its FileStore and decodes them with `readColumnsFromBytes`.
 */
async function loadFile(filePath: string): Promise<ArrayBuffer> {
  return exactArrayBuffer(await fs.readFile(filePath))
}

/** The bytes as an ArrayBuffer of exactly their length (no copy when they already are one). */
export function exactArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
    ? bytes.buffer as ArrayBuffer
    : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
}

/** Runs a hyparquet step; its errors (truncated file, not Parquet, bad page) name the file. */
async function parquetStep<A>(filePath: string, f: () => A | Promise<A>): Promise<A> {
  try {
    return await f()
  } catch (e) {
    if (e instanceof ParquetCodecError) throw e
    const msg = e instanceof Error ? e.message : String(e)
    throw new ParquetCodecError(`${filePath}: cannot read Parquet: ${msg.split("\n")[0]}`)
  }
}

const int64Columns = (spec: TableSpec): Set<string> =>
  new Set(spec.filter(isInt64).map((c) => c.name))

function checkColumns(spec: TableSpec, columns: ReadonlyArray<string> | undefined, filePath: string): void {
  if (columns === undefined) return
  for (const c of columns) {
    if (!spec.some((s) => s.name === c)) throw new ParquetCodecError(`${filePath}: unknown column ${c}`)
  }
}

const bigToNumber = (v: unknown): unknown => (typeof v === "bigint" ? Number(v) : v)

/**
 * Reads rows as objects, only `columns` (all when omitted). INT64 comes back as number,
 * a NULL as null.
 */
export async function readTable(filePath: string, spec: TableSpec, columns?: ReadonlyArray<string>): Promise<Array<Record<string, unknown>>> {
  checkColumns(spec, columns, filePath)
  const file = await loadFile(filePath)
  const requested = columns ?? spec.map((c) => c.name)
  // A nullable column added to a table later (snapshots' `event_seq`) is absent from older
  // files: it reads as null there instead of failing the file.
  const metadata = await parquetStep(filePath, () => parquetMetadata(file))
  const inFile = new Set(metadata.schema.map((e) => e.name))
  const absent = spec.filter((c) => c.nullable === true && requested.includes(c.name) && !inFile.has(c.name)).map((c) => c.name)
  const wanted = absent.length === 0 ? requested : requested.filter((c) => !absent.includes(c))
  const rows = (await parquetStep(filePath, () => parquetReadObjects({ file, metadata, columns: [...wanted], compressors: PARQUET_COMPRESSORS, parsers: PARQUET_PARSERS }))) as Array<Record<string, unknown>>
  for (const c of absent) for (const row of rows) row[c] = null
  const ints = [...int64Columns(spec)].filter((c) => wanted.includes(c))
  const nullables = spec.filter((c) => wanted.includes(c.name) && (c.nullable === true || c.kind === "LIST_DOUBLE")).map((c) => c.name)
  const missing = spec.filter((c) => wanted.includes(c.name) && c.missingAsNull === true).map((c) => c.name)
  for (const row of rows) {
    for (const c of ints) row[c] = bigToNumber(row[c])
    for (const c of nullables) if (row[c] === undefined) row[c] = null
    for (const c of missing) if (row[c] === null || row[c] === undefined) row[c] = Number.NaN
  }
  return rows
}

/**
 * Column-oriented read, the fast path for the miner: one array per requested column, in row
 * order across row groups. Required numeric columns and DOUBLE / FLOAT ones of any repetition
 * become Float64Array (a NULL double is NaN, the in-memory "missing"); nullable INT64 becomes
 * Array<number | null>; other columns are whatever hyparquet decodes (arrays of strings,
 * arrays of number[] for lists). Timestamps of any unit come back as epoch ms.
 */
export async function readColumns(filePath: string, columns: ReadonlyArray<string>): Promise<Record<string, ArrayLike<unknown>>> {
  return readColumnsFromBytes(await loadFile(filePath), filePath, columns)
}

/** The top-level column names of a Parquet file, in file order (for files whose columns vary, e.g. mm_viability). */
export async function parquetColumnNames(file: ArrayBuffer, filePath: string): Promise<Array<string>> {
  const metadata = await parquetStep(filePath, () => parquetMetadata(file))
  const names: Array<string> = []
  for (let i = 1, skip = 0; i < metadata.schema.length; i++) {
    const e = metadata.schema[i]!
    if (skip > 0) skip--
    else names.push(e.name)
    skip += e.num_children ?? 0
  }
  return names
}

/** Rows in a Parquet file, from its footer. */
export async function parquetRowCount(file: ArrayBuffer, filePath: string): Promise<number> {
  return Number((await parquetStep(filePath, () => parquetMetadata(file))).num_rows)
}

/** `readColumns` over a file's bytes already in memory; `filePath` names it in errors. */
export async function readColumnsFromBytes(
  file: ArrayBuffer,
  filePath: string,
  columns: ReadonlyArray<string>,
  /** only rows [rowStart, rowEnd) (row-group aligned ranges read only those groups) */
  range?: { readonly rowStart: number; readonly rowEnd: number }
): Promise<Record<string, ArrayLike<unknown>>> {
  const metadata = await parquetStep(filePath, () => parquetMetadata(file))
  const first = range?.rowStart ?? 0
  const total = (range?.rowEnd ?? Number(metadata.num_rows)) - first
  // top-level columns only (list children are named list/element); required numeric ones become Float64Array
  const topLevel = new Map<string, SchemaElement>()
  for (let i = 1, skip = 0; i < metadata.schema.length; i++) {
    const e = metadata.schema[i]!
    if (skip > 0) skip--
    else topLevel.set(e.name, e)
    skip += e.num_children ?? 0
  }
  for (const c of columns) {
    if (!topLevel.has(c)) throw new ParquetCodecError(`${filePath}: no column ${c}`)
  }
  const numericTypes = new Set(["INT64", "INT32", "DOUBLE", "FLOAT"])
  const chunks = new Map<string, Array<{ start: number; data: ArrayLike<unknown> }>>()
  for (const c of columns) chunks.set(c, [])
  await parquetStep(filePath, () => parquetRead({
    file,
    metadata,
    columns: [...columns],
    ...(range !== undefined ? { rowStart: range.rowStart, rowEnd: range.rowEnd } : {}),
    compressors: PARQUET_COMPRESSORS,
    parsers: PARQUET_PARSERS,
    onChunk: (chunk) => {
      chunks.get(chunk.columnName)?.push({ start: chunk.rowStart - first, data: chunk.columnData as ArrayLike<unknown> })
    }
  }))
  const out: Record<string, ArrayLike<unknown>> = {}
  for (const [name, parts] of chunks) {
    parts.sort((a, b) => a.start - b.start)
    const element = topLevel.get(name)!
    let result: Float64Array | unknown[]
    const floating = element.type === "DOUBLE" || element.type === "FLOAT"
    if ((element.repetition_type === "REQUIRED" && element.type !== undefined && numericTypes.has(element.type)) || (floating && element.repetition_type !== "REPEATED")) {
      result = new Float64Array(total)
    } else {
      result = new Array<unknown>(total)
    }
    for (const { start, data } of parts) {
      const len = Math.min(data.length, total - start)
      if (result instanceof Float64Array) {
        for (let i = 0; i < len; i++) {
          const v = data[i] as number | bigint | null | undefined
          result[start + i] = v === null || v === undefined ? Number.NaN : Number(v)
        }
      } else {
        for (let i = 0; i < len; i++) {
          const v = data[i]
          result[start + i] = v === undefined ? null : bigToNumber(v)
        }
      }
    }
    out[name] = result
  }
  return out
}
