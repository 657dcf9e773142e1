import { readdirSync, readFileSync, statSync } from "node:fs"
import { dirname, join, normalize, relative } from "node:path"
import { describe, expect, it } from "vitest"

/**
 * Imports run one way: domain <- config, storage, venues <- books, scheduler, sink <- ops <-
 * collector, scanner, miner, simulator <- demo <- cli. A room may import its own level and
 * below, never above; the collector never reaches into the scanner or the simulator (mock
 * mode is a Layer wired by the CLI).
 */
const LEVEL: Record<string, number> = {
  domain: 0,
  config: 1, storage: 1, venues: 1, runtime: 1,
  books: 2, scheduler: 2, sink: 2,
  ops: 3,
  collector: 4, scanner: 4, miner: 4, simulator: 4, replay: 4, report: 4,
  demo: 5,
  cli: 6
}
const FORBIDDEN: ReadonlyArray<readonly [string, string]> = [
  ["collector", "scanner"],
  ["collector", "simulator"],
  ["scanner", "simulator"],
  ["miner", "simulator"]
]

const SRC = join(import.meta.dirname, "../../src")
const files = (dir: string): Array<string> =>
  readdirSync(dir).flatMap((f) => {
    const p = join(dir, f)
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : []
  })
const roomOf = (file: string): string => relative(SRC, file).split("/")[0]!

const edges = (): Array<{ readonly from: string; readonly to: string; readonly fromRoom: string; readonly toRoom: string }> =>
  files(SRC).flatMap((file) => {
    const text = readFileSync(file, "utf8")
    const out = []
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g)) {
      const target = normalize(join(dirname(file), m[1]!))
      out.push({ from: relative(SRC, file), to: relative(SRC, target), fromRoom: roomOf(file), toRoom: roomOf(target) })
    }
    return out
  })

describe("architecture", () => {
  it("every room of src/ has a level", () => {
    const rooms = new Set(files(SRC).map(roomOf).filter((r) => !r.endsWith(".ts")))
    expect([...rooms].filter((r) => LEVEL[r] === undefined)).toEqual([])
  })

  it("nothing imports upward, and the collector never imports the scanner or the simulator", () => {
    const bad = edges()
      .filter((e) => e.fromRoom !== e.toRoom)
      .filter((e) =>
        (LEVEL[e.toRoom] ?? 99) > (LEVEL[e.fromRoom] ?? -1) ||
        FORBIDDEN.some(([a, b]) => e.fromRoom === a && e.toRoom === b)
      )
      .map((e) => `${e.from} -> ${e.to}`)
    expect(bad).toEqual([])
  })

  it("no venue name is branched on outside venues/ and the simulator", () => {
    const hits = files(SRC)
      .filter((f) => !["venues", "simulator"].includes(roomOf(f)))
      .flatMap((f) =>
        readFileSync(f, "utf8").split("\n").flatMap((line, i) =>
          /[!=]==?\s*["'](polymarket|kalshi)["']|["'](polymarket|kalshi)["']\s*[!=]==?|case\s+["'](polymarket|kalshi)["']/.test(line)
            ? [`${relative(SRC, f)}:${i + 1}: ${line.trim()}`]
            : []
        )
      )
    expect(hits).toEqual([])
  })
})
