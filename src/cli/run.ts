import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as ValidationError from "@effect/cli/ValidationError"
import { Cause, Console, Data, Effect, Exit, Option } from "effect"
import { checkArgv } from "./argv.js"
import { helpStyleFor, renderHelp } from "./help.js"
import { defaultLogFormat, lineLoggerLayer } from "./logger.js"
import { describeOsError } from "../storage/osError.js"
import type { CommandSpec } from "./spec.js"

/** Bad command-line usage found by a command handler (exit code 2). */
export class UsageError extends Data.TaggedError("UsageError")<{ readonly message: string }> {}

export const EXIT_OK = 0
export const EXIT_RUNTIME = 1
export const EXIT_USAGE = 2

/** Error tags that mean "the user asked for something wrong": exit 2. */
const USAGE_TAGS = new Set(["ConfigError", "UsageError"])

export interface FailureReport {
  readonly exitCode: number
  /** the one line to print, or null when @effect/cli already printed its own message */
  readonly line: string | null
}

const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, " ").trim()

const messageOf = (error: unknown): string => {
  const os = describeOsError(error)
  if (os !== null) return os
  if (error instanceof Error && error.message !== "") return error.message
  if (error !== null && typeof error === "object") {
    const message = (error as { message?: unknown }).message
    if (typeof message === "string" && message !== "") return message
    const tag = (error as { _tag?: unknown })._tag
    if (typeof tag === "string") return tag
  }
  return String(error)
}

/** Map a failed command to its exit code and one line (docs/CONTRACTS.md: config + CLI). */
export const reportFailure = (cause: Cause.Cause<unknown>): FailureReport => {
  const failure = Cause.failureOption(cause)
  if (Option.isSome(failure)) {
    const error = failure.value
    // @effect/cli prints its own usage message before failing with a ValidationError.
    if (ValidationError.isValidationError(error)) return { exitCode: EXIT_USAGE, line: null }
    const tag = (error as { _tag?: unknown } | null)?._tag
    const exitCode = typeof tag === "string" && USAGE_TAGS.has(tag) ? EXIT_USAGE : EXIT_RUNTIME
    return { exitCode, line: `surveillance: ${oneLine(messageOf(error))}` }
  }
  const defect = Cause.dieOption(cause)
  // an OS error thrown where nothing expected it is still the user's file system, not a bug
  const osDefect = Option.isSome(defect) ? describeOsError(defect.value) : null
  if (osDefect !== null) return { exitCode: EXIT_RUNTIME, line: `surveillance: ${osDefect}` }
  if (Option.isSome(defect)) {
    return { exitCode: EXIT_RUNTIME, line: `surveillance: internal error: ${oneLine(messageOf(defect.value))}` }
  }
  return { exitCode: EXIT_RUNTIME, line: "surveillance: interrupted" }
}

export const isDebug = (argv: ReadonlyArray<string>): boolean =>
  argv.some((arg, i) => arg === "--log-level=debug" || (arg === "--log-level" && argv[i + 1] === "debug"))

/**
 * Turn a command's outcome into an exit code, printing failures as one line on stderr
 * (stack/cause only with `--log-level debug`). Never fails, so NodeRuntime.runMain does not
 * log the error a second time as JSON.
 */
export const runCommandEffect = <R>(
  program: Effect.Effect<void, unknown, R>,
  argv: ReadonlyArray<string>
): Effect.Effect<number, never, R> =>
  program.pipe(
    Effect.as(EXIT_OK),
    Effect.catchAllCause((cause) =>
      Effect.sync(() => {
        if (Cause.isInterruptedOnly(cause)) return EXIT_OK
        const report = reportFailure(cause)
        if (report.line !== null) process.stderr.write(`${report.line}\n`)
        if (isDebug(argv)) process.stderr.write(`${Cause.pretty(cause, { renderErrorCause: true })}\n`)
        return report.exitCode
      })
    )
  )

const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g

/**
 * @effect/cli prints its own parse errors through Console.error, with colour codes and over
 * several lines; argv.ts catches the usual mistakes first, and whatever still reaches this
 * console comes out as one plain `surveillance:` line.
 */
const plainErrorConsole = (base: Console.Console): Console.Console => ({
  ...base,
  error: (...args: ReadonlyArray<unknown>) => {
    const text = args.map((a) => (typeof a === "string" ? a : String(a))).join(" ").replace(ANSI, "")
    const line = oneLine(text)
    return base.error(line.startsWith("surveillance") ? line : `surveillance: ${line}`)
  }
})

/**
 * The whole command line: `--help` (rendered from the command specs), argument mistakes as
 * one line with exit 2, else the command with the one-line logger (`--log-format`, default
 * text on a terminal and json otherwise).
 */
export const runArgv = <R>(
  cli: (argv: ReadonlyArray<string>) => Effect.Effect<void, unknown, R>,
  root: CommandSpec,
  version: string,
  argv: ReadonlyArray<string>
): Effect.Effect<number, never, R> =>
  Effect.suspend(() => {
    const checked = checkArgv(root, argv.slice(2))
    switch (checked._tag) {
      case "Help":
        return Effect.sync(() => {
          process.stdout.write(renderHelp(checked.path, helpStyleFor(process.stdout, process.env)))
          return EXIT_OK
        })
      case "Version":
        return Effect.sync(() => {
          process.stdout.write(`surveillance ${version}\n`)
          return EXIT_OK
        })
      case "Invalid":
        return Effect.sync(() => {
          process.stderr.write(`surveillance: ${checked.message}\n`)
          return EXIT_USAGE
        })
      case "Run": {
        const args = [argv[0] ?? "node", argv[1] ?? "surveillance", ...checked.args]
        const command = checked.path[1]?.name ?? "surveillance"
        const format = checked.logFormat ?? defaultLogFormat(process.stderr.isTTY)
        return Effect.consoleWith((console) =>
          runCommandEffect(cli(args), args).pipe(
            Effect.withConsole(plainErrorConsole(console)),
            Effect.provide(lineLoggerLayer(format, command))
          )
        )
      }
    }
  })

/**
 * Run the CLI app as the process: SIGINT/SIGTERM interrupt the program (scopes close,
 * writers flush) and a graceful interruption exits 0 (docs/DESIGN.md, "Parts": exit codes).
 */
export const runCli = (
  cli: (argv: ReadonlyArray<string>) => Effect.Effect<void, unknown, NodeContext.NodeContext>,
  root: CommandSpec,
  version: string,
  argv: ReadonlyArray<string>
): void => {
  const main = runArgv(cli, root, version, argv).pipe(Effect.provide(NodeContext.layer))
  NodeRuntime.runMain(main, {
    disableErrorReporting: true,
    disablePrettyLogger: true,
    teardown: (exit, _onExit) => {
      const code = Exit.isSuccess(exit)
        ? (typeof exit.value === "number" ? exit.value : EXIT_OK)
        : Cause.isInterruptedOnly(exit.cause) ? EXIT_OK : EXIT_RUNTIME
      process.exit(code)
    }
  })
}
