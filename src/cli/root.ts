import * as Command from "@effect/cli/Command"
import { Effect } from "effect"
import { readFileSync } from "node:fs"
import { FileStoreLayer } from "../storage/FileStore.js"
import { collectCommand } from "./collect.js"
import { configCommand } from "./config.js"
import { demoCommand } from "./demo.js"
import { mineCommand } from "./mine.js"
import { rebuildCommand } from "./rebuild.js"
import { replayCommand } from "./replay.js"
import { reportCommand } from "./report.js"
import { resnapshotCommand } from "./resnapshot.js"
import { UsageError } from "./run.js"
import { scanCommand } from "./scan.js"
import { simulateCommand } from "./simulate.js"
import { commandSpec } from "./spec.js"
import { statusCommand } from "./status.js"

/*
 * Subcommands. To add one: `import { xCommand } from "./x.js"` and one entry in the list.
 * Keep src/cli/x.ts light (options + handler) and `await import(...)` heavy modules inside
 * the handler: everything imported here is loaded for `surveillance --help` (< 1.5 s budget).
 */
const subcommands = [
  collectCommand,
  configCommand,
  demoCommand,
  mineCommand,
  rebuildCommand,
  replayCommand,
  reportCommand,
  resnapshotCommand,
  scanCommand,
  simulateCommand,
  statusCommand
] as const

export const version = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }
).version

export const rootCommand = Command.make("surveillance", {}, () =>
  new UsageError({ message: "no command given; run `surveillance --help` for the list" })
).pipe(
  Command.withDescription("record and analyse prediction-market order books (Polymarket, Kalshi)"),
  Command.withSubcommands(subcommands)
)

/** What help and the argument checker read: the same tree the parser runs. */
export const rootSpec = commandSpec(rootCommand)

const run = Command.run(rootCommand, { name: "surveillance", version })
/** Every command reads and writes files through the FileStore: the local disk, provided here once. */
export const cli = (argv: ReadonlyArray<string>) => run(argv).pipe(Effect.provide(FileStoreLayer))
