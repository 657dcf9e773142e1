/**
 * The collector's Parquet sink (docs/DESIGN.md, "The collector pipeline" and "Data layout").
 *
 * Semantics:
 * - Rows are routed by `bucketStart(ts_recv, bucket_minutes)` (UTC) to one snapshot or trade
 *   file per (venue, bucket), named per docs/DESIGN.md, "Data layout".
 * - Memory bound: rows held in memory (accepted, not yet in a write-ahead file) never exceed
 *   `queueRows` (collector.writer_queue_rows). While the disk takes writes, a full bound makes
 *   `writeSnapshots` / `writeTrades` WAIT until the flusher has appended rows (backpressure,
 *   counted in `backpressureWaits`); a flush is started early when half the bound is used. While
 *   the disk refuses (writerHold.ts), waiting would stall the snapshotter for as long as the
 *   disk is full, so instead the OLDEST held rows are dropped and counted by reason.
 * - Durability: every `flush_seconds` (Clock), the rows accepted since the last append go to
 *   the bucket's write-ahead segment (WriteAheadLog.ts, fsynced), so a kill -9 loses at most
 *   `flush_seconds` of rows (plus the append in flight).
 * - Files: a bucket's segment becomes ONE Parquet file when the bucket closes (Clock past the
 *   bucket end plus `closeGraceMs` for late rows), when it reaches `flush_rows` rows, on
 *   `flushNow` and at shutdown. Extra parts (-1, -2, ...) only on `flush_rows` overflow, rows
 *   arriving after their bucket was written, `flushNow` mid-bucket, or restarts. Files are
 *   published with the storage no-overwrite write at the next free part; then the segment is
 *   deleted. Encoding runs in a worker thread (encoderWorker.ts) that reads the segment itself.
 * - Start-up: stale temp files are removed, then every leftover segment is written to Parquet
 *   (one file per segment, at the next free part of its bucket) and deleted; a truncated last
 *   line is ignored. This runs before the layer is ready, so a crash's rows are in files before new
 *   rows arrive.
 * - Shutdown (scope release, e.g. SIGINT/SIGTERM): everything in memory is appended to the
 *   write-ahead files, every open bucket is written to Parquet, segments are removed; bounded
 *   by `shutdownTimeoutMs` (default 9 s), after which Parquet writing stops and what is left is
 *   appended to write-ahead files for the next start (never lost; appends are not cut short).
 * - Exactly once across crashes: a commit marker written just before each publish tells the
 *   next start which segments are already in a file (WriteAheadLog.ts, encoderWorker.ts).
 * - Failures: a row counts as appended only when its whole line is in the write-ahead file
 *   (short writes are continued, a failed append is cut back to its last whole line). A failed
 *   append or encode starts an incident: logged once, counted in `writeErrors`, /healthz 503;
 *   then one attempt per retry delay (`writerRetrySchedule`, never more than one per flush
 *   interval), one waiting line per flush interval, and a closing line when writes succeed.
 * - Files: start-up recovery (listing, commit markers, temp cleanup) and the checks here go
 *   through the FileStore. Two paths use the storage primitives directly: the encoder worker
 *   (encoderWorker.ts) publishes with atomic.ts's no-overwrite write, because a worker thread
 *   cannot use a Layer of the main thread; and the write-ahead append (appendRowsDurably) keeps
 *   one handle open across 500-row chunks with an event-loop turn between them, then one fsync,
 *   which a whole-data `appendFile` cannot do without reopening the file per chunk.
 */
