import type * as CommandDescriptor from "@effect/cli/CommandDescriptor"
import { Option } from "effect"

/*
 * A plain description of the command tree, read from the @effect/cli definitions themselves
 * (one source of truth): the help renderer and the argument checker both work from it, so
 * neither can drift from what the parser accepts. @effect/cli keeps these structures behind
 * `_tag`-discriminated objects; only the tags it documents for Options/Args/Descriptor are read.
 */

export type ValueKind = "bool" | "choice" | "integer" | "float" | "text" | "date" | "path"

export interface OptionSpec {
  /** "--name" */
  readonly flag: string
  readonly aliases: ReadonlyArray<string>
  readonly kind: ValueKind
  readonly choices: ReadonlyArray<string>
  /** what the value looks like in help: FILE, N, polymarket|kalshi */
  readonly placeholder: string
  readonly description: string
  /** the default rendered as text, or undefined when the option has none (or is a flag) */
  readonly defaultText: string | undefined
  readonly repeated: boolean
  readonly required: boolean
}

export interface ArgSpec {
  readonly name: string
  readonly kind: ValueKind
  readonly choices: ReadonlyArray<string>
  readonly description: string
  readonly optional: boolean
}

export interface CommandSpec {
  readonly name: string
  readonly description: string
  readonly options: ReadonlyArray<OptionSpec>
  readonly args: ReadonlyArray<ArgSpec>
  readonly subcommands: ReadonlyArray<CommandSpec>
}

// the @effect/cli internals are untyped here on purpose: only `_tag`s and their fields are read
type Node = any

/** The text of a HelpDoc / Span tree, paragraphs joined by a space. */
export const helpDocText = (doc: Node): string => {
  const parts: Array<string> = []
  const walk = (n: Node): void => {
    if (n === null || typeof n !== "object") return
    if (n._tag === "Text" || n._tag === "Code") {
      if (typeof n.value === "string") parts.push(n.value)
      return
    }
    for (const key of ["value", "left", "right"]) if (key in n) walk(n[key])
    if (Array.isArray(n.elements)) n.elements.forEach(walk)
  }
  walk(doc)
  return parts.join(" ").replace(/\s+/g, " ").trim()
}

const primitiveKind = (p: Node): { kind: ValueKind; choices: ReadonlyArray<string> } => {
  switch (p?._tag) {
    case "Bool": return { kind: "bool", choices: [] }
    case "Choice": return { kind: "choice", choices: (p.alternatives as Array<[string, unknown]>).map(([name]) => name) }
    case "Integer": return { kind: "integer", choices: [] }
    case "Float": return { kind: "float", choices: [] }
    case "Date": return { kind: "date", choices: [] }
    case "Path": return { kind: "path", choices: [] }
    default: return { kind: "text", choices: [] }
  }
}

const defaultPlaceholder = (kind: ValueKind, choices: ReadonlyArray<string>): string => {
  switch (kind) {
    case "choice": return choices.join("|")
    case "integer": return "N"
    case "float": return "X"
    case "date": return "DATE"
    case "path": return "PATH"
    default: return "TEXT"
  }
}

const renderDefault = (value: unknown): string | undefined => {
  if (Option.isOption(value)) return Option.isSome(value) ? renderDefault(value.value) : undefined
  if (typeof value === "string") return value === "" ? '""' : value
  if (typeof value === "number" || typeof value === "bigint") return String(value)
  if (typeof value === "boolean") return value ? "on" : undefined
  if (Array.isArray(value)) return value.length === 0 ? undefined : value.join(",")
  return undefined
}

const optionSpecs = (node: Node, acc: Array<OptionSpec>, wrap: { defaultValue?: unknown; hasDefault: boolean; repeated: boolean }): void => {
  switch (node?._tag) {
    case "Empty": return
    case "Both":
    case "OrElse":
      optionSpecs(node.left, acc, wrap)
      optionSpecs(node.right, acc, wrap)
      return
    case "Map":
    case "WithFallback":
      optionSpecs(node.options, acc, wrap)
      return
    case "WithDefault":
      optionSpecs(node.options, acc, { ...wrap, hasDefault: true, defaultValue: node.fallback })
      return
    case "Variadic":
    case "KeyValueMap":
      optionSpecs(node.argumentOption, acc, { ...wrap, repeated: true })
      return
    case "Single": {
      const { kind, choices } = primitiveKind(node.primitiveType)
      const pseudo = node.pseudoName as Option.Option<string>
      const placeholder = Option.isOption(pseudo) && Option.isSome(pseudo) && pseudo.value !== node.name
        ? pseudo.value
        : defaultPlaceholder(kind, choices)
      acc.push({
        flag: `--${node.name as string}`,
        aliases: (node.aliases as ReadonlyArray<string>).map((a) => (a.length === 1 ? `-${a}` : `--${a}`)),
        kind,
        choices,
        placeholder,
        description: helpDocText(node.description),
        defaultText: wrap.hasDefault ? renderDefault(wrap.defaultValue) : undefined,
        repeated: wrap.repeated,
        required: !wrap.hasDefault && !wrap.repeated && kind !== "bool"
      })
      return
    }
    default:
      return
  }
}

const argSpecs = (node: Node, acc: Array<ArgSpec>, optional: boolean): void => {
  switch (node?._tag) {
    case "Empty": return
    case "Both":
      argSpecs(node.left, acc, optional)
      argSpecs(node.right, acc, optional)
      return
    case "Map":
    case "WithFallbackConfig":
      argSpecs(node.args, acc, optional)
      return
    case "WithDefault":
      argSpecs(node.args, acc, true)
      return
    case "Variadic":
      argSpecs(node.args, acc, optional)
      return
    case "Single": {
      const { kind, choices } = primitiveKind(node.primitiveType)
      acc.push({
        name: String(node.name ?? "ARG").replace(/^<(.*)>$/, "$1"),
        kind,
        choices,
        description: helpDocText(node.description),
        optional
      })
      return
    }
    default:
      return
  }
}

const descriptorSpec = (node: Node): CommandSpec => {
  switch (node?._tag) {
    case "Map": return descriptorSpec(node.command)
    case "Subcommands": {
      const parent = descriptorSpec(node.parent)
      return { ...parent, subcommands: (node.children as ReadonlyArray<Node>).map(descriptorSpec) }
    }
    case "Standard": {
      const options: Array<OptionSpec> = []
      optionSpecs(node.options, options, { hasDefault: false, repeated: false })
      const args: Array<ArgSpec> = []
      argSpecs(node.args, args, false)
      return { name: node.name, description: helpDocText(node.description), options, args, subcommands: [] }
    }
    default:
      return { name: String(node?.name ?? "?"), description: helpDocText(node?.description), options: [], args: [], subcommands: [] }
  }
}

/** The spec of a command tree built with `Command.make` / `Command.withSubcommands`. */
export const commandSpec = (command: { readonly descriptor: CommandDescriptor.Command<unknown> }): CommandSpec =>
  descriptorSpec(command.descriptor)
