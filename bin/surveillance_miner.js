#!/usr/bin/env node
// Seed alias: `surveillance_miner CONFIG VENUE DATE` = `surveillance mine --config CONFIG VENUE DATE`
// (options first: @effect/cli reads a command's options before its positional arguments).
import { runSeedAlias } from "./seed-alias.js"

await runSeedAlias(
  ([config, ...venueAndDate]) => ["mine", ...(config === undefined ? [] : ["--config", config]), ...venueAndDate],
  3
)
