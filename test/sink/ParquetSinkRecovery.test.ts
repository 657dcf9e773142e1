import { spawn, type ChildProcess } from "node:child_process"
import * as fs from "node:fs"
import * as readline from "node:readline"
import * as path from "node:path"
import { it } from "@effect/vitest"
import { Effect } from "effect"
import { describe, expect, it as plainIt } from "vitest"
import {
  appendDurably, commitMarkerPath, encodeCommitMarker, encodeSnapshotWalLines, encodeTradeWalLines, parseCommitMarker, walSegmentPath
} from "../../src/sink/WriteAheadLog.js"
import { encodeSnapshotRows, readSnapshotFile } from "../../src/storage/parquet/snapshots.js"
import { readTradeFile } from "../../src/storage/parquet/trades.js"
import { snapshotFilePath, tradeFilePath } from "../../src/storage/paths.js"
import { duckdb, listTree, options, parquetFiles, snapshotRow, startWriter, tmpDataDir, tradeRow, walFiles } from "./sinkTestRows.js"

const B10_00 = Date.UTC(2026, 0, 15, 10, 0, 0)
const B10_05 = Date.UTC(2026, 0, 15, 10, 5, 0)

describe("ParquetSink start-up recovery", () => {
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
      expect(s).toMatchObject({ rowsRecovered: 29 + 7, filesRecovered: 3, badWalLines: 0, rowsAccepted: 0 })
      expect(walFiles(dataDir)).toEqual([])
      expect(listTree(dataDir).filter((f) => f.endsWith(".tmp"))).toEqual([])
      expect(parquetFiles(dataDir)).toEqual([
        "orderbook_snapshots/venue=polymarket/date=2026-01-15/hour=10/snapshots_2026-01-15T10-00-1.parquet",
        "orderbook_snapshots/venue=polymarket/date=2026-01-15/hour=10/snapshots_2026-01-15T10-00-2.parquet",
        "orderbook_snapshots/venue=polymarket/date=2026-01-15/hour=10/snapshots_2026-01-15T10-00.parquet",
        "trades/venue=kalshi/date=2026-01-15/hour=10/trades_2026-01-15T10-05.parquet"
      ])
      expect(new Uint8Array(fs.readFileSync(part0))).toEqual(part0Bytes)
      // one file per segment, in segment-name order
      const recovered1 = yield* Effect.promise(() => readSnapshotFile(snapshotFilePath(dataDir, "polymarket", B10_00, 1)))
      const recovered2 = yield* Effect.promise(() => readSnapshotFile(snapshotFilePath(dataDir, "polymarket", B10_00, 2)))
      expect(recovered1).toEqual(snaps.slice(0, 20))
      expect(recovered2).toEqual(snaps.slice(20, 29))
      const recoveredTrades = yield* Effect.promise(() => readTradeFile(tradeFilePath(dataDir, "kalshi", B10_05, 0)))
      expect(recoveredTrades).toEqual(trades)
    }))

  it.scoped("a crash between publishing a file and deleting its write-ahead file does not write the rows twice (commit marker)", () =>
    Effect.gen(function*() {
      const dataDir = tmpDataDir("recover-marker")
      const rowsA = Array.from({ length: 12 }, (_, i) => snapshotRow(B10_00 + i, i))
      const rowsB = Array.from({ length: 5 }, (_, i) => snapshotRow(B10_05 + i, 100 + i))
      // A: marker for part 0, and part 0 was published (crash before the segment was deleted)
      const segA = walSegmentPath(dataDir, "polymarket", "orderbook_snapshots", B10_00, "7-c-0")
      yield* Effect.promise(() => appendDurably(segA, encodeSnapshotWalLines(rowsA, 0, rowsA.length)))
      fs.writeFileSync(commitMarkerPath(segA), encodeCommitMarker([segA], 0))
      const partA = snapshotFilePath(dataDir, "polymarket", B10_00, 0)
      fs.mkdirSync(path.dirname(partA), { recursive: true })
      fs.writeFileSync(partA, encodeSnapshotRows(rowsA))
      // B: marker for part 0 written, crash before the publish: the file does not exist
      const segB = walSegmentPath(dataDir, "polymarket", "orderbook_snapshots", B10_05, "7-c-1")
      yield* Effect.promise(() => appendDurably(segB, encodeSnapshotWalLines(rowsB, 0, rowsB.length)))
      fs.writeFileSync(commitMarkerPath(segB), encodeCommitMarker([segB], 0))

      const writer = yield* startWriter(options(dataDir))
      expect(yield* writer.stats).toMatchObject({ rowsRecovered: 5, filesRecovered: 1 })
      expect(walFiles(dataDir)).toEqual([])
      expect(parquetFiles(dataDir).map((f) => path.basename(f))).toEqual([
        "snapshots_2026-01-15T10-00.parquet", "snapshots_2026-01-15T10-05.parquet"
      ])
      expect(yield* Effect.promise(() => readSnapshotFile(partA, ["seq"]))).toHaveLength(12)
      expect(yield* Effect.promise(() => readSnapshotFile(snapshotFilePath(dataDir, "polymarket", B10_05, 0)))).toEqual(rowsB)
    }))

  plainIt("a commit marker never names a file outside its folder", () => {
    expect(parseCommitMarker(encodeCommitMarker(["/d/.wal/venue=kalshi/trades/5-a-0.wal"], 3))).toEqual({ part: 3, segments: ["5-a-0.wal"] })
    expect(parseCommitMarker(JSON.stringify({ part: 0, segments: ["../../../etc/passwd"] }))).toBeNull()
    expect(parseCommitMarker(JSON.stringify({ part: 0, segments: ["5-a-0.parquet"] }))).toBeNull()
    expect(parseCommitMarker(JSON.stringify({ part: -1, segments: [] }))).toBeNull()
    expect(parseCommitMarker("{\"part\": 0, \"segm")).toBeNull()
  })

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

