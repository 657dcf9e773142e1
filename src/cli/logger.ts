import { Cause, HashMap, type Layer, type List, Logger, type LogLevel } from "effect"
import { ALL_VENUES } from "../domain/VenueId.js"

/**
 * One line per log event on stderr, without fiber ids: `text` for people, `json` for journald
 * and log shippers (one object per line: time, level, component, venue, message, fields).
 * The component is the `component` log annotation, else the message's own `word venue:`
 * prefix (most messages start "writer: ..." or "scheduler kalshi: ..."; the message keeps
 * it, so a grep for "scheduler kalshi:" finds the line in either format), else the running
 * command. The venue is the `venue` annotation or
 * that prefix; every other annotation (and log span) is a field.
 */
export type LogFormat = "text" | "json"

/** json unless stderr is a terminal (what reads a pipe or the journal is a program). */
export const defaultLogFormat = (isTTY: boolean | undefined): LogFormat => (isTTY === true ? "text" : "json")

export interface LogRecord {
  readonly time: string
  readonly level: string
  readonly component: string
  readonly venue: string | null
  readonly message: string
  readonly fields: Record<string, unknown>
}

const PREFIX = new RegExp(`^([a-z][a-z_-]*)(?: (${ALL_VENUES.join("|")}))?: `)

const LEVEL_NAMES: Record<string, string> = {
  All: "all", Trace: "trace", Debug: "debug", Info: "info", Warning: "warn", Error: "error", Fatal: "fatal", None: "none"
}

const oneLine = (s: string): string => s.replace(/\s*\n\s*/g, " ").trim()

const messageText = (message: unknown): string => {
  const parts = Array.isArray(message) ? message : [message]
  return oneLine(parts.map((p) => (typeof p === "string" ? p : p instanceof Error ? p.message : safeJson(p))).join(" "))
}

const safeJson = (v: unknown): string => {
  try {
    return typeof v === "bigint" ? v.toString() : JSON.stringify(v) ?? String(v)
  } catch {
    return String(v)
  }
}

const causeText = (cause: Cause.Cause<unknown>): string | null => {
  if (Cause.isEmpty(cause)) return null
  const err = Cause.squash(cause)
  return oneLine(err instanceof Error ? `${err.name}: ${err.message}` : safeJson(err))
}

export const toLogRecord = (
  opts: {
    readonly logLevel: LogLevel.LogLevel
    readonly message: unknown
    readonly date: Date
    readonly annotations: HashMap.HashMap<string, unknown>
    readonly spans: List.List<{ readonly label: string; readonly startTime: number }>
    readonly cause: Cause.Cause<unknown>
  },
  defaultComponent: string
): LogRecord => {
  const fields: Record<string, unknown> = {}
  let component = defaultComponent
  let venue: string | null = null
  for (const [key, value] of opts.annotations) {
    if (key === "component" && typeof value === "string") component = value
    else if (key === "venue" && typeof value === "string") venue = value
    else fields[key] = value
  }
  for (const span of opts.spans) fields[`${span.label}_ms`] = opts.date.getTime() - span.startTime
  const message = messageText(opts.message)
  const prefix = PREFIX.exec(message)
  if (prefix !== null && !HashMap.has(opts.annotations, "component")) {
    component = prefix[1]!
    if (venue === null && prefix[2] !== undefined) venue = prefix[2]
  }
  const error = causeText(opts.cause)
  if (error !== null) fields["error"] = error
  return {
    time: opts.date.toISOString(),
    level: LEVEL_NAMES[opts.logLevel._tag] ?? opts.logLevel.label.toLowerCase(),
    component,
    venue,
    message,
    fields
  }
}

const fieldText = (v: unknown): string => {
  const s = typeof v === "string" ? v : safeJson(v)
  return /[\s"=]/.test(s) || s === "" ? JSON.stringify(s) : s
}

/** `time LEVEL [component venue] message k=v`; no brackets when the message already says who. */
export const formatText = (r: LogRecord): string => {
  const who = r.venue === null ? r.component : `${r.component} ${r.venue}`
  const fields = Object.entries(r.fields).map(([k, v]) => ` ${k}=${fieldText(v)}`).join("")
  const tag = r.message.startsWith(`${who}: `) || r.message.startsWith(`${r.component}: `) ? "" : `[${who}] `
  return `${r.time} ${r.level.toUpperCase().padEnd(5)} ${tag}${r.message}${fields}`
}

export const formatJson = (r: LogRecord): string => safeJson(r)

/** A logger writing one line per event to `write` (stderr by default). */
export const lineLogger = (
  format: LogFormat,
  defaultComponent: string,
  write: (line: string) => void = (line) => void process.stderr.write(line)
): Logger.Logger<unknown, void> =>
  Logger.make((opts) => {
    const record = toLogRecord(opts, defaultComponent)
    write(`${format === "json" ? formatJson(record) : formatText(record)}\n`)
  })

/** Replaces Effect's default logger (and the pretty logger NodeRuntime would add). */
export const lineLoggerLayer = (format: LogFormat, defaultComponent: string): Layer.Layer<never> =>
  Logger.replace(Logger.defaultLogger, lineLogger(format, defaultComponent))