import { randomBytes } from "node:crypto"
import { Clock, Context, Deferred, Duration, Effect, Exit, Fiber, FiberId, Layer, Queue, Schedule } from "effect"
import type { AppConfig } from "../config/schema.js"
import type { SnapshotRow } from "../domain/SnapshotRow.js"
import type { TradeRow } from "../domain/TradeRow.js"
import type { EventRow } from "../domain/EventRow.js"
import type { VenueId } from "../domain/VenueId.js"
import { FileStore } from "../storage/FileStore.js"
import { diskRefusalOf, type AppendFileSystem } from "../storage/durableAppend.js"
import { bucketStart } from "../storage/paths.js"
import {
  appendRowsDurably, forgetEventWalDictionary, walSegmentPath,
  type WalDataset
} from "./WriteAheadLog.js"
import { WriteError } from "./WriteError.js"
import {
  dropOldestHeld, formatDrops, waitingLine, writerRetrySchedule, type DiskFailure, type DropReason
} from "./writerHold.js"
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
  /** accepted rows that will never reach a file, in total and by reason */
  readonly rowsDropped: number
  readonly rowsDroppedByReason: Readonly<Partial<Record<DropReason, number>>>
  /** set while the disk refuses the writer's appends or files */
  readonly diskFailure: DiskFailure | null
}

export class ParquetSink extends Context.Tag("surveillance/ParquetSink")<ParquetSink, {
  /** waits (backpressure) while `queueRows` rows are held in memory */
  readonly writeSnapshots: (rows: ReadonlyArray<SnapshotRow>) => Effect.Effect<void>
  readonly writeTrades: (rows: ReadonlyArray<TradeRow>) => Effect.Effect<void>
  /** event-log rows (src/books/EventLog.ts): a third dataset, same buckets, same write-ahead and exactly-once publish */
  readonly writeEvents: (venue: VenueId, rows: ReadonlyArray<EventRow>) => Effect.Effect<void>
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
  /** file operations of the write-ahead appends (tests inject failing ones) */
  readonly appendFs?: AppendFileSystem
}

type AnyRow = SnapshotRow | TradeRow | EventRow

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
  /** false: append only the segments holding EAGER_APPEND_ROWS pending rows (see there) */
  readonly full: boolean
  /** runs even while the disk refuses (a scheduled retry, flushNow, shutdown) */
  readonly forced: boolean
  readonly done: Deferred.Deferred<void> | null
}

type EncodeMessage = { readonly segment: Segment; readonly cycle: number } | { readonly barrier: Deferred.Deferred<void> }


/**
 * A segment with this many rows in memory is appended at once, not at the next tick: the event
 * log hands over ~10,000 rows a second at 10,000 books, and rows held for `flush_seconds` would
 * be the log's largest cost in memory (and outlive the young generation, growing the old one).
 * Earlier appends only make the rows durable sooner.
 */
export const EAGER_APPEND_ROWS = 4_000

/** A ts_recv that names a bucket and a date (JS Dates end at 8.64e15 ms). */
const isBucketTime = (ts: number): boolean => Number.isFinite(ts) && ts >= 0 && ts <= 8.64e15

export const ParquetSinkLive = (opts: ParquetSinkOptions): Layer.Layer<ParquetSink, WriteError, FileStore> =>
  Layer.scoped(ParquetSink, makeWriter(opts))

