#!/usr/bin/env node
// Seed alias: `surveillance_collect CONFIG` = `surveillance collect --config CONFIG`.
import { collectArgs } from "./seed-maps.js"
import { runSeedAlias } from "./seed-alias.js"

await runSeedAlias(collectArgs, 1)
