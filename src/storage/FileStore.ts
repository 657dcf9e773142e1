/**
 * The file-system seam: every file the product reads or writes (universes, stats and reports,
 * the write-ahead files' bookkeeping, the data-dir lock, the miner's and `status`'s inputs) goes
 * through the `FileStore` service. `FileStoreLayer` is the local disk; the atomic primitives
 * it uses (temp + fsync + rename/link + directory fsync) live in atomic.ts and nowhere else.
 * Every failure is a FileStoreError that names the operation and the path.
 */
import * as fsp from "node:fs/promises"
import * as path from "node:path"
import { Context, Data, Effect, Layer } from "effect"
import { cleanTempFiles, writeFileAtomic, writeNewFile } from "./atomic.js"
import { makeDirs, openForAppend } from "./permissions.js"

export type FileStoreOp =
  | "writeAtomic"
  | "writeNew"
  | "readFile"
  | "readRange"
  | "exists"
  | "stat"
  | "list"
  | "makeDirectory"
  | "remove"
  | "appendFile"
  | "cleanTemp"

export class FileStoreError extends Data.TaggedError("FileStoreError")<{
  readonly path: string
  readonly op: FileStoreOp
  readonly message: string
  readonly cause?: unknown
}> {}

/** `code` is the errno name a caller may branch on (ENOENT, ENOTDIR, EISDIR, ...). */
export const fileStoreError = (op: FileStoreOp, filePath: string, cause: unknown): FileStoreError => {
  const e = cause as NodeJS.ErrnoException
  const detail = e?.code !== undefined ? `${e.code}${e.message ? `: ${e.message.replace(/^\w+: /, "")}` : ""}` : String((e as Error)?.message ?? cause)
  return new FileStoreError({ path: filePath, op, message: `${op} ${filePath} failed: ${detail}`, cause })
}

export interface FileInfo {
  readonly kind: "file" | "directory"
  readonly size: number
  readonly mtimeMs: number
}

export interface FileStoreService {
  /** temp + fsync + rename (replaces an existing file); creates missing directories */
  readonly writeAtomic: (filePath: string, data: Uint8Array | string) => Effect.Effect<void, FileStoreError>
  /** atomic and never replaces: false when the name is already taken */
  readonly writeNew: (filePath: string, data: Uint8Array | string) => Effect.Effect<boolean, FileStoreError>
  readonly readFile: (filePath: string) => Effect.Effect<Uint8Array, FileStoreError>
  readonly readText: (filePath: string) => Effect.Effect<string, FileStoreError>
  /** `length` bytes from `offset` (fewer at the end of the file): Parquet footers without the whole file */
  readonly readRange: (filePath: string, offset: number, length: number) => Effect.Effect<Uint8Array, FileStoreError>
  readonly exists: (filePath: string) => Effect.Effect<boolean, FileStoreError>
  /** null when nothing is there */
  readonly stat: (filePath: string) => Effect.Effect<FileInfo | null, FileStoreError>
  /** entry names of a directory, sorted; [] when it does not exist */
  readonly list: (dir: string) => Effect.Effect<ReadonlyArray<string>, FileStoreError>
  /** mkdir -p */
  readonly makeDirectory: (dir: string) => Effect.Effect<void, FileStoreError>
  /** removes a file; a missing file is not an error */
  readonly remove: (filePath: string) => Effect.Effect<void, FileStoreError>
  /** appends (mkdir -p first); with `fsync` the data is on disk when the effect completes */
  readonly appendFile: (filePath: string, data: Uint8Array | string, opts?: { readonly fsync?: boolean }) => Effect.Effect<void, FileStoreError>
  /** removes leftover `*.tmp` of dead writers under a root (recursive); returns how many */
  readonly cleanTemp: (rootDir: string) => Effect.Effect<number, FileStoreError>
}

export class FileStore extends Context.Tag("FileStore")<FileStore, FileStoreService>() {}

const attempt = <A>(op: FileStoreOp, filePath: string, f: () => Promise<A>): Effect.Effect<A, FileStoreError> =>
  Effect.tryPromise({ try: f, catch: (cause) => fileStoreError(op, filePath, cause) })

const isEnoent = (e: unknown): boolean => (e as NodeJS.ErrnoException)?.code === "ENOENT"

const asUint8 = (buf: Buffer): Uint8Array => new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)

export const localFileStore: FileStoreService = {
  writeAtomic: (filePath, data) => attempt("writeAtomic", filePath, () => writeFileAtomic(filePath, data)),
  writeNew: (filePath, data) => attempt("writeNew", filePath, () => writeNewFile(filePath, data)),
  readFile: (filePath) => attempt("readFile", filePath, async () => asUint8(await fsp.readFile(filePath))),
  readText: (filePath) => attempt("readFile", filePath, () => fsp.readFile(filePath, "utf8")),
  readRange: (filePath, offset, length) =>
    attempt("readRange", filePath, async () => {
      const handle = await fsp.open(filePath, "r")
      try {
        const buf = Buffer.alloc(Math.max(0, length))
        let got = 0
        while (got < buf.length) {
          const { bytesRead } = await handle.read(buf, got, buf.length - got, offset + got)
          if (bytesRead === 0) break
          got += bytesRead
        }
        return asUint8(buf.subarray(0, got))
      } finally {
        await handle.close()
      }
    }),
  exists: (filePath) =>
    attempt("exists", filePath, async () => {
      try {
        await fsp.access(filePath)
        return true
      } catch (e) {
        if (isEnoent(e)) return false
        throw e
      }
    }),
  stat: (filePath) =>
    attempt("stat", filePath, async () => {
      try {
        const s = await fsp.stat(filePath)
        return { kind: s.isDirectory() ? "directory" : "file", size: s.size, mtimeMs: s.mtimeMs } satisfies FileInfo
      } catch (e) {
        if (isEnoent(e)) return null
        throw e
      }
    }),
  list: (dir) =>
    attempt("list", dir, async () => {
      try {
        return (await fsp.readdir(dir)).sort()
      } catch (e) {
        if (isEnoent(e)) return []
        throw e
      }
    }),
  makeDirectory: (dir) => attempt("makeDirectory", dir, () => fsp.mkdir(dir, { recursive: true }).then(() => undefined)),
  remove: (filePath) => attempt("remove", filePath, () => fsp.rm(filePath, { force: true })),
  appendFile: (filePath, data, opts) =>
    attempt("appendFile", filePath, async () => {
      await makeDirs(path.dirname(filePath))
      const { handle } = await openForAppend(filePath)
      try {
        await handle.appendFile(data)
        if (opts?.fsync === true) await handle.sync()
      } finally {
        await handle.close()
      }
    }),
  cleanTemp: (rootDir) => attempt("cleanTemp", rootDir, () => cleanTempFiles(rootDir))
}

/** FileStore on the local filesystem. */
export const FileStoreLayer: Layer.Layer<FileStore> = Layer.succeed(FileStore, localFileStore)
