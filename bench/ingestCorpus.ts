/**
 * The Polymarket corpus the ingest and memory figures replay: frames the simulator's market
 * model sends one client subscribed to 2,000 token ids (books, price_change bursts, trades,
 * tick-size changes), generated once with src/simulator/replay.ts and cached (deterministic).
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { generateReplayCorpus } from "../src/simulator/replay.js"
import type { SubscriptionSpec } from "../src/domain/Subscription.js"

const CACHE_DIR = path.join(os.tmpdir(), "surveillance-bench-cache")

export const corpusPath = (assets: number, frames: number): string => path.join(CACHE_DIR, `pm-corpus-v1-${assets}-${frames}.jsonl`)

export function loadCorpus(assets: number, frames: number): string[] {
  const file = corpusPath(assets, frames)
  if (fs.existsSync(file)) return fs.readFileSync(file, "utf8").split("\n").filter((l) => l !== "")
  const lines = generateReplayCorpus({ seed: 42, assets, minFrames: frames })
  fs.mkdirSync(CACHE_DIR, { recursive: true })
  fs.writeFileSync(`${file}.tmp`, lines.join("\n") + "\n")
  fs.renameSync(`${file}.tmp`, file)
  return lines
}

/** Subscription specs (token id -> its market) from the corpus's first frame, the subscribe book dump. */
export function specsFromCorpus(lines: ReadonlyArray<string>): SubscriptionSpec[] {
  const first = JSON.parse(lines[0]!) as Array<{ asset_id: string; market: string }>
  if (!Array.isArray(first)) throw new Error("corpus: the first frame is not the subscription's book array")
  return first.map((b) => ({ key: b.asset_id, marketId: b.market, outcomeIds: [b.asset_id], tier: "hot" as const }))
}

/** Asset ids each frame names (as the simulator's replay routes them). */
export function frameAssets(line: string): string[] {
  const v = JSON.parse(line) as unknown
  const out: string[] = []
  for (const o of Array.isArray(v) ? v : [v]) {
    const r = o as { asset_id?: unknown; price_changes?: Array<{ asset_id?: unknown }> }
    if (typeof r.asset_id === "string") out.push(r.asset_id)
    for (const pc of r.price_changes ?? []) if (typeof pc.asset_id === "string") out.push(pc.asset_id)
  }
  return out
}
