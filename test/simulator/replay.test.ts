import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { parse } from "smol-toml"
import { Schema } from "effect"
import { AppConfig } from "../../src/config/schema.js"
import { writeSimulatorConfig } from "../../src/simulator/configFile.js"
import { generateReplayCorpus } from "../../src/simulator/replay.js"
import { FIXTURES_DIR } from "../support/fixtureFrames.js"
import { startSimulator } from "../../src/simulator/Simulator.js"
import { kalshiHeaders, TEST_KALSHI_KEY, waitFor, WireClient } from "./support.js"

const wait = (f: () => Promise<void>) => Effect.promise(f)
const BOOKS = join(FIXTURES_DIR, "polymarket/ssmd/polymarket_book.jsonl")

describe("simulator replay mode and config file", () => {
  it.scopedLive("replays a recorded JSONL file verbatim, in order, only the frames of subscribed assets", () =>
    Effect.gen(function* () {
      const lines = readFileSync(BOOKS, "utf8").split("\n").filter((l) => l.trim() !== "")
      const assets = lines.map((l) => (JSON.parse(l) as { asset_id: string }).asset_id)
      const sim = yield* startSimulator({ polymarketMarkets: 10, kalshiMarkets: 10, tickMs: 0, kalshiKey: TEST_KALSHI_KEY, replay: { polymarket: BOOKS } })
      const wanted = [assets[1]!, assets[4]!, assets[7]!]
      const c = new WireClient(sim.urls.polymarketWs)
      yield* wait(() => c.opened)
      c.send({ type: "market", assets_ids: wanted })
      const expected = lines.filter((_, i) => wanted.includes(assets[i]!))
      yield* wait(() => waitFor(() => c.frames.length >= expected.length, "replayed frames"))
      expect(c.frames).toEqual(expected)
      c.send("PING")
      yield* wait(() => waitFor(() => c.frames.includes("PONG"), "PONG"))
      c.close()
    }))

  it.scopedLive("Kalshi replay: recorded trades for the subscribed markets, with this connection's sid and a +1 seq", () =>
    Effect.gen(function* () {
      const file = join(FIXTURES_DIR, "kalshi/recorded/ssmd_ws_trade_2026-02-12.jsonl")
      const lines = readFileSync(file, "utf8").split("\n").filter((l) => l.trim() !== "")
      const recorded = lines.map((l) => JSON.parse(l) as { sid: number; seq: number; msg: { market_ticker: string } })
      const ticker = recorded[1]!.msg.market_ticker
      const sim = yield* startSimulator({ polymarketMarkets: 10, kalshiMarkets: 10, tickMs: 0, kalshiKey: TEST_KALSHI_KEY, replay: { kalshi: file } })
      const c = new WireClient(sim.urls.kalshiWs, kalshiHeaders(sim))
      yield* wait(() => c.opened)
      c.send({ id: 1, cmd: "subscribe", params: { channels: ["trade"], market_tickers: [ticker] } })
      const expected = recorded.filter((f) => f.msg.market_ticker === ticker)
      expect(expected.length).toBeGreaterThan(1)
      yield* wait(() => waitFor(() => c.frames.length >= 1 + expected.length, "replayed trades"))
      const got = c.json().slice(1) as Array<{ sid: number; seq: number; msg: unknown }>
      expect(got.map((f) => f.msg)).toEqual(expected.map((f) => f.msg))
      expect(got.map((f) => f.sid)).toEqual(expected.map(() => 1))
      expect(got.map((f) => f.seq)).toEqual(expected.map((_, i) => i + 1))
      c.close()
    }))

  it.scopedLive("a generated 2,000-asset corpus replays as fast as the client reads", () =>
    Effect.gen(function* () {
      const corpus = generateReplayCorpus({ seed: 1, assets: 2000, minFrames: 8_000 })
      expect(corpus.length).toBeGreaterThanOrEqual(8_000)
      const first = JSON.parse(corpus[0]!) as Array<{ event_type: string }>
      expect(first.length).toBe(2000)
      const again = generateReplayCorpus({ seed: 1, assets: 2000, minFrames: 50 })
      expect(again.slice(0, 50)).toEqual(corpus.slice(0, 50))
      const assets = first.map((b) => (b as unknown as { asset_id: string }).asset_id)
      const sim = yield* startSimulator({ polymarketMarkets: 10, kalshiMarkets: 10, tickMs: 0, kalshiKey: TEST_KALSHI_KEY, replay: { polymarket: corpus } })
      const c = new WireClient(sim.urls.polymarketWs)
      yield* wait(() => c.opened)
      const t0 = Date.now()
      c.send({ type: "market", assets_ids: assets })
      yield* wait(() => waitFor(() => c.frames.length >= corpus.length, "whole corpus", 60_000))
      const secs = (Date.now() - t0) / 1000
      expect(c.frames[c.frames.length - 1]).toBe(corpus[corpus.length - 1])
      console.log(`replay: ${corpus.length} frames in ${secs.toFixed(2)} s (${Math.round(corpus.length / secs)} frames/s)`)
      c.close()
    }))

  it.scopedLive("--write-config output decodes as a complete config pointing at the simulator, key file 0600", () =>
    Effect.gen(function* () {
      const sim = yield* startSimulator({ polymarketMarkets: 10, kalshiMarkets: 10, tickMs: 0, kalshiKey: TEST_KALSHI_KEY })
      const dir = mkdtempSync(join(tmpdir(), "simcfg-"))
      const out = yield* writeSimulatorConfig(sim, join(dir, "sim.toml"))
      const cfg = Schema.decodeUnknownSync(AppConfig, { onExcessProperty: "error" })(parse(readFileSync(out.configPath, "utf8")))
      expect(cfg.venues.polymarket.rest_url).toBe(sim.urls.gamma)
      expect(cfg.venues.polymarket.clob_url).toBe(sim.urls.clob)
      expect(cfg.venues.polymarket.ws_url).toBe(sim.urls.polymarketWs)
      expect(cfg.venues.kalshi.rest_url).toBe(sim.urls.kalshiRest)
      expect(cfg.venues.kalshi.ws_url).toBe(sim.urls.kalshiWs)
      expect(cfg.venues.kalshi.api_key).toBe(sim.kalshiKey.keyId)
      expect(cfg.venues.kalshi.api_secret).toBe("")
      expect(cfg.venues.kalshi.private_key_path).toBe(out.keyPath)
      expect(readFileSync(out.keyPath, "utf8")).toBe(sim.kalshiKey.privateKeyPem)
      const { statSync } = yield* Effect.promise(() => import("node:fs"))
      expect(statSync(out.keyPath).mode & 0o777).toBe(0o600)
      expect(cfg.mock.enabled).toBe(false)
      // its own data dir and a free metrics port, never production's
      const defaults = Schema.decodeUnknownSync(AppConfig)({})
      expect(cfg.data_dir).toBe(join("data", "sim"))
      expect(out.dataDir).toBe(cfg.data_dir)
      expect(cfg.collector.metrics_addr).not.toBe(defaults.collector.metrics_addr)
      expect(cfg.collector.metrics_addr).toBe(out.metricsAddr)
      const { createServer } = yield* Effect.promise(() => import("node:net"))
      const probe = createServer()
      yield* Effect.promise(() => new Promise<void>((ok, fail) => {
        probe.once("error", fail)
        probe.listen(Number(out.metricsAddr.split(":")[1]), "127.0.0.1", () => probe.close(() => ok()))
      }))
      // a base config keeps its settings but its data goes under <data_dir>/sim
      const based = yield* writeSimulatorConfig(sim, join(dir, "based.toml"), { ...defaults, data_dir: "/srv/lake" })
      expect(based.dataDir).toBe("/srv/lake/sim")
    }))
})
