import { spawn, spawnSync } from "node:child_process"
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { checkArgv } from "../../src/cli/argv.js"
import { GLOBAL_OPTIONS, helpStyleFor, optionDescription, renderHelp, useColour } from "../../src/cli/help.js"
import { rootSpec } from "../../src/cli/root.js"
import type { CommandSpec } from "../../src/cli/spec.js"
import { describeOsError } from "../../src/storage/osError.js"
import { binPath, runCli } from "../support/cli.js"

const ESC = "\u001b"

/** A child run to completion without blocking this worker. */
const runAsync = (cmd: string, args: ReadonlyArray<string>, opts: { env?: NodeJS.ProcessEnv; cwd?: string; uid?: number; gid?: number }) =>
  new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(cmd, args, { ...opts, stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()))
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
    child.on("error", reject)
    child.on("close", (status) => resolve({ status, stdout, stderr }))
  })

/** every command path of the real tree: [root], [root, collect], [root, mine, mm-viability], ... */
const allPaths = (path: ReadonlyArray<CommandSpec> = [rootSpec]): Array<ReadonlyArray<CommandSpec>> => [
  path,
  ...path[path.length - 1]!.subcommands.flatMap((s) => allPaths([...path, s]))
]
const words = (path: ReadonlyArray<CommandSpec>) => ["surveillance", ...path.slice(1).map((c) => c.name)].join(" ")

const FILLER = [/A user-defined piece of text/, /This setting is optional/, /A true or false value/, /One of the following/, /--wizard/, /--completions/]

describe("help rendered from the command definitions", () => {
  it("covers every subcommand, including mine mm-viability", () => {
    expect(allPaths().map(words)).toEqual([
      "surveillance",
      "surveillance collect",
      "surveillance config",
      "surveillance demo",
      "surveillance mine",
      "surveillance mine mm-viability",
      "surveillance rebuild",
      "surveillance replay",
      "surveillance report",
      "surveillance resnapshot",
      "surveillance scan",
      "surveillance simulate",
      "surveillance status"
    ])
  })

  for (const width of [80, 100, 60]) {
    it(`every line fits ${width} columns, every usage line names the program and the command`, () => {
      for (const path of allPaths()) {
        const text = renderHelp(path, { width, colour: false })
        for (const line of text.split("\n")) expect(line.length, `${words(path)}: ${line}`).toBeLessThanOrEqual(width)
        const usage = text.split("\n").filter((l) => l.startsWith("Usage:") || /^ {6} surveillance/.test(l))
        expect(usage.length).toBeGreaterThan(0)
        for (const line of usage) expect(line).toContain(`${words(path)}`)
        for (const filler of FILLER) expect(text).not.toMatch(filler)
        expect(text).not.toContain(ESC)
      }
    })
  }

  it("every option of every command has its own description and states its default", () => {
    for (const path of allPaths()) {
      for (const o of path[path.length - 1]!.options) {
        const line = optionDescription(o)
        expect(o.description.length, `${words(path)} ${o.flag}`).toBeGreaterThan(5)
        expect(line, `${words(path)} ${o.flag}`).toMatch(/default/i)
      }
    }
    for (const o of GLOBAL_OPTIONS.filter((g) => g.kind !== "bool")) expect(optionDescription(o)).toMatch(/default/)
  })

  it("--venue is optional and repeatable in usage and options", () => {
    const collect = rootSpec.subcommands.find((c) => c.name === "collect")!
    const text = renderHelp([rootSpec, collect], { width: 100, colour: false })
    expect(text).toContain("[--venue polymarket|kalshi]...")
    expect(text).not.toMatch(/--venue.*\(required\)/)
  })

  it("colour only on a terminal with NO_COLOR unset; 80 columns when not a terminal", () => {
    expect(useColour(true, {})).toBe(true)
    expect(useColour(true, { NO_COLOR: "1" })).toBe(false)
    expect(useColour(true, { NO_COLOR: "" })).toBe(true)
    expect(useColour(false, {})).toBe(false)
    expect(useColour(undefined, {})).toBe(false)
    expect(helpStyleFor({ isTTY: false, columns: 200 }, {})).toEqual({ width: 80, colour: false })
    expect(helpStyleFor({ isTTY: true, columns: 200 }, {})).toEqual({ width: 100, colour: true })
    expect(helpStyleFor({ isTTY: true, columns: 72 }, { NO_COLOR: "x" })).toEqual({ width: 72, colour: false })
    expect(renderHelp([rootSpec], { width: 80, colour: true })).toContain(ESC)
  })
})

