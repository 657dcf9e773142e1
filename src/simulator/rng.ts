/**
 * Small, fast, seedable randomness for the simulator. Every stream of randomness is derived
 * from (seed, label) so that a book's evolution depends only on the seed and its own id,
 * never on which other books happen to be subscribed (determinism per asset).
 */

/** 32-bit FNV-1a over a string: used to derive independent sub-seeds from labels. */
export const hashString = (text: string, basis = 0x811c9dc5): number => {
  let h = basis >>> 0
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h >>> 0
}

const HEX_CODES = Uint8Array.from("0123456789abcdef", (c) => c.charCodeAt(0))
let scratchBuf = Buffer.alloc(128)
const scratch = (n: number): Buffer => {
  if (scratchBuf.length < n) scratchBuf = Buffer.alloc(n * 2)
  return scratchBuf
}

/** sfc32-like generator state mixed with splitmix32 seeding; period is far beyond our needs. */
export class Rng {
  private a: number
  private b: number
  private c: number
  private d: number

  constructor(seed: number) {
    let s = seed >>> 0
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0
      let z = s
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
      return (z ^ (z >>> 16)) >>> 0
    }
    this.a = next()
    this.b = next()
    this.c = next()
    this.d = next()
    for (let i = 0; i < 8; i++) this.nextU32()
  }

  static derive(seed: number, label: string): Rng {
    return new Rng(hashString(label, hashString(String(seed))))
  }

  nextU32(): number {
    const a = this.a, b = this.b, c = this.c, d = this.d
    const t = (((a + b) >>> 0) + d) >>> 0
    this.d = (d + 1) >>> 0
    this.a = (b ^ (b >>> 9)) >>> 0
    this.b = (c + (c << 3)) >>> 0
    this.c = (((c << 21) | (c >>> 11)) + t) >>> 0
    return t
  }

  /** uniform in [0, 1) */
  next(): number {
    return this.nextU32() / 4294967296
  }

  /** integer in [lo, hi] inclusive */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1))
  }

  chance(p: number): boolean {
    return this.next() < p
  }

  pick<T>(items: ReadonlyArray<T>): T {
    return items[Math.floor(this.next() * items.length)] as T
  }

  /** log-uniform in [lo, hi): sizes and volumes span orders of magnitude on both venues */
  logUniform(lo: number, hi: number): number {
    return Math.exp(Math.log(lo) + this.next() * (Math.log(hi) - Math.log(lo)))
  }

  /** hex string of n hex digits (ids are made by the ten thousand: one byte buffer, no concatenation) */
  hex(n: number): string {
    const buf = scratch(n)
    for (let i = 0; i < n; i += 8) {
      let v = this.nextU32()
      for (let j = 0; j < 8 && i + j < n; j++) {
        buf[i + j] = HEX_CODES[v & 15]!
        v >>>= 4
      }
    }
    return buf.toString("latin1", 0, n)
  }

  /** decimal digit string of n digits, no leading zero (Polymarket token ids are ~77 digits) */
  digits(n: number): string {
    const buf = scratch(n)
    buf[0] = 48 + this.int(1, 9)
    for (let i = 1; i < n; i += 9) {
      let v = this.nextU32() % 1000000000
      for (let j = 0; j < 9 && i + j < n; j++) {
        buf[i + j] = 48 + (v % 10)
        v = Math.floor(v / 10)
      }
    }
    return buf.toString("latin1", 0, n)
  }

  uuid(): string {
    const h = this.hex(32)
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${"89ab"[this.int(0, 3)]}${h.slice(17, 20)}-${h.slice(20, 32)}`
  }
}
