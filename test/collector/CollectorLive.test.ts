import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { makeVenueMetrics, type VenueMetrics } from "../../src/ops/Metrics.js"
import type { SubscriptionSpec } from "../../src/domain/Subscription.js"
import type { VenuePipeline } from "../../src/collector/VenuePipeline.js"
import { AppConfig } from "../../src/config/schema.js"
import type { VenueId } from "../../src/domain/VenueId.js"
import { startSimulator, type SimulatorHandle } from "../../src/simulator/Simulator.js"
import { parseKalshiPrivateKey } from "../../src/venues/kalshi/auth.js"
import { startCollector } from "../../src/collector/Collector.js"
import { generateKeyPairSync } from "node:crypto"
import { MemoryWriter, venuePipeline } from "./ConnectionHarness.js"
import { VenuesLive } from "../../src/venues/VenueLayers.js"
import { FileStoreLayer } from "../../src/storage/FileStore.js"

/**
 * Real sockets against the in-process simulator (it.live, real clock, short configured
 * timeouts). Assertions wait for conditions with generous deadlines instead of timing them.
 */
const waitFor = (what: string, cond: () => boolean, timeoutMs = 15_000) =>
  Effect.gen(function*() {
    const start = Date.now()
    while (!cond()) {
      if (Date.now() - start > timeoutMs) return yield* Effect.dieMessage(`timed out waiting for ${what}`)
      yield* Effect.sleep(25)
    }
  })

interface Rig {
  readonly sim: SimulatorHandle
  readonly writer: MemoryWriter
  readonly metrics: VenueMetrics
  readonly vc: VenuePipeline
  readonly specs: ReadonlyArray<SubscriptionSpec>
}

const rig = (venue: VenueId, opts: { collector?: object; venueCfg?: object; markets?: number; tickMs?: number } = {}) =>
  Effect.gen(function*() {
    const sim = yield* startSimulator({ seed: 7, polymarketMarkets: 6, kalshiMarkets: 4, tickMs: opts.tickMs ?? 20 })
    const cfg = Schema.decodeUnknownSync(AppConfig)(sim.configFor({
      collector: { reconnect_base_ms: 50, reconnect_max_ms: 400, ...opts.collector },
      // one book socket per test (the firehose would be a second Kalshi socket)
      venues: { [venue]: { snapshot_interval_ms_hot: 100, snapshot_interval_ms_warm: 300, firehose: false, ...opts.venueCfg } }
    } as never))
    const writer = new MemoryWriter()
    const metrics = makeVenueMetrics(venue)
    const vc = yield* venuePipeline({
      venue,
      cfg,
      metrics,
      topK: 10,
      credentials: { keyId: cfg.venues.kalshi.api_key, privateKey: parseKalshiPrivateKey(cfg.venues.kalshi.api_secret) }
    }).pipe(Effect.provide(writer.layer))
    const markets = sim.truth.liveMarkets(venue).slice(0, opts.markets ?? 2)
    const specs: Array<SubscriptionSpec> = markets.flatMap((m) =>
      venue === "polymarket"
        ? m.token_ids.map((t) => ({ key: t, marketId: m.market_id, outcomeIds: [t], tier: "hot" as const }))
        : [{ key: m.market_id, marketId: m.market_id, outcomeIds: ["yes", "no"], tier: "hot" as const }]
    )
    yield* vc.control.subscribe(specs)
    return { sim, writer, metrics, vc, specs } satisfies Rig
  })

const okRowsAfter = (r: Rig, index: number) => r.writer.snapshots.slice(index).filter((row) => row.status === "ok").length

