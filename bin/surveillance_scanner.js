#!/usr/bin/env node
// Seed alias: `surveillance_scanner CONFIG` = `surveillance scan --config CONFIG`.
import { scannerArgs } from "./seed-maps.js"
import { runSeedAlias } from "./seed-alias.js"

await runSeedAlias(scannerArgs, 1)
