/**
 * The simulator in its own process for the ingest and memory figures, so its work does not
 * share the measured client's event loop. argv: <corpus jsonl path | "model"> [polymarketMarkets].
 * Prints one line `SIM_READY <json urls>` and runs until killed.
 */
import { startSimulatorPromise } from "../src/simulator/Simulator.js"

const [source = "model", markets = "10"] = process.argv.slice(2)
const sim = await startSimulatorPromise(
  source === "model"
    ? { polymarketMarkets: Number(markets), kalshiMarkets: 1, polymarketIdleTimeoutMs: 0 }
    : { polymarketMarkets: 10, kalshiMarkets: 1, tickMs: 0, polymarketIdleTimeoutMs: 0, replay: { polymarket: source } }
)
process.stdout.write(`SIM_READY ${JSON.stringify({ urls: sim.urls, kalshiKey: sim.kalshiKey })}\n`)
process.on("SIGTERM", () => void sim.close().then(() => process.exit(0)))
