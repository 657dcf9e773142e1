/**
 * The event log's write-ahead lines, written and read as bytes (format: WriteAheadLog.ts,
 * "Event segments are compact"). Every book change of every subscribed book passes through
 * here twice, once on the socket thread and once in the encoder worker, so neither side builds
 * a string or an array per row: the encoder writes ASCII digits and base64 straight into a
 * buffer, the decoder reads them straight into an EventBatch's columns. A line the fast reader
 * does not expect (a JSON escape in a trade id, a decimal where an integer goes, a line of the
 * first event-log version) goes through JSON.parse instead, so the fast path never guesses.
 *
 * No Effect here: the encoder worker loads it.
 */
import { EVENT_KINDS, type EventRow } from "../domain/EventRow.js"
import { GrowableBytes, LITTLE_ENDIAN } from "../storage/GrowableBytes.js"
import type { EventBatch } from "../storage/parquet/eventBatch.js"

export type EventWalDictionary = { next: number; readonly ids: Map<string, number> }

export const newEventWalDictionary = (): EventWalDictionary => ({ next: 0, ids: new Map() })

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
const B64_CODES = Uint8Array.from(B64, (c) => c.charCodeAt(0))
/** byte -> 6-bit value, 255 = not a base64 character */
const B64_VALUES = new Uint8Array(256).fill(255)
for (let i = 0; i < 64; i++) B64_VALUES[B64_CODES[i]!] = i

const utf8 = new TextEncoder()

/** A growable byte buffer of one append chunk. */
class LineBuffer extends GrowableBytes {
  /** ASCII text known to need no escaping (`null`, separators) */
  ascii(s: string): void {
    this.ensure(s.length)
    for (let i = 0; i < s.length; i++) this.buf[this.len++] = s.charCodeAt(i)
  }

  /** a number as JSON writes it; whole numbers (all of them, in practice) digit by digit */
  num(v: number): void {
    if (!Number.isSafeInteger(v)) {
      this.ascii(Number.isFinite(v) ? String(v) : "null")
      return
    }
    this.ensure(17)
    const b = this.buf
    if (v < 0) {
      b[this.len++] = 45 /* - */
      v = -v
    }
    let digits = 1
    for (let p = 10; p <= v && digits < 16; p *= 10) digits++
    let at = this.len + digits
    this.len = at
    if (v < 2147483648) {
      for (let t = v | 0; at > this.len - digits; t = (t / 10) | 0) b[--at] = 48 + (t % 10)
    } else {
      // past 2^31: the same in doubles (exact below 2^53)
      for (let t = v; at > this.len - digits; t = Math.floor(t / 10)) b[--at] = 48 + (t % 10)
    }
  }

  numOrNull(v: number | null): void {
    if (v === null) this.ascii("null")
    else this.num(v)
  }

  /** a JSON string: ASCII without quotes, backslashes or controls is copied, the rest escaped by JSON.stringify */
  str(s: string): void {
    this.ensure(s.length + 2)
    const b = this.buf
    const start = this.len
    b[this.len++] = 34
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i)
      if (c < 0x20 || c > 0x7e || c === 34 || c === 92) {
        this.len = start
        const json = JSON.stringify(s)
        this.ensure(json.length * 3)
        this.len += utf8.encodeInto(json, this.buf.subarray(this.len)).written
        return
      }
      b[this.len++] = c
    }
    b[this.len++] = 34
  }

  /** `"<base64 of bytes[0, n)>"` */
  base64(bytes: Uint8Array, n: number): void {
    this.ensure(Math.ceil(n / 3) * 4 + 2)
    const b = this.buf
    let o = this.len
    b[o++] = 34
    let i = 0
    for (; i + 3 <= n; i += 3) {
      const x = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!
      b[o++] = B64_CODES[x >>> 18]!
      b[o++] = B64_CODES[(x >>> 12) & 63]!
      b[o++] = B64_CODES[(x >>> 6) & 63]!
      b[o++] = B64_CODES[x & 63]!
    }
    if (i < n) {
      const x = (bytes[i]! << 16) | (i + 1 < n ? bytes[i + 1]! << 8 : 0)
      b[o++] = B64_CODES[x >>> 18]!
      b[o++] = B64_CODES[(x >>> 12) & 63]!
      b[o++] = i + 1 < n ? B64_CODES[(x >>> 6) & 63]! : 61 /* = */
      b[o++] = 61
    }
    b[o++] = 34
    this.len = o
  }
}

