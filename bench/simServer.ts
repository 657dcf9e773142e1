/**
 * The simulator in its own process for the ingest and memory figures, so its work does not
 * share the measured client's event loop. argv: <corpus jsonl path | "model"> [polymarketMarkets]
 * [markets json out]. Prints one line `SIM_READY <json urls>` and runs until killed; in model mode
 * it can first write the live Polymarket markets (market_id, token_ids) to a JSON file.
 */
import { startSimulatorPromise } from "../src/simulator/Simulator.js"

import * as fs from "node:fs"

const [source = "model", markets = "10", marketsOut] = process.argv.slice(2)
const sim = await startSimulatorPromise(
  source === "model"
    ? { polymarketMarkets: Number(markets), kalshiMarkets: 1, polymarketIdleTimeoutMs: 0 }
    : { polymarketMarkets: 10, kalshiMarkets: 1, tickMs: 0, polymarketIdleTimeoutMs: 0, replay: { polymarket: source } }
)
if (marketsOut !== undefined) {
  const live = sim.truth.liveMarkets("polymarket").map((m) => ({ market_id: m.market_id, token_ids: m.token_ids }))
  fs.writeFileSync(marketsOut, JSON.stringify(live))
}
process.stdout.write(`SIM_READY ${JSON.stringify({ urls: sim.urls, kalshiKey: sim.kalshiKey })}\n`)
process.on("SIGTERM", () => void sim.close().then(() => process.exit(0)))