describe("ParquetSink shutdown past its timeout", () => {
  it.live("leaves the rest in write-ahead files; the next start writes them: no row lost or doubled", () =>
    Effect.gen(function*() {
      const dataDir = tmpDataDir("shutdown-timeout")
      const t0 = Date.UTC(2026, 0, 15, 10, 0, 0)
      const rows = Array.from({ length: 20_000 }, (_, i) => snapshotRow(t0 + (i % 60_000), i, { levels: 20 }))
      const trades = Array.from({ length: 500 }, (_, i) => tradeRow(t0 + i, i))
      yield* Effect.scoped(Effect.gen(function*() {
        // 1 ms: the shutdown flush cannot finish (20,000 rows take far longer to append)
        const writer = yield* startWriter({ ...options(dataDir, { queueRows: 50_000 }), shutdownTimeoutMs: 1 })
        yield* writer.writeSnapshots(rows)
        yield* writer.writeTrades(trades)
      }))
      // (the worker may still be finishing the interrupted job; the next start queues behind it)
      const writer = yield* Effect.scoped(Effect.gen(function*() {
        const w = yield* startWriter(options(dataDir))
        return yield* w.stats
      }))
      expect(walFiles(dataDir)).toEqual([])
      const [row] = yield* Effect.promise(() => duckdb(
        `select count(*)::INTEGER, count(distinct seq)::INTEGER from read_parquet('${dataDir}/orderbook_snapshots/*/*/*/*.parquet')`))
      expect(row).toEqual([20_000, 20_000])
      const [tradeCount] = yield* Effect.promise(() => duckdb(
        `select count(*)::INTEGER, count(distinct trade_id)::INTEGER from read_parquet('${dataDir}/trades/*/*/*/*.parquet')`))
      expect(tradeCount).toEqual([500, 400]) // every 5th trade_id is null
      expect(writer.rowsRecovered).toBeGreaterThan(0)
      console.log(`shutdown timeout: ${writer.rowsRecovered} of 20500 rows recovered by the next start`)
    }))
})

// ---------------------------------------------------------------------------------------------
// Crash and signal tests against a real child process (test/support/writerChild.ts).