/** The doubles of the row being encoded (grown for long ladders) and their bytes. */
let rowDoubles = new Float64Array(512)
let rowDoubleBytes = new Uint8Array(rowDoubles.buffer)

const putList = (list: ReadonlyArray<number> | null, at: number): number => {
  if (list === null) return at
  if (at + list.length > rowDoubles.length) {
    const grown = new Float64Array(Math.max(rowDoubles.length * 2, at + list.length))
    grown.set(rowDoubles)
    rowDoubles = grown
    rowDoubleBytes = new Uint8Array(rowDoubles.buffer)
  }
  for (let k = 0; k < list.length; k++) rowDoubles[at + k] = list[k]!
  return at + list.length
}

const lenOf = (list: ReadonlyArray<number> | null): number => (list === null ? -1 : list.length)

const swapDoubles = (bytes: Uint8Array, n: number): void => {
  for (let i = 0; i < n * 8; i += 8) {
    for (let a = i, z = i + 7; a < z; a++, z--) {
      const t = bytes[a]!
      bytes[a] = bytes[z]!
      bytes[z] = t
    }
  }
}

/** Lines for event rows[from, to) as UTF-8 bytes, definitions before (see WriteAheadLog.ts). */
export function encodeEventWalLines(rows: ReadonlyArray<EventRow>, from: number, to: number, dict: EventWalDictionary = newEventWalDictionary()): Uint8Array {
  const out = new LineBuffer(Math.max(1024, (to - from) * 160))
  // Each append's first row restarts the differences (`@`), so a damaged line can cost at most
  // the rest of its append, never wrong times in the rows after it.
  let pendingDefs = "@\t"
  const ids = dict.ids
  const ref = (s: string | null): number => {
    if (s === null) return -1
    let i = ids.get(s)
    if (i === undefined) {
      i = dict.next++
      ids.set(s, i)
      pendingDefs += "=" + i + "\t" + JSON.stringify(s) + "\t"
    }
    return i
  }
  const refOut = (i: number): void => {
    if (i < 0) out.ascii("null")
    else out.num(i)
  }
  let lastTs = 0
  let lastSeq = 0
  for (let i = from; i < to; i++) {
    const r = rows[i]!
    // strings first: their definitions go before the row on its line
    const kind = ref(r.kind)
    const market = ref(r.market_id)
    const outcome = ref(r.outcome_id)
    const side = ref(r.side)
    const reason = ref(r.reason)
    if (pendingDefs !== "") {
      writeDefinitions(out, pendingDefs)
      pendingDefs = ""
    }
    rowDoubles[0] = r.price ?? Number.NaN
    rowDoubles[1] = r.size ?? Number.NaN
    const ladders = r.bid_px !== null || r.bid_sz !== null || r.ask_px !== null || r.ask_sz !== null
    const doubles = ladders ? putList(r.ask_sz, putList(r.ask_px, putList(r.bid_sz, putList(r.bid_px, 2)))) : 2
    if (!LITTLE_ENDIAN) swapDoubles(rowDoubleBytes, doubles)
    out.byte(91 /* [ */)
    out.num(r.ts_recv - lastTs)
    out.byte(44)
    out.num(r.event_seq - lastSeq)
    out.byte(44)
    refOut(kind)
    out.byte(44)
    refOut(market)
    out.byte(44)
    refOut(outcome)
    out.byte(44)
    refOut(side)
    out.byte(44)
    out.numOrNull(r.source_ts === null ? null : r.source_ts - r.ts_recv)
    out.byte(44)
    out.numOrNull(r.venue_seq)
    out.byte(44)
    if (r.trade_id === null) out.ascii("null")
    else out.str(r.trade_id)
    out.byte(44)
    refOut(reason)
    out.byte(44)
    out.numOrNull(r.book_seq)
    out.byte(44)
    out.base64(rowDoubleBytes, doubles * 8)
    if (ladders) {
      out.byte(44)
      out.num(lenOf(r.bid_px))
      out.byte(44)
      out.num(lenOf(r.bid_sz))
      out.byte(44)
      out.num(lenOf(r.ask_px))
      out.byte(44)
      out.num(lenOf(r.ask_sz))
    }
    out.byte(93 /* ] */)
    out.byte(10)
    lastTs = r.ts_recv
    lastSeq = r.event_seq
  }
  // a fresh buffer per call: its view is the chunk (no copy)
  return out.buf.subarray(0, out.len)
}

