import { stringify } from "smol-toml"
import type { AppConfig } from "./schema.js"
import { SECRET_KEYS } from "./schema.js"

export const REDACTED = "<redacted>"

const redactVenue = (venue: Record<string, unknown>): Record<string, unknown> => {
  const out: Record<string, unknown> = { ...venue }
  for (const key of SECRET_KEYS) {
    const value = out[key]
    // Show that a secret is set without showing it; an empty one stays "" so a user can
    // tell "missing" from "present".
    if (typeof value === "string" && value !== "") out[key] = REDACTED
  }
  return out
}

/** The effective config as TOML, secrets replaced by `<redacted>`. Safe to print and log. */
export const dumpConfigToml = (cfg: AppConfig): string => {
  const venues: Record<string, unknown> = {}
  for (const [name, venue] of Object.entries(cfg.venues)) venues[name] = redactVenue(venue)
  return stringify({ ...cfg, venues })
}
