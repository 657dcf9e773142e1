/**
 * One contract, two stores: every test in `contract` runs against the local FileStore (in a
 * temp directory) and the in-memory one (test/support/MemoryFileStore.ts), so a test that
 * uses the memory store exercises the semantics the product gets on disk.
 */
import { describe, expect, it } from "@effect/vitest"
import { Clock, Effect, Layer, type Scope, TestClock } from "effect"
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { FileStore, FileStoreLayer } from "../../src/storage/FileStore.js"
import { MemoryFileStoreLayer } from "../support/MemoryFileStore.js"

const localRoot = Effect.acquireRelease(
  Effect.promise(() => fs.mkdtemp(path.join(os.tmpdir(), "filestore-"))),
  (dir) => Effect.promise(() => fs.rm(dir, { recursive: true, force: true }))
)

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

const contract = (name: string, layer: Layer.Layer<FileStore>, root: Effect.Effect<string, never, Scope.Scope>) =>
  describe(`FileStore contract (${name})`, () => {
    const run = <A, E>(body: (dir: string) => Effect.Effect<A, E, FileStore>) =>
      Effect.flatMap(root, body).pipe(Effect.provide(layer))

    it.scoped("writes, never-overwrites, reads, lists, appends and removes", () =>
      run((dir) =>
        Effect.gen(function*() {
          const store = yield* FileStore
          const f = path.join(dir, "a/b.txt")
          expect(yield* store.exists(f)).toBe(false)
          yield* store.writeAtomic(f, "one")
          expect(yield* store.readText(f)).toBe("one")
          yield* store.writeAtomic(f, "uno")
          expect(yield* store.readText(f)).toBe("uno")
          expect(yield* store.writeNew(f, "two")).toBe(false)
          expect(yield* store.readText(f)).toBe("uno")
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
          expect(yield* store.list(path.join(dir, "a"))).toEqual(["c.txt"])
        })))

    it.scoped("lists names sorted, directories included", () =>
      run((dir) =>
        Effect.gen(function*() {
          const store = yield* FileStore
          for (const n of ["b", "a", "C", "a0", "sub/x"]) yield* store.writeAtomic(path.join(dir, "d", n), n)
          yield* store.makeDirectory(path.join(dir, "d/empty/deeper"))
          expect(yield* store.list(path.join(dir, "d"))).toEqual(["C", "a", "a0", "b", "empty", "sub"])
          expect(yield* store.list(path.join(dir, "d/empty"))).toEqual(["deeper"])
          yield* store.makeDirectory(path.join(dir, "d/empty")) // mkdir -p: no error when it exists
        })))

    // live clock: the local store's times are the OS's
    it.scopedLive("stat says file or directory, size and a modification time from now", () =>
      run((dir) =>
        Effect.gen(function*() {
          const store = yield* FileStore
          const f = path.join(dir, "s/file.bin")
          expect(yield* store.stat(f)).toBeNull()
          const before = yield* Clock.currentTimeMillis
          yield* store.writeAtomic(f, new Uint8Array(10))
          const info = (yield* store.stat(f))!
          expect(info.kind).toBe("file")
          expect(info.size).toBe(10)
          expect(info.mtimeMs).toBeGreaterThanOrEqual(before - 1000)
          expect(info.mtimeMs).toBeLessThanOrEqual((yield* Clock.currentTimeMillis) + 1000)
          yield* store.appendFile(f, "abc")
          expect((yield* store.stat(f))!.size).toBe(13)
          expect((yield* store.stat(path.join(dir, "s")))!.kind).toBe("directory")
        })))

    it.scoped("readRange reads a slice, short at the end of the file", () =>
      run((dir) =>
        Effect.gen(function*() {
          const store = yield* FileStore
          const f = path.join(dir, "r.bin")
          yield* store.writeAtomic(f, new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]))
          expect(Array.from(yield* store.readRange(f, 2, 3))).toEqual([2, 3, 4])
          expect(Array.from(yield* store.readRange(f, 8, 5))).toEqual([8, 9])
          expect(Array.from(yield* store.readRange(f, 10, 5))).toEqual([])
          const err = yield* Effect.flip(store.readRange(path.join(dir, "none.bin"), 0, 4))
          expect(err.op).toBe("readRange")
          expect(err.message).toMatch(/ENOENT/)
        })))

    it.scoped("writeNew: of two concurrent writers of one name exactly one wins, and its bytes stay", () =>
      run((dir) =>
        Effect.gen(function*() {
          const store = yield* FileStore
          const f = path.join(dir, "race/part-0.parquet")
          const wins = yield* Effect.all(["first", "second", "third"].map((d) => store.writeNew(f, d)), { concurrency: "unbounded" })
          expect(wins.filter((w) => w)).toHaveLength(1)
          expect(yield* store.readText(f)).toBe(["first", "second", "third"][wins.indexOf(true)])
          expect(yield* store.list(path.join(dir, "race"))).toEqual(["part-0.parquet"])
        })))

    it.scoped("cleanTemp removes temp files of dead writers only, in every folder", () =>
      run((dir) =>
        Effect.gen(function*() {
          const store = yield* FileStore
          yield* store.writeAtomic(path.join(dir, "a/c.txt"), "kept")
          yield* store.writeNew(path.join(dir, "a/c.txt.999999999.zz.tmp"), "left over")
          yield* store.writeNew(path.join(dir, "a/deep/d.txt.999999998.zz.tmp"), "left over")
          const live = `e.txt.${process.pid}.zz.tmp`
          yield* store.writeNew(path.join(dir, "a", live), "in progress")
          expect(yield* store.cleanTemp(dir)).toBe(2)
          expect(yield* store.list(path.join(dir, "a"))).toEqual(["c.txt", "deep", live].sort())
          expect(yield* store.list(path.join(dir, "a/deep"))).toEqual([])
          expect(yield* store.cleanTemp(path.join(dir, "missing"))).toBe(0)
        })))

    it.scoped("fails with a FileStoreError naming the operation, the path and the errno", () =>
      run((dir) =>
        Effect.gen(function*() {
          const store = yield* FileStore
          const missing = path.join(dir, "nope.parquet")
          const err = yield* Effect.flip(store.readFile(missing))
          expect(err._tag).toBe("FileStoreError")
          expect(err.op).toBe("readFile")
          expect(err.path).toBe(missing)
          expect(err.message).toMatch(new RegExp(`^readFile ${escape(missing)} failed: ENOENT`))
          // a file where a directory is needed
          yield* store.writeAtomic(path.join(dir, "file"), "x")
          const err2 = yield* Effect.flip(store.writeAtomic(path.join(dir, "file/child"), "y"))
          expect(err2.op).toBe("writeAtomic")
          expect(err2.message).toMatch(/ENOTDIR|EEXIST/)
          const err3 = yield* Effect.flip(store.list(path.join(dir, "file")))
          expect(err3.message).toMatch(/ENOTDIR/)
          // a directory where a file is needed
          yield* store.makeDirectory(path.join(dir, "folder"))
          expect((yield* Effect.flip(store.readFile(path.join(dir, "folder")))).message).toMatch(/EISDIR/)
          expect((yield* Effect.flip(store.writeAtomic(path.join(dir, "folder"), "z"))).message).toMatch(/EISDIR|EEXIST|ENOTEMPTY/)
          expect(yield* store.writeNew(path.join(dir, "folder"), "z")).toBe(false)
        })))
  })

