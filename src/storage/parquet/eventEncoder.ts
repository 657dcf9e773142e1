/**
 * The event log's own Parquet encoder: the `book_events` table (EVENT_TABLE) written column by
 * column in plain loops over typed arrays. The generic path (hyparquet-writer's writeColumn)
 * spent ~18 us a row on boxed values, per-value statistics and its recursive level walk; the
 * event log writes every change of every book, so it gets a writer that knows its 17 columns.
 *
 * What it writes (Parquet format 2, readable by DuckDB, hyparquet, Arrow, Polars):
 * - one DATA_PAGE (v1) per column chunk; levels RLE, values:
 *   - DELTA_BINARY_PACKED for the INT64 columns (times and positions that grow row by row),
 *   - RLE_DICTIONARY with a PLAIN dictionary page for strings and doubles (ids, kinds, prices,
 *     sizes, trade ids: few distinct values per row group),
 *   - a column with no value in a row group is a PLAIN page of definition levels only;
 * - pages compressed with GZIP at level 1 (zlib, native): every Parquet reader has it, and on
 *   the replay corpus it gives 17.3 bytes an event against 16.7 at level 6 for a quarter of
 *   the CPU (bench P7, P8);
 * - min/max statistics on `ts_recv`, `event_seq` and `market_id` only (what readers prune with:
 *   rebuild reads only the row groups that can hold its markets), null counts everywhere.
 * The file metadata and page headers go through hyparquet-writer's thrift writer (a few
 * hundred structs a file, not a hot path).
 *
 * No Effect here: the encoder worker loads it.
 */
import * as zlib from "node:zlib"
import type { SchemaElement } from "hyparquet"
import { ByteWriter } from "hyparquet-writer"
import { writePageHeader } from "hyparquet-writer/src/datapage.js"
import { writeMetadata } from "hyparquet-writer/src/metadata.js"
import { GrowableBytes, LITTLE_ENDIAN } from "../GrowableBytes.js"
import { EVENT_LISTS, type EventBatch } from "./eventBatch.js"

// ---------------------------------------------------------------------------------------------
// A growable byte buffer with the few primitives the encodings need

class Bytes extends GrowableBytes {
  constructor(size = 4096) {
    super(size)
  }

  u32(v: number): void {
    this.ensure(4)
    const b = this.buf
    let i = this.len
    b[i++] = v & 0xff
    b[i++] = (v >>> 8) & 0xff
    b[i++] = (v >>> 16) & 0xff
    b[i++] = (v >>> 24) & 0xff
    this.len = i
  }

  /** u32 at an earlier position (length prefixes) */
  u32At(pos: number, v: number): void {
    const b = this.buf
    b[pos] = v & 0xff
    b[pos + 1] = (v >>> 8) & 0xff
    b[pos + 2] = (v >>> 16) & 0xff
    b[pos + 3] = (v >>> 24) & 0xff
  }

  /** ULEB128 of a non-negative integer below 2^53 */
  varint(v: number): void {
    this.ensure(8)
    while (v >= 128) {
      this.buf[this.len++] = (v % 128) | 0x80
      v = Math.floor(v / 128)
    }
    this.buf[this.len++] = v
  }

  /** zigzag ULEB128 of a safe integer */
  zigzag(v: number): void {
    this.varint(v >= 0 ? v * 2 : -v * 2 - 1)
  }

  f64le(v: number): void {
    this.ensure(8)
    new DataView(this.buf.buffer, this.buf.byteOffset).setFloat64(this.len, v, true)
    this.len += 8
  }
}

const bitWidthOf = (maxValue: number): number => (maxValue <= 0 ? 0 : 32 - Math.clz32(maxValue))

/**
 * `count` values of at most 32 bits packed LSB first (`width` bits each), padded with zeros to
 * `padTo` values.
 */
