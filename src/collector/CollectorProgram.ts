import { access, constants, rm, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { Data, Effect } from "effect"
import type { AppConfig } from "../config/schema.js"
import type { VenueId } from "../domain/VenueId.js"
import { describeOsError } from "../storage/osError.js"
import { makeDirs } from "../storage/permissions.js"
import { collectorSummary, runCollector, selectVenues } from "./Collector.js"
import { lockDataDir } from "../ops/DataDirLock.js"
import { CollectorMetrics } from "../ops/Metrics.js"
import { startHealthLog } from "../ops/HealthLog.js"
import { healthStaleAfterMs, serveMetrics } from "../ops/MetricsServer.js"
import { ParquetSink, ParquetSinkLive } from "../sink/ParquetSink.js"

/**
 * The collector as a program: start-up checks (data dir writable, one collector per data
 * dir), the Parquet sink Layer around the venue pipelines, /metrics, and the shutdown
 * summary (logged after the sink drained, so "rows produced" can be checked against the
 * files). Venues come from the context (live or mock Layers, wired by the CLI).
 */
/** The metrics listener could not start (port taken, bad address): fatal, exit 1. */
export class MetricsAddrError extends Data.TaggedError("MetricsAddrError")<{ readonly message: string }> {}

export class DataDirError extends Data.TaggedError("DataDirError")<{ readonly message: string }> {}

/** Fatal at start: the data directory must exist or be creatable, and be writable. */
export const ensureWritableDataDir = (dir: string): Effect.Effect<void, DataDirError> =>
  Effect.tryPromise({
    try: async () => {
      await makeDirs(dir)
      await access(dir, constants.W_OK)
      const probe = join(dir, `.collect-probe.${process.pid}.tmp`)
      await writeFile(probe, "")
      await rm(probe, { force: true })
    },
    catch: (e) =>
      new DataDirError({
        message: `data_dir ${dir} is not usable: ${describeOsError(e) ?? String(e)}; fix its permissions or set data_dir in the config`
      })
  })

export interface CollectorProgramOptions {
  readonly configFile: string
  readonly venues: ReadonlyArray<VenueId>
  readonly durationMs?: number
}

export const runCollectorProgram = (cfg: AppConfig, opts: CollectorProgramOptions) =>
  Effect.scoped(
    Effect.gen(function*() {
      const venues = yield* selectVenues(cfg, opts.venues, opts.configFile)
      yield* ensureWritableDataDir(cfg.data_dir)
      yield* lockDataDir(cfg.data_dir)
      const effective = cfg
      const metrics = new CollectorMetrics()
      const writerLayer = ParquetSinkLive({
        dataDir: effective.data_dir,
        storage: effective.storage,
        queueRows: effective.collector.writer_queue_rows
      })
      yield* Effect.scoped(Effect.gen(function*() {
        const writer = yield* ParquetSink
        // /metrics + /healthz + the 60 s compact log line; metrics_addr "" = log line only
        // serveMetrics logs the address it bound, once
        yield* serveMetrics({
          addr: effective.collector.metrics_addr,
          venues,
          metrics,
          writerStats: writer.stats,
          flushSeconds: effective.storage.flush_seconds,
          staleAfterMs: healthStaleAfterMs(effective.collector)
        }).pipe(Effect.mapError((e) =>
          new MetricsAddrError({
            message: e.message.startsWith("collector.metrics_addr") ? e.message : `collector.metrics_addr: ${e.message}`
          })
        ))
        // one health record per venue per minute in data/health/ (status and report read them)
        yield* startHealthLog({ dataDir: effective.data_dir, venues, metrics })
        yield* runCollector(effective, {
          venues,
          configFile: opts.configFile,
          metrics,
          ...(opts.durationMs !== undefined ? { durationMs: opts.durationMs } : {})
        })
      })).pipe(
        Effect.provide(writerLayer),
        // after the writer layer is released (drained): what this run produced
        Effect.ensuring(Effect.suspend(() =>
          Effect.forEach(collectorSummary(metrics), (line) => Effect.logInfo(`shutdown: ${line}`), { discard: true })
        ))
      )
    })
  )
