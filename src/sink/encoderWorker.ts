/**
 * Worker-thread entry of the Parquet writer: turns write-ahead segments into one Parquet
 * file. Encoding is CPU-bound (~1 s per 40k rows of 20 levels, docs/DESIGN.md "Stack and known traps"), so it runs here and
 * never on the thread that reads the sockets.
 *
 * A job: read the segments (rows of one venue, dataset and bucket), encode, publish with the
 * storage no-overwrite write at the first free part >= `partHint` (a file is never replaced),
 * then delete the segments. Crash windows: before the publish, the segments are intact and are
 * recovered at the next start; between the publish and the delete, the commit marker written
 * just before the publish tells the next start that the file exists (WriteAheadLog.ts), so the
 * rows are neither lost nor written twice. Never a corrupt file: the publish is atomic.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import * as v8 from "node:v8"
import * as vm from "node:vm"
import { parentPort, workerData } from "node:worker_threads"
import { eventFilePath, snapshotFilePath, tradeFilePath } from "../storage/paths.js"
import { writeFileAtomicSync, writeNewFileSync } from "../storage/atomic.js"
import { encodeSnapshotRows } from "../storage/parquet/snapshots.js"
import { encodeTradeRows } from "../storage/parquet/trades.js"
import { encodeEventBatch } from "../storage/parquet/events.js"
import { EventBatch } from "../storage/parquet/eventBatch.js"
import type { SnapshotRow } from "../domain/SnapshotRow.js"
import type { TradeRow } from "../domain/TradeRow.js"
import { commitMarkerPath, decodeEventWalInto, decodeWalText, encodeCommitMarker } from "./WriteAheadLog.js"
import { WRITER_WORKER_ROLE, type EncodeJob, type EncodeResult, type WorkerReady, type WorkerReply, type WorkerRequest } from "./encoderProtocol.js"

const MAX_PARTS = 100_000

function readSegment(walPath: string): Buffer | null {
  try {
    return fs.readFileSync(walPath)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null
    throw e
  }
}

function removeSegments(walPaths: ReadonlyArray<string>): void {
  const dirs = new Set<string>()
  for (const p of walPaths) {
    fs.rmSync(p, { force: true })
    dirs.add(path.dirname(p))
  }
  for (const dir of dirs) {
    try {
      const fd = fs.openSync(dir, "r")
      try { fs.fsyncSync(fd) } finally { fs.closeSync(fd) }
    } catch {
      // fsync of a directory is refused on some filesystems; the unlink itself stands.
    }
  }
}

/** Where a dataset's bucket files go (the three datasets of the writer). */
export const bucketFilePathOf = (dataset: EncodeJob["dataset"]) =>
  dataset === "orderbook_snapshots" ? snapshotFilePath : dataset === "trades" ? tradeFilePath : eventFilePath

export function runEncodeJob(job: EncodeJob): EncodeResult {
  const started = performance.now() // wall time: encode cost for the metrics (no Effect Clock in a worker)
  const snapshots: SnapshotRow[] = []
  const trades: TradeRow[] = []
  // event rows stay in columns from the segment text to the file (no object per row)
  const events = new EventBatch()
  let badLines = 0
  let truncatedTails = 0
  for (const walPath of job.walPaths) {
    const bytes = readSegment(walPath)
    if (bytes === null) continue
    if (job.dataset === "orderbook_snapshots") {
      const decoded = decodeWalText("orderbook_snapshots", bytes.toString("utf8"))
      for (const r of decoded.rows) snapshots.push(r)
      badLines += decoded.badLines
      if (decoded.truncatedTail) truncatedTails++
    } else if (job.dataset === "trades") {
      const decoded = decodeWalText("trades", bytes.toString("utf8"))
      for (const r of decoded.rows) trades.push(r)
      badLines += decoded.badLines
      if (decoded.truncatedTail) truncatedTails++
    } else {
      const decoded = decodeEventWalInto(bytes, events)
      badLines += decoded.badLines
      if (decoded.truncatedTail) truncatedTails++
    }
  }
  const rows = job.dataset === "orderbook_snapshots" ? snapshots.length : job.dataset === "trades" ? trades.length : events.length
  if (rows === 0) {
    removeSegments(job.walPaths)
    return { path: null, part: -1, rows: 0, badLines, truncatedTails, encodeMs: performance.now() - started }
  }
  const bytes = job.dataset === "orderbook_snapshots" ? encodeSnapshotRows(snapshots)
    : job.dataset === "trades" ? encodeTradeRows(trades) : encodeEventBatch(events)
  const pathFor = bucketFilePathOf(job.dataset)
  const markerPath = commitMarkerPath(job.walPaths[0]!)
  for (let part = job.partHint; part < job.partHint + MAX_PARTS; part++) {
    const filePath = pathFor(job.dataDir, job.venue, job.bucketStartMs, part)
    if (fs.existsSync(filePath)) continue
    // the marker first: a crash after the publish must not make the next start write these rows again
    writeFileAtomicSync(markerPath, encodeCommitMarker(job.walPaths, part))
    let published: boolean
    try {
      published = writeNewFileSync(filePath, bytes)
    } catch (e) {
      removeSegments([markerPath])
      throw e
    }
    if (published) {
      removeSegments(job.walPaths)
      removeSegments([markerPath])
      return { path: filePath, part, rows, badLines, truncatedTails, encodeMs: performance.now() - started }
    }
  }
  throw new Error(`no free part number for bucket ${job.bucketStartMs} of ${job.venue}/${job.dataset} from part ${job.partHint}`)
}

/**
 * A full collection of this thread's heap where V8 allows one, else nothing. A job leaves tens
 * of MB of garbage (the segment text, its rows, the encoder's columns) that V8 collects only
 * once the heap has grown to several times what is live (P5: 185 MB before the worker's first
 * mark-compact, 46 MB after); between jobs that is resident memory held for nothing.
 */
function garbageCollector(): () => void {
  const exposed = (globalThis as { gc?: unknown }).gc
  if (typeof exposed === "function") return exposed as () => void
  try {
    // the flag is process-wide but only contexts made after it get `gc`: hence a new context
    v8.setFlagsFromString("--expose-gc")
    const gc = vm.runInNewContext("gc") as unknown
    if (typeof gc === "function") return gc as () => void
  } catch {
    // not available: V8 collects on its own schedule
  }
  return () => {}
}

// Only when started as the writer worker (not when a test imports runEncodeJob in some thread).
const port = parentPort
if (port !== null && (workerData as { role?: unknown } | null)?.role === WRITER_WORKER_ROLE) {
  // Encoding is background work: on Linux a priority set from a thread applies to that thread
  // only, so when the cores are busy the socket thread (and the venue's frames) go first. The
  // write-ahead files hold the rows meanwhile; nothing waits on the encode but the file.
  try {
    os.setPriority(10)
  } catch {
    // not permitted here: encode at normal priority
  }
  const collect = garbageCollector()
  port.on("message", (req: WorkerRequest) => {
    let reply: WorkerReply
    try {
      reply = { id: req.id, ok: true, result: runEncodeJob(req.job) }
    } catch (e) {
      reply = { id: req.id, ok: false, message: e instanceof Error ? e.message : String(e) }
    }
    port.postMessage(reply)
    // after the reply: the writer does not wait for it; the next job does (~50-150 ms)
    collect()
  })
  port.postMessage({ ready: true } satisfies WorkerReady)
}
