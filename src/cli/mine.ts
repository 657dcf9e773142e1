import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { Clock, Effect, Option } from "effect"
import { loadConfig } from "../config/load.js"
import { ALL_VENUES, type VenueId } from "../domain/VenueId.js"
import { DEFAULT_HORIZONS, DEFAULT_MIN_TRADES } from "../miner/mmViability.js"
import { configOption, DEFAULT_CONFIG_FILE } from "./options.js"
import { UsageError } from "./run.js"

/*
 * `surveillance mine VENUE [DATE|all] [--from D --to D] [--top N] [--json]`
 * `surveillance mine mm-viability VENUE [DATE] [--fee F] [--horizons 1s,5s,30s,120s] [--min-trades N]`
 *
 * @effect/cli hands a parent everything before the first word equal to a subcommand name, so
 * `mine`'s positionals are optional (with `mine mm-viability ...` it gets none) and required-ness
 * is checked in the handler. `--config` is declared on both, so it may come before or after
 * `mm-viability`; the subcommand's own value wins when given.
 */

const venueArg = Args.choice(ALL_VENUES.map((v) => [v, v] as [string, VenueId]), { name: "VENUE" })
const dateArg = Args.text({ name: "DATE" }).pipe(
  Args.withDescription("YYYY-MM-DD (UTC), or `all` for every date with data; default: today"),
  Args.optional
)
const DATE_RE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/

export const checkDate = (value: string, what: string) =>
  DATE_RE.test(value)
    ? Effect.succeed(value)
    : Effect.fail(new UsageError({ message: `${what} ${JSON.stringify(value)} is not a date: expected YYYY-MM-DD` }))

export const todayUtc = Clock.currentTimeMillis.pipe(Effect.map((ms) => new Date(ms).toISOString().slice(0, 10)))

const topOption = Options.integer("top").pipe(Options.withDescription("rows per ranking"), Options.withDefault(10))
const jsonOption = Options.boolean("json").pipe(Options.withDescription("print one JSON document instead of text"))

const mineBase = Command.make("mine", {
  config: configOption,
  venue: venueArg.pipe(Args.optional),
  date: dateArg,
  from: Options.text("from").pipe(
    Options.withPseudoName("DATE"),
    Options.withDescription("first date (YYYY-MM-DD) of a range; default: no lower bound"),
    Options.optional
  ),
  to: Options.text("to").pipe(
    Options.withPseudoName("DATE"),
    Options.withDescription("last date (YYYY-MM-DD) of a range; default: no upper bound"),
    Options.optional
  ),
  top: topOption,
  json: jsonOption
}, (parent) =>
  Effect.gen(function*() {
    if (Option.isNone(parent.venue)) {
      return yield* new UsageError({
        message: `mine needs a VENUE (${ALL_VENUES.join(" | ")}): surveillance mine VENUE [DATE|all] or surveillance mine mm-viability VENUE [DATE]`
      })
    }
    const from = Option.isSome(parent.from) ? yield* checkDate(parent.from.value, "--from") : undefined
    const to = Option.isSome(parent.to) ? yield* checkDate(parent.to.value, "--to") : undefined
    let date: string
    if (Option.isSome(parent.date)) {
      date = parent.date.value === "all" ? "all" : yield* checkDate(parent.date.value, "DATE")
    } else {
      date = from !== undefined || to !== undefined ? "all" : yield* todayUtc
    }
    if (date !== "all" && (from !== undefined || to !== undefined)) {
      return yield* new UsageError({ message: "give either a DATE or --from/--to, not both" })
    }
    if (from !== undefined && to !== undefined && from > to) {
      return yield* new UsageError({ message: `--from ${from} is after --to ${to}` })
    }
    if (parent.top < 1) return yield* new UsageError({ message: "--top must be >= 1" })
    const cfg = yield* loadConfig(parent.config)
    const { runMine } = yield* Effect.promise(() => import("../miner/run.js"))
    return yield* runMine(cfg, { venue: parent.venue.value, date, from, to, top: parent.top, json: parent.json })
  })).pipe(
    Command.withDescription(
      "per-outcome statistics of a day's order-book snapshots and trades -> data/stats/venue=V/date=D/stats.parquet, and a summary"
    )
  )

const mmViabilityCommand = Command.make("mm-viability", {
  // no default here (a defaulted option is always Some): absent means "the parent's --config"
  config: Options.text("config").pipe(
    Options.withPseudoName("FILE"),
    Options.withDescription(`configuration file (TOML); default: mine's --config, else ${DEFAULT_CONFIG_FILE}`),
    Options.optional
  ),
  venue: venueArg,
  date: Args.text({ name: "DATE" }).pipe(Args.withDescription("YYYY-MM-DD (UTC); default: today"), Args.optional),
  fee: Options.float("fee").pipe(
    Options.withDescription("fee per unit traded, in price units (0.01 = one cent per share/contract)"),
    Options.withDefault(0)
  ),
  horizons: Options.text("horizons").pipe(
    Options.withPseudoName("LIST"),
    Options.withDescription("look-ahead horizons (ms, s, m, h); 30s is always added (the viability rule uses it)"),
    Options.withDefault(DEFAULT_HORIZONS)
  ),
  minTrades: Options.integer("min-trades").pipe(
    Options.withDescription("trades needed before a market can be called viable"),
    Options.withDefault(DEFAULT_MIN_TRADES)
  ),
  top: Options.integer("top").pipe(Options.withDescription("rows printed"), Options.withDefault(20)),
  json: jsonOption
}, (sub) =>
  Effect.gen(function*() {
    // `mine --config X mm-viability ...` puts --config on the parent
    const parent = yield* mineBase
    const configFile = Option.getOrElse(sub.config, () => parent.config)
    const date = Option.isSome(sub.date) ? yield* checkDate(sub.date.value, "DATE") : yield* todayUtc
    const { parseHorizons } = yield* Effect.promise(() => import("../miner/mmViability.js"))
    const horizons = yield* Effect.try({
      try: () => parseHorizons(sub.horizons),
      catch: (e) => new UsageError({ message: (e as Error).message })
    })
    if (!(sub.fee >= 0) || !Number.isFinite(sub.fee)) {
      return yield* new UsageError({ message: `--fee ${sub.fee} must be a finite number >= 0` })
    }
    if (sub.minTrades < 0 || sub.top < 1) {
      return yield* new UsageError({ message: "--min-trades must be >= 0 and --top >= 1" })
    }
    const cfg = yield* loadConfig(configFile)
    const { runMmViability } = yield* Effect.promise(() => import("../miner/run.js"))
    return yield* runMmViability(cfg, {
      venue: sub.venue, date, fee: sub.fee, horizons, minTrades: sub.minTrades, top: sub.top, json: sub.json
    })
  })).pipe(
    Command.withDescription(
      "market-making viability per outcome: effective/realized half-spread, impact, toxicity, ev and pnl per hour " +
        "(written to data/reports/mm_viability/venue=V/date=D/mm_viability.parquet)"
    )
  )

export const mineCommand = mineBase.pipe(Command.withSubcommands([mmViabilityCommand]))
