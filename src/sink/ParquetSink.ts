/**
 * The collector's Parquet sink (DESIGN sections 6 and 7, issue 5 item 6).
 *
 * Semantics:
 * - Rows are routed by `bucketStart(ts_recv, bucket_minutes)` (UTC) to one snapshot or trade
 *   file per (venue, bucket), named per DESIGN section 6.
 * - Memory bound and backpressure: rows held in memory (accepted, not yet in a write-ahead
 *   file) never exceed `queueRows` (collector.writer_queue_rows). When full, `writeSnapshots` /
 *   `writeTrades` WAIT until the flusher has appended rows to disk (backpressure, never a drop);
 *   every wait is counted in `backpressureWaits`. A flush is started early when half the bound
 *   is used, so a burst does not wait for the next `flush_seconds` tick.
 * - Durability: every `flush_seconds` (Clock), the rows accepted since the last append go to
 *   the bucket's write-ahead segment (WriteAheadLog.ts, fsynced), so a kill -9 loses at most
 *   `flush_seconds` of rows (plus the append in flight).
 * - Files: a bucket's segment becomes ONE Parquet file when the bucket closes (Clock past the
 *   bucket end plus `closeGraceMs` for late rows), when it reaches `flush_rows` rows, on
 *   `flushNow` and at shutdown. Extra parts (-1, -2, ...) only on `flush_rows` overflow, rows
 *   arriving after their bucket was written, `flushNow` mid-bucket, or restarts. Files are
 *   published with the storage no-overwrite write at the next free part; then the segment is
 *   deleted. Encoding runs in a worker thread (writerWorker.ts) that reads the segment itself.
 * - Start-up: stale temp files are removed, then every leftover segment is written to Parquet
 *   (one file per segment, at the next free part of its bucket) and deleted; a truncated last
 *   line is ignored. This runs before the layer is ready, so a crash's rows are in files before new
 *   rows arrive.
 * - Shutdown (scope release, e.g. SIGINT/SIGTERM): everything in memory is appended to the
 *   write-ahead files, every open bucket is written to Parquet, segments are removed; bounded
 *   by `shutdownTimeoutMs` (default 9 s), after which Parquet writing stops and what is left is
 *   appended to write-ahead files for the next start (never lost; appends are not cut short).
 * - Exactly once across crashes: a commit marker written just before each publish tells the
 *   next start which segments are already in a file (WriteAheadLog.ts, writerWorker.ts).
 * - Failures: a failed append or encode is logged, counted in `writeErrors` and retried on the
 *   next tick (rows stay in memory, then backpressure, or in the write-ahead file).
 */
import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import { Clock, Context, Deferred, Duration, Effect, Fiber, Layer, Queue } from "effect"
import type { AppConfig } from "../config/schema.js"
import type { SnapshotRow } from "../domain/SnapshotRow.js"
import type { TradeRow } from "../domain/TradeRow.js"
import type { VenueId } from "../domain/VenueId.js"
import { bucketStart } from "../storage/paths.js"
import {
  appendRowsDurably, walSegmentPath,
  type WalDataset
} from "./WriteAheadLog.js"
import { WriteError } from "./WriteError.js"
import { recoverLeftovers } from "./recovery.js"
import { WriterWorkerClient } from "./EncoderClient.js"
import type { EncodeJob } from "./encoderProtocol.js"

export { WriteError }

export interface WriterStats {
  /** rows handed to writeSnapshots / writeTrades and accepted */
  readonly rowsAccepted: number
  /** accepted rows now in Parquet files */
  readonly rowsWritten: number
  /** accepted rows not yet in Parquet (in memory or only in a write-ahead file) */
  readonly rowsBuffered: number
  /** of rowsBuffered: in memory only, not yet in a write-ahead file */
  readonly rowsInMemory: number
  readonly filesWritten: number
  /** epoch ms (Clock) of the last completed write-ahead append or Parquet file; 0 = never */
  readonly lastFlushAtMs: number
  /** wall time that append or file took (real time, not Clock) */
  readonly lastFlushLatencyMs: number
  /** age of the oldest row that is not yet durable (in no file at all); 0 when none */
  readonly oldestUnflushedAgeMs: number
  /** times a writer had to wait because `queueRows` rows were already in memory */
  readonly backpressureWaits: number
  /** rows with a ts_recv that cannot be a bucket (NaN, negative): dropped */
  readonly rowsRejected: number
  readonly walAppends: number
  /** rows and files written at start-up from a previous run's write-ahead files */
  readonly rowsRecovered: number
  readonly filesRecovered: number
  /** write-ahead lines that could not be read back (truncated tails are not counted) */
  readonly badWalLines: number
  readonly writeErrors: number
}

