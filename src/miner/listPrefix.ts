/**
 * The first K elements of every row of a LIST<DOUBLE> column, without building one JS array
 * per row. hyparquet's reader assembles each row's list as an array: with 20-level ladders
 * that measured ~28k rows/s for the four ladder columns, most of it garbage collection. The
 * miner needs only the first 3 prices and 10 sizes of each side, so this walks the Dremel
 * repetition/definition levels of each page straight into a flat Float64Array
 * (rows x K, NaN-padded).
 *
 * DATA_PAGE_V2 pages of plain doubles (PLAIN or dictionary-encoded: what storage writes) take a
 * fast path: levels and dictionary indices are decoded into reused Int32 scratch by
 * `decodeHybrid`, and only the first k values of each row are read. Other pages go through
 * hyparquet's page readers below.
 *
 * It uses hyparquet's page-level decoders (exported under `hyparquet/src/*.js`; pinned at
 * 1.31.5, pinned in package.json), so page formats, codecs and encodings are hyparquet's own. Any
 * surprise (an unexpected layout) throws, and the caller falls back to hyparquet's row reader.
 */
import { type FileMetaData, parquetSchema } from "hyparquet"
import { parquetHeader } from "hyparquet/src/column.js"
import { convert, convertWithDictionary, DEFAULT_PARSERS } from "hyparquet/src/convert.js"
import { decompressPage, readDataPage, readDataPageV2 } from "hyparquet/src/datapage.js"
import { readPlain } from "hyparquet/src/plain.js"
import { getMaxDefinitionLevel, getMaxRepetitionLevel, getTreePath } from "hyparquet/src/schema.js"

/** level / index scratch reused across pages (grown on demand): no per-page arrays */
let repScratch: Int32Array = new Int32Array(1 << 16)
let defScratch: Int32Array = new Int32Array(1 << 16)
let idxScratch: Int32Array = new Int32Array(1 << 16)
const grow = (a: Int32Array, n: number): Int32Array => (a.length >= n ? a : new Int32Array(Math.max(n, a.length * 2)))

const levelBitWidth = (maxLevel: number): number => 32 - Math.clz32(maxLevel)

/**
 * The Parquet RLE / bit-packed hybrid (levels, dictionary indices) of `length` bytes at
 * `offset`, first `n` values into `out`. Same format as hyparquet's readRleBitPackedHybrid
 * (encoding.js), specialised to Int32Array output: that one is shared by all array kinds and
 * measured the biggest single cost of reading the ladders.
 */
export const decodeHybrid = (bytes: Uint8Array, offset: number, length: number, width: number, out: Int32Array, n: number): void => {
  const end = offset + length
  let p = offset
  let seen = 0
  if (width > 24 || width < 0) throw new Error(`unsupported bit width ${width}`)
  const mask = (1 << width) - 1
  const valueBytes = (width + 7) >> 3
  while (seen < n) {
    if (p >= end) throw new Error(`level/index run past its ${length} bytes`)
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
      const stop = Math.min(n, seen + count)
      let buf = 0
      let bits = 0
      let q = p
      for (let i = seen; i < stop; i++) {
        while (bits < width) {
          buf |= (bytes[q++] ?? 0) << bits
          bits += 8
        }
        out[i] = buf & mask
        buf >>>= width
        bits -= width
      }
      p += (count * width) >> 3
      seen = stop
    } else {
      const count = header >>> 1
      let value = 0
      for (let i = 0; i < valueBytes; i++) value |= bytes[p++]! << (i << 3)
      const stop = Math.min(n, seen + count)
      out.fill(value, seen, stop)
      seen = stop
    }
  }
}

export interface ListPrefix {
  /** rows x k values, row-major; NaN where a row's list is shorter than k */
  readonly values: Float64Array
  readonly k: number
  readonly rows: number
}

