import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { FileStore, FileStoreLayer } from "../../src/storage/FileStore.js"

const tempDir = Effect.acquireRelease(
  Effect.promise(() => fs.mkdtemp(path.join(os.tmpdir(), "filestore-"))),
  (dir) => Effect.promise(() => fs.rm(dir, { recursive: true, force: true }))
)

describe("FileStore (local)", () => {
  it.scoped("writes, never-overwrites, reads, lists, appends and removes", () =>
    Effect.gen(function* () {
      const store = yield* FileStore
      const dir = yield* tempDir
      const f = path.join(dir, "a/b.txt")
      expect(yield* store.exists(f)).toBe(false)
      yield* store.writeAtomic(f, "one")
      expect(yield* store.readText(f)).toBe("one")
      expect(yield* store.writeNew(f, "two")).toBe(false)
      expect(yield* store.writeNew(path.join(dir, "a/c.txt"), new Uint8Array([65]))).toBe(true)
      expect(Array.from(yield* store.readFile(path.join(dir, "a/c.txt")))).toEqual([65])
      yield* store.appendFile(path.join(dir, "wal/x.log"), "l1\n", { fsync: true })
      yield* store.appendFile(path.join(dir, "wal/x.log"), "l2\n")
      expect(yield* store.readText(path.join(dir, "wal/x.log"))).toBe("l1\nl2\n")
      expect(yield* store.list(path.join(dir, "a"))).toEqual(["b.txt", "c.txt"])
      expect(yield* store.list(path.join(dir, "missing"))).toEqual([])
      yield* store.remove(f)
      yield* store.remove(f)
      expect(yield* store.exists(f)).toBe(false)
      yield* Effect.promise(() => fs.writeFile(path.join(dir, "a/c.txt.999999999.zz.tmp"), "left over"))
      expect(yield* store.cleanTemp(dir)).toBe(1)
    }).pipe(Effect.provide(FileStoreLayer)))

  it.scoped("fails with a FileStoreError naming the operation and the path", () =>
    Effect.gen(function* () {
      const store = yield* FileStore
      const dir = yield* tempDir
      const missing = path.join(dir, "nope.parquet")
      const err = yield* Effect.flip(store.readFile(missing))
      expect(err._tag).toBe("FileStoreError")
      expect(err.op).toBe("readFile")
      expect(err.path).toBe(missing)
      expect(err.message).toMatch(new RegExp(`^readFile ${missing.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} failed: ENOENT`))
      // a file where a directory is needed
      yield* store.writeAtomic(path.join(dir, "file"), "x")
      const err2 = yield* Effect.flip(store.writeAtomic(path.join(dir, "file/child"), "y"))
      expect(err2.op).toBe("writeAtomic")
      expect(err2.message).toMatch(/ENOTDIR|EEXIST/)
    }).pipe(Effect.provide(FileStoreLayer)))
})
