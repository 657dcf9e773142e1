// The seed's positional forms, as `surveillance` arguments (see seed-alias.js).
import { configArgs } from "./seed-alias.js"

/** `surveillance_scanner CONFIG` */
export const scannerArgs = ([config]) => ["scan", ...configArgs(config)]
/** `surveillance_collect CONFIG` */
export const collectArgs = ([config]) => ["collect", ...configArgs(config)]
/**
 * `surveillance_miner CONFIG VENUE DATE`; options first, since @effect/cli reads a command's
 * options before its positional arguments.
 */
export const minerArgs = ([config, ...venueAndDate]) => ["mine", ...configArgs(config), ...venueAndDate]