describe("collector against the simulator (live sockets)", () => {
  it.scopedLive("polymarket: reconnects after clean and abrupt drops, resubscribes, rows resume", () =>
    Effect.gen(function*() {
      const r = yield* rig("polymarket")
      yield* waitFor("first ok rows", () => okRowsAfter(r, 0) >= r.specs.length)
      for (const mode of ["close", "terminate"] as const) {
        const before = r.metrics.reconnects
        expect(r.sim.faults.drop({ venue: "polymarket", mode })).toBe(1)
        yield* waitFor(`reconnect after ${mode}`, () => r.metrics.reconnects > before && r.metrics.connectionsUp === 1)
        const mark = r.writer.snapshots.length
        yield* waitFor(`ok rows after ${mode}`, () => okRowsAfter(r, mark) >= r.specs.length * 2)
      }
      expect(r.sim.connections().filter((c) => c.venue === "polymarket").length).toBe(1)
    }), 40_000)

  it.scopedLive("polymarket: a socket silent while answering pings is reconnected", () =>
    Effect.gen(function*() {
      const r = yield* rig("polymarket", { collector: { socket_silence_ms: 800 } })
      yield* waitFor("first ok rows", () => okRowsAfter(r, 0) >= r.specs.length)
      r.sim.faults.setStream({ silent: true }, { venue: "polymarket" })
      yield* waitFor("silence detected", () => r.metrics.socketSilenceTimeouts >= 1)
      r.sim.faults.clear()
      const mark = r.writer.snapshots.length
      yield* waitFor("ok rows after the silent socket was replaced", () => okRowsAfter(r, mark) >= r.specs.length * 2)
    }), 40_000)

  it.scopedLive("polymarket: malformed frames are counted, crossed books written crossed, no reconnect", () =>
    Effect.gen(function*() {
      // slow market ticks: the simulator heals the crossed level on its next tick
      const r = yield* rig("polymarket", { tickMs: 600 })
      yield* waitFor("first ok rows", () => okRowsAfter(r, 0) >= r.specs.length)
      r.sim.faults.malformed({ venue: "polymarket" })
      yield* waitFor("malformed counted", () => r.metrics.malformed >= 1)
      expect(r.sim.faults.crossedBook({ venue: "polymarket", asset: r.specs[0]!.key })).toBe(1)
      yield* waitFor("crossed row", () => r.writer.snapshots.some((row) => row.status === "crossed"))
      expect(r.metrics.reconnects).toBe(0)
      expect(r.metrics.connectionsUp).toBe(1)
    }), 40_000)

  it.scopedLive("polymarket: one silent asset is resubscribed while the socket stays up", () =>
    Effect.gen(function*() {
      const r = yield* rig("polymarket", { collector: { asset_silence_ms: 700, first_book_timeout_ms: 700 } })
      yield* waitFor("first ok rows", () => okRowsAfter(r, 0) >= r.specs.length)
      const baseline = r.metrics.assetResubscribes
      r.sim.faults.setStream({ silentAssets: [r.specs[0]!.key] }, { venue: "polymarket" })
      yield* waitFor("silent asset resubscribed", () => r.metrics.assetResubscribes > baseline)
      expect(r.metrics.socketSilenceTimeouts).toBe(0)
      expect(r.metrics.reconnects).toBe(0)
      // the other assets kept flowing: their rows stay ok
      const mark = r.writer.snapshots.length
      yield* waitFor("ok rows of the other assets", () =>
        r.writer.snapshots.slice(mark).filter((row) => row.outcome_id === r.specs[1]!.key && row.status === "ok").length >= 2)
    }), 40_000)

  it.scopedLive("polymarket: a frame over max_frame_bytes closes the socket (ws maxPayload) and it reconnects", () =>
    Effect.gen(function*() {
      const r = yield* rig("polymarket", { collector: { max_frame_bytes: 64 * 1024 } })
      yield* waitFor("first ok rows", () => okRowsAfter(r, 0) >= r.specs.length)
      expect(r.sim.faults.oversized({ venue: "polymarket", bytes: 256 * 1024 })).toBe(1)
      yield* waitFor("reconnect after the oversized frame", () => r.metrics.reconnects >= 1 && r.metrics.connectionsUp === 1)
      const mark = r.writer.snapshots.length
      yield* waitFor("ok rows after it", () => okRowsAfter(r, mark) >= r.specs.length)
    }), 40_000)

  it.scopedLive("polymarket: several connections when subscriptions exceed max_assets_per_connection", () =>
    Effect.gen(function*() {
      const r = yield* rig("polymarket", { venueCfg: { max_assets_per_connection: 2 }, markets: 3 })
      yield* waitFor("three sockets", () => r.metrics.connectionsUp === 3)
      expect(r.sim.connections().filter((c) => c.venue === "polymarket").length).toBe(3)
      yield* waitFor("ok rows for every token", () => r.specs.every((s) => r.writer.rowsFor(s.key).some((row) => row.status === "ok")))
    }), 40_000)

  it.scopedLive("polymarket: duplicated and reordered frames give each trade once, the repeats counted", () =>
    Effect.gen(function*() {
      const r = yield* rig("polymarket", { markets: 6 })
      yield* waitFor("first trades", () => r.writer.trades.length >= 4)
      r.sim.faults.setStream({ duplicate: true, reorder: true }, { venue: "polymarket" })
      const faultFrom = r.writer.trades.length
      yield* waitFor("trades during the burst", () => r.writer.trades.length >= faultFrom + 10)
      r.sim.faults.clear()
      const mark = r.writer.trades.length
      yield* waitFor("trades after the burst", () => r.writer.trades.length >= mark + 4)
      expect(r.metrics.duplicateTrades).toBeGreaterThanOrEqual(10)
      // an identity computed apart from RecentTrades: every field the venue sends about a fill
      const ids = r.writer.trades.map((t) => JSON.stringify([t.market_id, t.outcome_id, t.trade_id, t.price, t.size, t.side, t.source_ts]))
      expect(r.writer.trades.every((t) => t.trade_id !== null)).toBe(true)
      expect(new Set(ids).size).toBe(ids.length)
      expect(r.metrics.trades).toBe(r.writer.trades.length)
      expect(r.metrics.reconnects).toBe(0)
    }), 40_000)

  it.scopedLive("kalshi: signed handshake, then a seq gap gives stale rows and a resync", () =>
    Effect.gen(function*() {
      const r = yield* rig("kalshi")
      yield* waitFor("first ok rows", () => okRowsAfter(r, 0) >= r.specs.length * 2)
      // delay data frames so the stale window between gap and fresh snapshot spans snapshot rounds
      r.sim.faults.setStream({ slowMs: 400 }, { venue: "kalshi" })
      expect(r.sim.faults.skipSeq({ venue: "kalshi", by: 2 })).toBe(1)
      yield* waitFor("gap detected", () => r.metrics.seqGaps >= 1 && r.metrics.bookResyncs >= 1)
      yield* waitFor("stale seq-gap row", () => r.writer.snapshots.some((row) => row.status === "stale" && /seq gap/.test(row.err ?? "")))
      r.sim.faults.clear()
      const mark = r.writer.snapshots.length
      yield* waitFor("ok rows after the resync", () => okRowsAfter(r, mark) >= r.specs.length * 4)
      expect(r.metrics.reconnects).toBe(0)
    }), 40_000)

  it.scopedLive("kalshi: a duplicate/reorder burst during a snapshot burst leaves every market subscribed, rows resuming within 2 s", () =>
    Effect.gen(function*() {
      const r = yield* rig("kalshi", { markets: 4 })
      const tickers = r.specs.map((s) => s.key)
      const okFor = (from: number) => (t: string) =>
        ["yes", "no"].every((o) => r.writer.snapshots.slice(from).some((row) => row.market_id === t && row.outcome_id === o && row.status === "ok"))
      yield* waitFor("first ok rows", () => tickers.every(okFor(0)))
      // repeated frames on a running subscription: dropped and counted, never a gap
      r.sim.faults.setStream({ duplicate: true }, { venue: "kalshi" })
      yield* waitFor("repeats counted", () => r.metrics.seqOutOfOrder >= 3)
      expect(r.metrics.seqGaps).toBe(0)
      // now reversed as well, and a gap: the resubscription's snapshot bursts arrive repeated and backwards
      const resyncs = r.metrics.bookResyncs
      r.sim.faults.setStream({ duplicate: true, reorder: true }, { venue: "kalshi" })
      expect(r.sim.faults.skipSeq({ venue: "kalshi" })).toBe(1)
      yield* waitFor("resyncs during the burst", () => r.metrics.bookResyncs >= resyncs + 2)
      r.sim.faults.clear()
      const mark = r.writer.snapshots.length
      const t0 = Date.now()
      const subscribedAtVenue = () => {
        const held = new Set(r.sim.connections().filter((c) => c.venue === "kalshi").flatMap((c) => c.subscriptions))
        return tickers.every((t) => held.has(t))
      }
      yield* waitFor("every market subscribed with ok rows again", () => subscribedAtVenue() && tickers.every(okFor(mark)), 2000)
      const recoveredMs = Date.now() - t0
      expect(recoveredMs).toBeLessThanOrEqual(2000)
      // no refusal ("6 Already subscribed", "7 Unknown subscription ID") and no reconnect on the way
      expect(r.metrics.venueErrors).toBe(0)
      expect(r.metrics.reconnects).toBe(0)
      yield* waitFor("no market without a subscription", () => r.metrics.unsubscribedMarkets === 0, 2000)
    }), 40_000)

  it.scopedLive("a venue whose upgrades are refused (401, wrong key) retries with backoff and never stops the other venue", () =>
    Effect.gen(function*() {
      const sim = yield* startSimulator({ seed: 3, polymarketMarkets: 4, kalshiMarkets: 4, tickMs: 20 })
      const wrongKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString()
      const encoded = sim.configFor({
        collector: { reconnect_base_ms: 50, reconnect_max_ms: 200 },
        venues: { polymarket: { snapshot_interval_ms_hot: 100 } }
      } as never)
      const cfg = Schema.decodeUnknownSync(AppConfig)({
        ...encoded,
        venues: { ...encoded.venues, kalshi: { ...encoded.venues!.kalshi, api_secret: wrongKey } }
      })
      const writer = new MemoryWriter()
      const running = yield* startCollector(cfg, { venues: ["polymarket", "kalshi"], driver: "none" }).pipe(
        Effect.provide(writer.layer),
        Effect.provide(VenuesLive(cfg))
      )
      const pm = sim.truth.liveMarkets("polymarket")[0]!
      const k = sim.truth.liveMarkets("kalshi")[0]!
      yield* running.controls.get("polymarket")!.subscribe(pm.token_ids.map((t) => ({ key: t, marketId: pm.market_id, outcomeIds: [t], tier: "hot" as const })))
      yield* running.controls.get("kalshi")!.subscribe([{ key: k.market_id, marketId: k.market_id, outcomeIds: ["yes", "no"], tier: "hot" }])
      const km = running.metrics.forVenue("kalshi")
      yield* waitFor("kalshi retrying", () => km.reconnects >= 3)
      expect(km.connectionsUp).toBe(0)
      yield* waitFor("polymarket ok rows", () => writer.snapshots.filter((r) => r.venue === "polymarket" && r.status === "ok").length >= 6)
      // kalshi rows are still written, honestly stale
      yield* waitFor("stale kalshi rows", () => writer.snapshots.some((r) => r.venue === "kalshi" && r.status === "stale"))
      expect(writer.snapshots.some((r) => r.venue === "kalshi" && r.status === "ok")).toBe(false)
    }).pipe(Effect.provide(FileStoreLayer)), 40_000)
})
