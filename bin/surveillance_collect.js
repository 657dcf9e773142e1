#!/usr/bin/env node
// Seed alias: `surveillance_collect CONFIG` = `surveillance collect --config CONFIG`.
import { runSeedAlias } from "./seed-alias.js"

await runSeedAlias(([config]) => ["collect", ...(config === undefined ? [] : ["--config", config])], 1)
