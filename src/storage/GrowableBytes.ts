/**
 * A byte buffer that doubles when full: the base of the event log's two hand-written encoders
 * (its write-ahead lines and its Parquet pages), which write byte by byte in hot loops.
 * Plain TypeScript, no Effect (the encoder worker loads it).
 */
export class GrowableBytes {
  buf: Uint8Array
  len = 0

  constructor(size: number) {
    this.buf = new Uint8Array(size)
  }

  reset(): void {
    this.len = 0
  }

  /** room for `extra` more bytes at `len` */
  ensure(extra: number): void {
    if (this.len + extra <= this.buf.length) return
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + extra))
    next.set(this.buf.subarray(0, this.len))
    this.buf = next
  }

  byte(v: number): void {
    this.ensure(1)
    this.buf[this.len++] = v
  }

  /** the bytes written so far (a view, not a copy) */
  view(): Uint8Array {
    return this.buf.subarray(0, this.len)
  }
}

/** Typed arrays are in the platform's byte order; Parquet and the write-ahead lines are little-endian. */
export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1