function bitPack(out: Bytes, values: ArrayLike<number>, start: number, count: number, width: number, padTo: number): void {
  if (width === 0) return
  out.ensure(Math.ceil((padTo * width) / 8) + 4)
  const b = out.buf
  let pos = out.len
  // fewer than 8 pending bits between values
  let acc = 0
  let bits = 0
  for (let i = 0; i < padTo; i++) {
    const v = i < count ? values[start + i]! >>> 0 : 0
    if (bits + width <= 32) {
      acc |= v << bits
      bits += width
    } else {
      // the low (32 - bits) bits of v complete a 32-bit word; the rest carry over
      acc |= v << bits
      b[pos++] = acc & 0xff
      b[pos++] = (acc >>> 8) & 0xff
      b[pos++] = (acc >>> 16) & 0xff
      b[pos++] = (acc >>> 24) & 0xff
      const used = 32 - bits
      acc = v >>> used
      bits = width - used
    }
    while (bits >= 8) {
      b[pos++] = acc & 0xff
      acc >>>= 8
      bits -= 8
    }
  }
  if (bits > 0) b[pos++] = acc & 0xff
  out.len = pos
}

/** Values of 33..53 bits: the same LSB-first packing over two halves. */
function bitPackWide(out: Bytes, values: ArrayLike<number>, start: number, count: number, width: number, padTo: number): void {
  const nbytes = Math.ceil((padTo * width) / 8)
  out.ensure(nbytes)
  const b = out.buf
  let pos = out.len
  let cur = 0
  let bits = 0
  const put = (v: number, n: number): void => {
    // n <= 32 bits of v (v < 2^32)
    for (let k = 0; k < n; ) {
      const take = Math.min(8 - bits, n - k)
      cur |= ((Math.floor(v / 2 ** k) & ((1 << take) - 1)) << bits)
      bits += take
      k += take
      if (bits === 8) {
        b[pos++] = cur
        cur = 0
        bits = 0
      }
    }
  }
  for (let i = 0; i < padTo; i++) {
    const v = i < count ? values[start + i]! : 0
    const lo = v % 4294967296
    put(lo, 32)
    put((v - lo) / 4294967296, width - 32)
  }
  if (bits > 0) b[pos++] = cur
  out.len = pos
}

/**
 * The RLE / bit-packed hybrid of values[0, n) at `width` bits (levels and dictionary indices):
 * runs of 8 or more equal values are RLE runs, the rest bit-packed groups of 8. A literal
 * stretch borrows from the run that ends it to fill its last group of 8, as parquet-cpp does.
 */
function rleHybrid(out: Bytes, values: Int32Array, n: number, width: number): void {
  const valueBytes = (width + 7) >> 3
  let literalStart = 0
  let i = 0
  const flushLiterals = (end: number): void => {
    const count = end - literalStart
    if (count === 0) return
    const groups = Math.ceil(count / 8)
    out.varint(groups * 2 + 1)
    bitPack(out, values, literalStart, count, width, groups * 8)
  }
  while (i < n) {
    const v = values[i]!
    let j = i + 1
    while (j < n && values[j] === v) j++
    if (j - i >= 8) {
      const pending = i - literalStart
      const borrow = (8 - (pending % 8)) % 8
      const runStart = pending === 0 ? i : i + borrow
      if (pending > 0) flushLiterals(runStart)
      const run = j - runStart
      if (run > 0) {
        out.varint(run * 2)
        out.ensure(valueBytes)
        for (let k = 0; k < valueBytes; k++) out.buf[out.len++] = (v >>> (8 * k)) & 0xff
      }
      literalStart = j
    }
    i = j
  }
  flushLiterals(n)
}

const DELTA_BLOCK = 128
const DELTA_MINIBLOCKS = 4
const DELTA_MINI = DELTA_BLOCK / DELTA_MINIBLOCKS

