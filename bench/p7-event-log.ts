/**
 * P7 event-log writing: event rows per CPU-second through the writer's path for the event log,
 * on the replay corpus's events (bench/eventCorpus.ts):
 * - on the socket thread: the write-ahead lines (encodeEventWalLines, 4,000 rows per append, the
 *   segment's dictionary kept across appends as the sink does);
 * - in the encoder worker (measured here in-process, single thread): reading the segment back
 *   into columns (decodeEventWalInto), encoding Parquet (encodeEventBatch) and the no-overwrite
 *   publish, as src/sink/encoderWorker.ts does.
 * Reference: bare hyparquet-writer (`parquetWriteBuffer`, its defaults) encoding the same rows
 * from ready-made columns (no write-ahead, no file). Target >= 200,000 events per CPU-second.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { parquetWriteBuffer } from "hyparquet-writer"
import type { EventRow } from "../src/domain/EventRow.js"
import { decodeEventWalInto, encodeEventWalLines, newEventWalDictionary } from "../src/sink/WriteAheadLog.js"
import { EventBatch } from "../src/storage/parquet/eventBatch.js"
import { writeNewFileSync } from "../src/storage/atomic.js"
import { EVENT_TABLE, encodeEventBatch, readEventColumns } from "../src/storage/parquet/events.js"
import { schemaFor } from "../src/storage/parquet/table.js"
import { cpuAndWallMs, mainIfDirect, result, round, type FigureResult } from "./harness.js"
import { eventCorpus } from "./eventCorpus.js"

const ROWS = 300_000
/**
 * Best of REPS runs, ours and the reference alike: the collector's writer runs for days, so the
 * figure is its steady state once the JIT has compiled the loops (the first run is 1.5-2x slower).
 */
const REPS = 4

const INT64 = new Set(["ts_recv", "event_seq", "source_ts", "venue_seq", "book_seq"])

/** The same columns for the bare writer, with the same schema (3-level lists), ready-made. */
function bareColumns(rows: ReadonlyArray<EventRow>) {
  return EVENT_TABLE.map(({ name }) => ({
    name,
    data: rows.map((r) => {
      const v = (r as unknown as Record<string, unknown>)[name]
      return INT64.has(name) && v !== null ? BigInt(v as number) : v
    })
  }))
}

export async function run(): Promise<FigureResult[]> {
  const rows = eventCorpus().rows.slice(0, ROWS)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-p7-"))
  try {
    let best = { main: Infinity, worker: Infinity, bytes: 0 }
    for (let rep = 0; rep < REPS; rep++) {
      const parts: Uint8Array[] = []
      const main = await cpuAndWallMs(() => {
        const dict = newEventWalDictionary()
        for (let i = 0; i < rows.length; i += 4000) parts.push(encodeEventWalLines(rows, i, Math.min(rows.length, i + 4000), dict))
      })
      // the segment as the worker reads it from disk (the sink appends the chunks to the file)
      const segment = Buffer.concat(parts)
      let bytes = 0
      const file = path.join(dir, `events-${rep}.parquet`)
      const worker = await cpuAndWallMs(() => {
        const batch = new EventBatch()
        const decoded = decodeEventWalInto(segment, batch)
        if (decoded.rows !== rows.length) throw new Error(`P7: ${decoded.rows} rows back from the write-ahead text, expected ${rows.length}`)
        const out = encodeEventBatch(batch)
        bytes = out.length
        writeNewFileSync(file, out)
      })
      if (main.cpuMs + worker.cpuMs < best.main + best.worker) best = { main: main.cpuMs, worker: worker.cpuMs, bytes }
    }
    const back = await readEventColumns(path.join(dir, "events-0.parquet"))
    let sumBack = 0
    let sumRows = 0
    for (let i = 0; i < rows.length; i++) {
      sumBack += back.event_seq[i]! - rows[0]!.event_seq
      sumRows += rows[i]!.event_seq - rows[0]!.event_seq
    }
    if (back.length !== rows.length || sumBack !== sumRows) throw new Error("P7: the file does not read back")
    // reference: best of as many
    const columns = bareColumns(rows)
    let bare = Infinity
    let bareBytes = 0
    for (let rep = 0; rep < REPS; rep++) {
      const t = await cpuAndWallMs(() => {
        bareBytes = parquetWriteBuffer({ columnData: columns as never, schema: schemaFor(EVENT_TABLE) }).byteLength
      })
      bare = Math.min(bare, t.cpuMs)
    }
    const oursRate = rows.length / ((best.main + best.worker) / 1000)
    const bareRate = rows.length / (bare / 1000)
    return [result({
      figure: "P7", name: `event-log writing, ${rows.length} corpus events (write-ahead + Parquet + publish)`,
      ours: Math.round(oursRate), reference: Math.round(bareRate), referenceName: "bare hyparquet-writer parquetWriteBuffer (defaults), same rows",
      unit: "events/CPU-s", higherIsBetter: true, target: ">= 200,000 events/CPU-s", met: oursRate >= 200_000,
      notes: `socket thread (write-ahead lines): ${round(best.main)} ms = ${Math.round(rows.length / (best.main / 1000))} events/CPU-s; ` +
        `encoder worker (read back + encode + publish): ${round(best.worker)} ms; file ${round(best.bytes / rows.length, 1)} B/event ` +
        `(bare writer: ${round(bareBytes / rows.length, 1)} B/event)`,
      extra: { main_ms: round(best.main), worker_ms: round(best.worker), bare_ms: round(bare) }
    })]
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

await mainIfDirect(import.meta.url, run)
