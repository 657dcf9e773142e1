import { GLOBAL_OPTIONS, PROGRAM } from "./help.js"
import type { CommandSpec, OptionSpec, ValueKind } from "./spec.js"

/**
 * Checks the command line against the command specs before @effect/cli parses it, so that
 * mistakes are reported as one line naming the option or argument and the offending value
 * (@effect/cli would, for example, take an unknown `--jsn` as the DATE argument). It also
 * answers `--help` (rendered by help.ts) and takes `--log-format` out of the arguments.
 */
export type ArgvCheck =
  | { readonly _tag: "Help"; readonly path: ReadonlyArray<CommandSpec> }
  | { readonly _tag: "Version" }
  | {
    readonly _tag: "Run"
    readonly path: ReadonlyArray<CommandSpec>
    readonly args: ReadonlyArray<string>
    readonly logFormat: "text" | "json" | undefined
  }
  | { readonly _tag: "Invalid"; readonly message: string; readonly path: ReadonlyArray<CommandSpec> }

const LOG_FORMAT = GLOBAL_OPTIONS.find((o) => o.flag === "--log-format")!
const LOG_LEVEL = GLOBAL_OPTIONS.find((o) => o.flag === "--log-level")!

const editDistance = (a: string, b: string): number => {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0]!
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const up = row[j]!
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1))
      diag = up
    }
  }
  return row[b.length]!
}

const closest = (word: string, candidates: ReadonlyArray<string>): string | undefined => {
  let best: string | undefined
  let bestD = Infinity
  for (const c of candidates) {
    const d = editDistance(word, c)
    if (d < bestD) {
      best = c
      bestD = d
    }
  }
  return bestD <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined
}

const kindError = (kind: ValueKind, choices: ReadonlyArray<string>, value: string): string | null => {
  switch (kind) {
    case "choice": {
      if (choices.includes(value)) return null
      const hint = closest(value, choices)
      return `is not one of ${choices.join(", ")}${hint !== undefined ? ` (did you mean ${hint}?)` : ""}`
    }
    case "integer": return /^[+-]?\d+$/.test(value) ? null : "is not a whole number"
    case "float": return value.trim() !== "" && Number.isFinite(Number(value)) ? null : "is not a number"
    case "bool": return ["true", "false", "yes", "no", "1", "0", "on", "off"].includes(value.toLowerCase()) ? null : "is not true or false"
    default: return null
  }
}

const commandWords = (path: ReadonlyArray<CommandSpec>): string => [PROGRAM, ...path.slice(1).map((c) => c.name)].join(" ")

/** `args` are the words after the program name (process.argv.slice(2)). */
export const checkArgv = (root: CommandSpec, args: ReadonlyArray<string>): ArgvCheck => {
  const path: Array<CommandSpec> = [root]
  const kept: Array<string> = []
  const globals: Array<string> = []
  let logFormat: "text" | "json" | undefined
  let positional = 0
  let help = false
  let version = false
  const invalid = (message: string): ArgvCheck => ({ _tag: "Invalid", message, path: [...path] })
  const seen = new Set<string>()

  for (let i = 0; i < args.length; i++) {
    const word = args[i]!
    const cmd = path[path.length - 1]!
    if (word === "--") {
      kept.push(...args.slice(i))
      break
    }
    if (word === "-h" || word === "--help") {
      help = true
      continue
    }
    if (word.startsWith("-") && word.length > 1 && !/^-\d/.test(word)) {
      const eq = word.indexOf("=")
      const name = eq > 0 ? word.slice(0, eq) : word
      const inline = eq > 0 ? word.slice(eq + 1) : undefined
      const global = GLOBAL_OPTIONS.find((o) => o.flag === name || o.aliases.includes(name))
      const own = cmd.options.find((o) => o.flag === name || o.aliases.includes(name))
      const opt: OptionSpec | undefined = own ?? (global !== undefined && global.flag !== "--help" ? global : undefined)
      if (opt === undefined) {
        const names = [...cmd.options.flatMap((o) => [o.flag, ...o.aliases]), ...GLOBAL_OPTIONS.map((o) => o.flag)]
        const hint = closest(name, names)
        return invalid(
          `unknown option ${name} for \`${commandWords(path)}\`` +
            (hint !== undefined ? ` (did you mean ${hint}?)` : `; see \`${commandWords(path)} --help\``)
        )
      }
      if (opt.flag === "--version") {
        if (path.length > 1) return invalid(`--version goes right after the program name: \`${PROGRAM} --version\``)
        version = true
        continue
      }
      if (!opt.repeated && own !== undefined && seen.has(opt.flag)) return invalid(`${opt.flag} given more than once`)
      seen.add(opt.flag)
      if (opt.kind === "bool") {
        if (inline !== undefined) {
          const problem = kindError("bool", [], inline)
          if (problem !== null) return invalid(`${opt.flag}: ${JSON.stringify(inline)} ${problem}`)
        }
        kept.push(word)
        continue
      }
      let value = inline
      if (value === undefined) {
        const next = args[i + 1]
        if (next === undefined || (next.startsWith("--") && next.length > 2)) {
          return invalid(`${opt.flag} needs a value (${opt.placeholder})`)
        }
        value = next
        i++
      }
      const problem = kindError(opt.kind, opt.choices, value)
      if (problem !== null) return invalid(`${opt.flag}: ${JSON.stringify(value)} ${problem}`)
      if (opt === LOG_FORMAT) {
        logFormat = value as "text" | "json"
        continue
      }
      if (opt === LOG_LEVEL) {
        // @effect/cli takes its built-in --log-level only before the subcommand
        globals.push(LOG_LEVEL.flag, value)
        continue
      }
      kept.push(opt.flag, value)
      continue
    }
    // a word: a subcommand name (before any positional of this command), else a positional
    const sub = positional === 0 ? cmd.subcommands.find((s) => s.name === word) : undefined
    if (sub !== undefined) {
      path.push(sub)
      positional = 0
      seen.clear()
      kept.push(word)
      continue
    }
    const arg = cmd.args[positional]
    if (arg === undefined) {
      if (cmd.args.length === 0 && cmd.subcommands.length > 0) {
        const hint = closest(word, cmd.subcommands.map((s) => s.name))
        return invalid(
          `unknown command ${JSON.stringify(word)}` +
            (hint !== undefined ? ` (did you mean ${hint}?)` : `; commands: ${cmd.subcommands.map((s) => s.name).join(", ")}`)
        )
      }
      return invalid(`unexpected argument ${JSON.stringify(word)} for \`${commandWords(path)}\``)
    }
    const problem = kindError(arg.kind, arg.choices, word)
    if (problem !== null) return invalid(`${arg.name}: ${JSON.stringify(word)} ${problem}`)
    positional++
    kept.push(word)
  }

  if (help) return { _tag: "Help", path }
  if (version) return { _tag: "Version" }
  const cmd = path[path.length - 1]!
  const missingArg = cmd.args.slice(positional).find((a) => !a.optional)
  if (missingArg !== undefined) {
    const values = missingArg.kind === "choice" ? ` (${missingArg.choices.join(" | ")})` : ""
    return invalid(`\`${commandWords(path)}\` needs ${missingArg.name}${values}; see \`${commandWords(path)} --help\``)
  }
  const missingOpt = cmd.options.find((o) => o.required && !seen.has(o.flag))
  if (missingOpt !== undefined) return invalid(`\`${commandWords(path)}\` needs ${missingOpt.flag} ${missingOpt.placeholder}`)
  return { _tag: "Run", path, args: [...globals, ...kept], logFormat }
}