export class ParquetSink extends Context.Tag("surveillance/ParquetSink")<ParquetSink, {
  /** waits (backpressure) while `queueRows` rows are held in memory */
  readonly writeSnapshots: (rows: ReadonlyArray<SnapshotRow>) => Effect.Effect<void>
  readonly writeTrades: (rows: ReadonlyArray<TradeRow>) => Effect.Effect<void>
  /** appends everything to the write-ahead files and writes every open bucket to Parquet now */
  readonly flushNow: Effect.Effect<void>
  readonly stats: Effect.Effect<WriterStats>
}>() {}

export interface ParquetSinkOptions {
  readonly dataDir: string
  readonly storage: Pick<AppConfig["storage"], "flush_rows" | "flush_seconds" | "bucket_minutes">
  /** bound on rows held in memory (collector.writer_queue_rows) */
  readonly queueRows: number
  /** how long after a bucket's end late rows are still awaited before its file is written */
  readonly closeGraceMs?: number
  readonly shutdownTimeoutMs?: number
}

type AnyRow = SnapshotRow | TradeRow

/** Rows of one (venue, dataset, bucket) that will become one Parquet file. */
interface Segment {
  readonly venue: VenueId
  readonly dataset: WalDataset
  readonly bucketStartMs: number
  /** write-ahead files of this segment; a new one after a failed append */
  readonly walPaths: string[]
  /** accepted, not yet appended (each holds one permit of the memory bound) */
  pending: AnyRow[]
  /** Clock ms when the oldest pending row was accepted */
  pendingSinceMs: number
  /** rows already in the write-ahead file */
  walRows: number
  partHint: number
}

interface FlushRequest {
  readonly sealAll: boolean
  readonly done: Deferred.Deferred<void> | null
}

type EncodeMessage = { readonly segment: Segment } | { readonly barrier: Deferred.Deferred<void> }


/** A ts_recv that names a bucket and a date (JS Dates end at 8.64e15 ms). */
const isBucketTime = (ts: number): boolean => Number.isFinite(ts) && ts >= 0 && ts <= 8.64e15

export const ParquetSinkLive = (opts: ParquetSinkOptions): Layer.Layer<ParquetSink, WriteError> =>
  Layer.scoped(ParquetSink, makeWriter(opts))

