import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Schema } from "effect"
import { selectVenues, startCollector } from "../../src/collector/Collector.js"
import { ensureWritableDataDir } from "../../src/collector/CollectorProgram.js"
import { AppConfig } from "../../src/config/schema.js"
import { MemoryWriter } from "./ConnectionHarness.js"
import { VenuesLive } from "../../src/venues/VenueLayers.js"

const cfgOf = (raw: object) => Schema.decodeUnknownSync(AppConfig)(raw)

describe("collector start-up checks", () => {
  it.effect("a disabled venue asked for by --venue is a config error naming the key", () =>
    Effect.gen(function*() {
      const cfg = cfgOf({ venues: { kalshi: { enabled: false } } })
      const err = yield* Effect.flip(selectVenues(cfg, ["kalshi"], "c.toml"))
      expect(err._tag).toBe("ConfigError")
      expect(err.message).toBe("c.toml: venues.kalshi.enabled: --venue kalshi was requested but the venue is disabled")
      expect(yield* selectVenues(cfg, [], "c.toml")).toEqual(["polymarket"])
    }))

  it.scoped("Kalshi without credentials, or with a bad key, fails before any socket opens", () =>
    Effect.gen(function*() {
      const writer = new MemoryWriter()
      const missing = yield* Effect.flip(
        startCollector(cfgOf({}), { venues: ["kalshi"], configFile: "c.toml", driver: "none" }).pipe(Effect.provide(writer.layer), Effect.provide(VenuesLive(cfgOf({}), "c.toml")))
      )
      expect(missing._tag).toBe("ConfigError")
      expect(missing.message).toMatch(/^c\.toml: venues\.kalshi\.api_key: the Kalshi WebSocket needs api_key/)
      const badCfg = cfgOf({ venues: { kalshi: { api_key: "k", api_secret: "-----BEGIN PRIVATE KEY-----\nTOPSECRET\n-----END PRIVATE KEY-----" } } })
      const bad = yield* Effect.flip(
        startCollector(badCfg, { venues: ["kalshi"], configFile: "c.toml", driver: "none" }).pipe(
          Effect.provide(writer.layer),
          Effect.provide(VenuesLive(badCfg, "c.toml"))
        )
      )
      expect(bad.message).toMatch(/^c\.toml: venues\.kalshi\.api_secret: the RSA private key/)
      expect(bad.message).not.toContain("TOPSECRET")
    }))

  it.live("an unwritable data dir is a fatal one-line error", () =>
    Effect.gen(function*() {
      const dir = yield* Effect.promise(() => mkdtemp(join(tmpdir(), "collect-dd-")))
      const file = join(dir, "not-a-dir")
      yield* Effect.promise(() => writeFile(file, "x"))
      const exit = yield* Effect.exit(ensureWritableDataDir(join(file, "data")))
      expect(Exit.isFailure(exit)).toBe(true)
      const err = yield* Effect.flip(ensureWritableDataDir(join(file, "data")))
      expect(err.message).toMatch(/^data_dir .*not-a-dir\/data is not writable \(ENOTDIR\)/)
      yield* Effect.exit(ensureWritableDataDir(join(dir, "fresh", "data"))).pipe(
        Effect.tap((e) => Effect.sync(() => expect(Exit.isSuccess(e)).toBe(true)))
      )
      yield* Effect.promise(() => rm(dir, { recursive: true, force: true }))
    }))
})
