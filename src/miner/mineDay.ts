/**
 * Mine one (venue, date): read its snapshot and trade files one at a time, in time order, with
 * column projection, into the per-key accumulators (and optionally the mm-viability engine).
 * Files are read through the FileStore and decoded on worker threads (decodePool.ts), a few
 * files ahead of the one being accumulated; accumulation itself stays on this thread, strictly file by file in time
 * order. Memory: the files in flight (at most `readAhead`: 6 with two threads) plus the
 * accumulators. A file that cannot be read (truncated, not Parquet, missing columns) is
 * skipped with one warning naming it.
 */
import { Data, Effect, Fiber } from "effect"
import type { StatsRow } from "../domain/StatsRow.js"
import type { VenueId } from "../domain/VenueId.js"
import { FileStore, type FileStoreError } from "../storage/FileStore.js"
import { exactArrayBuffer } from "../storage/parquet/table.js"
import { datasetDayDir } from "../storage/paths.js"
import { isTwoSided } from "./accumulate.js"
import { type DayInput, listDayInputs } from "./dayInputs.js"
import { DecodePool } from "./decodePool.js"
import type { InputBatch } from "./readInput.js"
import { misplacedCount } from "./rowPlace.js"
import type { MmViabilityEngine } from "./mmViability.js"
import {
  type ColumnBatch,
  numberColumn,
  SNAPSHOT_SCALAR_COLUMNS,
  StatsAccumulator,
  stringColumn,
  TRADE_COLUMNS_USED
} from "./stats.js"

/** No file of the day could be read (or there were none): the run has nothing to say. */
export class NothingReadableError extends Data.TaggedError("NothingReadableError")<{
  readonly venue: string
  readonly date: string
  readonly message: string
}> {}

export interface MineDayOptions {
  readonly dataDir: string
  readonly venue: VenueId
  readonly date: string
  /** the venue's snapshot_interval_ms_warm: gaps up to 3x are observed time */
  readonly warmIntervalMs: number
  /** read the level lists for avg_depth_top3/top10/avg_notional_top3 (the slow columns) */
  readonly withLevels: boolean
  readonly mmEngine?: MmViabilityEngine
  /** one line per skipped file */
  readonly warn: (line: string) => Effect.Effect<void>
  /** called after each file */
  readonly progress?: (done: number, total: number) => Effect.Effect<void>
}

export interface MineDayResult {
  readonly stats: Array<StatsRow>
  readonly filesRead: number
  readonly filesSkipped: Array<string>
  /** rows left out because their venue or date does not match their folder (one warning per file) */
  readonly rowsMisplaced: number
  readonly snapshotRows: number
  readonly tradeRows: number
}

const feedMmSnapshots = (engine: MmViabilityEngine, batch: ColumnBatch): void => {
  const ts = numberColumn(batch.ts_recv, "ts_recv")
  const marketIds = stringColumn(batch.market_id, "market_id")
  const outcomeIds = stringColumn(batch.outcome_id, "outcome_id")
  const status = stringColumn(batch.status, "status")
  const spread = numberColumn(batch.spread, "spread")
  const mid = numberColumn(batch.mid, "mid")
  for (let i = 0; i < ts.length; i++) {
    if (isTwoSided(status[i]!, spread[i]!, mid[i]!)) engine.addMid(marketIds[i]!, outcomeIds[i]!, ts[i]!, mid[i]!)
  }
}

const feedMmTrades = (engine: MmViabilityEngine, batch: ColumnBatch): void => {
  const ts = numberColumn(batch.ts_recv, "ts_recv")
  const marketIds = stringColumn(batch.market_id, "market_id")
  const outcomeIds = stringColumn(batch.outcome_id, "outcome_id")
  const price = numberColumn(batch.price, "price")
  const side = stringColumn(batch.side, "side")
  for (let i = 0; i < ts.length; i++) engine.addTrade(marketIds[i]!, outcomeIds[i]!, ts[i]!, price[i]!, side[i]!)
}

type ReadOutcome = { readonly ok: true; readonly batch: InputBatch } | { readonly ok: false; readonly error: Error }

/** files being read/decoded ahead of the one being accumulated (bounds memory to a few files) */
const readAhead = (pool: DecodePool): number => 2 * pool.size + 2

