import * as Options from "@effect/cli/Options"
import { ALL_VENUES } from "../domain/VenueId.js"

export const DEFAULT_CONFIG_FILE = "config/surveillance.toml"

/**
 * `--config FILE`. Every subcommand declares it itself, so it may come before or after the
 * subcommand's other options (STACK.md: parent options must precede the subcommand).
 * Plain text, not Options.file: a missing file is reported by the config loader as one line.
 */
export const configOption = Options.text("config").pipe(
  Options.withDescription(`configuration file (TOML), default ${DEFAULT_CONFIG_FILE}`),
  Options.withDefault(DEFAULT_CONFIG_FILE)
)

/** `--venue NAME`, repeatable; empty means every enabled venue. */
export const venueOption = Options.choice("venue", ALL_VENUES).pipe(
  Options.withDescription("venue to act on (repeatable); default: every enabled venue"),
  Options.repeated
)
