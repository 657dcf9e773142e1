import { readdirSync, readFileSync, statSync } from "node:fs"
import { join, relative } from "node:path"
import { fileURLToPath } from "node:url"

/** The shared recorded frames (verbatim copies in test/fixtures/shared, provenance in test/fixtures/shared/SOURCES.md). A `.jsonl` line is one frame; a `.json` file is one frame. */
export const FIXTURES_DIR = fileURLToPath(new URL("../fixtures/shared", import.meta.url))

const walk = (dir: string): string[] =>
  readdirSync(dir).sort().flatMap((f) => {
    const p = join(dir, f)
    return statSync(p).isDirectory() ? walk(p) : [p]
  })

/** WebSocket frame files of a venue (REST answers excluded: they are not WebSocket frames). */
export const wsFrameFiles = (venue: "polymarket" | "kalshi"): string[] =>
  walk(join(FIXTURES_DIR, venue))
    .filter((p) => {
      const name = relative(join(FIXTURES_DIR, venue), p)
      if (name.endsWith(".jsonl")) return true
      return name.endsWith(".json") && /(^|[/_])ws_/.test(name)
    })

export const framesOf = (file: string): string[] => {
  const text = readFileSync(file, "utf8")
  if (file.endsWith(".jsonl")) return text.split("\n").filter((l) => l.trim().length > 0)
  return [text]
}

export const fixtureName = (file: string): string => relative(FIXTURES_DIR, file)