const CHILD = path.resolve(__dirname, "../support/writerChild.ts")
const FLUSH_SECONDS = 1

interface Child {
  readonly proc: ChildProcess
  /** (rows accepted so far, epoch ms) after every batch */
  readonly progress: Array<{ readonly accepted: number; readonly atMs: number; readonly durable: number }>
  readonly ready: Promise<{ readonly rowsRecovered: number; readonly filesRecovered: number }>
  readonly exited: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null; readonly atMs: number }>
  stderr: string
}

function spawnWriterChild(dataDir: string, flushRows: number, seqStart: number): Child {
  const proc = spawn(process.execPath, ["--import", "tsx", CHILD, dataDir, String(FLUSH_SECONDS), String(flushRows), String(seqStart), "both"], {
    cwd: path.resolve(__dirname, "../.."), stdio: ["ignore", "pipe", "pipe"]
  })
  const progress: Array<{ accepted: number; atMs: number; durable: number }> = []
  let readyResolve: (r: { rowsRecovered: number; filesRecovered: number }) => void = () => {}
  const ready = new Promise<{ rowsRecovered: number; filesRecovered: number }>((r) => { readyResolve = r })
  const child: Child = {
    proc, progress, ready, stderr: "",
    exited: new Promise((resolve) => proc.on("exit", (code, signal) => resolve({ code, signal, atMs: Date.now() })))
  }
  proc.stderr!.on("data", (d: Buffer) => { child.stderr += d.toString() })
  readline.createInterface({ input: proc.stdout! }).on("line", (line) => {
    const [kind, a, b, c] = line.split(" ")
    if (kind === "ready") readyResolve({ rowsRecovered: Number(a), filesRecovered: Number(b) })
    else if (kind === "accepted") progress.push({ accepted: Number(a), atMs: Number(b), durable: Number(c) })
  })
  return child
}

