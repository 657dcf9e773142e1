/**
 * A process that runs the ParquetSink and feeds it 20-level rows until signalled; used by
 * the crash tests (SIGKILL, SIGTERM). Run with `node --import tsx`.
 *
 * argv: dataDir flushSeconds flushRows seqStart [snapshots|both]
 * (both: with every snapshot row also 5 event-log rows through writeEvents, `event_seq` =
 * 5 x the row's seq + 0..4, so the event log's exactly-once shows the same way)
 * stdout: `ready <rowsRecovered> <filesRecovered>` once the writer is up (start-up recovery
 * done), then `accepted <rowsAcceptedSoFar> <epochMs> <rowsDurable>` after every accepted batch
 * (durable: in a write-ahead or Parquet file, so a kill -9 cannot lose them). Pipes are
 * synchronous on Linux, so a printed count was accepted before the line left the process.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Context, Duration, Effect, Layer } from "effect"
import { ParquetSink, ParquetSinkLive } from "../../src/sink/ParquetSink.js"
import type { SnapshotRow } from "../../src/domain/SnapshotRow.js"
import type { EventRow } from "../../src/domain/EventRow.js"
import { FileStoreLayer } from "../../src/storage/FileStore.js"

const [dataDir, flushSecondsArg, flushRowsArg, seqStartArg, datasetArg] = process.argv.slice(2)
const events = datasetArg === "both"
if (dataDir === undefined || seqStartArg === undefined) {
  process.stderr.write("usage: writerChild.ts dataDir flushSeconds flushRows seqStart\n")
  process.exit(2)
}
const BATCH = 200
const EVENTS_PER_ROW = 5
const LEVELS = 20

const row = (ts: number, seq: number): SnapshotRow => {
  const bid_px: number[] = [], bid_sz: number[] = [], ask_px: number[] = [], ask_sz: number[] = []
  for (let l = 0; l < LEVELS; l++) {
    bid_px.push(Math.round(45 - l) / 100)
    bid_sz.push(100 + ((seq + l) % 500))
    ask_px.push(Math.round(55 + l) / 100)
    ask_sz.push(50 + ((seq * 3 + l) % 400))
  }
  return {
    ts_recv: ts, venue: "polymarket", market_id: `m${seq % 40}`, outcome_id: "yes", seq,
    best_bid_px: bid_px[0]!, best_bid_sz: bid_sz[0]!, best_ask_px: ask_px[0]!, best_ask_sz: ask_sz[0]!,
    mid: 0.5, spread: 0.1, bid_px, bid_sz, ask_px, ask_sz, status: "ok", err: null, source_ts: ts - 7
  }
}

/** A level change; every 50th a trade, every 500th a continuity marker (the columns each kind uses). */
const eventRow = (ts: number, seq: number): EventRow => {
  const kind = seq % 500 === 0 ? "seq_gap" : seq % 50 === 0 ? "trade" : "level"
  return {
    ts_recv: ts, event_seq: seq, kind, market_id: `m${seq % 40}`, outcome_id: kind === "seq_gap" ? null : "yes",
    side: kind === "level" ? (seq % 2 === 0 ? "bid" : "ask") : kind === "trade" ? "buy" : null,
    price: kind === "seq_gap" ? null : (30 + (seq % 40)) / 100, size: kind === "seq_gap" ? null : seq % 300,
    source_ts: kind === "seq_gap" ? null : ts - 5, venue_seq: seq, trade_id: kind === "trade" ? `t${seq}` : null,
    reason: kind === "seq_gap" ? "seq gap on sid 1: expected 2, got 3" : null, book_seq: null,
    bid_px: null, bid_sz: null, ask_px: null, ask_sz: null
  }
}

const program = Effect.scoped(Effect.gen(function*() {
  const ctx = yield* Layer.build(ParquetSinkLive({
    dataDir,
    storage: { flush_seconds: Number(flushSecondsArg), flush_rows: Number(flushRowsArg), bucket_minutes: 5 },
    queueRows: 200_000
  }).pipe(Layer.provide(FileStoreLayer)))
  const writer = Context.get(ctx, ParquetSink)
  const s = yield* writer.stats
  process.stdout.write(`ready ${s.rowsRecovered} ${s.filesRecovered}\n`)
  let seq = Number(seqStartArg)
  let accepted = 0
  while (true) {
    const now = Date.now()
    const batch: SnapshotRow[] = []
    const eventBatch: EventRow[] = []
    for (let i = 0; i < BATCH; i++) {
      batch.push(row(now, seq + i))
      if (events) for (let j = 0; j < EVENTS_PER_ROW; j++) eventBatch.push(eventRow(now, (seq + i) * EVENTS_PER_ROW + j))
    }
    // accept + report as one step, so the report equals what the writer accepted
    yield* Effect.zipRight(writer.writeSnapshots(batch), events ? writer.writeEvents("kalshi", eventBatch) : Effect.void).pipe(
      Effect.zipRight(Effect.flatMap(writer.stats, (st) => Effect.sync(() => {
        seq += BATCH
        accepted += BATCH
        // durable = accepted rows already in a write-ahead file or a Parquet file
        process.stdout.write(`accepted ${accepted} ${Date.now()} ${st.rowsAccepted - st.rowsInMemory}\n`)
      }))),
      Effect.uninterruptible
    )
    yield* Effect.sleep(Duration.millis(20))
  }
}))

NodeRuntime.runMain(program)
