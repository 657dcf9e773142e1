import { describe, expect, it } from "vitest"
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import {
  bucketStart, datasetDayDir, isTempFile, listDayFiles, listPartitionDates, mmViabilityPath, nextFreePart,
  parseBucketFileName, snapshotFilePath, statsPath, tradeFilePath, universePath, utcDate, utcHour
} from "../../src/storage/paths.js"
import type { VenueId } from "../../src/domain/VenueId.js"

const T = Date.UTC(2026, 0, 5, 7, 43, 12, 345) // 2026-01-05T07:43:12.345Z

describe("paths", () => {
  it("computes UTC date, hour and bucket start", () => {
    expect(utcDate(T)).toBe("2026-01-05")
    expect(utcHour(T)).toBe("07")
    expect(utcHour(Date.UTC(2026, 0, 5, 23, 59, 59, 999))).toBe("23")
    expect(bucketStart(T, 5)).toBe(Date.UTC(2026, 0, 5, 7, 40))
    expect(bucketStart(T, 15)).toBe(Date.UTC(2026, 0, 5, 7, 30))
    expect(bucketStart(T, 60)).toBe(Date.UTC(2026, 0, 5, 7, 0))
    expect(bucketStart(Date.UTC(2026, 0, 5, 7, 40), 5)).toBe(Date.UTC(2026, 0, 5, 7, 40))
    // 7 does not divide 60: buckets restart at each hour so a file never spans two hour folders
    expect(bucketStart(Date.UTC(2026, 0, 5, 8, 2), 7)).toBe(Date.UTC(2026, 0, 5, 8, 0))
    expect(() => bucketStart(T, 0)).toThrow(/bucket_minutes/)
  })

  it("builds the Hive layout of DESIGN section 6", () => {
    const b = bucketStart(T, 5)
    expect(snapshotFilePath("data", "polymarket", b, 0)).toBe(
      "data/orderbook_snapshots/venue=polymarket/date=2026-01-05/hour=07/snapshots_2026-01-05T07-40.parquet")
    expect(snapshotFilePath("data", "kalshi", b, 2)).toBe(
      "data/orderbook_snapshots/venue=kalshi/date=2026-01-05/hour=07/snapshots_2026-01-05T07-40-2.parquet")
    expect(tradeFilePath("/d", "kalshi", Date.UTC(2026, 0, 5, 0, 5), 0)).toBe(
      "/d/trades/venue=kalshi/date=2026-01-05/hour=00/trades_2026-01-05T00-05.parquet")
    expect(universePath("data", "kalshi", "2026-01-05")).toBe("data/metadata/venue=kalshi/date=2026-01-05/universe.jsonl")
    expect(statsPath("data", "polymarket", "2026-01-05")).toBe("data/stats/venue=polymarket/date=2026-01-05/stats.parquet")
    expect(mmViabilityPath("data", "polymarket", "2026-01-05")).toBe(
      "data/reports/mm_viability/venue=polymarket/date=2026-01-05/mm_viability.parquet")
    expect(parseBucketFileName("snapshots_2026-01-05T07-40-2.parquet")).toEqual(
      { prefix: "snapshots", date: "2026-01-05", hour: 7, minute: 40, part: 2 })
  })

  it("rejects path components that are not a known venue or a date", () => {
    expect(() => universePath("data", "../etc" as VenueId, "2026-01-05")).toThrow(/invalid venue "\.\.\/etc"/)
    expect(() => universePath("data", "polymarket", "2026-1-5")).toThrow(/invalid date "2026-1-5".*YYYY-MM-DD/)
    expect(() => statsPath("data", "kalshi", "2026-01-05/../../x")).toThrow(/invalid date/)
    expect(() => snapshotFilePath("data", "kalshi", Number.NaN, 0)).toThrow(/bucket start/)
    expect(() => snapshotFilePath("data", "kalshi", T, -1)).toThrow(/part/)
    expect(() => datasetDayDir("data", "secrets" as never, "kalshi", "2026-01-05")).toThrow(/invalid dataset/)
  })

  it("recognises temp files", () => {
    expect(isTempFile("snapshots_2026-01-05T07-40.parquet.1234.k3j4h5.tmp")).toBe(true)
    expect(isTempFile("snapshots_2026-01-05T07-40.parquet")).toBe(false)
  })

  it("lists partition dates and day files in time order, skipping temp files and junk", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "paths-"))
    try {
      const files = [
        snapshotFilePath(dir, "polymarket", Date.UTC(2026, 0, 5, 10, 5), 0),
        snapshotFilePath(dir, "polymarket", Date.UTC(2026, 0, 5, 9, 55), 1),
        snapshotFilePath(dir, "polymarket", Date.UTC(2026, 0, 5, 9, 55), 0),
        snapshotFilePath(dir, "polymarket", Date.UTC(2026, 0, 5, 9, 5), 10),
        snapshotFilePath(dir, "polymarket", Date.UTC(2026, 0, 5, 9, 5), 2),
        snapshotFilePath(dir, "polymarket", Date.UTC(2026, 0, 5, 0, 0), 0)
      ]
      for (const f of files) {
        await fs.mkdir(path.dirname(f), { recursive: true })
        await fs.writeFile(f, "x")
      }
      await fs.writeFile(`${files[0]}.99.abc.tmp`, "partial")
      await fs.mkdir(path.join(dir, "orderbook_snapshots/venue=polymarket/date=2026-01-06"), { recursive: true })
      await fs.mkdir(path.join(dir, "orderbook_snapshots/venue=polymarket/date=garbage"), { recursive: true })
      await fs.mkdir(path.join(dir, "orderbook_snapshots/venue=polymarket/date=2025-12-31"), { recursive: true })
      expect(await listPartitionDates(dir, "orderbook_snapshots", "polymarket")).toEqual(["2025-12-31", "2026-01-05", "2026-01-06"])
      expect(await listPartitionDates(dir, "orderbook_snapshots", "kalshi")).toEqual([])
      const listed = await listDayFiles(dir, "orderbook_snapshots", "polymarket", "2026-01-05")
      expect(listed.map((f) => path.basename(f))).toEqual([
        "snapshots_2026-01-05T00-00.parquet",
        "snapshots_2026-01-05T09-05-2.parquet",
        "snapshots_2026-01-05T09-05-10.parquet",
        "snapshots_2026-01-05T09-55.parquet",
        "snapshots_2026-01-05T09-55-1.parquet",
        "snapshots_2026-01-05T10-05.parquet"
      ])
      expect(await listDayFiles(dir, "orderbook_snapshots", "polymarket", "2026-01-07")).toEqual([])
    } finally {
      await fs.rm(dir, { recursive: true, force: true })
    }
  })

  it("finds the next free part so a bucket file is never overwritten", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "paths-"))
    try {
      const b = Date.UTC(2026, 0, 5, 9, 55)
      const at = (part: number) => snapshotFilePath(dir, "kalshi", b, part)
      expect(await nextFreePart(at)).toBe(0)
      await fs.mkdir(path.dirname(at(0)), { recursive: true })
      await fs.writeFile(at(0), "x")
      await fs.writeFile(at(1), "x")
      expect(await nextFreePart(at)).toBe(2)
      expect(await nextFreePart(at, 5)).toBe(5)
    } finally {
      await fs.rm(dir, { recursive: true, force: true })
    }
  })
})
