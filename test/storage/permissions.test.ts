import * as fs from "node:fs"
import * as path from "node:path"
import { it } from "@effect/vitest"
import { Effect } from "effect"
import { afterEach, describe, expect } from "vitest"
import { tryLockDataDir, unlockDataDir } from "../../src/ops/DataDirLock.js"
import { appendRowsDurably, walSegmentPath } from "../../src/sink/WriteAheadLog.js"
import { writeFileAtomic, writeFileAtomicSync, writeNewFile, writeNewFileSync } from "../../src/storage/atomic.js"
import { FileStore, FileStoreLayer } from "../../src/storage/FileStore.js"
import { snapshotRow, startWriter, options, tmpDataDir } from "../sink/sinkTestRows.js"

const T0 = Date.UTC(2026, 0, 15, 10, 0, 30)
const originalUmask = process.umask()
afterEach(() => { process.umask(originalUmask) })

/** mode (permission bits) of every file and folder under `root`, the root itself excluded */
const modes = (root: string): Map<string, number> => {
  const out = new Map<string, number>()
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name)
      out.set(path.relative(root, full) + (e.isDirectory() ? "/" : ""), fs.statSync(full).mode & 0o777)
      if (e.isDirectory()) walk(full)
    }
  }
  walk(root)
  return out
}

const expectStandardModes = (root: string, minEntries: number) => {
  const all = modes(root)
  expect(all.size).toBeGreaterThanOrEqual(minEntries)
  for (const [name, mode] of all) expect([name, mode.toString(8)]).toEqual([name, name.endsWith("/") ? "755" : "644"])
}

describe("files 0644 and folders 0755 whatever the umask", () => {
  for (const umask of [0o000, 0o077]) {
    it.scoped(`under umask ${umask.toString(8).padStart(3, "0")}: atomic writes, write-ahead appends, the lock, the writer's Parquet files`, () =>
      Effect.gen(function*() {
        const root = tmpDataDir(`modes-${umask}`)
        process.umask(umask)
        yield* Effect.promise(async () => {
          await writeFileAtomic(path.join(root, "a/b/async.json"), "{}")
          writeFileAtomicSync(path.join(root, "c/d/sync.json"), "{}")
          await writeNewFile(path.join(root, "e/new.bin"), "x")
          writeNewFileSync(path.join(root, "f/g/h/new.bin"), "x")
          await appendRowsDurably(walSegmentPath(root, "kalshi", "trades", 0, "1-a-0"), "orderbook_snapshots", [snapshotRow(T0, 1)])
        })
        expect(yield* tryLockDataDir(root).pipe(Effect.provide(FileStoreLayer))).toEqual({ ok: true })
        yield* unlockDataDir(root).pipe(Effect.provide(FileStoreLayer))
        const store = yield* FileStore.pipe(Effect.provide(FileStoreLayer))
        yield* store.appendFile(path.join(root, "i/j/log.txt"), "line\n")
        const writer = yield* startWriter(options(path.join(root, "data")))
        yield* writer.writeSnapshots([snapshotRow(T0, 1)])
        yield* writer.flushNow
        expect((yield* writer.stats).filesWritten).toBe(1)
        expectStandardModes(root, 20)
      }))
  }
})
