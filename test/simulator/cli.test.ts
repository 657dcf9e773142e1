import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { spawn } from "node:child_process"
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { startSimulator } from "../../src/simulator/Simulator.js"
import { TEST_KALSHI_KEY, waitFor, WireClient } from "./support.js"

const bin = fileURLToPath(new URL("../../bin/surveillance.js", import.meta.url))

describe("simulate command and timer mode", () => {
  it.live("`surveillance simulate --write-config` prints its URLs, serves them, writes the config, exits 0 on SIGINT", () =>
    Effect.promise(async () => {
      const dir = mkdtempSync(join(tmpdir(), "simulate-"))
      const cfgPath = join(dir, "sim.toml")
      const child = spawn(process.execPath, [bin, "simulate", "--seed", "5", "--markets", "200", "--write-config", cfgPath], { stdio: ["ignore", "pipe", "pipe"] })
      let out = ""
      child.stdout.on("data", (d) => { out += String(d) })
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
      try {
        await waitFor(() => out.includes("running until interrupted"), "simulate to start", 30_000)
        const gamma = /gamma\s+(\S+)/.exec(out)![1]!
        const events = (await (await fetch(`${gamma}/events?limit=3`)).json()) as unknown[]
        expect(events.length).toBe(3)
        const toml = readFileSync(cfgPath, "utf8")
        expect(toml).toContain(`rest_url = "${gamma}"`)
        expect(toml).toContain(`private_key_path = "${join(dir, "sim.kalshi-key.pem")}"`)
        expect(toml).toContain(`data_dir = "data/sim"`)
        expect(out).toMatch(/simulated data goes to its own data_dir data\/sim, metrics on 127\.0\.0\.1:\d+/)
      } finally {
        child.kill("SIGINT")
      }
      expect(await exited).toBe(0)
    }), 60_000)

  it.live("a taken port fails with a SimulatorError naming it; closing the scope terminates sockets and frees the port", () =>
    Effect.gen(function* () {
      const first = yield* Effect.scoped(Effect.gen(function* () {
        const sim = yield* startSimulator({ polymarketMarkets: 10, kalshiMarkets: 10, tickMs: 0, kalshiKey: TEST_KALSHI_KEY })
        const clash = yield* Effect.flip(Effect.scoped(startSimulator({ port: sim.port, polymarketMarkets: 10, kalshiMarkets: 10, tickMs: 0, kalshiKey: TEST_KALSHI_KEY })))
        expect(clash._tag).toBe("SimulatorError")
        expect(clash.message).toContain(`127.0.0.1:${sim.port}`)
        const c = new WireClient(sim.urls.polymarketWs)
        yield* Effect.promise(() => c.opened)
        return { port: sim.port, client: c }
      }))
      yield* Effect.promise(() => first.client.closed)
      expect(first.client.closeCode).toBe(1006)
      const again = yield* Effect.scoped(Effect.map(startSimulator({ port: first.port, polymarketMarkets: 10, kalshiMarkets: 10, tickMs: 0, kalshiKey: TEST_KALSHI_KEY }), (s) => s.port))
      expect(again).toBe(first.port)
    }))

  it.scopedLive("timer mode: frames flow without stepping; a client that never PINGs is dropped (1001)", () =>
    Effect.gen(function* () {
      const sim = yield* startSimulator({ seed: 2, polymarketMarkets: 100, kalshiMarkets: 10, tickMs: 10, polymarketIdleTimeoutMs: 2500, kalshiKey: TEST_KALSHI_KEY })
      const c = new WireClient(sim.urls.polymarketWs)
      yield* Effect.promise(() => c.opened)
      c.send({ type: "market", assets_ids: sim.truth.liveMarkets("polymarket").slice(0, 50).flatMap((m) => m.token_ids) })
      yield* Effect.promise(() => waitFor(() => c.frames.length >= 3 || c.closeCode !== null, "updates from the timer"))
      yield* Effect.promise(() => c.closed)
      expect(c.frames.length).toBeGreaterThanOrEqual(3)
      expect(sim.truth.step()).toBeGreaterThan(0)
      expect(c.closeCode).toBe(1001)
    }))
})
