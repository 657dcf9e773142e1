/**
 * Appending newline-terminated records to a file so that the count we report is the count the
 * file really holds. `write(2)` may take only part of a buffer (a nearly full filesystem takes
 * what fits and says how much), and it may fail half way (ENOSPC, EIO, EROFS): every write is
 * looped on its `bytesWritten`, and after a failure the file is cut back to its last complete
 * record, so the next append can continue in the same file and no half line is ever followed
 * by more text. A file this call created and left empty is removed: a failing disk must not
 * fill a folder with empty files.
 */
import * as fsp from "node:fs/promises"
import * as path from "node:path"
import { makeDirs, openForAppend } from "./permissions.js"

/** An open file, reduced to what an append needs. */
export interface AppendHandle {
  /** writes bytes[offset, offset + length) at the end of the file; returns how many were taken */
  readonly write: (bytes: Uint8Array, offset: number, length: number) => Promise<number>
  readonly sync: () => Promise<void>
  readonly truncate: (length: number) => Promise<void>
  readonly size: () => Promise<number>
  readonly close: () => Promise<void>
}

/** The file-system operations of an append; tests pass one that takes half a buffer or throws ENOSPC. */
export interface AppendFileSystem {
  readonly mkdirp: (dir: string) => Promise<void>
  /** opens for appending, creating the file when missing; `created` says whether it did */
  readonly openAppend: (filePath: string) => Promise<{ readonly handle: AppendHandle; readonly created: boolean }>
  readonly unlink: (filePath: string) => Promise<void>
}

const wrapHandle = (h: fsp.FileHandle): AppendHandle => ({
  write: async (bytes, offset, length) => (await h.write(bytes, offset, length, null)).bytesWritten,
  sync: () => h.sync(),
  truncate: (length) => h.truncate(length),
  size: async () => (await h.stat()).size,
  close: () => h.close()
})

export const nodeAppendFileSystem: AppendFileSystem = {
  mkdirp: makeDirs,
  openAppend: async (filePath) => {
    const { handle, created } = await openForAppend(filePath)
    return { handle: wrapHandle(handle), created }
  },
  unlink: (filePath) => fsp.rm(filePath, { force: true })
}

export interface AppendOutcome {
  /** records whose complete line is in the file after the call (fsynced unless `error` says otherwise) */
  readonly records: number
  /** the first failure (write, fsync, open...); null when every record was written and fsynced */
  readonly error: unknown
  /**
   * false when the file could not be cut back after a failure and may end in a partial line:
   * further records must go to another file (a reader ignores a partial LAST line only)
   */
  readonly fileClean: boolean
}

/** Records [from, to) as lines, each ending in "\n": text, or its UTF-8 bytes. */
export type RecordEncoder = (from: number, to: number) => string | Uint8Array

const NEWLINE = 0x0a

/**
 * Appends records [0, count) in chunks of `chunkRecords` (the event loop gets a turn between
 * chunk writes), then fsyncs. Never throws: the outcome says how many records the file holds.
 */
export async function appendRecordsDurably(
  fs: AppendFileSystem, filePath: string, count: number, chunkRecords: number, encode: RecordEncoder
): Promise<AppendOutcome> {
  if (count === 0) return { records: 0, error: null, fileClean: true }
  let opened: { handle: AppendHandle; created: boolean }
  try {
    await fs.mkdirp(path.dirname(filePath))
    opened = await fs.openAppend(filePath)
  } catch (error) {
    return { records: 0, error, fileClean: true }
  }
  const { handle, created } = opened
  let records = 0
  /** file length at the last record boundary */
  let boundary = 0
  let outcome: AppendOutcome
  try {
    boundary = await handle.size()
    for (let from = 0; from < count; from += chunkRecords) {
      const to = Math.min(count, from + chunkRecords)
      const encoded = encode(from, to)
      const bytes = typeof encoded === "string" ? Buffer.from(encoded, "utf8") : encoded
      let offset = 0
      try {
        while (offset < bytes.length) {
          const n = await handle.write(bytes, offset, bytes.length - offset)
          if (!(n > 0)) throw Object.assign(new Error(`the filesystem took 0 of ${bytes.length - offset} bytes`), { code: "EIO" })
          offset += n
        }
      } catch (error) {
        // Records of this chunk whose whole line (up to its "\n") got in, before the cut.
        const lastNewline = offset > 0 ? bytes.lastIndexOf(NEWLINE, offset - 1) : -1
        let whole = 0
        for (let i = 0; i <= lastNewline; i++) if (bytes[i] === NEWLINE) whole++
        return await settleAfterFailure(handle, error, records + whole, boundary + lastNewline + 1, boundary + offset)
      }
      records = to
      boundary += bytes.length
    }
    try {
      await handle.sync()
    } catch (error) {
      // The lines are in the file (readers see them) but not confirmed on the device.
      return { records, error, fileClean: true }
    }
    outcome = { records, error: null, fileClean: true }
  } catch (error) {
    outcome = { records, error, fileClean: true }
    if (created && records === 0) await fs.unlink(filePath).catch(() => undefined)
  } finally {
    await handle.close().catch(() => undefined)
  }
  return outcome

  async function settleAfterFailure(
    h: AppendHandle, error: unknown, wholeRecords: number, keepBytes: number, writtenBytes: number
  ): Promise<AppendOutcome> {
    let clean = true
    if (writtenBytes > keepBytes) {
      try {
        await h.truncate(keepBytes)
      } catch {
        clean = false
      }
    }
    await h.sync().catch(() => undefined)
    await h.close().catch(() => undefined)
    if (created && wholeRecords === 0 && clean) await fs.unlink(filePath).catch(() => undefined)
    return { records: wholeRecords, error, fileClean: clean }
  }
}

/** errno code of a Node error (or of an Error message starting "ECODE: ..."), else null. */
export const errnoCode = (e: unknown): string | null => {
  const code = (e as { code?: unknown } | null)?.code
  if (typeof code === "string") return code
  const m = /^(E[A-Z]{2,}):/.exec(e instanceof Error ? e.message : String(e))
  return m === null ? null : m[1]!
}

/** Why the disk refused, as a metric label. */
export type DiskRefusal = "disk_full" | "read_only" | "io_error" | "write_failed"
export const DISK_REFUSALS: ReadonlyArray<DiskRefusal> = ["disk_full", "read_only", "io_error", "write_failed"]

export const diskRefusalOf = (e: unknown): DiskRefusal => {
  switch (errnoCode(e)) {
    case "ENOSPC":
    case "EDQUOT":
    case "EFBIG":
      return "disk_full"
    case "EROFS":
      return "read_only"
    case "EIO":
      return "io_error"
    default:
      return "write_failed"
  }
}
