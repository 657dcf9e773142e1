import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { Data, Effect, Option } from "effect"
import { loadConfig } from "../config/load.js"
import { ALL_VENUES, type VenueId } from "../domain/VenueId.js"
import { configOption } from "./options.js"
import { UsageError } from "./run.js"

/** The event log cannot be read (exit 1). */
export class EventLogError extends Data.TaggedError("EventLogError")<{ readonly message: string; readonly cause?: unknown }> {}

const venueArg = Args.choice(ALL_VENUES.map((v) => [v, v] as [string, VenueId]), { name: "VENUE" })

const writeStdout = (text: string) =>
  Effect.async<void>((resume) => {
    if (text === "") return resume(Effect.void)
    process.stdout.write(text, () => resume(Effect.void))
  })

/**
 * `surveillance rebuild VENUE --at TIME [--market ID]... [--seq N]`: the books at an instant,
 * from the event log (data_dir/book_events), as JSON lines with the snapshot rows' fields and
 * every level; a book whose continuity broke before TIME without a fresh venue snapshot since
 * is `stale`. Nothing at or before TIME in the log: no lines, and a note on stderr.
 */
export const rebuildCommand = Command.make(
  "rebuild",
  {
    config: configOption,
    venue: venueArg,
    at: Options.text("at").pipe(
      Options.withPseudoName("TIME"),
      Options.withDescription("the instant: ISO-8601 with a zone (2026-01-15T10:02:03.456Z) or epoch ms; required, no default")
    ),
    market: Options.text("market").pipe(
      Options.withPseudoName("ID"),
      Options.withDescription("only this market (repeatable); default: every book subscribed at TIME"),
      Options.repeated
    ),
    seq: Options.integer("seq").pipe(
      Options.withPseudoName("N"),
      Options.withDescription("only events up to this event_seq (a snapshot row's), for events of the same ms; default: all up to TIME"),
      Options.optional
    )
  },
  ({ config, venue, at, market, seq }) =>
    Effect.gen(function*() {
      const { parseInstant, rebuildAt, rowJson } = yield* Effect.promise(() => import("../replay/rebuild.js"))
      const atMs = parseInstant(at)
      if (atMs === null) return yield* new UsageError({ message: `--at ${JSON.stringify(at)} is not an instant: expected ISO-8601 with a zone or epoch ms` })
      const cfg = yield* loadConfig(config)
      const result = yield* rebuildAt({ dataDir: cfg.data_dir, venue, atMs, maxSeq: Option.getOrNull(seq), markets: market }).pipe(
        Effect.mapError((e) => new EventLogError({ message: `cannot read the event log under ${cfg.data_dir}/book_events: ${e.message}`, cause: e }))
      )
      if (result.files.length === 0) {
        yield* Effect.sync(() => process.stderr.write(`rebuild: no event-log file for ${venue} at or before ${new Date(atMs).toISOString()} under ${cfg.data_dir}/book_events\n`))
      }
      yield* writeStdout(result.rows.map((r) => rowJson(r) + "\n").join(""))
    })
).pipe(Command.withDescription("print the books at an instant, rebuilt from the event log, as JSON lines"))