describe("surveillance --help (spawned)", () => {
  it("into a pipe: no ESC, lines <= 80, usage with the program name, exit 0", async () => {
    const r = await runCli(["--help"])
    expect(r.code).toBe(0)
    expect(r.stdout).not.toContain(ESC)
    expect(r.stdout.split("\n").every((l) => l.length <= 80)).toBe(true)
    expect(r.stdout.startsWith("Usage: surveillance COMMAND")).toBe(true)
    const sub = await runCli(["mine", "mm-viability", "--help"])
    expect(sub.code).toBe(0)
    expect(sub.stdout).toMatch(/^Usage: surveillance mine mm-viability \[--config FILE\]/)
    expect(sub.stdout).toContain("--min-trades N")
    expect(sub.stdout).not.toContain(ESC)
  }, 90_000)

  const hasScript = spawnSync("script", ["--version"], { encoding: "utf8" }).status === 0
  // script(1) gives the child a real pseudo-terminal, so isTTY is true as for a person
  it.skipIf(!hasScript)("on a terminal: bold headings, none with NO_COLOR set", async () => {
    const onTty = async (env: Record<string, string>) =>
      (await runAsync("script", ["-qec", `${process.execPath} ${binPath("surveillance")} --help`, "/dev/null"], {
        env: { ...process.env, ...env }
      })).stdout
    expect(await onTty({ NO_COLOR: "" })).toContain(`${ESC}[1mCommands:`)
    expect(await onTty({ NO_COLOR: "1" })).not.toContain(ESC)
  }, 90_000)
})

describe("argument mistakes: one line, surveillance:, the offending value, exit 2", () => {
  const cases: ReadonlyArray<readonly [ReadonlyArray<string>, RegExp]> = [
    [["mine", "--jsn"], /^unknown option --jsn for `surveillance mine` \(did you mean --json\?\)$/],
    [["collect", "--venue", "polymarkt"], /^--venue: "polymarkt" is not one of polymarket, kalshi \(did you mean polymarket\?\)$/],
    [["collect", "--venue=kalsh"], /^--venue: "kalsh" is not one of polymarket, kalshi/],
    [["demo", "--seed", "abc"], /^--seed: "abc" is not a whole number$/],
    [["mine", "mm-viability", "kalshi", "--fee", "cheap"], /^--fee: "cheap" is not a number$/],
    [["mine", "polymarkt"], /^VENUE: "polymarkt" is not one of polymarket, kalshi/],
    [["mine", "mm-viability"], /needs VENUE \(polymarket \| kalshi\)/],
    [["colect"], /^unknown command "colect" \(did you mean collect\?\)$/],
    [["collect", "--wizard"], /^unknown option --wizard for `surveillance collect`/],
    [["--completions", "bash"], /^unknown option --completions/],
    [["demo", "--duration"], /^--duration needs a value \(DURATION\)$/],
    [["status", "extra"], /^unexpected argument "extra" for `surveillance status`$/],
    [["collect", "--log-format", "xml"], /^--log-format: "xml" is not one of text, json$/],
    [["collect", "--log-level", "loud"], /^--log-level: "loud" is not one of/]
  ]
  for (const [args, expected] of cases) {
    it(args.join(" "), () => {
      const r = checkArgv(rootSpec, args)
      expect(r._tag).toBe("Invalid")
      if (r._tag === "Invalid") expect(r.message).toMatch(expected)
    })
  }

  it("valid lines pass through, --log-format taken out", () => {
    expect(checkArgv(rootSpec, ["mine", "--config", "x.toml", "mm-viability", "kalshi", "--min-trades", "3", "--log-format", "json"]))
      .toMatchObject({ _tag: "Run", args: ["mine", "--config", "x.toml", "mm-viability", "kalshi", "--min-trades", "3"], logFormat: "json" })
    expect(checkArgv(rootSpec, ["collect", "--venue", "kalshi", "--venue", "polymarket", "--log-level", "debug"]))
      .toMatchObject({ _tag: "Run", args: ["--log-level", "debug", "collect", "--venue", "kalshi", "--venue", "polymarket"] })
    expect(checkArgv(rootSpec, ["mine", "kalshi", "--help"])).toMatchObject({ _tag: "Help" })
  })

  it("spawned: an unknown flag and a bad venue", async () => {
    const flag = await runCli(["mine", "polymarket", "--jsn"])
    expect(flag.code).toBe(2)
    expect(flag.stderr).toBe("surveillance: unknown option --jsn for `surveillance mine` (did you mean --json?)\n")
    const venue = await runCli(["scan", "--venue", "polymarkt"])
    expect(venue.code).toBe(2)
    expect(venue.stderr).toBe('surveillance: --venue: "polymarkt" is not one of polymarket, kalshi (did you mean polymarket?)\n')
  }, 90_000)
})

