/**
 * The first K elements of every row of a LIST<DOUBLE> column, without building one JS array
 * per row. hyparquet's reader assembles each row's list as an array: with 20-level ladders
 * that measured ~28k rows/s for the four ladder columns, most of it garbage collection. The
 * miner needs only the first 3 prices and 10 sizes of each side, so this walks the Dremel
 * repetition/definition levels of each page straight into a flat Float64Array
 * (rows x K, NaN-padded).
 *
 * It reads any conformant layout of a one-level list of numbers, whoever wrote it:
 * - DATA_PAGE (v1, RLE levels with their length prefixes) and DATA_PAGE_V2;
 * - values PLAIN, dictionary-encoded (PLAIN_DICTIONARY / RLE_DICTIONARY) or BYTE_STREAM_SPLIT,
 *   DOUBLE leaves straight from the page bytes, other numeric leaves through hyparquet's
 *   converters;
 * - the standard 3-level list (`col` -> repeated `list` -> `element`) and the legacy 2-level
 *   one, REQUIRED or OPTIONAL at every level; NULL lists, empty lists and NULL elements;
 * - every codec of `PARQUET_COMPRESSORS`, any row-group and page size, pages that continue
 *   a row of the previous page.
 *
 * NULL elements keep their position: `[1, null, 3]` gives 1, NaN, 3 (the miner then counts a
 * NULL size as 0 and a level with a NULL price or size as notional 0, like DuckDB's list_sum,
 * which skips NULLs). A NULL or empty list gives no elements.
 *
 * Every page proves what it consumed: exactly `num_values` levels, level runs that end inside
 * their byte ranges, as many values as the definition levels announce (and, for v2, as the
 * header's num_nulls says), PLAIN / BYTE_STREAM_SPLIT bodies of exactly that many values,
 * dictionary indices inside the dictionary, and per column chunk exactly its row group's rows
 * and values. Anything else throws with the column and the reason: the caller then reads the
 * file through hyparquet's row assembly, or reports the file as unreadable. Never a silent
 * wrong value.
 *
 * It uses hyparquet's page-level helpers (exported under `hyparquet/src/*.js`; pinned at
 * 1.31.5): page headers, decompression dispatch, PLAIN / BYTE_STREAM_SPLIT readers and type
 * converters. test/miner/foreignParquet.test.ts proves it on files written by DuckDB and by
 * parquet-wasm (the Rust arrow writer).
 */
import { type FileMetaData, parquetSchema, type SchemaTree } from "hyparquet"
import { parquetHeader } from "hyparquet/src/column.js"
import { convert, DEFAULT_PARSERS } from "hyparquet/src/convert.js"
import { decompressPage } from "hyparquet/src/datapage.js"
import { byteStreamSplit } from "hyparquet/src/encoding.js"
import { readPlain } from "hyparquet/src/plain.js"
import { getMaxDefinitionLevel, getMaxRepetitionLevel, getTreePath } from "hyparquet/src/schema.js"
import { PARQUET_COMPRESSORS } from "../storage/parquet/codecs.js"

/** level / index / value scratch reused across pages (grown on demand): no per-page arrays */
let repScratch: Int32Array = new Int32Array(1 << 16)
let defScratch: Int32Array = new Int32Array(1 << 16)
let idxScratch: Int32Array = new Int32Array(1 << 16)
const grow = (a: Int32Array, n: number): Int32Array => (a.length >= n ? a : new Int32Array(Math.max(n, a.length * 2)))

const levelBitWidth = (maxLevel: number): number => 32 - Math.clz32(maxLevel)

/**
 * The Parquet RLE / bit-packed hybrid (levels, dictionary indices) of `length` bytes at
 * `offset`, first `n` values into `out`. Same format as hyparquet's readRleBitPackedHybrid
 * (encoding.js), specialised to Int32Array output: that one is shared by all array kinds and
 * measured the biggest single cost of reading the ladders. Returns the offset just past the
 * last run it used; throws if a run would reach past `offset + length`.
 */
