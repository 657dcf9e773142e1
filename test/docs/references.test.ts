import { execFileSync } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import { dirname, join, posix } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

/**
 * Nothing in the repository may send a reader to a document they cannot open: every markdown
 * file a source, test, benchmark, doc or config file names must exist in the repository, and
 * nothing may point at an issue tracker entry by number or at design documents kept outside.
 */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..")
const SCOPE = ["src", "test", "bench", "docs", "config", "README.md", ".ci", "deploy", "flake.nix"]
// text files by extension, plus the extension-less CI script and systemd units
const TEXT_FILE = /\.(ts|js|mjs|cjs|md|toml|json|sh|txt|ya?ml|nix|service|timer|example)$|^\.ci\//
// verbatim copies of third-party recordings: their provenance notes cite upstream paths
const VERBATIM = "test/fixtures/shared/"

const MARKDOWN_NAME = /[\w./-]*[\w-]\.md\b/g
const URL = /\bhttps?:\/\/\S+/g
// Built at run time so that this file does not trip its own rules: "issue" + a number, the
// names of the design documents kept outside the repository, and the folder they lived in.
const OUTSIDE_DOCS = ["design", "stack", "style", "protocols"].map((n) => n.toUpperCase()).join("|")
const TRACKER_REF = new RegExp(`\\b${"issue"}s?\\s+#?\\d+`, "gi")
const OUTSIDE_DOC = new RegExp(`\\b(${OUTSIDE_DOCS})\\b(?!\\.md)|\\.\\./${"shared"}\\b`, "g")

export interface DanglingReference {
  readonly file: string
  readonly line: number
  readonly text: string
}

/** The references in `text` (the content of repository file `file`) that lead nowhere. */
export const danglingReferences = (
  file: string,
  text: string,
  exists: (repoPath: string) => boolean
): ReadonlyArray<DanglingReference> => {
  const out: Array<DanglingReference> = []
  const lines = text.split("\n")
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(URL, "")
    for (const m of line.matchAll(MARKDOWN_NAME)) {
      const name = m[0]
      const candidates = [posix.normalize(posix.join(posix.dirname(file), name)), posix.normalize(name)]
      if (!candidates.some(exists)) out.push({ file, line: i + 1, text: name })
    }
    for (const m of line.matchAll(TRACKER_REF)) out.push({ file, line: i + 1, text: m[0] })
    for (const m of line.matchAll(OUTSIDE_DOC)) out.push({ file, line: i + 1, text: m[0] })
  }
  return out
}

const trackedFiles = (): ReadonlyArray<string> =>
  execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "--", ...SCOPE], { cwd: ROOT, encoding: "utf8" })
    .split("\n")
    .filter((f) => f !== "" && TEXT_FILE.test(f) && !f.startsWith(VERBATIM) && existsSync(join(ROOT, f)))

describe("references to documents", () => {
  const inRepo = (p: string) => !p.startsWith("..") && existsSync(join(ROOT, p))

  it("every markdown file named in src, test, bench, docs, config, CI, deploy and the README exists; no issue numbers", () => {
    const files = trackedFiles()
    expect(files.length).toBeGreaterThan(100)
    const dangling = files.flatMap((f) => danglingReferences(f, readFileSync(join(ROOT, f), "utf8"), inRepo))
    expect(dangling.map((d) => `${d.file}:${d.line}: ${d.text}`)).toEqual([])
  })

  it("flags what a reader cannot follow and accepts what they can", () => {
    const md = (name: string) => `${name}.md`
    const design = "design".toUpperCase()
    const protocols = "protocols".toUpperCase()
    const exists = (p: string) => [`docs/${md(design)}`, md("README"), `docs/${md(protocols)}`].includes(p)
    const found = (file: string, text: string) => danglingReferences(file, text, exists).map((d) => d.text)
    // resolved from the file's folder or from the repository root
    expect(found(md("docs/X"), `see [design](${md(design)}) and ../${md("README")}`)).toEqual([])
    expect(found("src/a/b.ts", `// see docs/${md(protocols)}, ${md("README")}`)).toEqual([])
    // a bare name that only exists elsewhere, a folder beside the repository, a missing file
    expect(found("src/a/b.ts", `// ${md(protocols)}, Gamma REST`)).toEqual([md(protocols)])
    expect(found("src/a/b.ts", `// ../../${"shared"}/x`)).toEqual([`../${"shared"}`])
    expect(found("test/x.ts", `/** ${md("NOTES")} */`)).toEqual([md("NOTES")])
    // tracker numbers in any case and form; outside documents named without a file
    const issue = `${"issue"} 8`
    expect(found("bench/p.ts", `P1 (${issue})`)).toEqual([issue])
    expect(found("bench/p.ts", `P1 (${"Issue"}s #12)`)).toHaveLength(1)
    expect(found("src/x.ts", `(${design} section 6)`)).toEqual([design])
    // public sources stay citable: URLs and other repositories' threads
    expect(found("src/x.ts", `// https://github.com/o/r/blob/main/${md("NOTES")}, Polymarket/polymarket-cli#71`)).toEqual([])
  })
})
