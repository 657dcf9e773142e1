import * as fs from "node:fs"
import * as path from "node:path"
import { it } from "@effect/vitest"
import { Effect } from "effect"
import { describe, expect } from "vitest"
import { appendDurably, encodeSnapshotWalLines, encodeTradeWalLines, walSegmentPath } from "../../src/collector/WriteAheadLog.js"
import { encodeSnapshotRows, readSnapshotFile } from "../../src/storage/parquet/snapshots.js"
import { readTradeFile } from "../../src/storage/parquet/trades.js"
import { snapshotFilePath, tradeFilePath } from "../../src/storage/paths.js"
import { listTree, options, parquetFiles, snapshotRow, startWriter, tmpDataDir, tradeRow, walFiles } from "./WriterTestRows.js"

const B10_00 = Date.UTC(2026, 0, 15, 10, 0, 0)
const B10_05 = Date.UTC(2026, 0, 15, 10, 5, 0)

describe("SnapshotWriter start-up recovery", () => {
  it.scoped("turns leftover write-ahead files into Parquet at the next free part, ignoring a truncated last line, and removes temp files", () =>
    Effect.gen(function*() {
      const dataDir = tmpDataDir("recover")
      const snaps = Array.from({ length: 30 }, (_, i) => snapshotRow(B10_00 + 1000 * i, i, { levels: 20 }))
      // two segments of one bucket (a run that split, or two runs); the second ends mid-line (kill -9 during an append)
      const segA = walSegmentPath(dataDir, "polymarket", "orderbook_snapshots", B10_00, "111-a-0")
      const segB = walSegmentPath(dataDir, "polymarket", "orderbook_snapshots", B10_00, "111-a-1")
      yield* Effect.promise(() => appendDurably(segA, encodeSnapshotWalLines(snaps, 0, 20)))
      const tail = encodeSnapshotWalLines(snaps, 20, 30)
      yield* Effect.promise(() => appendDurably(segB, tail.slice(0, tail.length - 30)))
      const trades = Array.from({ length: 7 }, (_, i) => tradeRow(B10_05 + i, i))
      const segT = walSegmentPath(dataDir, "kalshi", "trades", B10_05, "111-a-2")
      yield* Effect.promise(() => appendDurably(segT, encodeTradeWalLines(trades, 0, 7)))
      // an existing part 0 of the same bucket (written before the crash) must stay untouched
      const part0 = snapshotFilePath(dataDir, "polymarket", B10_00, 0)
      fs.mkdirSync(path.dirname(part0), { recursive: true })
      const part0Bytes = encodeSnapshotRows([snapshotRow(B10_00, 500)])
      fs.writeFileSync(part0, part0Bytes)
      // a temp file of a dead writer (pid above this machine's pid_max)
      const staleTemp = `${snapshotFilePath(dataDir, "polymarket", B10_00, 1)}.99999999.zz.tmp`
      fs.writeFileSync(staleTemp, "half a parquet file")

      const writer = yield* startWriter(options(dataDir))
      const s = yield* writer.stats
      expect(s).toMatchObject({ rowsRecovered: 29 + 7, filesRecovered: 2, badWalLines: 0, rowsAccepted: 0 })
      expect(walFiles(dataDir)).toEqual([])
      expect(listTree(dataDir).filter((f) => f.endsWith(".tmp"))).toEqual([])
      expect(parquetFiles(dataDir)).toEqual([
        "orderbook_snapshots/venue=polymarket/date=2026-01-15/hour=10/snapshots_2026-01-15T10-00-1.parquet",
        "orderbook_snapshots/venue=polymarket/date=2026-01-15/hour=10/snapshots_2026-01-15T10-00.parquet",
        "trades/venue=kalshi/date=2026-01-15/hour=10/trades_2026-01-15T10-05.parquet"
      ])
      expect(new Uint8Array(fs.readFileSync(part0))).toEqual(part0Bytes)
      const recovered = yield* Effect.promise(() => readSnapshotFile(snapshotFilePath(dataDir, "polymarket", B10_00, 1)))
      expect(recovered).toEqual(snaps.slice(0, 29))
      const recoveredTrades = yield* Effect.promise(() => readTradeFile(tradeFilePath(dataDir, "kalshi", B10_05, 0)))
      expect(recoveredTrades).toEqual(trades)
    }))

  it.scoped("deletes a leftover write-ahead file that holds no complete row without writing a file", () =>
    Effect.gen(function*() {
      const dataDir = tmpDataDir("recover-empty")
      const seg = walSegmentPath(dataDir, "kalshi", "orderbook_snapshots", B10_00, "5-b-0")
      yield* Effect.promise(() => appendDurably(seg, "[1700000000000,\"kal"))
      const writer = yield* startWriter(options(dataDir))
      expect(yield* writer.stats).toMatchObject({ rowsRecovered: 0, filesRecovered: 0 })
      expect(walFiles(dataDir)).toEqual([])
      expect(parquetFiles(dataDir)).toEqual([])
    }))
})
