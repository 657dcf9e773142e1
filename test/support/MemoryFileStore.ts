/**
 * An in-memory FileStore: directories, files with a modification time taken from Effect's
 * Clock (so TestClock drives `status`-like ages), atomic whole-file writes, never-overwrite
 * `writeNew`, sorted listings, and the same errno codes as the local store (ENOENT, ENOTDIR,
 * EISDIR) in the same FileStoreError shape. The contract suite in
 * test/storage/FileStore.test.ts runs against this and the local store alike.
 */
import * as path from "node:path"
import { Clock, Effect, Layer } from "effect"
import { isLeftoverTempFile } from "../../src/storage/atomic.js"
import { FileStore, type FileInfo, fileStoreError, type FileStoreError, type FileStoreOp, type FileStoreService } from "../../src/storage/FileStore.js"

type Node =
  | { readonly kind: "file"; bytes: Uint8Array; mtimeMs: number }
  | { readonly kind: "directory"; readonly children: Set<string>; mtimeMs: number }

const errno = (code: string, text: string, p: string): NodeJS.ErrnoException =>
  Object.assign(new Error(`${code}: ${text}, '${p}'`), { code })

const toBytes = (data: Uint8Array | string): Uint8Array =>
  typeof data === "string" ? new TextEncoder().encode(data) : data.slice()

const concat = (a: Uint8Array, b: Uint8Array): Uint8Array => {
  const out = new Uint8Array(a.length + b.length)
  out.set(a, 0)
  out.set(b, a.length)
  return out
}

export const makeMemoryFileStore = (): FileStoreService => {
  const nodes = new Map<string, Node>([["/", { kind: "directory", children: new Set(), mtimeMs: 0 }]])
  const key = (p: string): string => path.resolve("/", p)

  /** runs `f` with the current time; a thrown errno becomes the FileStoreError of `op` */
  const run = <A>(op: FileStoreOp, p: string, f: (nowMs: number) => A): Effect.Effect<A, FileStoreError> =>
    Effect.flatMap(Clock.currentTimeMillis, (nowMs) =>
      Effect.try({ try: () => f(nowMs), catch: (cause) => fileStoreError(op, p, cause) }))

  const ensureDir = (dir: string, nowMs: number): Extract<Node, { kind: "directory" }> => {
    const existing = nodes.get(dir)
    if (existing !== undefined) {
      if (existing.kind !== "directory") throw errno("ENOTDIR", "not a directory", dir)
      return existing
    }
    const parent = ensureDir(path.dirname(dir), nowMs)
    const created: Node = { kind: "directory", children: new Set(), mtimeMs: nowMs }
    nodes.set(dir, created)
    parent.children.add(path.basename(dir))
    parent.mtimeMs = nowMs
    return created
  }

  const fileAt = (p: string): Extract<Node, { kind: "file" }> => {
    const node = nodes.get(p)
    if (node === undefined) {
      // a file in place of a parent directory reads as ENOTDIR, as on disk
      for (let d = path.dirname(p); d !== "/"; d = path.dirname(d)) {
        if (nodes.get(d)?.kind === "file") throw errno("ENOTDIR", "not a directory", p)
      }
      throw errno("ENOENT", "no such file or directory", p)
    }
    if (node.kind !== "file") throw errno("EISDIR", "illegal operation on a directory", p)
    return node
  }

  const put = (p: string, bytes: Uint8Array, nowMs: number): void => {
    const parent = ensureDir(path.dirname(p), nowMs)
    if (nodes.get(p)?.kind === "directory") throw errno("EISDIR", "illegal operation on a directory", p)
    nodes.set(p, { kind: "file", bytes, mtimeMs: nowMs })
    parent.children.add(path.basename(p))
    parent.mtimeMs = nowMs
  }

  const removeFile = (p: string, nowMs: number): void => {
    const node = nodes.get(p)
    if (node === undefined) return
    if (node.kind === "directory") throw errno("ERR_FS_EISDIR", "path is a directory", p)
    nodes.delete(p)
    const parent = nodes.get(path.dirname(p))
    if (parent?.kind === "directory") {
      parent.children.delete(path.basename(p))
      parent.mtimeMs = nowMs
    }
  }

  return {
    writeAtomic: (filePath, data) => run("writeAtomic", filePath, (now) => put(key(filePath), toBytes(data), now)),
    writeNew: (filePath, data) =>
      run("writeNew", filePath, (now) => {
        const p = key(filePath)
        ensureDir(path.dirname(p), now)
        if (nodes.has(p)) return false
        put(p, toBytes(data), now)
        return true
      }),
    readFile: (filePath) => run("readFile", filePath, () => fileAt(key(filePath)).bytes.slice()),
    readText: (filePath) => run("readFile", filePath, () => new TextDecoder().decode(fileAt(key(filePath)).bytes)),
    readRange: (filePath, offset, length) =>
      run("readRange", filePath, () => fileAt(key(filePath)).bytes.slice(offset, offset + Math.max(0, length))),
    exists: (filePath) => run("exists", filePath, () => nodes.has(key(filePath))),
    stat: (filePath) =>
      run("stat", filePath, (): FileInfo | null => {
        const node = nodes.get(key(filePath))
        if (node === undefined) return null
        return node.kind === "file"
          ? { kind: "file", size: node.bytes.length, mtimeMs: node.mtimeMs }
          : { kind: "directory", size: 0, mtimeMs: node.mtimeMs }
      }),
    list: (dir) =>
      run("list", dir, () => {
        const node = nodes.get(key(dir))
        if (node === undefined) return []
        if (node.kind !== "directory") throw errno("ENOTDIR", "not a directory", dir)
        return [...node.children].sort()
      }),
    makeDirectory: (dir) => run("makeDirectory", dir, (now) => void ensureDir(key(dir), now)),
    remove: (filePath) => run("remove", filePath, (now) => removeFile(key(filePath), now)),
    appendFile: (filePath, data) =>
      run("appendFile", filePath, (now) => {
        const p = key(filePath)
        const existing = nodes.get(p)
        put(p, existing?.kind === "file" ? concat(existing.bytes, toBytes(data)) : toBytes(data), now)
      }),
    cleanTemp: (rootDir) =>
      run("cleanTemp", rootDir, (now) => {
        let removed = 0
        const walk = (dir: string): void => {
          const node = nodes.get(dir)
          if (node?.kind !== "directory") return
          for (const name of [...node.children]) {
            const child = path.join(dir, name)
            if (nodes.get(child)?.kind === "directory") walk(child)
            else if (isLeftoverTempFile(name)) {
              removeFile(child, now)
              removed++
            }
          }
        }
        walk(key(rootDir))
        return removed
      })
  }
}

/** A fresh, empty in-memory FileStore per use of the Layer. */
export const MemoryFileStoreLayer: Layer.Layer<FileStore> = Layer.sync(FileStore, makeMemoryFileStore)
