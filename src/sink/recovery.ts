/**
 * The Writer's start-up step (before it accepts rows): remove temp files of dead writers,
 * settle commit markers (files published just before a crash), then write every leftover
 * write-ahead segment to Parquet at the next free part of its bucket and delete it.
 */
import { Effect } from "effect"
import { FileStore, type FileStoreError } from "../storage/FileStore.js"
import { eventFilePath, snapshotFilePath, tradeFilePath } from "../storage/paths.js"
import { WriteError } from "./WriteError.js"
import { listWalSegments, resolveCommitMarkers } from "./WriteAheadLog.js"
import type { EncodeJob, EncodeResult } from "./encoderProtocol.js"

export interface Recovered {
  readonly rows: number
  readonly files: number
  readonly badLines: number
}

const io = <A, R>(op: string, dataDir: string, what: string, run: Effect.Effect<A, FileStoreError, R>) =>
  Effect.mapError(run, (e) => new WriteError({ path: dataDir, op, message: `cannot ${op} under ${dataDir}${what}: ${e.message}` }))

export const recoverLeftovers = (
  dataDir: string,
  runJob: (job: EncodeJob) => Effect.Effect<EncodeResult, WriteError>
): Effect.Effect<Recovered, WriteError, FileStore> => Effect.gen(function*() {
  const store = yield* FileStore
  yield* io("clean temp files", dataDir, "", store.cleanTemp(dataDir))
  const markers = yield* io("settle commit markers", dataDir, "/.wal",
    resolveCommitMarkers(dataDir, (m, part) =>
      store.exists((m.dataset === "orderbook_snapshots" ? snapshotFilePath : m.dataset === "trades" ? tradeFilePath : eventFilePath)(dataDir, m.venue, m.bucketStartMs, part))))
  if (markers.published > 0) {
    yield* Effect.logInfo(`writer: ${markers.published} file(s) were published just before a crash; their write-ahead files were removed`)
  }
  const leftovers = yield* io("list write-ahead files", dataDir, "/.wal", listWalSegments(dataDir))
  let rows = 0
  let files = 0
  let badLines = 0
  // One file per leftover segment: a segment holds at most flush_rows rows, so the worker's
  // memory stays bounded however long the backlog is.
  for (const seg of leftovers) {
    const result = yield* runJob({
      dataDir, venue: seg.venue, dataset: seg.dataset, bucketStartMs: seg.bucketStartMs, walPaths: [seg.path], partHint: 0
    })
    rows += result.rows
    badLines += result.badLines
    if (result.path !== null) files++
    yield* Effect.logInfo(`writer: recovered ${result.rows} rows from ${seg.path} into ${result.path ?? "(nothing: no complete row)"}` +
      (result.truncatedTails > 0 ? " (a truncated last line was ignored)" : ""))
  }
  return { rows, files, badLines }
})