contract("local", FileStoreLayer, localRoot)
contract("memory", MemoryFileStoreLayer, Effect.succeed("/data"))

describe("MemoryFileStore", () => {
  it.effect("stamps modification times from Effect's Clock (TestClock drives ages)", () =>
    Effect.gen(function*() {
      const store = yield* FileStore
      yield* TestClock.adjust("5 minutes")
      yield* store.writeAtomic("/data/u.jsonl", "{}\n")
      expect((yield* store.stat("/data/u.jsonl"))!.mtimeMs).toBe(300_000)
      yield* TestClock.adjust("1 minute")
      yield* store.appendFile("/data/u.jsonl", "{}\n")
      expect((yield* store.stat("/data/u.jsonl"))!).toEqual({ kind: "file", size: 6, mtimeMs: 360_000 })
    }).pipe(Effect.provide(MemoryFileStoreLayer)))

  it.effect("each use of the Layer starts empty; read bytes are copies", () =>
    Effect.gen(function*() {
      const first = yield* Effect.provide(
        Effect.gen(function*() {
          const store = yield* FileStore
          yield* store.writeAtomic("/x/f", new Uint8Array([1, 2]))
          const bytes = yield* store.readFile("/x/f")
          bytes[0] = 9
          return Array.from(yield* store.readFile("/x/f"))
        }),
        MemoryFileStoreLayer
      )
      expect(first).toEqual([1, 2])
      const store2 = yield* Effect.provide(FileStore, MemoryFileStoreLayer)
      expect(yield* store2.exists("/x/f")).toBe(false)
    }))
})
