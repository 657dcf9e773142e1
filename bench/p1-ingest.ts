/**
 * P1 ingest: the simulator's Polymarket WebSocket replays a fixed corpus (2,000
 * assets: book dump, then price_change bursts, trades, books) as fast as the client reads.
 * - reference: bare `ws` clients that only JSON.parse each frame;
 * - ours: the full collector path (startCollector: connections, decode, BookStore, HOT
 *   snapshot scheduling every 2 s, rows to the real ParquetSink with its worker).
 * The simulator runs in its own process (bench/simServer.ts). Both use 4 sockets of 500 assets (the venue's per-connection limit, docs/PROTOCOLS.md) and the
 * same market order, so each receives the same frames. Rate = frames / time to the last frame
 * (the arrival of the last frame is found by polling the counters every 5 ms).
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Effect, Layer, Schema } from "effect"
import WebSocket from "ws"
import { startCollector } from "../src/collector/Collector.js"
import { VenuesLive } from "../src/venues/VenueLayers.js"
import { ParquetSinkLive } from "../src/sink/ParquetSink.js"
import { FileStoreLayer } from "../src/storage/FileStore.js"
import { AppConfig } from "../src/config/schema.js"
import { mainIfDirect, result, round, type FigureResult } from "./harness.js"
import { corpusPath, frameAssets, loadCorpus, specsFromCorpus } from "./ingestCorpus.js"
import { startSimProcess } from "./simProcess.js"

const ASSETS = 2000
const FRAMES = 200_000
const PER_CONNECTION = 500

/** Total frames the connections receive, each subscribed to one chunk (the replay's routing: a frame goes to every connection subscribed to an asset it names; a frame naming none goes to all). */
function expectedFrames(lines: ReadonlyArray<string>, chunks: ReadonlyArray<ReadonlyArray<string>>): number {
  const chunkOf = new Map<string, number>()
  chunks.forEach((c, i) => c.forEach((a) => chunkOf.set(a, i)))
  let n = 0
  for (const l of lines) {
    const assets = frameAssets(l)
    if (assets.length === 0) {
      n += chunks.length
      continue
    }
    const hit = new Set<number>()
    for (const a of assets) {
      const c = chunkOf.get(a)
      if (c !== undefined) hit.add(c)
    }
    n += hit.size
  }
  return n
}

/** Polls `count` every 5 ms until it reaches `target` or stops moving for `quietMs`; returns (count, ms from t0 to the last change). */
async function waitForFrames(count: () => number, target: number, t0: number, quietMs = 3000, timeoutMs = 180_000): Promise<{ frames: number; ms: number }> {
  let last = count()
  let lastChange = performance.now()
  while (last < target) {
    await new Promise((r) => setTimeout(r, 5))
    const now = performance.now()
    const c = count()
    if (c !== last) {
      last = c
      lastChange = now
    } else if (now - lastChange > quietMs || now - t0 > timeoutMs) break
  }
  return { frames: last, ms: lastChange - t0 }
}

async function bareClients(url: string, chunks: ReadonlyArray<ReadonlyArray<string>>, target: number): Promise<{ frames: number; ms: number }> {
  let frames = 0
  let parsedBytes = 0
  const sockets: WebSocket[] = []
  const t0 = performance.now()
  for (const chunk of chunks) {
    const ws = new WebSocket(url)
    sockets.push(ws)
    ws.on("open", () => ws.send(JSON.stringify({ type: "market", assets_ids: chunk, initial_dump: true })))
    ws.on("message", (data) => {
      const text = String(data)
      if (text === "PONG") return
      const v = JSON.parse(text) as unknown
      if (v !== null) frames++
      parsedBytes += text.length
    })
  }
  const r = await waitForFrames(() => frames, target, t0)
  for (const ws of sockets) ws.terminate()
  if (parsedBytes === 0) throw new Error("P1: the bare client received nothing")
  return r
}

