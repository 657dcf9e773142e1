import { stringify } from "smol-toml"
import type { AppConfig } from "./schema.js"
import { SECRET_KEYS } from "./schema.js"

export const REDACTED = "<redacted>"
const UNSET_MARKER = "<redacted-unset>"

const redactVenue = (venue: Record<string, unknown>): Record<string, unknown> => {
  const out: Record<string, unknown> = { ...venue }
  for (const key of SECRET_KEYS) {
    const value = out[key]
    // A secret is always printed as <redacted>; a trailing comment tells "missing" from
    // "present" without showing anything of the value.
    if (typeof value === "string") out[key] = value === "" ? UNSET_MARKER : REDACTED
  }
  return out
}

/** The effective config as TOML, secrets replaced by `<redacted>`. Safe to print and log. */
export const dumpConfigToml = (cfg: AppConfig): string => {
  const venues: Record<string, unknown> = {}
  for (const [name, venue] of Object.entries(cfg.venues)) venues[name] = redactVenue(venue)
  return stringify({ ...cfg, venues }).replaceAll(`"${UNSET_MARKER}"`, `"${REDACTED}" # not set`)
}