/** DELTA_BINARY_PACKED of safe integers values[0, n) (INT64 in the file). */
function deltaBinaryPacked(out: Bytes, values: Float64Array, n: number): void {
  out.varint(DELTA_BLOCK)
  out.varint(DELTA_MINIBLOCKS)
  out.varint(n)
  out.zigzag(n > 0 ? values[0]! : 0)
  const deltas = new Float64Array(DELTA_BLOCK)
  for (let start = 1; start < n; start += DELTA_BLOCK) {
    const count = Math.min(DELTA_BLOCK, n - start)
    let min = Infinity
    for (let k = 0; k < count; k++) {
      const d = values[start + k]! - values[start + k - 1]!
      deltas[k] = d
      if (d < min) min = d
    }
    out.zigzag(min)
    for (let k = 0; k < count; k++) deltas[k] = deltas[k]! - min
    const widthsAt = out.len
    out.ensure(DELTA_MINIBLOCKS)
    out.len += DELTA_MINIBLOCKS
    for (let m = 0; m < DELTA_MINIBLOCKS; m++) {
      const from = m * DELTA_MINI
      if (from >= count) {
        out.buf[widthsAt + m] = 0
        continue
      }
      const to = Math.min(count, from + DELTA_MINI)
      let max = 0
      for (let k = from; k < to; k++) if (deltas[k]! > max) max = deltas[k]!
      // past 2^53 the double arithmetic above is no longer exact: refuse rather than write a wrong number
      if (max > Number.MAX_SAFE_INTEGER) throw new EventEncodeError(`a difference of ${max} between neighbouring INT64 values is past 2^53`)
      const width = max < 4294967296 ? bitWidthOf(max) : Math.ceil(Math.log2(max + 1))
      out.buf[widthsAt + m] = width
      if (width <= 32) bitPack(out, deltas, from, to - from, width, DELTA_MINI)
      else bitPackWide(out, deltas, from, to - from, width, DELTA_MINI)
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Columns

type Codec = "GZIP" | "UNCOMPRESSED"

const compress = (codec: Codec, body: Uint8Array): Uint8Array =>
  codec === "GZIP" ? zlib.gzipSync(body, { level: 1 }) : body

interface ChunkMeta {
  readonly meta: Record<string, unknown>
}

const utf8 = new TextEncoder()

/** Encodes the column chunks of one row group into the file writer. */
class ChunkWriter {
  private readonly levels = new Bytes()
  private readonly body = new Bytes(1 << 16)
  private readonly dict = new Bytes(1 << 14)

  constructor(private readonly file: ByteWriter, private readonly codec: Codec) {}

  private page(header: Record<string, unknown>, raw: Uint8Array): number {
    const compressed = compress(this.codec, raw)
    const start = this.file.offset
    writePageHeader(this.file, { ...header, uncompressed_page_size: raw.length, compressed_page_size: compressed.length } as never)
    const headerSize = this.file.offset - start
    this.file.appendBytes(compressed)
    return headerSize + raw.length
  }

  /**
   * One column chunk: `defs` (null = required) and `reps` (null = not a list) are the levels of
   * its `numLevels` slots; `values` fills the page body after them.
   */
  chunk(opts: {
    path: ReadonlyArray<string>
    type: "INT64" | "DOUBLE" | "BYTE_ARRAY"
    numLevels: number
    defs: Int32Array | null
    maxDef: number
    reps: Int32Array | null
    nulls: number
    encoding: "PLAIN" | "RLE_DICTIONARY" | "DELTA_BINARY_PACKED"
    /** writes the dictionary page body (PLAIN values) into `dict`; returns its entry count */
    dictionary?: (dict: Bytes) => number
    values: (body: Bytes) => void
    statistics?: Record<string, unknown>
  }): ChunkMeta {
    const start = this.file.offset
    let uncompressed = 0
    let dictionaryOffset: bigint | undefined
    if (opts.dictionary !== undefined) {
      this.dict.reset()
      const entries = opts.dictionary(this.dict)
      dictionaryOffset = BigInt(this.file.offset)
      uncompressed += this.page({ type: "DICTIONARY_PAGE", dictionary_page_header: { num_values: entries, encoding: "PLAIN" } }, this.dict.view())
    }
    const body = this.body
    body.reset()
    if (opts.reps !== null) this.levelBlock(opts.reps, opts.numLevels, 1)
    if (opts.defs !== null) this.levelBlock(opts.defs, opts.numLevels, opts.maxDef)
    opts.values(body)
    const dataOffset = BigInt(this.file.offset)
    uncompressed += this.page({
      type: "DATA_PAGE",
      data_page_header: { num_values: opts.numLevels, encoding: opts.encoding, definition_level_encoding: "RLE", repetition_level_encoding: "RLE" }
    }, body.view())
    const encodings = opts.encoding === "RLE_DICTIONARY" ? ["PLAIN", "RLE", "RLE_DICTIONARY"] : opts.encoding === "PLAIN" ? ["PLAIN", "RLE"] : ["RLE", "DELTA_BINARY_PACKED"]
    return {
      meta: {
        file_offset: BigInt(start),
        meta_data: {
          type: opts.type,
          encodings,
          path_in_schema: [...opts.path],
          codec: this.codec,
          num_values: BigInt(opts.numLevels),
          total_uncompressed_size: BigInt(uncompressed),
          total_compressed_size: BigInt(this.file.offset - start),
          data_page_offset: dataOffset,
          ...(dictionaryOffset !== undefined ? { dictionary_page_offset: dictionaryOffset } : {}),
          statistics: { null_count: BigInt(opts.nulls), ...opts.statistics }
        }
      }
    }
  }

  /** length-prefixed RLE levels into the page body */
  private levelBlock(levels: Int32Array, n: number, max: number): void {
    const body = this.body
    const at = body.len
    body.u32(0)
    rleHybrid(body, levels, n, bitWidthOf(max))
    body.u32At(at, body.len - at - 4)
  }
}

/**
 * Dictionary of a DOUBLE column in one row group: value -> index in first-seen order. An
 * open-addressing table on the value's bits: a Map keyed by doubles boxes every lookup, and the
 * ladders make a few hundred thousand lookups per row group. Keys are bit patterns, so -0 and 0
 * are two entries and every NaN payload its own: each reads back exactly as written.
 */
class DoubleDictionary {
  values = new Float64Array(256)
  size = 0
  private slots = new Int32Array(1024).fill(-1)
  private mask = 1023
  private readonly bits = new Float64Array(1)
  private readonly halves = new Uint32Array(this.bits.buffer)
  private keys = new Uint32Array(512)

  /** empty again, keeping the memory (one dictionary serves every column of a file) */
  clear(): void {
    this.size = 0
    this.slots.fill(-1)
  }

  of(v: number): number {
    this.bits[0] = v
    const lo = this.halves[0]!
    const hi = this.halves[1]!
    let h = (Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b) >>> 15) & this.mask
    for (;;) {
      const e = this.slots[h]!
      if (e < 0) break
      if (this.keys[2 * e] === lo && this.keys[2 * e + 1] === hi) return e
      h = (h + 1) & this.mask
    }
    const e = this.size++
    if (e === this.values.length) {
      const values = new Float64Array(e * 2)
      values.set(this.values)
      this.values = values
      const keys = new Uint32Array(e * 4)
      keys.set(this.keys)
      this.keys = keys
    }
    this.values[e] = v
    this.keys[2 * e] = lo
    this.keys[2 * e + 1] = hi
    this.slots[h] = e
    if (this.size * 2 > this.mask) this.rehash()
    return e
  }

  private rehash(): void {
    const size = (this.mask + 1) * 2
    this.slots = new Int32Array(size).fill(-1)
    this.mask = size - 1
    for (let e = 0; e < this.size; e++) {
      const lo = this.keys[2 * e]!
      const hi = this.keys[2 * e + 1]!
      let h = (Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b) >>> 15) & this.mask
      while (this.slots[h]! >= 0) h = (h + 1) & this.mask
      this.slots[h] = e
    }
  }
}

const writeStringDictionary = (values: ReadonlyArray<string>) => (out: Bytes): number => {
  for (const s of values) {
    const at = out.len
    out.ensure(4 + s.length * 3)
    out.len += 4
    const { written } = utf8.encodeInto(s, out.buf.subarray(out.len))
    out.len += written
    out.u32At(at, written)
  }
  return values.length
}

const writeDoubleDictionary = (dict: DoubleDictionary) => (out: Bytes): number => {
  if (!LITTLE_ENDIAN) {
    for (let e = 0; e < dict.size; e++) out.f64le(dict.values[e]!)
    return dict.size
  }
  out.ensure(dict.size * 8)
  new Uint8Array(out.buf.buffer, out.buf.byteOffset + out.len, dict.size * 8).set(new Uint8Array(dict.values.buffer, 0, dict.size * 8))
  out.len += dict.size * 8
  return dict.size
}

const dictionaryIndices = (indices: Int32Array, n: number, entries: number) => (out: Bytes): void => {
  const width = bitWidthOf(entries - 1)
  out.byte(width)
  rleHybrid(out, indices, n, width)
}

/** Parquet orders UTF-8 statistics by unsigned bytes, i.e. by code point (not UTF-16 unit). */
const codePointLess = (a: string, b: string): boolean => {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!
    const y = b.codePointAt(i)!
    if (x !== y) return x < y
    if (x > 0xffff) i++
  }
  return a.length < b.length
}