export const decodeHybrid = (bytes: Uint8Array, offset: number, length: number, width: number, out: Int32Array, n: number): number => {
  const end = offset + length
  let p = offset
  let seen = 0
  if (width > 24 || width < 0) throw new Error(`unsupported bit width ${width}`)
  if (width === 0) {
    // a zero-width run holds only zeros (a one-entry dictionary); nothing to read
    out.fill(0, 0, n)
    return p
  }
  const mask = (1 << width) - 1
  const valueBytes = (width + 7) >> 3
  while (seen < n) {
    if (p >= end) throw new Error(`level/index runs end after ${seen} of ${n} values`)
    // ULEB128 header
    let header = 0
    let shift = 0
    let b: number
    do {
      b = bytes[p++]!
      header |= (b & 0x7f) << shift
      shift += 7
    } while (b & 0x80)
    if (header & 1) {
      // bit-packed: (header >> 1) groups of 8 values, `width` bits each, least significant first
      const count = (header >>> 1) * 8
      const runBytes = (count * width) >> 3
      const stop = Math.min(n, seen + count)
      // the run's values that are used must lie inside the range (trailing padding may be cut)
      if (p + (((stop - seen) * width + 7) >> 3) > end) throw new Error(`bit-packed run past its ${length} bytes`)
      let buf = 0
      let bits = 0
      let q = p
      for (let i = seen; i < stop; i++) {
        while (bits < width) {
          buf |= bytes[q++]! << bits
          bits += 8
        }
        out[i] = buf & mask
        buf >>>= width
        bits -= width
      }
      p = Math.min(end, p + runBytes)
      seen = stop
    } else {
      const count = header >>> 1
      if (count === 0) throw new Error("empty RLE run")
      if (p + valueBytes > end) throw new Error(`RLE run past its ${length} bytes`)
      let value = 0
      for (let i = 0; i < valueBytes; i++) value |= bytes[p++]! << (i << 3)
      const stop = Math.min(n, seen + count)
      out.fill(value, seen, stop)
      seen = stop
    }
  }
  return p
}

export interface ListPrefix {
  /** rows x k values, row-major; NaN where a row's list is shorter than k or an element is NULL */
  readonly values: Float64Array
  readonly k: number
  readonly rows: number
}

/** how a page's values are read: straight from PLAIN double bytes, through dictionary indices, or already decoded */
const PLAIN_BYTES = 0
const DICTIONARY = 1
const DECODED = 2

const toFloat64 = (decoded: ArrayLike<unknown>, column: string): Float64Array => {
  if (decoded instanceof Float64Array) return decoded
  const out = new Float64Array(decoded.length)
  for (let i = 0; i < decoded.length; i++) {
    const v = decoded[i]
    if (typeof v === "number") out[i] = v
    else if (typeof v === "bigint") out[i] = Number(v)
    else throw new Error(`column ${column}: element of type ${typeof v} is not a number`)
  }
  return out
}

interface Decoder {
  readonly name: string
  readonly type: string
  readonly typeLength: number | undefined
  readonly plainDouble: boolean
  readonly columnDecoder: unknown
}

/**
 * The `nValues` values of a page body (already decompressed) in `encoding`; the body must hold
 * exactly those values (dictionary indices: runs that end inside it).
 */
const decodeBody = (
  body: Uint8Array,
  encoding: string,
  nValues: number,
  dictionary: Float64Array | undefined,
  d: Decoder
): { mode: number; view: DataView; idx: Int32Array | undefined; decoded: Float64Array | undefined } => {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength)
  if (encoding === "PLAIN_DICTIONARY" || encoding === "RLE_DICTIONARY") {
    if (dictionary === undefined) throw new Error(`column ${d.name}: dictionary-encoded page without a dictionary page`)
    idxScratch = grow(idxScratch, nValues)
    const idx = idxScratch.subarray(0, nValues)
    if (nValues > 0) {
      if (body.length < 1) throw new Error(`column ${d.name}: empty dictionary-index page`)
      decodeHybrid(body, 1, body.length - 1, body[0]!, idx, nValues)
      const size = dictionary.length
      for (let i = 0; i < nValues; i++) {
        const j = idx[i]!
        if (j >= size) throw new Error(`column ${d.name}: dictionary index ${j} outside a dictionary of ${size}`)
      }
    }
    return { mode: DICTIONARY, view, idx, decoded: undefined }
  }
  if (encoding === "PLAIN" && d.plainDouble) {
    if (body.length !== nValues * 8) throw new Error(`column ${d.name}: PLAIN page of ${body.length} bytes for ${nValues} doubles`)
    return { mode: PLAIN_BYTES, view, idx: undefined, decoded: undefined }
  }
  if (encoding !== "PLAIN" && encoding !== "BYTE_STREAM_SPLIT") throw new Error(`column ${d.name}: unsupported encoding ${encoding}`)
  const reader = { view, offset: 0 }
  const raw = encoding === "PLAIN"
    ? readPlain(reader, d.type as never, nValues, d.typeLength)
    : byteStreamSplit(reader, nValues, d.type as never, d.typeLength)
  if (reader.offset !== body.length) {
    throw new Error(`column ${d.name}: ${encoding} page of ${body.length} bytes, ${reader.offset} used by ${nValues} values`)
  }
  const decoded = d.plainDouble ? toFloat64(raw as ArrayLike<unknown>, d.name) : toFloat64(convert(raw as never, d.columnDecoder as never) as ArrayLike<unknown>, d.name)
  return { mode: DECODED, view, idx: undefined, decoded }
}

