import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as ValidationError from "@effect/cli/ValidationError"
import { Cause, Data, Effect, Exit, Option } from "effect"

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

/**
 * Run the CLI app as the process: SIGINT/SIGTERM interrupt the program (scopes close,
 * writers flush) and a graceful interruption exits 0 (docs/DESIGN.md, "Parts": exit codes).
 */
export const runCli = (
  cli: (argv: ReadonlyArray<string>) => Effect.Effect<void, unknown, NodeContext.NodeContext>,
  argv: ReadonlyArray<string>
): void => {
  const main = runCommandEffect(cli(argv), argv).pipe(Effect.provide(NodeContext.layer))
  NodeRuntime.runMain(main, {
    disableErrorReporting: true,
    teardown: (exit, _onExit) => {
      const code = Exit.isSuccess(exit)
        ? (typeof exit.value === "number" ? exit.value : EXIT_OK)
        : Cause.isInterruptedOnly(exit.cause) ? EXIT_OK : EXIT_RUNTIME
      process.exit(code)
    }
  })
}