// ---------------------------------------------------------------------------------------------
// The table

/** The file's columns, in EVENT_TABLE's order (events.ts checks the two agree). */
export const EVENT_ENCODER_COLUMNS = [
  "ts_recv", "event_seq", "kind", "market_id", "outcome_id", "side", "price", "size",
  "source_ts", "venue_seq", "trade_id", "reason", "book_seq", "bid_px", "bid_sz", "ask_px", "ask_sz"
] as const

export class EventEncodeError extends Error {
  override readonly name = "EventEncodeError"
}

/** Scratch arrays reused across the columns of a row group. */
class Scratch {
  readonly doubles = new DoubleDictionary()
  private local = new Int32Array(0)
  defs = new Int32Array(0)
  reps = new Int32Array(0)
  ints = new Int32Array(0)
  nums = new Float64Array(0)

  /** interned string -> dictionary index, all -1 (callers put back the -1s they overwrite) */
  localIndex(strings: number): Int32Array {
    if (this.local.length < strings) this.local = new Int32Array(Math.max(strings, this.local.length * 2)).fill(-1)
    return this.local
  }

  sized(n: number): this {
    if (this.defs.length < n) {
      const size = Math.max(n, this.defs.length * 2)
      this.defs = new Int32Array(size)
      this.reps = new Int32Array(size)
      this.ints = new Int32Array(size)
      this.nums = new Float64Array(size)
    }
    return this
  }
}

