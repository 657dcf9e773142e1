import * as Command from "@effect/cli/Command"
import { Clock, Console, Data, Effect } from "effect"
import { loadConfig } from "../config/load.js"
import { namedOrEnabledVenues } from "../config/schema.js"
import { describeOsError } from "../storage/osError.js"
import { configOption, venueOption } from "./options.js"

/** Snapshots older than the freshness bound: exit 1 so cron or a monitor can act on it. */
export class StaleDataError extends Data.TaggedError("StaleDataError")<{ readonly message: string }> {}

/**
 * `surveillance status`: data freshness per venue, from the data directory only (works while
 * the collector runs elsewhere). Exit 1 when a venue's snapshots are older than
 * 3 x flush_seconds + bucket_minutes.
 */
export const statusCommand = Command.make(
  "status",
  { config: configOption, venue: venueOption },
  ({ config, venue }) =>
    Effect.gen(function* () {
      const cfg = yield* loadConfig(config)
      const { dataStatus, formatVenueStatus, formatAge } = yield* Effect.promise(() => import("../storage/dataStatus.js"))
      const venues = namedOrEnabledVenues(cfg, venue)
      const nowMs = yield* Clock.currentTimeMillis
      const report = yield* dataStatus({
        dataDir: cfg.data_dir,
        venues,
        nowMs,
        flushSeconds: cfg.storage.flush_seconds,
        bucketMinutes: cfg.storage.bucket_minutes
      }).pipe(Effect.mapError((e) => new StaleDataError({ message: `data directory ${cfg.data_dir}: ${describeOsError(e.cause) ?? e.message}` })))
      for (const line of report) yield* Console.log(formatVenueStatus(line))
      const stale = report.filter((s) => s.stale)
      if (stale.length > 0) {
        return yield* new StaleDataError({
          message: `snapshots stale for ${stale
            .map((s) => `${s.venue} (newest ${formatAge(s.newestSnapshotAgeMs)} ago, bound ${formatAge(s.staleAfterMs)})`)
            .join(", ")} in ${cfg.data_dir}`
        })
      }
    })
).pipe(Command.withDescription("report data freshness per venue from the data directory (exit 1 when snapshots are stale)"))
