/** Starts bench/simServer.ts as a child process and waits for its URLs. */
import { spawn, type ChildProcess } from "node:child_process"
import * as path from "node:path"
import type { SimulatorHandle } from "../src/simulator/Simulator.js"

export interface SimProcess {
  readonly urls: SimulatorHandle["urls"]
  readonly kalshiKey: SimulatorHandle["kalshiKey"]
  readonly child: ChildProcess
  stop(): Promise<void>
}

export function startSimProcess(args: ReadonlyArray<string>): Promise<SimProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(import.meta.dirname, "simServer.ts"), ...args], {
    stdio: ["ignore", "pipe", "inherit"]
  })
  return new Promise((resolve, reject) => {
    let buf = ""
    const timer = setTimeout(() => reject(new Error("simulator process did not start within 120 s")), 120_000)
    child.once("exit", (code) => reject(new Error(`simulator process exited ${code}`)))
    child.stdout!.on("data", (d) => {
      buf += String(d)
      const m = /SIM_READY (.*)\n/.exec(buf)
      if (m === null) return
      clearTimeout(timer)
      const info = JSON.parse(m[1]!) as Pick<SimProcess, "urls" | "kalshiKey">
      child.removeAllListeners("exit")
      resolve({
        ...info,
        child,
        stop: () =>
          new Promise((done) => {
            if (child.exitCode !== null) return done()
            child.once("exit", () => done())
            child.kill("SIGTERM")
            setTimeout(() => child.kill("SIGKILL"), 5000).unref()
          })
      })
    })
  })
}