const makeWriter = (opts: ParquetSinkOptions) => Effect.gen(function*() {
  const store = yield* FileStore
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
    badWalLines: 0, writeErrors: 0, rowsDropped: 0
  }
  const droppedByReason: Partial<Record<DropReason, number>> = {}
  let rowsInMemory = 0
  /** rows in write-ahead files of this run, not yet in Parquet */
  let rowsInWal = 0
  /** the current incident: set by a failed append or encode, cleared by a clean attempt */
  let diskFailure: DiskFailure | null = null

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
  const openSegments = new Map<string, Segment>()
  /** segments that will take no more rows: closed bucket or flush_rows reached */
  let sealed: Segment[] = []
  const flushRequests = yield* Queue.unbounded<FlushRequest>()
  const encodeQueue = yield* Queue.unbounded<EncodeMessage>()
  /** one item per incident start: wakes the retry fiber */
  const incidents = yield* Queue.sliding<void>(1)
  let wakeQueued = false
  let cycle = 0
  /** the last cycle whose encode failed: its other segments wait for the next attempt */
  let failedEncodeCycle = -1
  // unique per writer instance (restarts in one process too), so write-ahead names never collide
  const runId = `${process.pid}-${randomBytes(4).toString("hex")}`
  let segmentCounter = 0

  // Producers waiting for room in memory await this; it is completed and replaced whenever rows
  // leave memory or an incident starts (then they drop instead of waiting).
  let memoryChanged = Deferred.unsafeMake<void>(FiberId.none)
  const signalMemoryChanged = () => {
    const d = memoryChanged
    memoryChanged = Deferred.unsafeMake<void>(FiberId.none)
    Deferred.unsafeDone(d, Exit.void)
  }

  const countDropped = (reason: DropReason, n: number) => {
    if (n <= 0) return
    stats.rowsDropped += n
    droppedByReason[reason] = (droppedByReason[reason] ?? 0) + n
  }

  const startIncident = (op: string, error: { readonly message: string }, cause: unknown, nowMs: number) =>
    Effect.gen(function*() {
      stats.writeErrors++
      if (diskFailure !== null) return
      diskFailure = { reason: diskRefusalOf(cause), op, message: error.message, sinceMs: nowMs }
      signalMemoryChanged()
      Queue.unsafeOffer(incidents, undefined)
      yield* Effect.logError(`writer: cannot ${op}: ${error.message} (${diskFailure.reason}); rows are held in memory up to ` +
        `${queueRows} and retried with backoff`)
    })

  const newSegment = (venue: VenueId, dataset: WalDataset, bucketStartMs: number): Segment => ({
    venue, dataset, bucketStartMs,
    walPaths: [walSegmentPath(dataDir, venue, dataset, bucketStartMs, `${runId}-${segmentCounter++}`)],
    pending: [], pendingSinceMs: 0, walRows: 0, partHint: 0
  })

  const wake = (sealAll: boolean) => {
    if (wakeQueued && !sealAll) return
    wakeQueued = true
    Queue.unsafeOffer(flushRequests, { sealAll, full: true, done: null, forced: false })
  }
  /** a cycle for the segments past EAGER_APPEND_ROWS only (a full wake already covers them) */
  let eagerQueued = false
  const wakeEager = () => {
    if (wakeQueued || eagerQueued) return
    eagerQueued = true
    Queue.unsafeOffer(flushRequests, { sealAll: false, full: false, done: null, forced: false })
  }

  /** Route rows[from, to) (room already made for them) into their segments. */
  /** Returns true when a segment reached EAGER_APPEND_ROWS pending rows. */
  const route = (dataset: WalDataset, rows: ReadonlyArray<AnyRow>, from: number, to: number, nowMs: number, eventVenue: VenueId | null): boolean => {
    // consecutive rows of one venue and bucket (the event log's hundreds of thousands a second)
    // reuse the last lookup instead of building a key per row
    let lastVenue: VenueId | null = null
    let lastFrom = 0
    let lastTo = -1
    let seg: Segment | undefined
    let eager = false
    for (let i = from; i < to; i++) {
      const row = rows[i]!
      const ts = row.ts_recv
      // event rows carry no venue column (it is the Hive folder): the caller names it
      const venue = eventVenue ?? (row as SnapshotRow | TradeRow).venue
      if (venue !== lastVenue || ts < lastFrom || ts >= lastTo || seg === undefined) {
        const bucket = bucketStart(ts, bucketMinutes)
        const key = `${venue}|${dataset}|${bucket}`
        seg = openSegments.get(key)
        if (seg === undefined) {
          seg = newSegment(venue, dataset, bucket)
          openSegments.set(key, seg)
        }
        lastVenue = venue
        lastFrom = bucket
        // (a bucket never spans two hours, even with a bucket_minutes that does not divide 60)
        lastTo = Math.min(bucket + bucketMs, bucket - (bucket % 3_600_000) + 3_600_000)
      }
      if (seg.pending.length === 0) seg.pendingSinceMs = nowMs
      seg.pending.push(row)
      if (seg.pending.length === EAGER_APPEND_ROWS) eager = true
      if (seg.walRows + seg.pending.length >= flushRows) {
        // flush_rows reached: this segment becomes a file; later rows go to the next part.
        sealed.push(seg)
        const next = newSegment(venue, dataset, lastFrom)
        next.partHint = seg.partHint + 1
        openSegments.set(`${venue}|${dataset}|${lastFrom}`, next)
        seg = next
      }
    }
    stats.rowsAccepted += to - from
    rowsInMemory += to - from
    return eager
  }

  const accept = (dataset: WalDataset, eventVenue: VenueId | null = null) => (rows: ReadonlyArray<AnyRow>): Effect.Effect<void> => Effect.gen(function*() {
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
        if (diskFailure === null) {
          stats.backpressureWaits++
          wake(false)
        }
        while (rowsInMemory + n > queueRows) {
          if (diskFailure !== null) {
            // (rows of an append in flight cannot be dropped: the bound may be exceeded by them)
            const dropped = dropOldestHeld([...sealed, ...openSegments.values()], rowsInMemory + n - queueRows)
            rowsInMemory -= dropped
            countDropped(diskFailure.reason, dropped)
            break
          }
          yield* Deferred.await(memoryChanged)
        }
      }
      const nowMs = yield* Clock.currentTimeMillis
      const eager = route(dataset, valid, from, to, nowMs, eventVenue)
      if (diskFailure === null) {
        if (sealed.length > 0 || rowsInMemory * 2 >= queueRows) wake(false)
        else if (eager) wakeEager()
      }
    }
  })

  // ---- flusher: the only fiber doing write-ahead I/O. An append is uninterruptible so that
  // `pending` / `walRows` always say where every row is, even when shutdown interrupts.
  /** false when the append failed (the rows not appended are back in `pending`) */
  const appendSegment = (seg: Segment) => Effect.uninterruptible(Effect.gen(function*() {
    const batch = seg.pending
    if (batch.length === 0) return true
    seg.pending = []
    const started = performance.now() // wall time: the latency metric measures real work, not Clock time
    const walPath = seg.walPaths[seg.walPaths.length - 1]!
    const outcome = yield* Effect.promise(() => appendRowsDurably(walPath, seg.dataset, batch, opts.appendFs))
    const nowMs = yield* Clock.currentTimeMillis
    const done = outcome.records
    seg.walRows += done
    rowsInMemory -= done
    rowsInWal += done
    if (done > 0) signalMemoryChanged()
    if (outcome.error === null) {
      stats.walAppends++
      stats.lastFlushAtMs = nowMs
      stats.lastFlushLatencyMs = performance.now() - started
      return true
    }
    // Rows whose line is not in the file stay in memory, oldest first.
    seg.pending = batch.slice(done).concat(seg.pending)
    // A file that could not be cut back may end in a partial line: continue in a new one.
    if (!outcome.fileClean) seg.walPaths.push(walSegmentPath(dataDir, seg.venue, seg.dataset, seg.bucketStartMs, `${runId}-${segmentCounter++}`))
    const message = outcome.error instanceof Error ? outcome.error.message : String(outcome.error)
    yield* startIncident(`append ${batch.length - done} rows to ${walPath}`, { message }, outcome.error, nowMs)
    return false
  }))

  /**
   * Appends and hands sealed segments to the encoder; stops at the first failed append.
   * `full` false: only the open segments past EAGER_APPEND_ROWS are appended, and no bucket is
   * closed (that stays with the ticks, so eager cycles never split a bucket's late rows further).
   */
  const flushCycle = (sealAll: boolean, full: boolean) => Effect.gen(function*() {
    const nowMs = yield* Clock.currentTimeMillis
    cycle++
    for (const [key, seg] of openSegments) {
      if (sealAll || (full && nowMs >= seg.bucketStartMs + bucketMs + closeGraceMs)) {
        openSegments.delete(key)
        // (a fresh segment opened after a flush_rows split may never have received a row)
        if (seg.pending.length > 0 || seg.walRows > 0) sealed.push(seg)
      }
    }
    for (const seg of openSegments.values()) {
      if (!full && seg.pending.length < EAGER_APPEND_ROWS) continue
      if (!(yield* appendSegment(seg))) return
    }
    // A segment leaves `sealed` only in the same synchronous step that hands it to the encoder,
    // so an interrupted cycle never loses track of rows (the shutdown path appends what is left).
    for (const seg of [...sealed]) {
      if (!(yield* appendSegment(seg))) return
      sealed = sealed.filter((s) => s !== seg)
      // nothing more is appended to these files: their id dictionaries can go
      if (seg.dataset === "book_events") for (const p of seg.walPaths) forgetEventWalDictionary(p)
      Queue.unsafeOffer(encodeQueue, { segment: seg, cycle })
    }
  })

  const flusher = Effect.gen(function*() {
    while (true) {
      const first = yield* Queue.take(flushRequests)
      const rest = yield* Queue.takeAll(flushRequests)
      wakeQueued = false
      eagerQueued = false
      const requests = [first, ...rest]
      // While the disk refuses, only scheduled retries, flushNow and shutdown touch it.
      if (diskFailure === null || requests.some((r) => r.forced)) {
        yield* flushCycle(requests.some((r) => r.sealAll), requests.some((r) => r.full))
      }
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
    countDropped("unreadable_write_ahead_line", seg.walRows - result.rows)
    if (result.path !== null) stats.filesWritten++
  })

  const encoder = Effect.gen(function*() {
    while (true) {
      const msg = yield* Queue.take(encodeQueue)
      if ("barrier" in msg) {
        yield* Deferred.succeed(msg.barrier, undefined)
        continue
      }
      if (msg.cycle === failedEncodeCycle) {
        // one failed file per attempt is enough: the others wait for the next one
        sealed.push(msg.segment)
        continue
      }
      // Interruptible on purpose (shutdown past its timeout): the worker either finishes the
      // job or dies with the process, leaving the write-ahead file for the next start.
      yield* encodeSegment(msg.segment).pipe(
        Effect.catchAll((err) => Effect.gen(function*() {
          failedEncodeCycle = msg.cycle
          sealed.push(msg.segment)
          const nowMs = yield* Clock.currentTimeMillis
          yield* startIncident(`write Parquet for ${err.path}`, err, err, nowMs)
        }))
      )
    }
  })

  /** One pass over everything held, then waits for the encoder; true when nothing failed. */
  const attempt = (sealAll: boolean) => Effect.gen(function*() {
    const errorsBefore = stats.writeErrors
    const flushed = yield* Deferred.make<void>()
    yield* Queue.offer(flushRequests, { sealAll, full: true, forced: true, done: flushed })
    yield* Deferred.await(flushed)
    const encoded = yield* Deferred.make<void>()
    yield* Queue.offer(encodeQueue, { barrier: encoded })
    yield* Deferred.await(encoded)
    const clean = stats.writeErrors === errorsBefore
    if (clean && diskFailure !== null) {
      const nowMs = yield* Clock.currentTimeMillis
      yield* Effect.logInfo(`writer: writes succeed again after ${Math.round((nowMs - diskFailure.sinceMs) / 1000)} s of ${diskFailure.reason}; ` +
        `${stats.rowsDropped} rows dropped in total${formatDrops(droppedByReason)}`)
      diskFailure = null
    }
    return clean
  })

  const ticker = Effect.gen(function*() {
    while (true) {
      yield* Effect.sleep(Duration.seconds(opts.storage.flush_seconds))
      if (diskFailure === null) {
        wake(false)
      } else {
        const nowMs = yield* Clock.currentTimeMillis
        yield* Effect.logWarning(waitingLine(diskFailure, nowMs, rowsInMemory, queueRows, rowsInWal, stats.rowsDropped, droppedByReason))
      }
    }
  })

  // One attempt per delay of the retry schedule while an incident lasts.
  const retrier = Effect.gen(function*() {
    const delays = yield* Schedule.driver(writerRetrySchedule(opts.storage.flush_seconds))
    while (true) {
      yield* Queue.take(incidents)
      yield* delays.reset
      while (diskFailure !== null) {
        yield* delays.next(undefined)
        yield* attempt(false)
      }
    }
  })

  const flushNow = attempt(true).pipe(Effect.asVoid)

  yield* Effect.forkScoped(encoder)
  const flusherFiber = yield* Effect.forkScoped(flusher)
  const tickerFiber = yield* Effect.forkScoped(ticker)
  const retrierFiber = yield* Effect.forkScoped(retrier)

  // Registered after the fibers, so it runs before they are interrupted (finalizers run in reverse).
  yield* Effect.addFinalizer(() => Effect.gen(function*() {
    yield* Fiber.interrupt(tickerFiber)
    yield* Fiber.interrupt(retrierFiber)
    // Finalizers run uninterruptibly; without `interruptible` the timeout could not cut the wait.
    const done = yield* Effect.interruptible(flushNow).pipe(Effect.timeout(Duration.millis(shutdownTimeoutMs)), Effect.option)
    if (done._tag === "None") {
      // Out of time for Parquet, never for durability: stop the flusher (it finishes an append in
      // flight) and append whatever is still in memory, so the next start finds every row.
      yield* Fiber.interrupt(flusherFiber)
      for (const seg of [...openSegments.values(), ...sealed]) yield* appendSegment(seg)
      yield* Effect.logWarning(`writer: shutdown flush took over ${shutdownTimeoutMs} ms; ${rowsInWal} rows stay in write-ahead files under ${dataDir}/.wal ` +
        `and are written at the next start`)
    }
    if (rowsInMemory > 0) {
      // the disk refused the last appends: these rows are in no file
      yield* Effect.logError(`writer: ${rowsInMemory} rows could not be appended before exit and are lost` +
        (diskFailure !== null ? ` (${diskFailure.reason}: ${diskFailure.message})` : ""))
      countDropped("shutdown", rowsInMemory)
      rowsInMemory = 0
    }
    yield* Effect.logInfo(`writer: stopped; accepted ${stats.rowsAccepted} rows = written ${stats.rowsWritten} in ${stats.filesWritten} files` +
      ` + dropped ${stats.rowsDropped}${formatDrops(droppedByReason)}` +
      (rowsInWal > 0 ? ` + ${rowsInWal} left in write-ahead files for the next start` : "") +
      (stats.rowsRejected > 0 ? `; ${stats.rowsRejected} rows rejected (ts_recv names no bucket)` : "") +
      (stats.rowsRecovered > 0 ? `; recovered ${stats.rowsRecovered} from a previous run` : "") +
      (stats.backpressureWaits > 0 ? `; ${stats.backpressureWaits} backpressure waits` : "") +
      (stats.writeErrors > 0 ? `; ${stats.writeErrors} write errors` : ""))
  }))

  const statsEffect = Effect.gen(function*() {
    const nowMs = yield* Clock.currentTimeMillis
    let oldest = Infinity
    for (const seg of openSegments.values()) if (seg.pending.length > 0 && seg.pendingSinceMs < oldest) oldest = seg.pendingSinceMs
    for (const seg of sealed) if (seg.pending.length > 0 && seg.pendingSinceMs < oldest) oldest = seg.pendingSinceMs
    const snapshot: WriterStats = {
      ...stats,
      rowsDroppedByReason: { ...droppedByReason },
      diskFailure,
      rowsBuffered: rowsInMemory + rowsInWal,
      rowsInMemory,
      oldestUnflushedAgeMs: oldest === Infinity ? 0 : Math.max(0, nowMs - oldest)
    }
    return snapshot
  })

  return ParquetSink.of({
    writeSnapshots: accept("orderbook_snapshots"),
    writeTrades: accept("trades"),
    writeEvents: (venue, rows) => accept("book_events", venue)(rows),
    flushNow,
    stats: statsEffect
  })
})