/** `=<index>\t<JSON string>\t` definitions (and a leading `@\t`) */
function writeDefinitions(out: LineBuffer, defs: string): void {
  out.ensure(defs.length * 3)
  out.len += utf8.encodeInto(defs, out.buf.subarray(out.len)).written
}

// ---------------------------------------------------------------------------------------------
// Decoding (encoder worker)

export interface EventWalDecodeResult {
  /** rows added to the batch */
  readonly rows: number
  /** lines that were not a valid row (other than a truncated last line) */
  readonly badLines: number
  /** true when the last line was cut off (crash mid-append) and ignored */
  readonly truncatedTail: boolean
}

const EVENT_KIND_SET: ReadonlySet<unknown> = new Set(EVENT_KINDS)

class BadLine extends Error {}
/** the fast reader met something it does not read: JSON.parse takes the line */
class NotFast extends Error {}
const NOT_FAST = new NotFast()

/** decoded doubles of the current row, little-endian bytes in aligned memory */
let lineDoubles = new Float64Array(512)
let lineDoubleBytes = new Uint8Array(lineDoubles.buffer)

const ensureLineDoubles = (n: number): void => {
  if (n <= lineDoubles.length) return
  lineDoubles = new Float64Array(Math.max(n, lineDoubles.length * 2))
  lineDoubleBytes = new Uint8Array(lineDoubles.buffer)
}

/** base64 bytes[from, to) into lineDoubleBytes; returns how many doubles */
function decodeBase64Doubles(bytes: Uint8Array, from: number, to: number): number {
  let end = to
  while (end > from && bytes[end - 1] === 61 /* = */) end--
  const byteCount = Math.floor(((end - from) * 6) / 8)
  if (byteCount % 8 !== 0 || to - from !== Math.ceil(byteCount / 3) * 4) throw new BadLine("the doubles are not whole")
  ensureLineDoubles(byteCount / 8)
  const out = lineDoubleBytes
  let o = 0
  let i = from
  for (; i + 4 <= end; i += 4) {
    const a = B64_VALUES[bytes[i]!]!
    const b = B64_VALUES[bytes[i + 1]!]!
    const c = B64_VALUES[bytes[i + 2]!]!
    const d = B64_VALUES[bytes[i + 3]!]!
    if ((a | b | c | d) === 255) throw new BadLine("not base64")
    const x = (a << 18) | (b << 12) | (c << 6) | d
    out[o++] = x >>> 16
    out[o++] = (x >>> 8) & 255
    out[o++] = x & 255
  }
  const rest = end - i
  if (rest > 0) {
    const a = B64_VALUES[bytes[i]!]!
    const b = B64_VALUES[bytes[i + 1]!]!
    const c = rest > 2 ? B64_VALUES[bytes[i + 2]!]! : 0
    if ((a | b | c) === 255) throw new BadLine("not base64")
    const x = (a << 18) | (b << 12) | (c << 6)
    out[o++] = x >>> 16
    if (rest > 2) out[o++] = (x >>> 8) & 255
  }
  if (o !== byteCount) throw new BadLine("the doubles are not whole")
  if (!LITTLE_ENDIAN) swapDoubles(out, byteCount / 8)
  return byteCount / 8
}

/** A reader over one line's bytes [pos, end) of the fast format. */
class FastLine {
  pos = 0
  end = 0
  constructor(public bytes: Uint8Array) {}

