/**
 * The simulator at venue scale, measured from outside (not a bench figure: the collector's P10
 * uses this simulator). `npx tsx bench/sim-scale.ts [RATE...]` (default 2000 10000): per rate, it
 * starts `surveillance simulate` with 14,000 Polymarket + 20,000 Kalshi markets in rate mode as
 * its own process, measures its idle CPU with no client, then subscribes every live book (the
 * Polymarket tokens over sockets of 400, the Kalshi markets in orderbook_delta subscriptions of
 * 1,000 plus the trade/ticker firehose on one socket), waits for every first book, and measures
 * frames/s received and the simulator's CPU and RSS (from /proc) over a steady window.
 * Options through env: SIM_PM (14000), SIM_K (20000), SIM_WINDOW_S (20), SIM_PER_SOCKET (400).
 */
import { spawn } from "node:child_process"
import { constants, createSign } from "node:crypto"
import { mkdtempSync, readFileSync } from "node:fs"
import { loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import WebSocket from "ws"

const bin = join(import.meta.dirname, "..", "bin", "surveillance.js")
const PM = Number(process.env.SIM_PM ?? 14_000)
const K = Number(process.env.SIM_K ?? 20_000)
const WINDOW_S = Number(process.env.SIM_WINDOW_S ?? 20)
const PER_SOCKET = Number(process.env.SIM_PER_SOCKET ?? 400)
const rates = process.argv.slice(2).map(Number).filter((n) => n > 0)

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const ticks = (pid: number): number => {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")
  return Number(f[11]) + Number(f[12]) // utime + stime, clock ticks (100/s)
}
const rssMb = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024
const cpuOver = async (pid: number, ms: number): Promise<number> => {
  const t0 = ticks(pid)
  await sleep(ms)
  return ((ticks(pid) - t0) / (ms / 10)) * 100 // % of one core
}

interface Started { pid: number; urls: Record<string, string>; keyPem: string; keyId: string; stop(): void }

const startSim = async (rate: number): Promise<Started> => {
  const dir = mkdtempSync(join(tmpdir(), "sim-scale-"))
  const cfg = join(dir, "sim.toml")
  const child = spawn(process.execPath, [bin, "simulate", "--polymarket-markets", String(PM), "--kalshi-markets", String(K), "--rate", String(rate), "--write-config", cfg], { stdio: ["ignore", "pipe", "inherit"] })
  let out = ""
  child.stdout.on("data", (d) => { out += String(d) })
  const t0 = Date.now()
  while (!out.includes("running until interrupted")) {
    if (child.exitCode !== null || Date.now() - t0 > 120_000) throw new Error(`simulate did not start: ${out}`)
    await sleep(100)
  }
  const url = (name: string) => new RegExp(`${name}\\s+(\\S+)`).exec(out)![1]!
  const toml = readFileSync(cfg, "utf8")
  const keyId = /api_key = "([^"]+)"/.exec(toml)![1]!
  return {
    pid: child.pid!, keyId, keyPem: readFileSync(join(dir, "sim.kalshi-key.pem"), "utf8"),
    urls: { gamma: url("gamma"), polymarketWs: url("polymarketWs"), kalshiRest: url("kalshiRest"), kalshiWs: url("kalshiWs") },
    stop: () => { child.kill("SIGINT") }
  }
}

const kalshiHeaders = (s: Started): Record<string, string> => {
  const ts = String(Date.now())
  const signer = createSign("RSA-SHA256")
  signer.update(ts + "GET/trade-api/ws/v2")
  const sig = signer.sign({ key: s.keyPem, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }).toString("base64")
  return { "KALSHI-ACCESS-KEY": s.keyId, "KALSHI-ACCESS-TIMESTAMP": ts, "KALSHI-ACCESS-SIGNATURE": sig }
}

