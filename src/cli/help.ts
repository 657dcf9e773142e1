import type { CommandSpec, OptionSpec } from "./spec.js"

/**
 * `--help` text rendered from the command specs (spec.ts), replacing @effect/cli's renderer:
 * plain text wrapped to the terminal (80 columns when stdout is not a terminal, never more
 * than 100), the program name in every usage line, one line of description and the default
 * per option, and bold headings only on a terminal with NO_COLOR unset.
 */

export const PROGRAM = "surveillance"
export const MAX_WIDTH = 100
export const PIPE_WIDTH = 80

export interface HelpStyle {
  readonly width: number
  readonly colour: boolean
}

/** Colour only on a terminal, and never when NO_COLOR is set to anything non-empty (no-color.org). */
export const useColour = (isTTY: boolean | undefined, env: Readonly<Record<string, string | undefined>>): boolean =>
  isTTY === true && (env["NO_COLOR"] ?? "") === ""

export const helpStyleFor = (
  stream: { readonly isTTY?: boolean; readonly columns?: number },
  env: Readonly<Record<string, string | undefined>>
): HelpStyle => ({
  width: stream.isTTY === true && typeof stream.columns === "number" && stream.columns > 0
    ? Math.max(40, Math.min(MAX_WIDTH, stream.columns))
    : PIPE_WIDTH,
  colour: useColour(stream.isTTY, env)
})

/** Options every command accepts (handled before or by the parser, not declared per command). */
export const GLOBAL_OPTIONS: ReadonlyArray<OptionSpec> = [
  {
    flag: "--help", aliases: ["-h"], kind: "bool", choices: [], placeholder: "",
    description: "show this help and exit", defaultText: undefined, repeated: false, required: false
  },
  {
    flag: "--version", aliases: [], kind: "bool", choices: [], placeholder: "",
    description: "print the version and exit", defaultText: undefined, repeated: false, required: false
  },
  {
    flag: "--log-level", aliases: [], kind: "choice",
    choices: ["all", "trace", "debug", "info", "warning", "error", "fatal", "none"], placeholder: "LEVEL",
    description: "least severe log level shown: trace, debug, info, warning, error, fatal, none, all (debug also " +
      "prints causes of errors)",
    defaultText: "info", repeated: false, required: false
  },
  {
    flag: "--log-format", aliases: [], kind: "choice", choices: ["text", "json"], placeholder: "text|json",
    description: "log lines as text or as one JSON object per line (time, level, component, venue, message, fields)",
    defaultText: "text on a terminal, json otherwise", repeated: false, required: false
  }
]

/** A word longer than the width, cut after a `/` or `,` where possible (paths, lists). */
const splitLong = (word: string, width: number): Array<string> => {
  const parts: Array<string> = []
  let rest = word
  while (rest.length > width) {
    const soft = Math.max(rest.lastIndexOf("/", width - 1), rest.lastIndexOf(",", width - 1))
    const cut = soft > 0 ? soft + 1 : width
    parts.push(rest.slice(0, cut))
    rest = rest.slice(cut)
  }
  return [...parts, rest]
}

/** Greedy word wrap to `width` columns. */
export const wrapWords = (text: string, width: number): Array<string> => {
  const lines: Array<string> = []
  let line = ""
  for (const word of text.split(/\s+/).filter((w) => w !== "").flatMap((w) => splitLong(w, width))) {
    if (line === "") line = word
    else if (line.length + 1 + word.length <= width) line += ` ${word}`
    else {
      lines.push(line)
      line = word
    }
  }
  if (line !== "") lines.push(line)
  return lines.length === 0 ? [""] : lines
}

/** Wrap `text` with `first` before the first line and `indent` spaces before the others. */
const hangingWrap = (first: string, text: string, width: number, indent: number): Array<string> => {
  const body = wrapWords(text, Math.max(20, width - indent))
  return body.map((l, i) => (i === 0 ? `${first}${l}` : `${" ".repeat(indent)}${l}`))
}

const optionLabel = (o: OptionSpec): string => {
  const names = [...o.aliases, o.flag].join(", ")
  return o.kind === "bool" ? names : `${names} ${o.placeholder}`
}

