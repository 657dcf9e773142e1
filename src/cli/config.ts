import * as Command from "@effect/cli/Command"
import { Console, Effect } from "effect"
import { loadConfig } from "../config/load.js"
import { dumpConfigToml } from "../config/toml.js"
import { configOption } from "./options.js"

/** `surveillance config`: print the effective, validated configuration, secrets redacted. */
export const configCommand = Command.make("config", { config: configOption }, ({ config }) =>
  loadConfig(config).pipe(Effect.flatMap((cfg) => Console.log(dumpConfigToml(cfg).trimEnd())))
).pipe(Command.withDescription("print the effective, validated configuration as TOML (secrets redacted)"))
