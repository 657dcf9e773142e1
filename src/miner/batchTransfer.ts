/**
 * InputBatch <-> PackedBatch (decodeProtocol.ts): what crosses the worker boundary. Unpacking
 * restores exactly what readInput returned for the columns the miner uses: Float64Arrays stay
 * Float64Arrays, string columns become arrays of the same strings (null where null), so the
 * accumulators see identical values in identical order.
 */
import type { DecodeReply, PackedBatch, PackedColumn, PackedPrefix } from "./decodeProtocol.js"
import type { InputBatch } from "./readInput.js"
import type { ColumnBatch, LevelPrefixes } from "./stats.js"
import type { ListPrefix } from "./listPrefix.js"

const packColumn = (col: ArrayLike<unknown>, transfer: Array<ArrayBuffer>): PackedColumn => {
  if (col instanceof Float64Array) {
    const values = col.byteOffset === 0 && col.byteLength === col.buffer.byteLength ? col : col.slice()
    transfer.push(values.buffer as ArrayBuffer)
    return { t: "f64", values }
  }
  const n = col.length
  const codes = new Int32Array(n)
  const dict: Array<string> = []
  const index = new Map<string, number>()
  let prev: unknown = undefined
  let prevCode = -2
  for (let i = 0; i < n; i++) {
    const v = col[i]
    if (v === prev && prevCode !== -2) {
      codes[i] = prevCode
      continue
    }
    let code: number
    if (v === null) code = -1
    else if (typeof v === "string") {
      const found = index.get(v)
      if (found === undefined) {
        code = dict.length
        dict.push(v)
        index.set(v, code)
      } else code = found
    } else {
      return { t: "raw", values: Array.from(col) }
    }
    codes[i] = code
    prev = v
    prevCode = code
  }
  transfer.push(codes.buffer as ArrayBuffer)
  return { t: "dict", codes, dict }
}

const packPrefix = (p: ListPrefix, transfer: Array<ArrayBuffer>): PackedPrefix => {
  const values = p.values.byteOffset === 0 && p.values.byteLength === p.values.buffer.byteLength ? p.values : p.values.slice()
  transfer.push(values.buffer as ArrayBuffer)
  return { values, k: p.k, rows: p.rows }
}

export const packBatch = (batch: InputBatch): { batch: PackedBatch; transfer: Array<ArrayBuffer> } => {
  const transfer: Array<ArrayBuffer> = []
  const columns: Record<string, PackedColumn> = {}
  for (const [name, col] of Object.entries(batch.columns)) {
    if (col !== undefined) columns[name] = packColumn(col, transfer)
  }
  const l = batch.levels
  const misplaced = batch.misplaced === undefined ? {} : { misplaced: batch.misplaced }
  const packed: PackedBatch = l === undefined ? { columns, ...misplaced } : {
    columns,
    ...misplaced,
    levels: {
      bidPx: packPrefix(l.bidPx, transfer),
      bidSz: packPrefix(l.bidSz, transfer),
      askPx: packPrefix(l.askPx, transfer),
      askSz: packPrefix(l.askSz, transfer)
    }
  }
  return { batch: packed, transfer }
}

const unpackColumn = (c: PackedColumn): ArrayLike<unknown> => {
  if (c.t === "f64" || c.t === "raw") return c.values
  const { codes, dict } = c
  const out = new Array<string | null>(codes.length)
  for (let i = 0; i < codes.length; i++) {
    const code = codes[i]!
    out[i] = code < 0 ? null : dict[code]!
  }
  return out
}

export const unpackBatch = (packed: PackedBatch): InputBatch => {
  const columns: Record<string, ArrayLike<unknown>> = {}
  for (const [name, c] of Object.entries(packed.columns)) columns[name] = unpackColumn(c)
  const l = packed.levels
  const levels: LevelPrefixes | undefined = l === undefined ? undefined : l
  const misplaced = packed.misplaced === undefined ? {} : { misplaced: packed.misplaced }
  return levels === undefined ? { columns: columns as ColumnBatch, ...misplaced } : { columns: columns as ColumnBatch, levels, ...misplaced }
}

export type { DecodeReply }