export const optionDescription = (o: OptionSpec): string => {
  const repeat = o.repeated && !/\brepeatable\b/.test(o.description) ? " (repeatable)" : ""
  const defaultText = o.kind === "bool" && o.defaultText === undefined ? "off" : o.defaultText
  const needsDefault = defaultText !== undefined && !/\bdefault\b/i.test(o.description)
  const required = o.required ? " (required)" : ""
  return `${o.description}${repeat}${needsDefault ? ` (default: ${defaultText})` : ""}${required}`
}

const usageToken = (o: OptionSpec): string => {
  const core = o.kind === "bool" ? o.flag : `${o.flag} ${o.placeholder}`
  return o.required ? core : `[${core}]${o.repeated ? "..." : ""}`
}

/** Two columns (label, description) when the label fits, else the description under it. */
const table = (rows: ReadonlyArray<readonly [string, string]>, width: number): Array<string> => {
  const labelCol = Math.min(30, Math.max(...rows.map(([label]) => label.length)) + 4)
  const out: Array<string> = []
  for (const [label, text] of rows) {
    const left = `  ${label}`
    if (left.length + 2 <= labelCol) out.push(...hangingWrap(left.padEnd(labelCol), text, width, labelCol))
    else {
      out.push(left)
      out.push(...hangingWrap(" ".repeat(labelCol), text, width, labelCol))
    }
  }
  return out
}

const heading = (text: string, style: HelpStyle): string => (style.colour ? `\u001b[1m${text}\u001b[0m` : text)

const usageLines = (path: ReadonlyArray<CommandSpec>, style: HelpStyle): Array<string> => {
  const cmd = path[path.length - 1]!
  const words = [PROGRAM, ...path.slice(1).map((c) => c.name)].join(" ")
  const tokens: Array<string> = cmd.options.map(usageToken)
  for (const a of cmd.args) tokens.push(a.optional ? `[${a.name}]` : a.name)
  const prefix = `Usage: ${words} `
  const lines: Array<string> = []
  if (path.length === 1) lines.push(`Usage: ${PROGRAM} COMMAND [OPTIONS]`)
  else if (tokens.length > 0 || cmd.subcommands.length === 0) lines.push(...hangingWrap(prefix, tokens.join(" "), style.width, prefix.length <= 40 ? prefix.length : 8))
  if (path.length > 1 && cmd.subcommands.length > 0) {
    for (const sub of cmd.subcommands) lines.push(`${lines.length === 0 ? "Usage:" : "      "} ${words} ${sub.name} [OPTIONS]`)
  }
  return lines
}

/** The help text of the last command in `path` (path[0] is the program's root command). */
export const renderHelp = (path: ReadonlyArray<CommandSpec>, style: HelpStyle): string => {
  const cmd = path[path.length - 1]!
  const out: Array<string> = [...usageLines(path, style), ""]
  if (cmd.description !== "") out.push(...wrapWords(cmd.description, style.width), "")
  if (cmd.args.length > 0) {
    out.push(heading("Arguments:", style))
    out.push(...table(cmd.args.map((a) => {
      const values = a.kind === "choice" ? `one of ${a.choices.join(", ")}` : ""
      const text = [values, a.description].filter((t) => t !== "").join("; ")
      return [a.name, `${text}${a.optional ? "" : " (required)"}`] as const
    }), style.width), "")
  }
  if (cmd.options.length > 0) {
    out.push(heading("Options:", style))
    out.push(...table(cmd.options.map((o) => [optionLabel(o), optionDescription(o)] as const), style.width), "")
  }
  if (cmd.subcommands.length > 0) {
    out.push(heading("Commands:", style))
    out.push(...table(cmd.subcommands.map((s) => [s.name, s.description] as const), style.width), "")
  }
  out.push(heading(path.length === 1 ? "Options:" : "Global options:", style))
  // --help and --version are actions, not settings: no "(default: off)" for them
  out.push(...table(GLOBAL_OPTIONS.map((o) => [optionLabel(o), o.kind === "bool" ? o.description : optionDescription(o)] as const), style.width))
  if (cmd.subcommands.length > 0) {
    const words = [PROGRAM, ...path.slice(1).map((c) => c.name)].join(" ")
    out.push("", ...wrapWords(`Run \`${words} COMMAND --help\` for a command's options.`, style.width))
  }
  return out.join("\n") + "\n"
}