const waitForRows = async (child: Child, rows: number, timeoutMs: number): Promise<void> => {
  const until = Date.now() + timeoutMs
  while ((child.progress.at(-1)?.accepted ?? 0) < rows) {
    if (Date.now() > until) throw new Error(`child accepted only ${child.progress.at(-1)?.accepted ?? 0} rows; stderr: ${child.stderr}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

const seqStats = async (dataDir: string, where: string) => {
  const [row] = await duckdb(
    `select count(*)::BIGINT, count(distinct seq)::BIGINT, coalesce(min(seq), -1)::BIGINT, coalesce(max(seq), -1)::BIGINT ` +
    `from read_parquet('${dataDir}/orderbook_snapshots/venue=*/date=*/hour=*/*.parquet', hive_partitioning=true) where ${where}`)
  const [rows, distinct, min, max] = (row as Array<bigint>).map(Number) as [number, number, number, number]
  return { rows, distinct, min, max }
}

/** The event log (book_events) of the same child: 5 events per snapshot row, event_seq = 5 x seq + 0..4. */
const lastAcceptedRows = (child: Child): number => child.progress.at(-1)!.accepted

const eventStats = async (dataDir: string, where: string) => {
  const [row] = await duckdb(
    `select count(*)::BIGINT, count(distinct event_seq)::BIGINT, coalesce(min(event_seq), -1)::BIGINT, coalesce(max(event_seq), -1)::BIGINT ` +
    `from read_parquet('${dataDir}/book_events/venue=*/date=*/hour=*/*.parquet', hive_partitioning=true, hive_types={'hour': INTEGER}) where ${where}`)
  const [rows, distinct, min, max] = (row as Array<bigint>).map(Number) as [number, number, number, number]
  return { rows, distinct, min, max }
}

describe("ParquetSink in a process that is killed", () => {
  it.live("kill -9 loses at most flush_seconds of rows and leaves no corrupt Parquet; the restart recovers the write-ahead rows; SIGTERM then drains every accepted row (snapshots and the event log)", () =>
    Effect.promise(async () => {
      const dataDir = tmpDataDir("crash")
      // flush_rows 10000: a part is sealed mid-run (a kill may hit its encode), the rest is only in the write-ahead file.
      const first = spawnWriterChild(dataDir, 10_000, 0)
      await first.ready
      await waitForRows(first, 25_000, 60_000)
      first.proc.kill("SIGKILL")
      const killed = await first.exited
      expect(killed.signal).toBe("SIGKILL")
      const acceptedBy = (t: number) => first.progress.filter((p) => p.atMs <= t).at(-1)?.accepted ?? 0

      // No corrupt file: every visible .parquet is read completely by DuckDB (a failed read throws).
      const visible = parquetFiles(dataDir)
      if (visible.some((f) => f.includes("orderbook_snapshots"))) await seqStats(dataDir, "true")
      if (visible.some((f) => f.includes("book_events"))) await eventStats(dataDir, "true")

      const second = spawnWriterChild(dataDir, 10_000, 1_000_000_000)
      const recovery = await second.ready
      expect(listTree(dataDir).filter((f) => f.endsWith(".tmp"))).toEqual([])
      const firstRun = await seqStats(dataDir, "seq < 1000000000")
      // what the first run wrote is a prefix 0..max with no hole and no row twice
      expect(firstRun.min).toBe(0)
      expect(firstRun.distinct).toBe(firstRun.max + 1)
      expect(firstRun.rows).toBe(firstRun.distinct)
      const lastAccepted = first.progress.at(-1)!.accepted
      // the event log of the first run: a prefix 0..max too, nothing twice, never more than accepted
      const firstEvents = await eventStats(dataDir, "event_seq < 5000000000")
      expect(firstEvents.min).toBe(0)
      expect(firstEvents.distinct).toBe(firstEvents.max + 1)
      expect(firstEvents.rows).toBe(firstEvents.distinct)
      expect(firstEvents.distinct).toBeLessThanOrEqual(lastAcceptedRows(first) * 5)
      expect(firstEvents.distinct).toBeGreaterThan(0)
      // exact: every row the child reported durable (snapshot and event rows) before it died is in a file now
      expect(firstRun.distinct + firstEvents.distinct).toBeGreaterThanOrEqual(first.progress.at(-1)!.durable)
      // timing (loose: shared CI cores): rows older than flush_seconds + 2 s at the kill were durable
      expect(firstRun.distinct).toBeGreaterThanOrEqual(acceptedBy(killed.atMs - FLUSH_SECONDS * 1000 - 2000))
      expect(firstRun.distinct).toBeLessThanOrEqual(lastAccepted)
      const keptUntil = first.progress.find((p) => p.accepted >= firstRun.distinct)?.atMs ?? killed.atMs
      console.log(`kill -9: accepted ${lastAccepted}, in files after recovery ${firstRun.distinct} (lost ${lastAccepted - firstRun.distinct} rows = the last ${killed.atMs - keptUntil} ms), ` +
        `recovered from write-ahead ${recovery.rowsRecovered} rows into ${recovery.filesRecovered} file(s), files visible at kill ${visible.length}`)

      await waitForRows(second, 5_000, 60_000)
      const termAt = Date.now()
      second.proc.kill("SIGTERM")
      const termed = await second.exited
      expect({ code: termed.code, stderr: second.stderr }).toEqual({ code: 0, stderr: "" })
      expect(termed.atMs - termAt).toBeLessThan(10_000)
      const secondRun = await seqStats(dataDir, "seq >= 1000000000")
      const accepted2 = second.progress.at(-1)!.accepted
      expect(secondRun).toEqual({ rows: accepted2, distinct: accepted2, min: 1_000_000_000, max: 1_000_000_000 + accepted2 - 1 })
      expect(await eventStats(dataDir, "event_seq >= 5000000000"))
        .toEqual({ rows: accepted2 * 5, distinct: accepted2 * 5, min: 5_000_000_000, max: 5_000_000_000 + accepted2 * 5 - 1 })
      expect(walFiles(dataDir)).toEqual([])
      console.log(`SIGTERM: accepted ${accepted2}, in files ${secondRun.rows}, exit after ${termed.atMs - termAt} ms`)
    }), 120_000)
})