export async function run(): Promise<FigureResult[]> {
  const lines = loadCorpus(ASSETS, FRAMES)
  const specs = specsFromCorpus(lines)
  const chunks: string[][] = []
  for (let i = 0; i < specs.length; i += PER_CONNECTION) chunks.push(specs.slice(i, i + PER_CONNECTION).map((s) => s.key))
  const target = expectedFrames(lines, chunks)
  const sim = await startSimProcess([corpusPath(ASSETS, FRAMES)])
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-p1-"))
  try {
    // reference, ours, reference, ours: the better run of each counts (the machine is shared)
    const ref1 = await bareClients(sim.urls.polymarketWs, chunks, target)

    const cfg = Schema.decodeUnknownSync(AppConfig)({
      data_dir: dataDir,
      venues: {
        polymarket: { ws_url: sim.urls.polymarketWs, rest_url: sim.urls.gamma, clob_url: sim.urls.clob, max_assets_per_connection: PER_CONNECTION, max_subs: ASSETS, hot_count: ASSETS },
        kalshi: { enabled: false }
      },
      // the event log is on by default; P1_EVENT_LOG=off measures without it (for comparison)
      storage: { event_log: process.env["P1_EVENT_LOG"] !== "off" }
    })
    const oursOnce = (runDir: string) => Effect.runPromise(Effect.scoped(Effect.gen(function* () {
      const running = yield* startCollector({ ...cfg, data_dir: runDir }, { venues: ["polymarket"], driver: "none" })
      const metrics = running.metrics.forVenue("polymarket")
      const control = running.controls.get("polymarket")!
      const t0 = performance.now()
      yield* control.subscribe(specs)
      const r = yield* Effect.promise(() => waitForFrames(() => metrics.messagesReceived, target, t0))
      return { ...r, snapshotRows: metrics.snapshotRows, shards: (yield* running.venues.get("polymarket")!.shards).length }
    })).pipe(Effect.provide(VenuesLive(cfg)), Effect.provide(FileStoreLayer), Effect.provide(Layer.provide(FileStoreLayer)(ParquetSinkLive({
      dataDir: runDir, storage: { flush_rows: 50_000, flush_seconds: 5, bucket_minutes: 5 }, queueRows: 200_000
    })))))
    // alternate reference and ours, best of two each: one-off stalls of the shared machine hit
    // either side, never only one
    const ours1 = await oursOnce(path.join(dataDir, "run1"))
    const ref2 = await bareClients(sim.urls.polymarketWs, chunks, target)
    const ours2 = await oursOnce(path.join(dataDir, "run2"))
    const ref = ref1.ms <= ref2.ms ? ref1 : ref2
    const ours = ours1.frames / ours1.ms >= ours2.frames / ours2.ms ? ours1 : ours2
    const refRate = ref.frames / (ref.ms / 1000)
    const oursRate = ours.frames / (ours.ms / 1000)
    const ratio = oursRate / refRate
    const complete = ours.frames >= target && ref.frames >= target
    return [result({
      figure: "P1", name: `ingest: Polymarket replay, ${ASSETS} assets, ${target} frames over ${chunks.length} sockets`,
      ours: Math.round(oursRate), reference: Math.round(refRate), referenceName: "bare ws clients + JSON.parse",
      ratio: round(ratio), unit: "msg/s", higherIsBetter: true, target: "ratio >= 0.5 and >= 50,000 msg/s",
      met: complete && ratio >= 0.5 && oursRate >= 50_000,
      notes: `event log ${cfg.storage.event_log ? "on" : "off"}; ours: ${ours.frames}/${target} frames in ${round(ours.ms / 1000, 2)} s on ${ours.shards} connections, ${ours.snapshotRows} snapshot rows written meanwhile; ` +
        `reference: ${ref.frames}/${target} in ${round(ref.ms / 1000, 2)} s (best of 2: ${round(ref1.ms / 1000, 2)} s, ${round(ref2.ms / 1000, 2)} s); ` +
        `ours best of 2: ${round(ours1.ms / 1000, 2)} s, ${round(ours2.ms / 1000, 2)} s`,
      extra: { ours_frames: ours.frames, reference_frames: ref.frames, target_frames: target }
    })]
  } finally {
    await sim.stop()
    fs.rmSync(dataDir, { recursive: true, force: true })
  }
}

await mainIfDirect(import.meta.url, run)
