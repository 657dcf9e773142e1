import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { Console, Data, Effect, Option } from "effect"
import { ALL_VENUES, type VenueId } from "../domain/VenueId.js"

/** The recording cannot be read, or --out cannot be written (exit 1). */
export class ReplayError extends Data.TaggedError("ReplayError")<{ readonly message: string; readonly cause?: unknown }> {}

const venueArg = Args.choice(ALL_VENUES.map((v) => [v, v] as [string, VenueId]), { name: "VENUE" })
const fileArg = Args.text({ name: "FILE" }).pipe(
  Args.withDescription("recorded WebSocket text frames: JSON lines (one frame per line) or one JSON array of frames")
)
const finalOption = Options.boolean("final").pipe(Options.withDescription("print only the last row of each book (default: every row)"))
const outOption = Options.text("out").pipe(
  Options.withDescription("write the rows as snapshot Parquet under DIR (standard layout) instead of printing them; default: print to stdout"),
  Options.optional
)

/** storage.bucket_minutes' default: --out files are bucketed like the collector's */
const OUT_BUCKET_MINUTES = 5

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e))

/** stdout is a pipe written asynchronously: wait until the text is handed to the OS, or the exit cuts it short */
const writeStdout = (text: string) =>
  Effect.async<void>((resume) => {
    if (text === "") return resume(Effect.void)
    process.stdout.write(text, () => resume(Effect.void))
  })

/**
 * `surveillance replay VENUE FILE [--final] [--out DIR]`: recorded frames through the real
 * decoder and book store, no network. Rows on stdout as JSON lines (NaN as null); notes about
 * bad frames on stderr, then one JSON summary line as the last line of stderr.
 */
export const replayCommand = Command.make(
  "replay",
  { venue: venueArg, file: fileArg, final: finalOption, out: outOption },
  ({ venue, file, final, out }) =>
    Effect.gen(function* () {
      const fs = yield* Effect.promise(() => import("node:fs/promises"))
      const { replayFrames, splitFrames } = yield* Effect.promise(() => import("../replay/replayFrames.js"))
      const content = yield* Effect.tryPromise({
        try: () => fs.readFile(file, "utf8"),
        catch: (e) => new ReplayError({ message: `cannot read ${file}: ${errorText(e)}`, cause: e })
      })
      const frames = splitFrames(content)
      const keep = Option.isSome(out) || final
      const kept: Array<import("../domain/SnapshotRow.js").SnapshotRow> = []
      const lastByBook = new Map<string, import("../domain/SnapshotRow.js").SnapshotRow>()
      const notes: Array<string> = []
      const printed: Array<string> = []
      const summary = replayFrames(venue, frames, {
        row: (row) => {
          if (final) lastByBook.set(`${row.market_id}\u0000${row.outcome_id}`, row)
          else if (keep) kept.push(row)
          else printed.push(JSON.stringify(row))
        },
        note: (line) => void notes.push(`replay: ${file}: ${line}`)
      })
      const rows = final ? [...lastByBook.values()] : kept
      if (Option.isSome(out)) {
        const { writeReplayRows } = yield* Effect.promise(() => import("../replay/writeReplayRows.js"))
        const written = yield* writeReplayRows(out.value, venue, rows, OUT_BUCKET_MINUTES).pipe(
          Effect.mapError((e) => new ReplayError({ message: `cannot write snapshot Parquet under ${out.value}: ${e.message}`, cause: e }))
        )
        for (const f of written) notes.push(`replay: wrote ${f}`)
      } else if (final) {
        for (const row of rows) printed.push(JSON.stringify(row))
      }
      yield* writeStdout(printed.length === 0 ? "" : printed.join("\n") + "\n")
      // raw stderr lines (not the CLI's error console, which prefixes `surveillance:`): the last
      // line is the machine-readable summary
      yield* Effect.sync(() => {
        for (const line of notes) process.stderr.write(line + "\n")
        process.stderr.write(JSON.stringify(summary) + "\n")
      })
    })
).pipe(Command.withDescription("feed recorded WebSocket frames through the decoder and book store; print the resulting snapshot rows"))
