import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { DecodePool } from "../../src/miner/decodePool.js"
import { type DayInput, listDayInputs } from "../../src/miner/dayInputs.js"
import { type InputBatch, readInput } from "../../src/miner/readInput.js"
import { exactArrayBuffer } from "../../src/storage/parquet/table.js"
import { onLocalDisk } from "../support/onLocalDisk.js"
import { writeSyntheticDay } from "../support/syntheticDay.js"

/** a file's bytes as the miner hands them to the pool (read on this thread) */
const bytesOf = (input: DayInput): ArrayBuffer => exactArrayBuffer(fs.readFileSync(input.path))

const DATE = "2026-01-15"
let dataDir = ""
let inputs: Array<DayInput> = []

const plain = (b: InputBatch) => ({
  columns: Object.fromEntries(Object.entries(b.columns).map(([k, v]) => [k, v === undefined ? v : Array.from(v)])),
  levels: b.levels === undefined ? undefined : Object.fromEntries(Object.entries(b.levels).map(([k, p]) => [k, { k: p.k, rows: p.rows, values: Array.from(p.values) }]))
})

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(fs.realpathSync("/tmp"), "miner-pool-"))
  writeSyntheticDay({ dataDir, venue: "polymarket", date: DATE, markets: 3, intervalMs: 9000, levels: 20, hours: 1, badRowRate: 0.1, tradeRate: 0.2, seed: 5 })
  inputs = await onLocalDisk(listDayInputs(dataDir, "polymarket", DATE))
})

afterAll(() => {
  fs.rmSync(dataDir, { recursive: true, force: true })
})

describe("DecodePool", () => {
  it("decodes on worker threads exactly what readInput gives on this thread", async () => {
    const pool = new DecodePool(2)
    await pool.whenLoaded()
    expect(inputs.some((i) => i.kind === "trades")).toBe(true)
    const viaPool = await Promise.all(inputs.map((i) => pool.read(i, bytesOf(i), true)))
    expect(pool.threadReads).toBeGreaterThan(0)
    for (let j = 0; j < inputs.length; j++) {
      expect(plain(viaPool[j]!)).toEqual(plain(await readInput(inputs[j]!, bytesOf(inputs[j]!), true)))
    }
    await pool.terminateForTests()
  }, 30_000)

  it("rejects an unreadable file with readInput's message", async () => {
    const pool = new DecodePool(1)
    const bad = path.join(dataDir, "bad.parquet")
    fs.writeFileSync(bad, "not parquet at all")
    const input: DayInput = { path: bad, kind: "snapshots", bucketStartMs: 0, part: 0, place: null }
    const local = await readInput(input, bytesOf(input), true).then(() => "ok", (e: Error) => e.message)
    const pooled = await pool.read(input, bytesOf(input), true).then(() => "ok", (e: Error) => e.message)
    expect(local).not.toBe("ok")
    expect(pooled).toBe(local)
    await pool.terminateForTests()
  }, 30_000)

  it("redoes the reads of a thread that dies on this thread (nothing lost)", async () => {
    const pool = new DecodePool(2)
    const reads = inputs.map((i) => pool.read(i, bytesOf(i), true))
    await pool.terminateForTests()
    const got = await Promise.all(reads)
    for (let j = 0; j < inputs.length; j++) {
      expect(plain(got[j]!)).toEqual(plain(await readInput(inputs[j]!, bytesOf(inputs[j]!), true)))
    }
    // and it keeps working afterwards (threads restart)
    expect(plain(await pool.read(inputs[0]!, bytesOf(inputs[0]!), true))).toEqual(plain(await readInput(inputs[0]!, bytesOf(inputs[0]!), true)))
    await pool.terminateForTests()
  }, 30_000)
})
