import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { appendRowsDurably, decodeWalText, encodeSnapshotWalLines } from "../../src/sink/WriteAheadLog.js"
import { appendRecordsDurably, diskRefusalOf } from "../../src/storage/durableAppend.js"
import { snapshotRow, tmpDataDir } from "../sink/sinkTestRows.js"
import { faultyDisk, mountSmallFs } from "../support/faultyDisk.js"

const lines = (file: string): string[] => (fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").filter((l) => l !== "") : [])
const record = (i: number) => `{"record":${i},"pad":"${"x".repeat(37 + (i % 11))}"}\n`
const encodeRange = (from: number, to: number) => {
  let s = ""
  for (let i = from; i < to; i++) s += record(i)
  return s
}

describe("appendRecordsDurably", () => {
  it("continues short writes until every byte is in the file", async () => {
    const file = path.join(tmpDataDir("short"), "a.wal")
    const disk = faultyDisk({ kind: "half" })
    const outcome = await appendRecordsDurably(disk.fs, file, 120, 50, encodeRange)
    expect(outcome).toEqual({ records: 120, error: null, fileClean: true })
    expect(fs.readFileSync(file, "utf8")).toBe(encodeRange(0, 120))
    expect(disk.writes).toBeGreaterThan(3 * 5) // several short writes per chunk
  })

  it("after ENOSPC half way, counts only whole lines and cuts the partial one off", async () => {
    const file = path.join(tmpDataDir("enospc"), "a.wal")
    fs.writeFileSync(file, encodeRange(1000, 1003)) // an earlier append stays intact
    const disk = faultyDisk({ kind: "half-then-fail", code: "ENOSPC" })
    const outcome = await appendRecordsDurably(disk.fs, file, 40, 40, encodeRange)
    const expectedWhole = encodeRange(0, 40).slice(0, Math.floor(encodeRange(0, 40).length / 2)).split("\n").length - 1
    expect(outcome.records).toBe(expectedWhole)
    expect(outcome.fileClean).toBe(true)
    expect(diskRefusalOf(outcome.error)).toBe("disk_full")
    expect(fs.readFileSync(file, "utf8")).toBe(encodeRange(1000, 1003) + encodeRange(0, expectedWhole))
    // the next append continues in the same file, line-aligned
    disk.mode = { kind: "ok" }
    const rest = await appendRecordsDurably(disk.fs, file, 40 - expectedWhole, 40, (f, t) => encodeRange(expectedWhole + f, expectedWhole + t))
    expect(rest.records).toBe(40 - expectedWhole)
    expect(fs.readFileSync(file, "utf8")).toBe(encodeRange(1000, 1003) + encodeRange(0, 40))
  })

  it("removes a file it created when nothing got in, and keeps an older one", async () => {
    const dir = tmpDataDir("no-empty")
    const disk = faultyDisk({ kind: "fail", code: "EROFS" })
    for (let i = 0; i < 5; i++) {
      const outcome = await appendRecordsDurably(disk.fs, path.join(dir, `new-${i}.wal`), 10, 10, encodeRange)
      expect(outcome.records).toBe(0)
      expect(diskRefusalOf(outcome.error)).toBe("read_only")
    }
    expect(fs.readdirSync(dir)).toEqual([])
    fs.writeFileSync(path.join(dir, "old.wal"), record(7))
    await appendRecordsDurably(disk.fs, path.join(dir, "old.wal"), 10, 10, encodeRange)
    expect(fs.readFileSync(path.join(dir, "old.wal"), "utf8")).toBe(record(7))
  })

  it("says the file is not clean when a partial line cannot be cut back", async () => {
    const file = path.join(tmpDataDir("no-truncate"), "a.wal")
    const disk = faultyDisk({ kind: "half-then-fail", code: "EIO", truncateFails: true })
    // half of one 50-byte record gets in, then EIO, and the cut fails: a partial last line stays
    const outcome = await appendRecordsDurably(disk.fs, file, 1, 1, encodeRange)
    expect(outcome).toMatchObject({ records: 0, fileClean: false })
    expect(diskRefusalOf(outcome.error)).toBe("io_error")
    expect(decodeWalText("orderbook_snapshots", fs.readFileSync(file, "utf8"))).toMatchObject({ rows: [], badLines: 0, truncatedTail: true })
  })
})

describe("write-ahead append on a real 64 KiB filesystem", () => {
  const small = mountSmallFs("64k")
  afterAll(() => { if (typeof small !== "string") small.unmount() })
  const run = typeof small === "string" ? it.skip : it
  if (typeof small === "string") console.log(`skipped the real small-filesystem test: ${small}`)

  run("counts as appended exactly the rows whose lines are on disk (the rest is reported, not lost silently)", async () => {
    if (typeof small === "string") return
    const file = path.join(small.dir, ".wal", "venue=polymarket", "orderbook_snapshots", "0-1.wal")
    const rows = Array.from({ length: 400 }, (_, i) => snapshotRow(1_700_000_000_000 + i, i, { levels: 20 }))
    const outcome = await appendRowsDurably(file, "orderbook_snapshots", rows)
    expect(encodeSnapshotWalLines(rows, 0, 400).length).toBeGreaterThan(64 * 1024)
    expect(diskRefusalOf(outcome.error)).toBe("disk_full")
    expect(outcome.records).toBeGreaterThan(0)
    expect(outcome.records).toBeLessThan(400)
    expect(lines(file)).toHaveLength(outcome.records)
    const back = decodeWalText("orderbook_snapshots", fs.readFileSync(file, "utf8"))
    expect(back).toMatchObject({ badLines: 0, truncatedTail: false })
    expect(back.rows).toEqual(rows.slice(0, outcome.records))
  })
})
