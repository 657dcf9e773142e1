import { Effect, Layer } from "effect"
import type { ConfigError } from "../config/ConfigError.js"
import type { AppConfig } from "../config/schema.js"
import type { Venues } from "../venues/Venue.js"
import { VenuesLive } from "../venues/VenueLayers.js"
import { withMockVenues } from "./mock.js"
import type { SimulatorError, SimulatorOptions } from "./Simulator.js"

/**
 * Mock mode as a Layer: the simulator starts in the layer's scope and the venue tags are the
 * live ones, pointed at it (its URLs and its Kalshi key). Nothing downstream knows the
 * difference: there is no second code path for mock data.
 */
export const MockVenues = (
  cfg: AppConfig,
  file = "config",
  overrides: SimulatorOptions = {}
): Layer.Layer<Venues, ConfigError | SimulatorError> =>
  Layer.unwrapScoped(
    Effect.map(withMockVenues({ ...cfg, mock: { ...cfg.mock, enabled: true } }, overrides), ({ cfg: pointed }) =>
      VenuesLive(pointed, file))
  )

/** `[mock] enabled` picks the simulator, otherwise the real venues. */
export const VenuesFor = (cfg: AppConfig, file = "config"): Layer.Layer<Venues, ConfigError | SimulatorError> =>
  cfg.mock.enabled ? MockVenues(cfg, file) : VenuesLive(cfg, file)
