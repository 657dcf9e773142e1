import * as Command from "@effect/cli/Command"
import { Console, Data, Effect } from "effect"
import { loadConfig } from "../config/load.js"
import { configOption, venueOption } from "./options.js"
import { venuesLayer } from "./venues.js"

/** At least one venue could not be scanned (exit code 1); the others were written. */
export class ScanFailed extends Data.TaggedError("ScanFailed")<{ readonly message: string }> {}

/**
 * `surveillance scan [--venue NAME]...`: discover live markets, filter, write today's
 * universe per venue. With `[mock] enabled = true` the venue simulator runs in-process and
 * the same code scans it.
 */
export const scanCommand = Command.make(
  "scan",
  { config: configOption, venue: venueOption },
  ({ config, venue }) =>
    Effect.gen(function* () {
      const cfg = yield* loadConfig(config)
      // loaded lazily: keeps `surveillance --help` fast
      const { runScanCommand } = yield* Effect.promise(() => import("../scanner/command.js"))
      const results = yield* runScanCommand(cfg, venue).pipe(Effect.provide(venuesLayer(cfg, config)))
      for (const line of results.lines) yield* Console.log(line)
      if (results.failures.length > 0) yield* new ScanFailed({ message: results.failures.join("; ") })
    })
).pipe(Command.withDescription("discover every live market per venue into data/metadata/venue=V/date=D/universe.jsonl"))