describe("OS errors in words, with the path", () => {
  const caught = (f: () => unknown): unknown => {
    try {
      f()
    } catch (e) {
      return e
    }
    throw new Error("expected a throw")
  }

  it("ENOENT and ENOSPC from the real file system", () => {
    const missing = join(tmpdir(), "surveillance-no-such-dir", "x.parquet")
    expect(describeOsError(caught(() => readFileSync(missing))))
      .toBe(`cannot open ${missing}: no such file or directory (ENOENT)`)
    // /dev/full answers every write with ENOSPC
    expect(describeOsError(caught(() => writeFileSync("/dev/full", "x"))))
      .toMatch(/^cannot write( \/dev\/full)?: no space left on device \(ENOSPC\)$/)
    expect(describeOsError(new Error("plain"))).toBeNull()
  })

  it("spawned: an unreadable data dir is named with the path and 'permission denied'", async (ctx) => {
    const dir = mkdtempSync(join(tmpdir(), "oserr-"))
    const data = join(dir, "data")
    mkdirSync(data, { mode: 0o000 })
    const config = join(dir, "c.toml")
    writeFileSync(config, `data_dir = ${JSON.stringify(data)}\n`)
    chmodSync(dir, 0o755)
    chmodSync(config, 0o644)
    // root ignores permission bits: run the CLI as nobody then
    const asRoot = process.getuid?.() === 0
    if (asRoot && spawnSync(process.execPath, ["--version"], { uid: 65534, gid: 65534 }).status !== 0) {
      // this node binary sits where nobody may not run it (e.g. under a mode-700 directory)
      ctx.skip()
    }
    const r = await runAsync(process.execPath, [binPath("surveillance"), "mine", "polymarket", "2026-01-01", "--config", config], {
      cwd: tmpdir(),
      env: { ...process.env, HOME: tmpdir() },
      ...(asRoot ? { uid: 65534, gid: 65534 } : {})
    })
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(new RegExp(`^surveillance: cannot [a-z ]+ ${data}\\S*: permission denied \\(EACCES\\)\\n$`))
    const status = await runAsync(process.execPath, [binPath("surveillance"), "status", "--config", config], {
      cwd: tmpdir(),
      env: { ...process.env, HOME: tmpdir() },
      ...(asRoot ? { uid: 65534, gid: 65534 } : {})
    })
    expect(status.stderr).toContain(`permission denied (EACCES)`)
    expect(status.stderr).toContain(data)
    expect(status.stderr).not.toContain("internal error")
  }, 90_000)
})