/**
 * Reads the first `k` elements of each row of the list column `name` from a whole-file buffer.
 */
export const readListPrefix = (file: ArrayBuffer, metadata: FileMetaData, name: string, k: number): ListPrefix => {
  const totalRows = Number(metadata.num_rows)
  const values = new Float64Array(totalRows * k).fill(Number.NaN)
  const tree = parquetSchema(metadata)
  let row = -1
  let pos = 0
  for (const rowGroup of metadata.row_groups) {
    const chunk = rowGroup.columns.find((c) => c.meta_data?.path_in_schema[0] === name)
    const meta = chunk?.meta_data
    if (meta === undefined) throw new Error(`no column ${name}`)
    const schemaPath: Array<SchemaTree> = getTreePath(tree, meta.path_in_schema)
    if (getMaxRepetitionLevel(schemaPath) !== 1) throw new Error(`column ${name} is not a flat list`)
    const maxDef = getMaxDefinitionLevel(schemaPath)
    // definition level from which an entry is a list slot (element or NULL element): the
    // repeated node's own level. Below it: a NULL or empty list, no slot.
    let slotDef = 0
    for (let i = 1; i < schemaPath.length; i++) {
      const rt = schemaPath[i]!.element.repetition_type
      if (rt !== "REQUIRED") slotDef++
      if (rt === "REPEATED") break
    }
    const defWidth = levelBitWidth(maxDef)
    const leaf = schemaPath[schemaPath.length - 1]!.element
    const columnDecoder = {
      pathInSchema: meta.path_in_schema,
      element: leaf,
      schemaPath,
      parsers: DEFAULT_PARSERS,
      compressors: PARQUET_COMPRESSORS,
      ...meta
    }
    const d: Decoder = {
      name,
      type: meta.type,
      typeLength: leaf.type_length,
      // a plain IEEE double leaf: its values need no conversion
      plainDouble: meta.type === "DOUBLE" && leaf.converted_type === undefined && leaf.logical_type === undefined,
      columnDecoder
    }
    const start = Number(meta.dictionary_page_offset || meta.data_page_offset)
    const end = start + Number(meta.total_compressed_size)
    if (end > file.byteLength) throw new Error(`column ${name}: chunk ends past the file`)
    const reader = { view: new DataView(file, start, end - start), offset: 0 }
    const chunkValues = Number(meta.num_values)
    const firstRow = row + 1
    let seenValues = 0
    let dictionary: Float64Array | undefined
    while (seenValues < chunkValues) {
      if (reader.offset >= reader.view.byteLength) throw new Error(`column ${name}: chunk ends after ${seenValues} of ${chunkValues} values`)
      const header = parquetHeader(reader)
      const compressed = new Uint8Array(file, start + reader.offset, header.compressed_page_size)
      reader.offset += header.compressed_page_size
      if (reader.offset > reader.view.byteLength) throw new Error(`column ${name}: page runs past its chunk`)
      const pageSize = Number(header.uncompressed_page_size)
      if (header.type === "DICTIONARY_PAGE") {
        const page = decompressPage(compressed, pageSize, meta.codec, PARQUET_COMPRESSORS)
        const pageReader = { view: new DataView(page.buffer, page.byteOffset, page.byteLength), offset: 0 }
        const raw = readPlain(pageReader, meta.type, header.dictionary_page_header!.num_values, leaf.type_length)
        dictionary = d.plainDouble ? toFloat64(raw as ArrayLike<unknown>, name) : toFloat64(convert(raw as never, columnDecoder as never) as ArrayLike<unknown>, name)
        continue
      }
      let n: number
      let levels: Uint8Array
      let repStart: number, repLength: number, defStart: number, defLength: number
      let body: Uint8Array
      let encoding: string
      let expectedValues = -1
      if (header.type === "DATA_PAGE_V2") {
        const v2 = header.data_page_header_v2!
        n = v2.num_values
        encoding = v2.encoding
        levels = compressed
        repStart = 0
        repLength = v2.repetition_levels_byte_length
        defStart = repLength
        defLength = v2.definition_levels_byte_length
        const levelBytes = repLength + defLength
        body = compressed.subarray(levelBytes)
        if (v2.is_compressed !== false) body = decompressPage(body, pageSize - levelBytes, meta.codec, PARQUET_COMPRESSORS)
        expectedValues = n - v2.num_nulls
      } else if (header.type === "DATA_PAGE") {
        const v1 = header.data_page_header!
        n = v1.num_values
        encoding = v1.encoding
        if (v1.repetition_level_encoding !== "RLE" || (maxDef > 0 && v1.definition_level_encoding !== "RLE")) {
          throw new Error(`column ${name}: levels encoded ${v1.repetition_level_encoding}/${v1.definition_level_encoding}`)
        }
        levels = decompressPage(compressed, pageSize, meta.codec, PARQUET_COMPRESSORS)
        const lv = new DataView(levels.buffer, levels.byteOffset, levels.byteLength)
        repLength = lv.getUint32(0, true)
        repStart = 4
        let p = repStart + repLength
        if (maxDef > 0) {
          defLength = lv.getUint32(p, true)
          defStart = p + 4
          p = defStart + defLength
        } else {
          defStart = p
          defLength = 0
        }
        if (p > levels.length) throw new Error(`column ${name}: level lengths past the page`)
        body = levels.subarray(p)
      } else {
        continue // index pages carry no values
      }
      repScratch = grow(repScratch, n)
      defScratch = grow(defScratch, n)
      const rep = repScratch.subarray(0, n)
      const def = defScratch.subarray(0, n)
      decodeHybrid(levels, repStart, repLength, 1, rep, n)
      if (maxDef > 0) decodeHybrid(levels, defStart, defLength, defWidth, def, n)
      else def.fill(0)
      let nValues = 0
      for (let i = 0; i < n; i++) if (def[i] === maxDef) nValues++
      if (expectedValues >= 0 && nValues !== expectedValues) {
        throw new Error(`column ${name}: ${nValues} defined values, page header says ${expectedValues}`)
      }
      if (n > 0 && rep[0] !== 0 && row < firstRow) throw new Error(`column ${name}: row group starts inside a row`)
      const page = decodeBody(body, encoding, nValues, dictionary, d)
      const mode = page.mode
      const view = page.view
      const idx = page.idx
      const dict = dictionary
      const decoded = page.decoded
      let v = 0
      for (let i = 0; i < n; i++) {
        if (rep[i] === 0) {
          row++
          pos = 0
        }
        const level = def[i]!
        if (level >= slotDef) {
          if (level === maxDef) {
            if (pos < k) {
              values[row * k + pos] = mode === PLAIN_BYTES ? view.getFloat64(v * 8, true) : mode === DICTIONARY ? dict![idx![v]!]! : decoded![v]!
            }
            v++
          }
          // a NULL element (slotDef <= level < maxDef) keeps its position and stays NaN
          pos++
        }
      }
      if (row >= totalRows) throw new Error(`column ${name}: more lists than the file's ${totalRows} rows`)
      seenValues += n
    }
    if (seenValues !== chunkValues) throw new Error(`column ${name}: ${seenValues} values for the chunk's ${chunkValues}`)
    const groupRows = row + 1 - firstRow
    if (groupRows !== Number(rowGroup.num_rows)) throw new Error(`column ${name}: ${groupRows} lists in a row group of ${rowGroup.num_rows} rows`)
  }
  if (row + 1 !== totalRows) throw new Error(`column ${name}: ${row + 1} lists for ${totalRows} rows`)
  return { values, k, rows: totalRows }
}
