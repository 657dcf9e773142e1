#!/usr/bin/env node
// Seed alias: `surveillance_scanner CONFIG` = `surveillance scan --config CONFIG`.
import { runSeedAlias } from "./seed-alias.js"

await runSeedAlias(([config]) => ["scan", ...(config === undefined ? [] : ["--config", config])], 1)