/** reads a file and decodes it on a decode worker; never fails (a failure is the outcome) */
const readAndDecode = (store: FileStore["Type"], pool: DecodePool, input: DayInput, withLevels: boolean): Effect.Effect<ReadOutcome> =>
  store.readFile(input.path).pipe(
    Effect.flatMap((bytes) =>
      Effect.tryPromise({
        try: () => pool.read(input, exactArrayBuffer(bytes), withLevels),
        catch: (e) => (e instanceof Error ? e : new Error(String(e)))
      })
    ),
    Effect.match({
      onSuccess: (batch): ReadOutcome => ({ ok: true, batch }),
      onFailure: (error): ReadOutcome => ({ ok: false, error })
    })
  )

export const mineDay = (opts: MineDayOptions): Effect.Effect<MineDayResult, NothingReadableError | FileStoreError, FileStore> =>
  Effect.gen(function*() {
    const store = yield* FileStore
    const pool = DecodePool.shared()
    pool.warm()
    const inputs = yield* listDayInputs(opts.dataDir, opts.venue, opts.date)
    /** starts reading a file now: the next files are read and decoded while this one is accumulated */
    const startRead = (input: DayInput | undefined) =>
      input === undefined ? Effect.succeed(null) : Effect.fork(readAndDecode(store, pool, input, opts.withLevels))
    const stats = new StatsAccumulator({ maxObservedGapMs: 3 * opts.warmIntervalMs })
    const skipped: Array<string> = []
    let filesRead = 0
    let snapshotRows = 0
    let tradeRows = 0
    let rowsMisplaced = 0
    // reads in flight, in file order; accumulation below stays strictly file by file
    const reading: Array<Fiber.RuntimeFiber<ReadOutcome> | null> = []
    const ahead = readAhead(pool)
    for (let j = 0; j < Math.min(ahead, inputs.length); j++) reading.push(yield* startRead(inputs[j]))
    for (let i = 0; i < inputs.length; i++) {
      const input = inputs[i]!
      opts.mmEngine?.advance(input.bucketStartMs)
      const current = reading.shift()!
      const read = yield* Fiber.join(current!)
      if (i + ahead < inputs.length) reading.push(yield* startRead(inputs[i + ahead]))
      const consumed = !read.ok
        ? { _tag: "Left" as const, left: read.error }
        : yield* Effect.try({
          // a file with a missing column fails here, before any row reaches an accumulator
          try: () => {
            if (input.kind === "trades") {
              const columns = read.batch.columns
              for (const c of TRADE_COLUMNS_USED) if (columns[c] === undefined) throw new Error(`column ${c} is missing`)
              tradeRows += stats.ingestTrades(columns)
              if (opts.mmEngine !== undefined) feedMmTrades(opts.mmEngine, columns)
            } else {
              const columns = read.batch.columns
              for (const c of SNAPSHOT_SCALAR_COLUMNS) if (columns[c] === undefined) throw new Error(`column ${c} is missing`)
              snapshotRows += stats.ingestSnapshots(columns, read.batch.levels)
              if (opts.mmEngine !== undefined) feedMmSnapshots(opts.mmEngine, columns)
            }
          },
          catch: (e) => (e instanceof Error ? e : new Error(String(e)))
        }).pipe(Effect.either)
      if (consumed._tag === "Left") {
        skipped.push(input.path)
        yield* opts.warn(`mine: skipping unreadable file ${input.path}: ${consumed.left.message.split("\n")[0]}`)
      } else {
        filesRead++
        const misplaced = read.ok ? read.batch.misplaced : undefined
        if (misplaced !== undefined) {
          rowsMisplaced += misplacedCount(misplaced)
          yield* opts.warn(`mine: ${input.path}: skipped ${misplacedCount(misplaced)} rows that do not belong in venue=${opts.venue}/date=${opts.date}` +
            ` (${misplaced.wrongVenue} of another venue${misplaced.otherVenue !== null ? `, e.g. ${JSON.stringify(misplaced.otherVenue.slice(0, 40))}` : ""},` +
            ` ${misplaced.wrongDate} with ts_recv on another day)`)
        }
      }
      if (opts.progress !== undefined) yield* opts.progress(i + 1, inputs.length)
    }
    opts.mmEngine?.finish()
    if (filesRead === 0) {
      const where = datasetDayDir(opts.dataDir, "orderbook_snapshots", opts.venue, opts.date)
      return yield* new NothingReadableError({
        venue: opts.venue,
        date: opts.date,
        message: inputs.length === 0
          ? `no snapshot or trade files for ${opts.venue} ${opts.date} (looked under ${where} and the trades folder)`
          : `none of the ${inputs.length} files for ${opts.venue} ${opts.date} could be read`
      })
    }
    return { stats: stats.finalize(opts.venue, opts.date), filesRead, filesSkipped: skipped, rowsMisplaced, snapshotRows, tradeRows }
  })