/** Rows [from, to) of `order`: the row group being written. */
interface Group {
  readonly batch: EventBatch
  readonly order: Int32Array
  readonly from: number
  readonly to: number
}

/** An INT64 column (NaN = null), DELTA_BINARY_PACKED. */
function intColumn(w: ChunkWriter, s: Scratch, g: Group, name: string, column: Float64Array, nullable: boolean, stats: boolean): ChunkMeta {
  const n = g.to - g.from
  s.sized(n)
  const { defs, nums } = s
  const order = g.order
  let k = 0
  let min = Infinity
  let max = -Infinity
  for (let i = 0; i < n; i++) {
    const v = column[order[g.from + i]!]!
    if (v !== v) {
      if (!nullable) throw new EventEncodeError(`column ${name}: null in a required column`)
      defs[i] = 0
      continue
    }
    if (!Number.isSafeInteger(v)) throw new EventEncodeError(`column ${name}: ${v} is not a whole number`)
    defs[i] = 1
    nums[k++] = v
    if (v < min) min = v
    if (v > max) max = v
  }
  return w.chunk({
    path: [name], type: "INT64", numLevels: n, defs: nullable ? defs : null, maxDef: 1, reps: null, nulls: n - k,
    encoding: k === 0 ? "PLAIN" : "DELTA_BINARY_PACKED",
    values: (body) => { if (k > 0) deltaBinaryPacked(body, nums, k) },
    ...(stats && k > 0 ? { statistics: { min_value: BigInt(min), max_value: BigInt(max) } } : {})
  })
}

