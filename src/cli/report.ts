import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { Effect, Option } from "effect"
import { loadConfig } from "../config/load.js"
import { ALL_VENUES, type VenueId } from "../domain/VenueId.js"
import { checkDate, todayUtc } from "./mine.js"
import { configOption } from "./options.js"
import { UsageError } from "./run.js"

/**
 * `surveillance report VENUE [DATE | --from D --to D] [--top N]`: one self-contained HTML page
 * (charts and data inlined, opens offline) at data/reports/html/venue=V/date=D/report.html;
 * prints its path. The work is in src/report/.
 */
export const reportCommand = Command.make(
  "report",
  {
    config: configOption,
    venue: Args.choice(ALL_VENUES.map((v) => [v, v] as [string, VenueId]), { name: "VENUE" }),
    date: Args.text({ name: "DATE" }).pipe(Args.withDescription("YYYY-MM-DD (UTC); default: today"), Args.optional),
    from: Options.text("from").pipe(
      Options.withPseudoName("DATE"),
      Options.withDescription("first date (YYYY-MM-DD) of a range, with --to; default: none (one DATE)"),
      Options.optional
    ),
    to: Options.text("to").pipe(
      Options.withPseudoName("DATE"),
      Options.withDescription("last date (YYYY-MM-DD) of a range, with --from; default: none (one DATE)"),
      Options.optional
    ),
    top: Options.integer("top").pipe(Options.withDescription("markets charted under Market quality"), Options.withDefault(8))
  },
  (opts) =>
    Effect.gen(function*() {
      const from = Option.isSome(opts.from) ? yield* checkDate(opts.from.value, "--from") : undefined
      const to = Option.isSome(opts.to) ? yield* checkDate(opts.to.value, "--to") : undefined
      if ((from === undefined) !== (to === undefined)) return yield* new UsageError({ message: "give --from and --to together" })
      if (Option.isSome(opts.date) && from !== undefined) return yield* new UsageError({ message: "give either a DATE or --from/--to, not both" })
      if (from !== undefined && to !== undefined && from > to) return yield* new UsageError({ message: `--from ${from} is after --to ${to}` })
      if (opts.top < 1) return yield* new UsageError({ message: "--top must be >= 1" })
      const date = Option.isSome(opts.date) ? yield* checkDate(opts.date.value, "DATE") : yield* todayUtc
      const cfg = yield* loadConfig(opts.config)
      const { runReport } = yield* Effect.promise(() => import("../report/runReport.js"))
      yield* runReport({ dataDir: cfg.data_dir, venue: opts.venue, from: from ?? date, to: to ?? date, top: opts.top })
    })
).pipe(
  Command.withDescription(
    "one self-contained HTML page (charts and data inlined, opens offline) of a day or range -> " +
      "data/reports/html/venue=V/date=D/report.html; prints its path"
  )
)
