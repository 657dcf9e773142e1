/**
 * The file-system seam (DESIGN section 2: `FileStoreLayer`, local today, object storage later).
 * Effects over the atomic primitives in atomic.ts; every failure is a FileStoreError that names
 * the operation and the path.
 */
import * as fsp from "node:fs/promises"
import * as path from "node:path"
import { Context, Data, Effect, Layer } from "effect"
import { cleanTempFiles, writeFileAtomic, writeNewFile } from "./atomic.js"
import { makeDirs, openForAppend } from "./permissions.js"

export type FileStoreOp = "writeAtomic" | "writeNew" | "readFile" | "exists" | "list" | "remove" | "appendFile" | "cleanTemp"

export class FileStoreError extends Data.TaggedError("FileStoreError")<{
  readonly path: string
  readonly op: FileStoreOp
  readonly message: string
}> {}

const fileStoreError = (op: FileStoreOp, filePath: string, cause: unknown): FileStoreError => {
  const e = cause as NodeJS.ErrnoException
  const detail = e?.code !== undefined ? `${e.code}${e.message ? `: ${e.message.replace(/^\w+: /, "")}` : ""}` : String((e as Error)?.message ?? cause)
  return new FileStoreError({ path: filePath, op, message: `${op} ${filePath} failed: ${detail}` })
}

export interface FileStoreService {
  /** temp + fsync + rename (replaces an existing file) */
  readonly writeAtomic: (filePath: string, data: Uint8Array | string) => Effect.Effect<void, FileStoreError>
  /** atomic and never replaces: false when the name is already taken */
  readonly writeNew: (filePath: string, data: Uint8Array | string) => Effect.Effect<boolean, FileStoreError>
  readonly readFile: (filePath: string) => Effect.Effect<Uint8Array, FileStoreError>
  readonly readText: (filePath: string) => Effect.Effect<string, FileStoreError>
  readonly exists: (filePath: string) => Effect.Effect<boolean, FileStoreError>
  /** entry names of a directory, sorted; [] when it does not exist */
  readonly list: (dir: string) => Effect.Effect<ReadonlyArray<string>, FileStoreError>
  /** removes a file; a missing file is not an error */
  readonly remove: (filePath: string) => Effect.Effect<void, FileStoreError>
  /** appends (mkdir -p first); with `fsync` the data is on disk when the effect completes */
  readonly appendFile: (filePath: string, data: Uint8Array | string, opts?: { readonly fsync?: boolean }) => Effect.Effect<void, FileStoreError>
  /** removes leftover `*.tmp` of dead writers under a root; returns how many */
  readonly cleanTemp: (rootDir: string) => Effect.Effect<number, FileStoreError>
}

export class FileStore extends Context.Tag("FileStore")<FileStore, FileStoreService>() {}

const attempt = <A>(op: FileStoreOp, filePath: string, f: () => Promise<A>): Effect.Effect<A, FileStoreError> =>
  Effect.tryPromise({ try: f, catch: (cause) => fileStoreError(op, filePath, cause) })

const isEnoent = (e: unknown): boolean => (e as NodeJS.ErrnoException)?.code === "ENOENT"

export const localFileStore: FileStoreService = {
  writeAtomic: (filePath, data) => attempt("writeAtomic", filePath, () => writeFileAtomic(filePath, data)),
  writeNew: (filePath, data) => attempt("writeNew", filePath, () => writeNewFile(filePath, data)),
  readFile: (filePath) => attempt("readFile", filePath, async () => new Uint8Array(await fsp.readFile(filePath))),
  readText: (filePath) => attempt("readFile", filePath, () => fsp.readFile(filePath, "utf8")),
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
  list: (dir) =>
    attempt("list", dir, async () => {
      try {
        return (await fsp.readdir(dir)).sort()
      } catch (e) {
        if (isEnoent(e)) return []
        throw e
      }
    }),
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