const makeWriter = (opts: ParquetSinkOptions) => Effect.gen(function*() {
  const { dataDir, queueRows } = opts
  const flushRows = opts.storage.flush_rows
  const bucketMinutes = opts.storage.bucket_minutes
  const bucketMs = bucketMinutes * 60_000
  const closeGraceMs = opts.closeGraceMs ?? 10_000
  const shutdownTimeoutMs = opts.shutdownTimeoutMs ?? 9_000
  if (!Number.isInteger(queueRows) || queueRows < 1) {
    return yield* new WriteError({ path: dataDir, op: "configure", message: `writer queue bound must be a positive integer of rows, got ${queueRows}` })
  }

  const stats = {
    rowsAccepted: 0, rowsWritten: 0, filesWritten: 0, lastFlushAtMs: 0, lastFlushLatencyMs: 0,
    backpressureWaits: 0, rowsRejected: 0, walAppends: 0, rowsRecovered: 0, filesRecovered: 0,
    badWalLines: 0, writeErrors: 0
  }
  let rowsInMemory = 0
  /** rows in write-ahead files of this run, not yet in Parquet */
  let rowsInWal = 0

  // Process-wide and kept (see WriterWorkerClient.shared); idle, it does not hold the process open.
  const worker = WriterWorkerClient.shared()
  // Wait until the encoder thread is loaded (1.5-3 s under tsx): a worker that cannot start is
  // a fatal start-up error, and its loading does not compete with the first minutes of ingest.
  yield* Effect.tryPromise({
    try: () => worker.whenReady(60_000),
    catch: (e) => new WriteError({ path: dataDir, op: "start encoder", message: e instanceof Error ? e.message : String(e) })
  })
  const runJob = (job: EncodeJob) =>
    Effect.tryPromise({
      try: () => worker.encode(job),
      catch: (e) => new WriteError({ path: job.walPaths[0] ?? dataDir, op: "encode", message: e instanceof Error ? e.message : String(e) })
    })

  // ---- start-up: temp files, commit markers, then leftover write-ahead segments -> Parquet
  const recovered = yield* recoverLeftovers(dataDir, runJob)
  stats.rowsRecovered = recovered.rows
  stats.filesRecovered = recovered.files
  stats.badWalLines = recovered.badLines

  // ---- live state (plain mutable data; every mutation below is synchronous)
  const memoryPermits = yield* Effect.makeSemaphore(queueRows)
  const openSegments = new Map<string, Segment>()
  /** segments that will take no more rows: closed bucket or flush_rows reached */
  let sealed: Segment[] = []
  const flushRequests = yield* Queue.unbounded<FlushRequest>()
  const encodeQueue = yield* Queue.unbounded<EncodeMessage>()
  let wakeQueued = false
  // unique per writer instance (restarts in one process too), so write-ahead names never collide
  const runId = `${process.pid}-${randomBytes(4).toString("hex")}`
  let segmentCounter = 0

  const newSegment = (venue: VenueId, dataset: WalDataset, bucketStartMs: number): Segment => ({
    venue, dataset, bucketStartMs,
    walPaths: [walSegmentPath(dataDir, venue, dataset, bucketStartMs, `${runId}-${segmentCounter++}`)],
    pending: [], pendingSinceMs: 0, walRows: 0, partHint: 0
  })

  const wake = (sealAll: boolean) => {
    if (wakeQueued && !sealAll) return
    wakeQueued = true
    Queue.unsafeOffer(flushRequests, { sealAll, done: null })
  }

  /** Route rows[from, to) (permits already taken for them) into their segments. */
  const route = (dataset: WalDataset, rows: ReadonlyArray<AnyRow>, from: number, to: number, nowMs: number): void => {
    for (let i = from; i < to; i++) {
      const row = rows[i]!
      const ts = row.ts_recv
      const bucket = bucketStart(ts, bucketMinutes)
      const key = `${row.venue}|${dataset}|${bucket}`
      let seg = openSegments.get(key)
      if (seg === undefined) {
        seg = newSegment(row.venue, dataset, bucket)
        openSegments.set(key, seg)
      }
      if (seg.pending.length === 0) seg.pendingSinceMs = nowMs
      seg.pending.push(row)
      if (seg.walRows + seg.pending.length >= flushRows) {
        // flush_rows reached: this segment becomes a file; later rows go to the next part.
        sealed.push(seg)
        const next = newSegment(row.venue, dataset, bucket)
        next.partHint = seg.partHint + 1
        openSegments.set(key, next)
      }
    }
    stats.rowsAccepted += to - from
    rowsInMemory += to - from
  }

  const accept = (dataset: WalDataset) => (rows: ReadonlyArray<AnyRow>): Effect.Effect<void> => Effect.gen(function*() {
    // Rows whose ts_recv cannot name a bucket are dropped here (counted), never routed.
    let valid: ReadonlyArray<AnyRow> = rows
    for (let i = 0; i < rows.length; i++) {
      if (!isBucketTime(rows[i]!.ts_recv)) {
        valid = rows.filter((r) => isBucketTime(r.ts_recv))
        stats.rowsRejected += rows.length - valid.length
        break
      }
    }
    for (let from = 0; from < valid.length; from += queueRows) {
      const to = Math.min(valid.length, from + queueRows)
      const n = to - from
      if (rowsInMemory + n > queueRows) {
        stats.backpressureWaits++
        wake(false)
      }
      yield* memoryPermits.take(n)
      const nowMs = yield* Clock.currentTimeMillis
      route(dataset, valid, from, to, nowMs)
      if (sealed.length > 0 || rowsInMemory * 2 >= queueRows) wake(false)
    }
  })

  // ---- flusher: the only fiber doing write-ahead I/O. An append is uninterruptible so that
  // `pending` / `walRows` always say where every row is, even when shutdown interrupts.
  const appendSegment = (seg: Segment) => Effect.uninterruptible(Effect.gen(function*() {
    const batch = seg.pending
    if (batch.length === 0) return
    seg.pending = []
    const started = performance.now()
    const walPath = seg.walPaths[seg.walPaths.length - 1]!
    const progress = { rows: 0 }
    const failure = yield* Effect.tryPromise({
      try: () => appendRowsDurably(walPath, seg.dataset, batch, progress),
      catch: (e) => new WriteError({ path: walPath, op: "append", message: e instanceof Error ? e.message : String(e) })
    }).pipe(Effect.flip, Effect.option)
    const nowMs = yield* Clock.currentTimeMillis
    const done = progress.rows
    seg.walRows += done
    rowsInMemory -= done
    rowsInWal += done
    if (failure._tag === "Some") {
      // Rows not completely written stay in memory; the next append goes to a new file because
      // this one may end in a partial line.
      stats.writeErrors++
      seg.pending = batch.slice(done).concat(seg.pending)
      if (fs.existsSync(walPath)) { // (nothing reached the disk when the open/mkdir failed)
        seg.walPaths.push(walSegmentPath(dataDir, seg.venue, seg.dataset, seg.bucketStartMs, `${runId}-${segmentCounter++}`))
      }
      yield* Effect.logError(`writer: cannot append ${batch.length - done} rows to ${failure.value.path}: ${failure.value.message} (kept in memory, retried next flush)`)
    } else {
      stats.walAppends++
      stats.lastFlushAtMs = nowMs
      stats.lastFlushLatencyMs = performance.now() - started
    }
    if (done > 0) yield* memoryPermits.release(done)
  }))

  const flushCycle = (sealAll: boolean) => Effect.gen(function*() {
    const nowMs = yield* Clock.currentTimeMillis
    for (const [key, seg] of openSegments) {
      if (sealAll || nowMs >= seg.bucketStartMs + bucketMs + closeGraceMs) {
        openSegments.delete(key)
        // (a fresh segment opened after a flush_rows split may never have received a row)
        if (seg.pending.length > 0 || seg.walRows > 0) sealed.push(seg)
      }
    }
    for (const seg of openSegments.values()) yield* appendSegment(seg)
    // A segment leaves `sealed` only in the same synchronous step that hands it to the encoder,
    // so an interrupted cycle never loses track of rows (the shutdown path appends what is left).
    for (const seg of [...sealed]) {
      yield* appendSegment(seg)
      if (seg.pending.length > 0) continue // append failed: retried next cycle
      sealed = sealed.filter((s) => s !== seg)
      Queue.unsafeOffer(encodeQueue, { segment: seg })
    }
  })

  const flusher = Effect.gen(function*() {
    while (true) {
      const first = yield* Queue.take(flushRequests)
      const rest = yield* Queue.takeAll(flushRequests)
      wakeQueued = false
      const requests = [first, ...rest]
      yield* flushCycle(requests.some((r) => r.sealAll))
      for (const r of requests) if (r.done !== null) yield* Deferred.succeed(r.done, undefined)
    }
  })

  // ---- encoder: segments -> Parquet in the worker, one at a time
  const encodeSegment = (seg: Segment) => Effect.gen(function*() {
    const started = performance.now()
    const job: EncodeJob = {
      dataDir, venue: seg.venue, dataset: seg.dataset, bucketStartMs: seg.bucketStartMs, walPaths: seg.walPaths, partHint: seg.partHint
    }
    const result = yield* runJob(job)
    const nowMs = yield* Clock.currentTimeMillis
    // all counters in one synchronous step, so `stats` never shows half an update
    stats.lastFlushAtMs = nowMs
    stats.lastFlushLatencyMs = performance.now() - started
    rowsInWal -= seg.walRows
    stats.rowsWritten += result.rows
    stats.badWalLines += result.badLines
    if (result.path !== null) stats.filesWritten++
  })

  const encoder = Effect.gen(function*() {
    while (true) {
      const msg = yield* Queue.take(encodeQueue)
      if ("barrier" in msg) {
        yield* Deferred.succeed(msg.barrier, undefined)
        continue
      }
      // Interruptible on purpose (shutdown past its timeout): the worker either finishes the
      // job or dies with the process, leaving the write-ahead file for the next start.
      yield* encodeSegment(msg.segment).pipe(
        Effect.catchAll((err) => Effect.gen(function*() {
          stats.writeErrors++
          yield* Effect.logError(`writer: cannot write Parquet for ${err.path}: ${err.message} (the write-ahead file is kept; retried next flush)`)
          sealed.push(msg.segment)
        }))
      )
    }
  })

  const ticker = Effect.gen(function*() {
    while (true) {
      yield* Effect.sleep(Duration.seconds(opts.storage.flush_seconds))
      wake(false)
    }
  })

  const flushNow = Effect.gen(function*() {
    const flushed = yield* Deferred.make<void>()
    yield* Queue.offer(flushRequests, { sealAll: true, done: flushed })
    yield* Deferred.await(flushed)
    const encoded = yield* Deferred.make<void>()
    yield* Queue.offer(encodeQueue, { barrier: encoded })
    yield* Deferred.await(encoded)
  })

  yield* Effect.forkScoped(encoder)
  const flusherFiber = yield* Effect.forkScoped(flusher)
  const tickerFiber = yield* Effect.forkScoped(ticker)

  // Registered after the fibers, so it runs before they are interrupted (finalizers run in reverse).
  yield* Effect.addFinalizer(() => Effect.gen(function*() {
    yield* Fiber.interrupt(tickerFiber)
    // Finalizers run uninterruptibly; without `interruptible` the timeout could not cut the wait.
    const done = yield* Effect.interruptible(flushNow).pipe(Effect.timeout(Duration.millis(shutdownTimeoutMs)), Effect.option)
    if (done._tag === "None") {
      // Out of time for Parquet, never for durability: stop the flusher (it finishes an append in
      // flight) and append whatever is still in memory, so the next start finds every row.
      yield* Fiber.interrupt(flusherFiber)
      for (const seg of [...openSegments.values(), ...sealed]) yield* appendSegment(seg)
      yield* Effect.logWarning(`writer: shutdown flush took over ${shutdownTimeoutMs} ms; ${rowsInWal} rows stay in write-ahead files under ${dataDir}/.wal ` +
        `and are written at the next start` + (rowsInMemory > 0 ? `; ${rowsInMemory} rows could not be appended and are lost` : ""))
    }
    yield* Effect.logInfo(`writer: stopped; accepted ${stats.rowsAccepted} rows, wrote ${stats.rowsWritten} in ${stats.filesWritten} files` +
      (stats.rowsRecovered > 0 ? `, recovered ${stats.rowsRecovered} from a previous run` : "") +
      (stats.backpressureWaits > 0 ? `, ${stats.backpressureWaits} backpressure waits` : "") +
      (stats.writeErrors > 0 ? `, ${stats.writeErrors} write errors` : ""))
  }))

  const statsEffect = Effect.gen(function*() {
    const nowMs = yield* Clock.currentTimeMillis
    let oldest = Infinity
    for (const seg of openSegments.values()) if (seg.pending.length > 0 && seg.pendingSinceMs < oldest) oldest = seg.pendingSinceMs
    for (const seg of sealed) if (seg.pending.length > 0 && seg.pendingSinceMs < oldest) oldest = seg.pendingSinceMs
    const snapshot: WriterStats = {
      ...stats,
      rowsBuffered: rowsInMemory + rowsInWal,
      rowsInMemory,
      oldestUnflushedAgeMs: oldest === Infinity ? 0 : Math.max(0, nowMs - oldest)
    }
    return snapshot
  })

  return ParquetSink.of({
    writeSnapshots: accept("orderbook_snapshots"),
    writeTrades: accept("trades"),
    flushNow,
    stats: statsEffect
  })
})