/** every open market through the venues' own listing endpoints (Gamma markets, Kalshi markets) */
const listTokens = async (gamma: string): Promise<string[]> => {
  const out: string[] = []
  for (let offset = 0; ; offset += 500) {
    const page = (await (await fetch(`${gamma}/markets?closed=false&limit=500&offset=${offset}`)).json()) as Array<{ clobTokenIds?: string; enableOrderBook?: boolean; active?: boolean }>
    if (page.length === 0) return out
    for (const m of page) if (m.enableOrderBook !== false && m.active !== false && m.clobTokenIds) out.push(...(JSON.parse(m.clobTokenIds) as string[]))
  }
}
const listTickers = async (rest: string): Promise<string[]> => {
  const out: string[] = []
  let cursor = ""
  for (;;) {
    const page = (await (await fetch(`${rest}/markets?status=open&mve_filter=exclude&limit=1000${cursor ? `&cursor=${cursor}` : ""}`)).json()) as { markets: Array<{ ticker: string }>; cursor: string }
    out.push(...page.markets.map((m) => m.ticker))
    if (!page.cursor) return out
    cursor = page.cursor
  }
}

const run = async (rate: number) => {
  const sim = await startSim(rate)
  await sleep(3000)
  const idleCpu = await cpuOver(sim.pid, 10_000)
  const idleRss = rssMb(sim.pid)
  const [tokens, tickers] = await Promise.all([listTokens(sim.urls.gamma!), listTickers(sim.urls.kalshiRest!)])
  let frames = 0
  const firstBook = new Set<number>()
  const sockets: WebSocket[] = []
  const t0 = Date.now()
  for (let i = 0; i * PER_SOCKET < tokens.length; i++) {
    const ws = new WebSocket(sim.urls.polymarketWs!)
    sockets.push(ws)
    ws.on("open", () => ws.send(JSON.stringify({ type: "market", assets_ids: tokens.slice(i * PER_SOCKET, (i + 1) * PER_SOCKET) })))
    ws.on("message", () => { frames++; firstBook.add(i) })
    await sleep(20) // no burst of upgrades
  }
  let snapshots = 0
  const k = new WebSocket(sim.urls.kalshiWs!, { headers: kalshiHeaders(sim) })
  sockets.push(k)
  k.on("open", () => {
    k.send(JSON.stringify({ id: 1, cmd: "subscribe", params: { channels: ["trade", "ticker"] } }))
    for (let i = 0; i * 1000 < tickers.length; i++) {
      k.send(JSON.stringify({ id: i + 2, cmd: "subscribe", params: { channels: ["orderbook_delta"], market_tickers: tickers.slice(i * 1000, (i + 1) * 1000) } }))
    }
  })
  k.on("message", (d) => {
    frames++
    if (snapshots < tickers.length && String(d).startsWith('{"type":"orderbook_snapshot"')) snapshots++
  })
  const ping = setInterval(() => { for (const s of sockets.slice(0, -1)) if (s.readyState === s.OPEN) s.send("PING") }, 10_000)
  const pmSockets = sockets.length - 1
  while (firstBook.size < pmSockets || snapshots < tickers.length) {
    if (Date.now() - t0 > 120_000) throw new Error(`first books: ${firstBook.size}/${pmSockets} sockets, ${snapshots}/${tickers.length} snapshots`)
    await sleep(50)
  }
  const allBooksS = (Date.now() - t0) / 1000
  await sleep(3000)
  const f0 = frames
  const cpu = await cpuOver(sim.pid, WINDOW_S * 1000)
  const framesPerS = (frames - f0) / WINDOW_S
  const result = {
    rate, polymarketTokens: tokens.length, kalshiMarkets: tickers.length, polymarketSockets: pmSockets,
    idleCpuPct: Math.round(idleCpu * 10) / 10, idleRssMb: Math.round(idleRss),
    allFirstBooksS: Math.round(allBooksS * 10) / 10,
    framesPerS: Math.round(framesPerS), simCpuPct: Math.round(cpu * 10) / 10, simRssMb: Math.round(rssMb(sim.pid)),
    load1: Math.round(loadavg()[0]! * 100) / 100
  }
  console.log(JSON.stringify(result))
  clearInterval(ping)
  for (const s of sockets) s.terminate()
  sim.stop()
  await sleep(500)
}

for (const rate of rates.length > 0 ? rates : [2000, 10_000]) await run(rate)
