/**
 * Starting a worker thread from our own modules, in every way the program runs.
 *
 * The program runs from .ts sources through tsx (bin/ registers tsx/esm/api) or through
 * vitest's own transformer, and neither reaches worker threads; `execArgv: ["--import", "tsx"]`
 * does not work for workers on Node 20 (tried: "Unknown file extension .ts"). What works under
 * tsx, vitest and plain node alike: a tiny ES-module bootstrap (a data: URL) that imports tsx's
 * API and `tsImport`s the .ts entry. When the caller is compiled JS, the compiled entry starts
 * directly. Used by the collector's Parquet writer and the miner's decode pool.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { createRequire } from "node:module"
import { pathToFileURL } from "node:url"
import { Worker } from "node:worker_threads"

function tsxApiUrl(what: string): string {
  // package exports map "tsx/esm/api" to dist/esm/api/index.cjs for require and index.mjs for
  // import; the CJS one cannot be used from a worker (it resolves its ESM half wrongly).
  const cjs = createRequire(import.meta.url).resolve("tsx/esm/api")
  const mjs = path.join(path.dirname(cjs), "index.mjs")
  if (!fs.existsSync(mjs)) throw new Error(`cannot start ${what}: ${mjs} not found (is tsx installed?)`)
  return pathToFileURL(mjs).href
}

/**
 * Starts `<entryStem>.ts` (or `.js` when `callerUrl` is compiled JS), resolved against the
 * caller's `import.meta.url`. `what` names the worker in errors.
 */
export function spawnModuleWorker(callerUrl: string, entryStem: string, workerData: unknown, what: string): Worker {
  if (!callerUrl.endsWith(".ts")) return new Worker(new URL(`${entryStem}.js`, callerUrl), { workerData })
  const entry = new URL(`${entryStem}.ts`, callerUrl).href
  const bootstrap =
    `import { tsImport } from ${JSON.stringify(tsxApiUrl(what))};\n` +
    `await tsImport(${JSON.stringify(entry)}, ${JSON.stringify(entry)});\n`
  return new Worker(new URL("data:text/javascript," + encodeURIComponent(bootstrap)), { workerData })
}
