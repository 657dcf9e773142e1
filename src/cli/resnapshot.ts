import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { Effect, Option } from "effect"
import * as path from "node:path"
import { loadConfig } from "../config/load.js"
import { ALL_VENUES, type VenueId } from "../domain/VenueId.js"
import { configOption } from "./options.js"
import { EventLogError } from "./rebuild.js"
import { UsageError } from "./run.js"

const venueArg = Args.choice(ALL_VENUES.map((v) => [v, v] as [string, VenueId]), { name: "VENUE" })
const dateArg = Args.text({ name: "DATE" }).pipe(Args.withDescription("YYYY-MM-DD (UTC)"))
const DATE_RE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/

/**
 * `surveillance resnapshot VENUE DATE --every DURATION [--markets ID]... [--out DIR]`: snapshot
 * Parquet at any cadence from the event log, in the standard layout under DIR (default
 * `<data_dir>/derived`), so `mine` runs on it with `data_dir` pointed there.
 */
export const resnapshotCommand = Command.make(
  "resnapshot",
  {
    config: configOption,
    venue: venueArg,
    date: dateArg,
    every: Options.text("every").pipe(
      Options.withPseudoName("DURATION"),
      Options.withDescription("cadence of the rows: 500ms, 2s, 1m...; required, no default")
    ),
    markets: Options.text("markets").pipe(
      Options.withPseudoName("ID"),
      Options.withDescription("only these markets (repeatable, or comma-separated); default: every book"),
      Options.repeated
    ),
    out: Options.text("out").pipe(
      Options.withPseudoName("DIR"),
      Options.withDescription("output data directory; default: <data_dir>/derived"),
      Options.optional
    )
  },
  ({ config, venue, date, every, markets, out }) =>
    Effect.gen(function*() {
      const { parseEvery, resnapshot } = yield* Effect.promise(() => import("../replay/resnapshot.js"))
      if (!DATE_RE.test(date)) return yield* new UsageError({ message: `DATE ${JSON.stringify(date)} is not a date: expected YYYY-MM-DD` })
      const everyMs = parseEvery(every)
      if (everyMs === null) return yield* new UsageError({ message: `--every ${JSON.stringify(every)} is not a duration: expected e.g. 500ms, 2s, 1m` })
      const cfg = yield* loadConfig(config)
      const outDir = Option.getOrElse(out, () => path.join(cfg.data_dir, "derived"))
      const result = yield* resnapshot({
        dataDir: cfg.data_dir, outDir, venue, date, everyMs, bucketMinutes: cfg.storage.bucket_minutes, topK: cfg.storage.top_k,
        markets: markets.flatMap((m) => m.split(",")).map((m) => m.trim()).filter((m) => m !== "")
      }).pipe(Effect.mapError((e) => new EventLogError({ message: `resnapshot ${venue} ${date}: ${e.message}`, cause: e })))
      yield* Effect.sync(() => process.stderr.write(
        `resnapshot: ${result.rows} rows at ${result.instants} instants from ${result.filesRead} event-log files into ${result.filesWritten.length} files under ${outDir}\n`
      ))
    })
).pipe(Command.withDescription("write snapshot Parquet at any cadence from the event log (standard layout)"))
