/**
 * Polars (its Rust engine, through nodejs-polars) reads a lake written by the project's own
 * writers as the README's Polars section says: hive partitions, times as Datetime(ms, UTC)
 * with the same instants, a missing price as null so means stay numbers.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import pl from "nodejs-polars"
import { describe, expect, it } from "vitest"
import { readSnapshotFile } from "../../src/storage/parquet/snapshots.js"
import { writeSyntheticDay } from "../support/syntheticDay.js"

describe("Polars reads the lake", () => {
  it("snapshots: Datetime(ms, UTC) times, null spreads, a finite mean", async () => {
    const dataDir = fs.mkdtempSync(path.join(fs.realpathSync("/tmp"), "polars-"))
    const day = writeSyntheticDay({ dataDir, venue: "polymarket", date: "2026-01-14", markets: 2, intervalMs: 10_000, levels: 4, hours: 1, badRowRate: 0.2, seed: 8 })
    const snap = pl.scanParquet(`${dataDir}/orderbook_snapshots/venue=polymarket/date=2026-01-14/**/*.parquet`, { hivePartitioning: true } as never).collectSync()
    expect(snap.height).toBe(day.snapshotRows)
    expect(String(snap.getColumn("ts_recv").dtype)).toMatch(/Datetime.*ms.*UTC/i)
    const ours = await readSnapshotFile(day.snapshotFiles[0]!)
    const first = snap.sort("ts_recv").getColumn("ts_recv").toArray()[0] as unknown as Date
    expect(first.getTime()).toBe(Math.min(...ours.map((r) => r.ts_recv!)))
    const spread = snap.getColumn("spread")
    expect(spread.nullCount()).toBeGreaterThan(0)
    expect(Number.isFinite(spread.mean())).toBe(true)
  })
})