/** A string column (interned indexes, -1 = null), RLE_DICTIONARY. */
function stringColumn(w: ChunkWriter, s: Scratch, g: Group, name: string, column: Int32Array, nullable: boolean, stats: boolean): ChunkMeta {
  const n = g.to - g.from
  s.sized(n)
  const { defs, ints } = s
  const order = g.order
  const strings = g.batch.strings
  // interned index -> dictionary index in this row group
  const local = s.localIndex(strings.length)
  const entries: string[] = []
  const entryIds: number[] = []
  let k = 0
  for (let i = 0; i < n; i++) {
    const v = column[order[g.from + i]!]!
    if (v < 0) {
      if (!nullable) throw new EventEncodeError(`column ${name}: null in a required column`)
      defs[i] = 0
      continue
    }
    defs[i] = 1
    let d = local[v]!
    if (d < 0) {
      d = local[v] = entries.length
      entries.push(strings[v]!)
      entryIds.push(v)
    }
    ints[k++] = d
  }
  for (const v of entryIds) local[v] = -1
  let statistics: Record<string, unknown> | undefined
  if (stats && entries.length > 0) {
    let min = entries[0]!
    let max = entries[0]!
    for (const e of entries) {
      if (codePointLess(e, min)) min = e
      if (codePointLess(max, e)) max = e
    }
    statistics = { min_value: min, max_value: max }
  }
  return w.chunk({
    path: [name], type: "BYTE_ARRAY", numLevels: n, defs: nullable ? defs : null, maxDef: 1, reps: null, nulls: n - k,
    encoding: k === 0 ? "PLAIN" : "RLE_DICTIONARY",
    ...(k > 0 ? { dictionary: writeStringDictionary(entries) } : {}),
    values: k > 0 ? dictionaryIndices(ints, k, entries.length) : () => {},
    ...(statistics !== undefined ? { statistics } : {})
  })
}

/** A DOUBLE column (NaN = null), RLE_DICTIONARY. */
function doubleColumn(w: ChunkWriter, s: Scratch, g: Group, name: string, column: Float64Array): ChunkMeta {
  const n = g.to - g.from
  s.sized(n)
  const { defs, ints } = s
  const order = g.order
  const dict = s.doubles
  dict.clear()
  let k = 0
  for (let i = 0; i < n; i++) {
    const v = column[order[g.from + i]!]!
    if (v !== v) {
      defs[i] = 0
      continue
    }
    defs[i] = 1
    ints[k++] = dict.of(v)
  }
  return w.chunk({
    path: [name], type: "DOUBLE", numLevels: n, defs, maxDef: 1, reps: null, nulls: n - k,
    encoding: k === 0 ? "PLAIN" : "RLE_DICTIONARY",
    ...(k > 0 ? { dictionary: writeDoubleDictionary(dict) } : {}),
    values: k > 0 ? dictionaryIndices(ints, k, dict.size) : () => {}
  })
}

/**
 * A LIST<DOUBLE> column (OPTIONAL list -> REPEATED list -> REQUIRED element: max definition 2,
 * max repetition 1): an element gets def 2 (rep 0 for a row's first, 1 after), an empty list
 * one slot with def 1, a null list one slot with def 0.
 */