/**
 * Reads the first `k` elements of each row of the LIST<DOUBLE> column `name` (standard 3-level
 * layout `name` -> `list` -> `element`, as storage writes it) from a whole-file buffer.
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
    const schemaPath = getTreePath(tree, meta.path_in_schema)
    if (getMaxRepetitionLevel(schemaPath) !== 1) throw new Error(`column ${name} is not a flat list`)
    const maxDef = getMaxDefinitionLevel(schemaPath)
    const defWidth = levelBitWidth(maxDef)
    const leaf = schemaPath[schemaPath.length - 1]!.element
    // a plain IEEE double leaf: its values need no conversion (else: the generic path per page)
    const plainDouble = meta.type === "DOUBLE" && leaf.converted_type === undefined && leaf.logical_type === undefined
    const decoder = {
      pathInSchema: meta.path_in_schema,
      element: schemaPath[schemaPath.length - 1]!.element,
      schemaPath,
      parsers: DEFAULT_PARSERS,
      ...meta
    }
    const start = Number(meta.dictionary_page_offset || meta.data_page_offset)
    const end = start + Number(meta.total_compressed_size)
    const reader = { view: new DataView(file, start, end - start), offset: 0 }
    let dictionary: ArrayLike<unknown> | undefined
    while (reader.offset < reader.view.byteLength - 1) {
      const header = parquetHeader(reader)
      const compressed = new Uint8Array(file, start + reader.offset, header.compressed_page_size)
      reader.offset += header.compressed_page_size
      if (header.type === "DICTIONARY_PAGE") {
        const page = decompressPage(compressed, Number(header.uncompressed_page_size), meta.codec, undefined)
        const pageReader = { view: new DataView(page.buffer, page.byteOffset, page.byteLength), offset: 0 }
        dictionary = convert(readPlain(pageReader, meta.type, header.dictionary_page_header!.num_values, undefined), decoder as never)
        continue
      }
      const v2 = header.data_page_header_v2
      if (header.type === "DATA_PAGE_V2" && v2 !== undefined && plainDouble &&
        (v2.encoding === "PLAIN" || ((v2.encoding === "RLE_DICTIONARY" || v2.encoding === "PLAIN_DICTIONARY") && dictionary !== undefined))) {
        // Fast path (what storage writes): levels into reused Int32 scratch, then only the
        // first k values of each row are read (PLAIN doubles straight from the page bytes).
        const n = v2.num_values
        repScratch = grow(repScratch, n)
        defScratch = grow(defScratch, n)
        const rep = repScratch.subarray(0, n)
        const def = defScratch.subarray(0, n)
        decodeHybrid(compressed, 0, v2.repetition_levels_byte_length, 1, rep, n)
        if (maxDef > 0) decodeHybrid(compressed, v2.repetition_levels_byte_length, v2.definition_levels_byte_length, defWidth, def, n)
        else def.fill(0)
        const levelBytes = v2.repetition_levels_byte_length + v2.definition_levels_byte_length
        let body: Uint8Array = compressed.subarray(levelBytes)
        const bodySize = Number(header.uncompressed_page_size) - levelBytes
        if (v2.is_compressed !== false) body = decompressPage(body, bodySize, meta.codec, undefined)
        const bodyView = new DataView(body.buffer, body.byteOffset, body.byteLength)
        const nValues = n - v2.num_nulls
        let dict: ArrayLike<number> | undefined
        let idx: Int32Array | undefined
        if (v2.encoding !== "PLAIN") {
          dict = dictionary as ArrayLike<number>
          idxScratch = grow(idxScratch, nValues)
          idx = idxScratch.subarray(0, nValues)
          decodeHybrid(body, 1, bodySize - 1, body[0]!, idx, nValues)
        } else if (nValues * 8 > body.byteLength) {
          throw new Error(`column ${name}: page holds ${body.byteLength} bytes for ${nValues} doubles`)
        }
        let v = 0
        for (let i = 0; i < n; i++) {
          if (rep[i] === 0) {
            row++
            pos = 0
          }
          if (def[i] === maxDef) {
            if (pos < k && row < totalRows) {
              values[row * k + pos] = idx === undefined ? bodyView.getFloat64(v * 8, true) : dict![idx[v]!]!
            }
            v++
            pos++
          }
        }
        if (v !== nValues) throw new Error(`column ${name}: ${v} values for ${nValues} in a page`)
        continue
      }
      let page: { definitionLevels: ArrayLike<number> | undefined; repetitionLevels: ArrayLike<number>; dataPage: ArrayLike<unknown> }
      let encoding: string
      if (header.type === "DATA_PAGE_V2") {
        page = readDataPageV2(compressed, header, decoder as never) as typeof page
        encoding = header.data_page_header_v2!.encoding
      } else if (header.type === "DATA_PAGE") {
        const bytes = decompressPage(compressed, Number(header.uncompressed_page_size), meta.codec, undefined)
        page = readDataPage(bytes, header.data_page_header!, decoder as never) as typeof page
        encoding = header.data_page_header!.encoding
      } else {
        continue // index pages carry no values
      }
      const pageValues = convertWithDictionary(page.dataPage as never, dictionary as never, encoding as never, decoder as never) as ArrayLike<number>
      const rep = page.repetitionLevels
      const def = page.definitionLevels
      const n = rep.length
      let v = 0
      for (let i = 0; i < n; i++) {
        if (rep[i] === 0) {
          row++
          pos = 0
        }
        // def === maxDef: an element is present (lower: an empty or null list, no value)
        if (def === undefined || def[i] === maxDef) {
          if (pos < k && row < totalRows) values[row * k + pos] = pageValues[v]!
          v++
          pos++
        }
      }
    }
  }
  if (row + 1 !== totalRows) throw new Error(`column ${name}: ${row + 1} lists for ${totalRows} rows`)
  return { values, k, rows: totalRows }
}
