#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so `node bin/surveillance.js` (or the installed
// `surveillance`) works right after `npm ci` / `npm install -g`, with no build step.
import { register } from "tsx/esm/api"

// Load the big compiled dependencies with plain Node first: once tsx's loader hooks are
// registered every module load goes through them, which roughly triples the startup CPU
// of these packages (measured: ~0.55 s vs ~1.4 s user for effect + @effect/cli + platform).
// Later imports from our TypeScript hit Node's module cache.
await Promise.all([
  import("effect"),
  import("@effect/cli/Args"),
  import("@effect/cli/Command"),
  import("@effect/cli/Options"),
  import("@effect/platform-node/NodeContext"),
  import("@effect/platform-node/NodeRuntime")
])
register()
await import("../src/cli/main.ts")
