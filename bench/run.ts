/**
 * `npm run bench`: every benchmark figure (README, "Benchmarks"), each in its own Node process (clean heap and JIT,
 * honest RSS), one after the other; prints a table and writes bench/results.json.
 * `npm run bench -- P2 P6` runs only the named figures. The whole run stays under 10 minutes
 * (first run a little longer while the P4 day and the P1 corpus are generated and cached).
 */
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { RESULT_MARKER, type FigureResult } from "./harness.js"

interface Figure {
  readonly id: string
  readonly file: string
  readonly nodeFlags?: ReadonlyArray<string>
  readonly timeoutMs: number
}

const FIGURES: ReadonlyArray<Figure> = [
  { id: "P1", file: "p1-ingest.ts", timeoutMs: 150_000 },
  { id: "P2", file: "p2-books.ts", timeoutMs: 120_000 },
  { id: "P3", file: "p3-writing.ts", timeoutMs: 120_000 },
  { id: "P4", file: "p4-mining.ts", timeoutMs: 240_000 },
  { id: "P5", file: "p5-memory.ts", nodeFlags: ["--expose-gc"], timeoutMs: 150_000 },
  { id: "P6", file: "p6-storage.ts", timeoutMs: 90_000 },
  { id: "P7", file: "p7-event-log.ts", timeoutMs: 180_000 },
  { id: "P8", file: "p8-event-bytes.ts", timeoutMs: 180_000 },
  { id: "P9", file: "p9-rebuild.ts", timeoutMs: 180_000 },
  { id: "P10", file: "p10-universe.ts", nodeFlags: ["--expose-gc"], timeoutMs: 900_000 }
]

interface FigureRun {
  readonly id: string
  readonly results: FigureResult[]
  readonly error: string | null
  readonly seconds: number
}

function runFigure(f: Figure): Promise<FigureRun> {
  const t0 = performance.now()
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...(f.nodeFlags ?? []), "--import", "tsx", path.join(import.meta.dirname, f.file)], {
      stdio: ["ignore", "pipe", "pipe"]
    })
    let out = ""
    let err = ""
    child.stdout.on("data", (d) => (out += String(d)))
    child.stderr.on("data", (d) => (err += String(d)))
    const timer = setTimeout(() => {
      err += `\ntimed out after ${f.timeoutMs / 1000} s`
      child.kill("SIGKILL")
    }, f.timeoutMs)
    child.on("exit", (code) => {
      clearTimeout(timer)
      const results = out.split("\n").filter((l) => l.startsWith(RESULT_MARKER)).map((l) => JSON.parse(l.slice(RESULT_MARKER.length)) as FigureResult)
      const lastErr = err.trim().split("\n").filter((l) => l.trim() !== "").slice(-3).join(" | ")
      resolve({
        id: f.id, results, seconds: (performance.now() - t0) / 1000,
        error: code === 0 && results.length > 0 ? null : `exit ${code}: ${lastErr.slice(0, 400) || "no result"}`
      })
    })
  })
}

const fmt = (x: number | null): string =>
  x === null ? "-" : Math.abs(x) >= 1000 ? Math.round(x).toLocaleString("en-US") : String(Number(x.toPrecision(4)))

function table(runs: ReadonlyArray<FigureRun>): string {
  const rows: string[][] = [["fig", "measure", "ours", "reference", "ratio", "unit", "target", "met"]]
  for (const r of runs) {
    for (const x of r.results) {
      rows.push([x.figure, x.name, fmt(x.ours), `${fmt(x.reference)} (${x.referenceName})`, fmt(x.ratio), x.unit, x.target, x.met === null ? "-" : x.met ? "yes" : "NO"])
    }
    if (r.error !== null) rows.push([r.id, `NOT MEASURED: ${r.error}`, "-", "-", "-", "-", "-", "-"])
  }
  const widths = rows[0]!.map((_, c) => Math.min(c === 1 || c === 3 ? 70 : 40, Math.max(...rows.map((row) => row[c]!.length))))
  const line = (row: string[]) => row.map((cell, c) => (cell.length > widths[c]! ? cell.slice(0, widths[c]! - 1) + "~" : cell.padEnd(widths[c]!))).join(" | ")
  return [line(rows[0]!), widths.map((w) => "-".repeat(w)).join("-|-"), ...rows.slice(1).map(line)].join("\n")
}

const wanted = process.argv.slice(2).map((a) => a.toUpperCase())
const selected = FIGURES.filter((f) => wanted.length === 0 || wanted.includes(f.id))
const started = new Date()
const runs: FigureRun[] = []
for (const f of selected) {
  process.stdout.write(`${f.id} (${f.file}) ... `)
  const r = await runFigure(f)
  runs.push(r)
  process.stdout.write(`${r.error === null ? "done" : "FAILED"} in ${r.seconds.toFixed(1)} s\n`)
}
const meta = {
  node: process.version,
  date: started.toISOString(),
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? "?", loadavg_at_start: os.loadavg().map((x) => Number(x.toFixed(2))), totalmem_gb: Number((os.totalmem() / 2 ** 30).toFixed(1)) },
  total_seconds: Number(((Date.now() - started.getTime()) / 1000).toFixed(1))
}
const results = runs.flatMap((r) => r.results.map((x) => ({ ...x, node: meta.node, date: meta.date })))
const missing = runs.filter((r) => r.error !== null).map((r) => ({ figure: r.id, reason: r.error }))
const outFile = path.join(import.meta.dirname, "results.json")
fs.writeFileSync(outFile, JSON.stringify({ ...meta, results, missing }, null, 2) + "\n")
process.stdout.write(`\n${table(runs)}\n\nnode ${meta.node}, ${meta.machine.cpus} CPUs, load average at start ${meta.machine.loadavg_at_start.join(" ")}; ` +
  `total ${meta.total_seconds} s; wrote ${path.relative(process.cwd(), outFile)}\n`)
process.exit(missing.length === 0 ? 0 : 1)
