import { spawn, type ChildProcess } from "node:child_process"
import * as readline from "node:readline"
import * as path from "node:path"
import { it } from "@effect/vitest"
import { Effect } from "effect"
import { describe, expect } from "vitest"
import { duckdb, listTree, parquetFiles, tmpDataDir, walFiles } from "./sinkTestRows.js"

/**
 * The event log through the writer, killed: the same shape as the snapshot writer's kill -9
 * test (ParquetSinkRecovery.test.ts), on the `book_events` dataset (test/support/writerChild.ts
 * in `events` mode: event_seq = a running number, so a lost or doubled row shows).
 */
const CHILD = path.resolve(__dirname, "../support/writerChild.ts")
const FLUSH_SECONDS = 1

interface Child {
  readonly proc: ChildProcess
  readonly progress: Array<{ readonly accepted: number; readonly atMs: number; readonly durable: number }>
  readonly ready: Promise<{ readonly rowsRecovered: number; readonly filesRecovered: number }>
  readonly exited: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null; readonly atMs: number }>
  stderr: string
}

function spawnEventChild(dataDir: string, flushRows: number, seqStart: number): Child {
  const proc = spawn(process.execPath, ["--import", "tsx", CHILD, dataDir, String(FLUSH_SECONDS), String(flushRows), String(seqStart), "events"], {
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
    `select count(*)::BIGINT, count(distinct event_seq)::BIGINT, coalesce(min(event_seq), -1)::BIGINT, coalesce(max(event_seq), -1)::BIGINT ` +
    `from read_parquet('${dataDir}/book_events/venue=*/date=*/hour=*/*.parquet', hive_partitioning=true, hive_types={'hour': INTEGER}) where ${where}`)
  const [rows, distinct, min, max] = (row as Array<bigint>).map(Number) as [number, number, number, number]
  return { rows, distinct, min, max }
}

describe("the event log in a writer process that is killed", () => {
  it.live("kill -9 loses at most flush_seconds of events and no file is corrupt; the restart recovers the write-ahead events exactly once; SIGTERM drains every accepted event", () =>
    Effect.promise(async () => {
      const dataDir = tmpDataDir("events-crash")
      // flush_rows 15000: parts are sealed mid-run (a kill may hit an encode), the rest is only in the write-ahead file
      const first = spawnEventChild(dataDir, 15_000, 0)
      await first.ready
      await waitForRows(first, 40_000, 60_000)
      first.proc.kill("SIGKILL")
      const killed = await first.exited
      expect(killed.signal).toBe("SIGKILL")

      const visible = parquetFiles(dataDir)
      if (visible.length > 0) await seqStats(dataDir, "true")

      const second = spawnEventChild(dataDir, 15_000, 1_000_000_000)
      const recovery = await second.ready
      expect(listTree(dataDir).filter((f) => f.endsWith(".tmp"))).toEqual([])
      const firstRun = await seqStats(dataDir, "event_seq < 1000000000")
      // a prefix 0..max, no hole, nothing twice, and everything reported durable before the kill
      expect(firstRun.min).toBe(0)
      expect(firstRun.distinct).toBe(firstRun.max + 1)
      expect(firstRun.rows).toBe(firstRun.distinct)
      expect(firstRun.distinct).toBeGreaterThanOrEqual(first.progress.at(-1)!.durable)
      expect(firstRun.distinct).toBeLessThanOrEqual(first.progress.at(-1)!.accepted)
      expect(recovery.rowsRecovered).toBeGreaterThan(0)

      await waitForRows(second, 10_000, 60_000)
      second.proc.kill("SIGTERM")
      const termed = await second.exited
      expect({ code: termed.code, stderr: second.stderr }).toEqual({ code: 0, stderr: "" })
      const secondRun = await seqStats(dataDir, "event_seq >= 1000000000")
      const accepted2 = second.progress.at(-1)!.accepted
      expect(secondRun).toEqual({ rows: accepted2, distinct: accepted2, min: 1_000_000_000, max: 1_000_000_000 + accepted2 - 1 })
      expect(walFiles(dataDir)).toEqual([])
      // every column reads back in DuckDB with its kind's values (nulls where a kind has none)
      const [kinds] = await duckdb(
        `select count(*) filter (where kind = 'trade' and trade_id is not null)::BIGINT, count(*) filter (where kind = 'seq_gap' and price is null and reason is not null)::BIGINT, ` +
        `count(*) filter (where typeof(ts_recv) = 'TIMESTAMP WITH TIME ZONE')::BIGINT, count(*)::BIGINT ` +
        `from read_parquet('${dataDir}/book_events/venue=*/date=*/hour=*/*.parquet', hive_partitioning=true, hive_types={'hour': INTEGER})`)
      const [trades, gaps, timestamps, all] = (kinds as Array<bigint>).map(Number) as [number, number, number, number]
      expect(trades).toBeGreaterThan(0)
      expect(gaps).toBeGreaterThan(0)
      expect(timestamps).toBe(all)
      console.log(`event log kill -9: accepted ${first.progress.at(-1)!.accepted}, in files ${firstRun.rows}, recovered ${recovery.rowsRecovered}; SIGTERM run ${accepted2}`)
    }), 120_000)
})
