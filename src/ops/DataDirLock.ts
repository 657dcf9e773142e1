import * as fs from "node:fs"
import * as path from "node:path"
import { Data, Effect, type Scope } from "effect"
import { walRootDir } from "../storage/paths.js"
import { FILE_MODE, makeDirsSync } from "../storage/permissions.js"

/**
 * One collector per data directory. Two collectors on one `data_dir` would each recover the
 * other's live write-ahead files at start-up (duplicating rows) and race on part numbers, so
 * the second one refuses to start. The lock is `<data_dir>/.wal/collector.lock` holding the
 * owner's pid, created with O_EXCL; a lock whose pid is no longer running (kill -9, power
 * loss) is stale and taken over. Released when the collector's scope closes.
 */
export class DataDirLocked extends Data.TaggedError("DataDirLocked")<{ readonly message: string }> {}

export const lockPath = (dataDir: string): string => path.join(walRootDir(dataDir), "collector.lock")

const pidAlive = (pid: number): boolean => {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    // EPERM: the process exists but belongs to someone else
    return (e as NodeJS.ErrnoException).code === "EPERM"
  }
}

/** Takes the lock or explains who holds it. Plain function: also usable outside Effect. */
export const tryLockDataDir = (dataDir: string, pid: number = process.pid): { ok: true } | { ok: false; holder: number } => {
  const file = lockPath(dataDir)
  makeDirsSync(path.dirname(file))
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(file, "wx", FILE_MODE)
      fs.fchmodSync(fd, FILE_MODE)
      fs.writeSync(fd, `${pid}\n`)
      fs.fsyncSync(fd)
      fs.closeSync(fd)
      return { ok: true }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e
    }
    let holder = NaN
    try {
      holder = Number.parseInt(fs.readFileSync(file, "utf8").trim(), 10)
    } catch {
      continue // removed meanwhile: try again
    }
    if (holder === pid) return { ok: true }
    if (pidAlive(holder)) return { ok: false, holder }
    // stale: its owner is gone
    fs.rmSync(file, { force: true })
  }
  return { ok: false, holder: NaN }
}

export const unlockDataDir = (dataDir: string, pid: number = process.pid): void => {
  const file = lockPath(dataDir)
  try {
    if (Number.parseInt(fs.readFileSync(file, "utf8").trim(), 10) === pid) fs.rmSync(file, { force: true })
  } catch {
    // already gone
  }
}

/** Holds the data-dir lock for the current scope. */
export const lockDataDir = (dataDir: string): Effect.Effect<void, DataDirLocked, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.try({
      try: () => tryLockDataDir(dataDir),
      catch: (e) => new DataDirLocked({ message: `cannot lock data_dir ${dataDir}: ${e instanceof Error ? e.message : String(e)}` })
    }).pipe(
      Effect.flatMap((r) =>
        r.ok
          ? Effect.void
          : Effect.fail(new DataDirLocked({
            message: `data_dir ${dataDir} is in use by another collector (pid ${Number.isNaN(r.holder) ? "unknown" : r.holder}, ${lockPath(dataDir)}); ` +
              "run one collector per data_dir, or give this one its own data_dir"
          }))
      )
    ),
    () => Effect.sync(() => unlockDataDir(dataDir))
  )
