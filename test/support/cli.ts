import { spawn, spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"

/** The repository's bins, by absolute path (tests may run with another cwd). */
export const binPath = (name: "surveillance" | "surveillance_scanner" | "surveillance_collect" | "surveillance_miner"): string =>
  fileURLToPath(new URL(`../../bin/${name}.js`, import.meta.url))

/** Kalshi secrets of the developer's shell must not reach a CLI under test. */
const NO_SECRETS = { KALSHI_API_KEY_ID: "", KALSHI_PRIVATE_KEY: "", KALSHI_PRIVATE_KEY_PATH: "" }

export interface CliRun {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
  readonly ms: number
}

export interface CliOptions {
  readonly bin?: Parameters<typeof binPath>[0]
  readonly cwd?: string
  readonly env?: Record<string, string>
  readonly timeoutMs?: number
}

const envOf = (opts: CliOptions) => ({ ...process.env, ...NO_SECRETS, ...opts.env })

/** Runs a bin to completion, blocking this process (only when nothing here must answer it). */
export const runCliSync = (args: ReadonlyArray<string>, opts: CliOptions = {}): CliRun => {
  const started = Date.now()
  const r = spawnSync(process.execPath, [binPath(opts.bin ?? "surveillance"), ...args], {
    encoding: "utf8",
    env: envOf(opts),
    timeout: opts.timeoutMs ?? 90_000,
    ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {})
  })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - started }
}

/** Runs a bin without blocking this process (a simulator in this process can answer it). */
export const runCli = (args: ReadonlyArray<string>, opts: CliOptions = {}): Promise<CliRun> =>
  new Promise((resolve) => {
    const started = Date.now()
    const child = spawn(process.execPath, [binPath(opts.bin ?? "surveillance"), ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      env: envOf(opts),
      ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {})
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()))
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
    child.on("close", (code) => resolve({ code, stdout, stderr, ms: Date.now() - started }))
  })
