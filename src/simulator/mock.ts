import { Effect, Schema, type Scope } from "effect"
import { ConfigError } from "../config/ConfigError.js"
import { AppConfig, mockMarketsPerVenue } from "../config/schema.js"
import { startSimulator, type SimulatorError, type SimulatorHandle, type SimulatorOptions } from "./Simulator.js"

/**
 * Mock mode (docs/DESIGN.md, "Simulator and mock mode"): start the simulator in-process and point the real venue
 * adapters at it. There is no second code path for mock data: the returned config only
 * differs in its venue URLs and Kalshi credentials (and `mock.enabled`, turned off so that
 * nothing downstream starts a second simulator).
 */
export const pointConfigAtSimulator = (cfg: AppConfig, sim: SimulatorHandle): Effect.Effect<AppConfig, ConfigError> => {
  const encoded = Schema.encodeSync(AppConfig)(cfg)
  return Schema.decodeUnknown(AppConfig)(sim.configFor({ ...encoded, mock: { ...encoded.mock, enabled: false } })).pipe(
    Effect.mapError((e) => new ConfigError({ file: "(mock)", keyPath: "", message: `mock config: ${e.message}` }))
  )
}

/** `[mock] enabled`: the simulator for this scope and the config pointing at it; otherwise `cfg` unchanged. */
export const withMockVenues = (
  cfg: AppConfig,
  overrides: SimulatorOptions = {}
): Effect.Effect<{ readonly cfg: AppConfig; readonly sim: SimulatorHandle | null }, ConfigError | SimulatorError, Scope.Scope> =>
  Effect.gen(function* () {
    if (!cfg.mock.enabled) return { cfg, sim: null }
    const sim = yield* startSimulator({
      seed: cfg.mock.seed,
      polymarketMarkets: mockMarketsPerVenue(cfg.mock),
      kalshiMarkets: mockMarketsPerVenue(cfg.mock),
      ...overrides
    })
    yield* Effect.logInfo(`mock mode: simulator on 127.0.0.1:${sim.port} (seed ${cfg.mock.seed}, ${mockMarketsPerVenue(cfg.mock)} markets per venue)`)
    return { cfg: yield* pointConfigAtSimulator(cfg, sim), sim }
  })