function listColumn(w: ChunkWriter, s: Scratch, g: Group, name: string, list: number): ChunkMeta {
  const { batch, order } = g
  const lens = batch.listLen
  const starts = batch.listStart
  const values = batch.listValues[list]!
  let slots = 0
  for (let i = g.from; i < g.to; i++) {
    const len = lens[order[i]! * 4 + list]!
    slots += len <= 0 ? 1 : len
  }
  s.sized(slots)
  const { defs, reps, ints } = s
  const dict = s.doubles
  dict.clear()
  let slot = 0
  let k = 0
  for (let i = g.from; i < g.to; i++) {
    const at = order[i]! * 4 + list
    const len = lens[at]!
    if (len <= 0) {
      defs[slot] = len < 0 ? 0 : 1
      reps[slot++] = 0
      continue
    }
    const start = starts[at]!
    for (let j = 0; j < len; j++) {
      defs[slot] = 2
      reps[slot++] = j === 0 ? 0 : 1
      ints[k++] = dict.of(values[start + j]!)
    }
  }
  return w.chunk({
    path: [name, "list", "element"], type: "DOUBLE", numLevels: slots, defs, maxDef: 2, reps, nulls: slots - k,
    encoding: k === 0 ? "PLAIN" : "RLE_DICTIONARY",
    ...(k > 0 ? { dictionary: writeDoubleDictionary(dict) } : {}),
    values: k > 0 ? dictionaryIndices(ints, k, dict.size) : () => {}
  })
}

/**
 * Byte-array statistics are kept whole up to this length (hyparquet-writer cuts them at 16 by
 * default): a 66-character condition id cut to 16 bytes still bounds its row group, but looser,
 * so a reader of one market would read groups it could have skipped.
 */
const STATISTICS_BYTES = 256

export interface EventEncodeOptions {
  readonly rowGroupSize: number
  readonly codec?: Codec
  readonly createdBy: string
}

/**
 * The batch's rows, in `order`, as one Parquet file image with `schema` (schemaFor(EVENT_TABLE),
 * whose columns are EVENT_ENCODER_COLUMNS in order).
 */
export function encodeEventFile(batch: EventBatch, order: Int32Array, schema: ReadonlyArray<SchemaElement>, opts: EventEncodeOptions): Uint8Array {
  const codec = opts.codec ?? "GZIP"
  const file = new ByteWriter(1 << 20)
  file.appendUint32(0x31524150) // "PAR1"
  const w = new ChunkWriter(file, codec)
  const s = new Scratch()
  const rowGroups: Array<Record<string, unknown>> = []
  const groupRows = Math.max(1, opts.rowGroupSize)
  for (let from = 0; from < order.length; from += groupRows) {
    const g: Group = { batch, order, from, to: Math.min(order.length, from + groupRows) }
    const groupStart = file.offset
    const columns: ChunkMeta[] = [
      intColumn(w, s, g, "ts_recv", batch.ts, false, true),
      intColumn(w, s, g, "event_seq", batch.seq, false, true),
      stringColumn(w, s, g, "kind", batch.kind, false, false),
      stringColumn(w, s, g, "market_id", batch.market, false, true),
      stringColumn(w, s, g, "outcome_id", batch.outcome, true, false),
      stringColumn(w, s, g, "side", batch.side, true, false),
      doubleColumn(w, s, g, "price", batch.price),
      doubleColumn(w, s, g, "size", batch.size),
      intColumn(w, s, g, "source_ts", batch.sourceTs, true, false),
      intColumn(w, s, g, "venue_seq", batch.venueSeq, true, false),
      stringColumn(w, s, g, "trade_id", batch.tradeId, true, false),
      stringColumn(w, s, g, "reason", batch.reason, true, false),
      intColumn(w, s, g, "book_seq", batch.bookSeq, true, false),
      ...EVENT_LISTS.map((name, l) => listColumn(w, s, g, name, l))
    ]
    let totalByteSize = 0n
    for (const c of columns) totalByteSize += (c.meta["meta_data"] as { total_uncompressed_size: bigint }).total_uncompressed_size
    rowGroups.push({
      columns: columns.map((c) => c.meta),
      total_byte_size: totalByteSize,
      num_rows: BigInt(g.to - g.from),
      file_offset: BigInt(groupStart),
      total_compressed_size: BigInt(file.offset - groupStart)
    })
  }
  writeMetadata(file, {
    version: 2,
    schema: [...schema],
    num_rows: BigInt(order.length),
    row_groups: rowGroups,
    created_by: opts.createdBy
  } as never, STATISTICS_BYTES)
  file.appendUint32(0x31524150)
  return file.getBytes()
}
