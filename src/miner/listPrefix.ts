/**
 * The first K elements of every row of a LIST<DOUBLE> column, without building one JS array
 * per row. hyparquet's reader assembles each row's list as an array: with 20-level ladders
 * that measured ~28k rows/s for the four ladder columns, most of it garbage collection. The
 * miner needs only the first 3 prices and 10 sizes of each side, so this walks the Dremel
 * repetition/definition levels of each page straight into a flat Float64Array
 * (rows x K, NaN-padded).
 *
 * It uses hyparquet's page-level decoders (exported under `hyparquet/src/*.js`; pinned at
 * 1.31.5, see STACK.md), so page formats, codecs and encodings are hyparquet's own. Any
 * surprise (an unexpected layout) throws, and the caller falls back to hyparquet's row reader.
 */
import { type FileMetaData, parquetSchema } from "hyparquet"
import { parquetHeader } from "hyparquet/src/column.js"
import { convert, convertWithDictionary, DEFAULT_PARSERS } from "hyparquet/src/convert.js"
import { decompressPage, readDataPage, readDataPageV2 } from "hyparquet/src/datapage.js"
import { readPlain } from "hyparquet/src/plain.js"
import { getMaxDefinitionLevel, getMaxRepetitionLevel, getTreePath } from "hyparquet/src/schema.js"

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