  /** an integer field or null (NaN) */
  int(): number {
    const b = this.bytes
    let p = this.pos
    let c = b[p]!
    if (c === 110 /* n */) {
      if (b[p + 1] !== 117 || b[p + 2] !== 108 || b[p + 3] !== 108) throw NOT_FAST
      this.pos = p + 4
      return Number.NaN
    }
    let neg = false
    if (c === 45) {
      neg = true
      c = b[++p]!
    }
    if (c < 48 || c > 57) throw NOT_FAST
    let v = 0
    const first = p
    while (p < this.end) {
      c = b[p]!
      if (c < 48 || c > 57) break
      v = v * 10 + (c - 48)
      p++
    }
    const digits = p - first
    // decimals, exponents and numbers past 2^53 are JSON.parse's job
    if (c === 46 || c === 101 || c === 69 || digits === 0 || v > Number.MAX_SAFE_INTEGER) throw NOT_FAST
    this.pos = p
    return neg ? -v : v
  }

  /** `,` between fields */
  comma(): void {
    if (this.bytes[this.pos] !== 44) throw NOT_FAST
    this.pos++
  }

  /** the last string field's bytes [spanStart, spanEnd), without its quotes */
  spanStart = 0
  spanEnd = 0

  /** a string field without escapes (false: null) */
  string(): boolean {
    const b = this.bytes
    const p = this.pos
    if (b[p] === 110) {
      this.int()
      return false
    }
    if (b[p] !== 34) throw NOT_FAST
    let q = p + 1
    while (q < this.end && b[q] !== 34) {
      if (b[q] === 92) throw NOT_FAST
      q++
    }
    if (q >= this.end) throw NOT_FAST
    this.pos = q + 1
    this.spanStart = p + 1
    this.spanEnd = q
    return true
  }
}

const utf8Decoder = new TextDecoder()

/**
 * Event segment bytes (see encodeEventWalLines): definitions and rows, in order, appended to
 * `batch`. A bad line adds nothing; the rows after it up to the next `@` (their time differences
 * start from it) are bad lines too.
 */
