import * as path from "node:path"
import { Data, Effect, type Scope } from "effect"
import { FileStore, type FileStoreError, type FileStoreService } from "../storage/FileStore.js"
import { walRootDir } from "../storage/paths.js"
import { FILE_MODE, makeDirsSync } from "../storage/permissions.js"

/**
 * One collector per data directory. Two collectors on one `data_dir` would each recover the
 * other's live write-ahead files at start-up (duplicating rows) and race on part numbers, so
 * the second one refuses to start. The lock is `<data_dir>/.wal/collector.lock` holding the
 * owner's pid, created only if absent; a lock whose pid is no longer running (kill -9, power
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

export type LockAttempt = { readonly ok: true } | { readonly ok: false; readonly holder: number }

const readHolder = (store: FileStoreService, file: string): Effect.Effect<number | null> =>
  store.readText(file).pipe(
    Effect.map((text) => Number.parseInt(text.trim(), 10)),
    Effect.orElseSucceed(() => null)
  )

/**
 * Takes the lock or explains who holds it. The lock file is published with FileStore.writeNew
 * (atomic, never replaces, fsynced), so two starters racing cannot both win.
 */
export const tryLockDataDir = (dataDir: string, pid: number = process.pid): Effect.Effect<LockAttempt, FileStoreError, FileStore> =>
  Effect.gen(function*() {
    const store = yield* FileStore
    const file = lockPath(dataDir)
    for (let attempt = 0; attempt < 3; attempt++) {
      if (yield* store.writeNew(file, `${pid}\n`)) return { ok: true } as const
      const holder = yield* readHolder(store, file)
      if (holder === null) continue // removed meanwhile: try again
      if (holder === pid) return { ok: true } as const
      if (pidAlive(holder)) return { ok: false, holder } as const
      // stale: its owner is gone
      yield* store.remove(file)
    }
    return { ok: false, holder: Number.NaN } as const
  })

/** Removes the lock if `pid` holds it (never another holder's). */
export const unlockDataDir = (dataDir: string, pid: number = process.pid): Effect.Effect<void, never, FileStore> =>
  Effect.gen(function*() {
    const store = yield* FileStore
    const file = lockPath(dataDir)
    if ((yield* readHolder(store, file)) === pid) yield* Effect.ignore(store.remove(file))
  })

/** Holds the data-dir lock for the current scope. */
export const lockDataDir = (dataDir: string): Effect.Effect<void, DataDirLocked, Scope.Scope | FileStore> =>
  Effect.acquireRelease(
    tryLockDataDir(dataDir).pipe(
      Effect.mapError((e) => new DataDirLocked({ message: `cannot lock data_dir ${dataDir}: ${e.message}` })),
      Effect.flatMap((r) =>
        r.ok
          ? Effect.void
          : Effect.fail(new DataDirLocked({
            message: `data_dir ${dataDir} is in use by another collector (pid ${Number.isNaN(r.holder) ? "unknown" : r.holder}, ${lockPath(dataDir)}); ` +
              "run one collector per data_dir, or give this one its own data_dir"
          }))
      )
    ),
    () => unlockDataDir(dataDir)
  )
