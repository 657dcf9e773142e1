#!/usr/bin/env node
// Seed alias: `surveillance_miner CONFIG VENUE DATE` = `surveillance mine --config CONFIG VENUE DATE`.
import { minerArgs } from "./seed-maps.js"
import { runSeedAlias } from "./seed-alias.js"

await runSeedAlias(minerArgs, 3)