export function decodeEventWalInto(bytes: Uint8Array, batch: EventBatch): EventWalDecodeResult {
  const rowsBefore = batch.length
  /** segment index -> the batch's interned string */
  const defs: number[] = []
  /** interned string -> 1 a known event kind, 2 not one */
  const kindChecked: number[] = []
  let badLines = 0
  let truncatedTail = false
  const id = (v: number): number => {
    const s = v >= 0 && Number.isInteger(v) ? defs[v] : undefined
    if (s === undefined) throw new BadLine("names no defined string")
    return s
  }
  const idOrNull = (v: number): number => (v !== v ? -1 : id(v))
  const kindOf = (v: number): number => {
    const k = id(v)
    let known = kindChecked[k]
    if (known === undefined) kindChecked[k] = known = EVENT_KIND_SET.has(batch.strings[k]) ? 1 : 2
    if (known !== 1) throw new BadLine("unknown event kind")
    return k
  }
  // the previous row's ts_recv and event_seq: in a typed array, since closures that update a
  // captured double box it on every row
  const last = new Float64Array(2)
  const line = new FastLine(bytes)
  const lens = [0, 0, 0, 0]

  /** the fields of a current-format row, however read */
  const addRow = (
    d0: number, d1: number, kindIdx: number, marketIdx: number, outcomeIdx: number, sideIdx: number, src: number,
    venueSeq: number, trade: string | null, reasonIdx: number, bookSeq: number, doubles: number, withLadders: boolean
  ): void => {
    if (d0 !== d0 || d1 !== d1) throw new BadLine("ts_recv or event_seq is missing")
    const kind = kindOf(kindIdx)
    const market = id(marketIdx)
    const outcome = idOrNull(outcomeIdx)
    const side = idOrNull(sideIdx)
    const reason = idOrNull(reasonIdx)
    let expected = 2
    for (let l = 0; l < 4; l++) {
      const n = withLadders ? lens[l]! : -1
      if (!Number.isInteger(n) || n < -1) throw new BadLine("bad ladder length")
      lens[l] = n
      if (n > 0) expected += n
    }
    if (doubles !== expected) throw new BadLine("the doubles do not match the ladder lengths")
    const ts = last[0]! + d0
    const seq = last[1]! + d1
    const i = batch.addRow()
    batch.ts[i] = ts
    batch.seq[i] = seq
    batch.kind[i] = kind
    batch.market[i] = market
    batch.outcome[i] = outcome
    batch.side[i] = side
    batch.price[i] = lineDoubles[0]!
    batch.size[i] = lineDoubles[1]!
    batch.sourceTs[i] = ts + src
    batch.venueSeq[i] = venueSeq
    batch.tradeId[i] = trade === null ? -1 : batch.intern(trade)
    batch.reason[i] = reason
    batch.bookSeq[i] = bookSeq
    let at = 2
    for (let l = 0; l < 4; l++) {
      const n = lens[l]!
      const start = batch.reserveList(l, n > 0 ? n : 0)
      batch.listLen[i * 4 + l] = n
      batch.listStart[i * 4 + l] = start
      if (n > 0) {
        const values = batch.listValues[l]!
        for (let k = 0; k < n; k++) values[start + k] = lineDoubles[at + k]!
        at += n
      }
    }
    last[0] = ts
    last[1] = seq
  }

  /** the row at [from, to) read byte by byte */
  const fastRow = (from: number, to: number): void => {
    line.pos = from
    line.end = to
    if (bytes[from] !== 91) throw NOT_FAST
    line.pos++
    const d0 = line.int(); line.comma()
    const d1 = line.int(); line.comma()
    const kind = line.int(); line.comma()
    const market = line.int(); line.comma()
    const outcome = line.int(); line.comma()
    const side = line.int(); line.comma()
    const src = line.int(); line.comma()
    const venueSeq = line.int(); line.comma()
    const trade = line.string() ? utf8Decoder.decode(bytes.subarray(line.spanStart, line.spanEnd)) : null
    line.comma()
    const reason = line.int(); line.comma()
    const bookSeq = line.int(); line.comma()
    if (!line.string()) throw NOT_FAST
    const blobStart = line.spanStart
    const blobEnd = line.spanEnd
    let withLadders = false
    if (bytes[line.pos] === 44) {
      withLadders = true
      for (let l = 0; l < 4; l++) {
        line.comma()
        lens[l] = line.int()
      }
    }
    if (bytes[line.pos] !== 93 || line.pos + 1 !== to) throw NOT_FAST
    const doubles = decodeBase64Doubles(bytes, blobStart, blobEnd)
    addRow(d0, d1, kind, market, outcome, side, src, venueSeq, trade, reason, bookSeq, doubles, withLadders)
  }

  const numOrNaN = (v: unknown): number => {
    if (v === null) return Number.NaN
    if (typeof v !== "number") throw new BadLine("not a number")
    return v
  }
  const numList = (v: unknown): number[] | null => {
    if (v === null) return null
    if (!Array.isArray(v)) throw new BadLine("level list is not an array")
    return v.map((x) => (typeof x === "number" ? x : Number.NaN))
  }

  /** the row at [from, to) through JSON.parse: unusual current-format rows and first-version rows */
  const jsonRow = (text: string): void => {
    const a = JSON.parse(text) as unknown
    if (!Array.isArray(a)) throw new BadLine("not a row")
    if (a.length === 12 || a.length === 16) {
      if (a[8] !== null && typeof a[8] !== "string") throw new BadLine("trade_id is not a string")
      const blob = a[11]
      if (typeof blob !== "string") throw new BadLine("the doubles are not a string")
      const blobBytes = utf8.encode(blob)
      const doubles = decodeBase64Doubles(blobBytes, 0, blobBytes.length)
      if (a.length === 16) for (let l = 0; l < 4; l++) lens[l] = numOrNaN(a[12 + l])
      addRow(numOrNaN(a[0]), numOrNaN(a[1]), numOrNaN(a[2]), numOrNaN(a[3]), numOrNaN(a[4]), numOrNaN(a[5]), numOrNaN(a[6]),
        numOrNaN(a[7]), a[8] as string | null, numOrNaN(a[9]), numOrNaN(a[10]), doubles, a.length === 16)
      return
    }
    if (a.length !== 17) throw new BadLine("not a 12-, 16- or 17-column row")
    // the first event-log version: decimal numbers, ladders as JSON arrays
    const d0 = numOrNaN(a[0])
    const d1 = numOrNaN(a[1])
    if (d0 !== d0 || d1 !== d1) throw new BadLine("ts_recv or event_seq is missing")
    const str = (v: unknown): string | null => {
      const k = idOrNull(numOrNaN(v))
      return k < 0 ? null : batch.strings[k]!
    }
    const ts = last[0]! + d0
    const seq = last[1]! + d1
    const src = numOrNaN(a[8])
    const nullable = (v: number): number | null => (v !== v ? null : v)
    batch.pushRow({
      ts_recv: ts, event_seq: seq, kind: batch.strings[kindOf(numOrNaN(a[2]))] as EventRow["kind"], market_id: batch.strings[id(numOrNaN(a[3]))]!,
      outcome_id: str(a[4]), side: str(a[5]), price: nullable(numOrNaN(a[6])), size: nullable(numOrNaN(a[7])),
      source_ts: src !== src ? null : ts + src, venue_seq: nullable(numOrNaN(a[9])), trade_id: typeof a[10] === "string" ? a[10] : null,
      reason: str(a[11]), book_seq: nullable(numOrNaN(a[12])),
      bid_px: numList(a[13]), bid_sz: numList(a[14]), ask_px: numList(a[15]), ask_sz: numList(a[16])
    })
    last[0] = ts
    last[1] = seq
  }

  const row = (from: number, to: number): void => {
    try {
      fastRow(from, to)
    } catch (e) {
      if (e !== NOT_FAST) throw e
      jsonRow(utf8Decoder.decode(bytes.subarray(from, to)))
    }
  }

  /** after a bad row line the differences of the rows that follow are unknown: until the next `@` */
  let lost = false
  let start = 0
  while (start < bytes.length) {
    const end = bytes.indexOf(10, start)
    if (end === -1) {
      // a last line without "\n" is an append cut short by a crash: expected, ignored
      truncatedTail = true
      break
    }
    if (end === start) {
      start = end + 1
      continue
    }
    const c = bytes[start]
    const length = batch.length
    const used0 = batch.listUsed[0]!
    const used1 = batch.listUsed[1]!
    const used2 = batch.listUsed[2]!
    const used3 = batch.listUsed[3]!
    const savedTs = last[0]!
    const savedSeq = last[1]!
    try {
      if (c === 64 /* @ */ || c === 61 /* = */) {
        // definitions before the row: `@\t`, `=<index>\t<JSON string>\t`..., then the row
        let p = start
        if (c === 64) {
          if (bytes[start + 1] !== 9) throw new BadLine("bad restart")
          last[0] = 0
          last[1] = 0
          lost = false
          p = start + 2
        } else if (lost) {
          throw new BadLine("after a bad line")
        }
        while (bytes[p] === 61) {
          const tab1 = bytes.indexOf(9, p)
          const tab2 = tab1 < 0 || tab1 >= end ? -1 : bytes.indexOf(9, tab1 + 1)
          if (tab2 < 0 || tab2 >= end) throw new BadLine("a definition without its row")
          const index = Number(utf8Decoder.decode(bytes.subarray(p + 1, tab1)))
          const value = JSON.parse(utf8Decoder.decode(bytes.subarray(tab1 + 1, tab2))) as unknown
          if (!Number.isSafeInteger(index) || index < 0 || typeof value !== "string") throw new BadLine("bad definition")
          defs[index] = batch.intern(value)
          p = tab2 + 1
        }
        row(p, end)
      } else if (lost) {
        throw new BadLine("after a bad line")
      } else {
        row(start, end)
      }
    } catch {
      batch.rollback(length, used0, used1, used2, used3)
      last[0] = savedTs
      last[1] = savedSeq
      badLines++
      lost = true
    }
    start = end + 1
  }
  return { rows: batch.length - rowsBefore, badLines, truncatedTail }
}
