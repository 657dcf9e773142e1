import { Effect, Layer } from "effect"
import type { AppConfig } from "../config/schema.js"

/**
 * The venue Layer for a command: the real venues, or with `[mock] enabled = true` the
 * in-process simulator behind the same tags. Loaded lazily (keeps `--help` fast, and live
 * runs never load the simulator).
 */
export const venuesLayer = (cfg: AppConfig, configFile: string) =>
  Layer.unwrapEffect(Effect.promise(async () =>
    cfg.mock.enabled
      ? (await import("../simulator/MockVenues.js")).MockVenues(cfg, configFile)
      : (await import("../venues/VenueLayers.js")).VenuesLive(cfg, configFile)
  ))
