/**
 * Crash-safe file writes. A reader sees either nothing or the whole file:
 * write a temp file in the same directory (same filesystem, so rename is atomic), fsync it,
 * rename (or link, to never replace) onto the final name, then fsync the directory so the
 * new entry survives a power loss. A crash (kill -9) in between leaves only a `*.tmp`, which
 * readers ignore (`isTempFile`) and `cleanTempFiles` removes.
 */
import * as fs from "node:fs"
import * as fsp from "node:fs/promises"
import * as path from "node:path"
import { isTempFile, tempPathFor } from "./paths.js"
import { FILE_MODE, makeDirs, makeDirsSync } from "./permissions.js"

/**
 * Test seam: called after the temp file is written and fsynced, before it becomes visible.
 * Tests use it to crash (SIGKILL) or fail at exactly that point. Null in production.
 */
let beforePublishHook: ((tempPath: string, finalPath: string) => void) | null = null
export function setBeforePublishHookForTests(hook: ((tempPath: string, finalPath: string) => void) | null): void {
  beforePublishHook = hook
}

const toBytes = (data: Uint8Array | string): Uint8Array =>
  typeof data === "string" ? Buffer.from(data, "utf8") : data

function fsyncDirSync(dir: string): void {
  let fd: number | undefined
  try {
    fd = fs.openSync(dir, "r")
    fs.fsyncSync(fd)
  } catch {
    // Some filesystems refuse fsync on a directory (EINVAL/EISDIR); the rename itself is still atomic.
  } finally {
    if (fd !== undefined) fs.closeSync(fd)
  }
}

async function fsyncDir(dir: string): Promise<void> {
  let handle: fsp.FileHandle | undefined
  try {
    handle = await fsp.open(dir, "r")
    await handle.sync()
  } catch {
    // see fsyncDirSync
  } finally {
    await handle?.close()
  }
}

function writeTempSync(finalPath: string, bytes: Uint8Array): string {
  makeDirsSync(path.dirname(finalPath))
  const tempPath = tempPathFor(finalPath)
  const fd = fs.openSync(tempPath, "wx", FILE_MODE)
  try {
    fs.fchmodSync(fd, FILE_MODE) // (the open mode is masked by the umask)
    let offset = 0
    while (offset < bytes.length) offset += fs.writeSync(fd, bytes, offset, bytes.length - offset)
    fs.fsyncSync(fd)
  } catch (e) {
    fs.closeSync(fd)
    fs.rmSync(tempPath, { force: true })
    throw e
  }
  fs.closeSync(fd)
  return tempPath
}

async function writeTemp(finalPath: string, bytes: Uint8Array): Promise<string> {
  await makeDirs(path.dirname(finalPath))
  const tempPath = tempPathFor(finalPath)
  const handle = await fsp.open(tempPath, "wx", FILE_MODE)
  try {
    await handle.chmod(FILE_MODE) // (the open mode is masked by the umask)
    await handle.writeFile(bytes)
    await handle.sync()
  } catch (e) {
    await handle.close()
    await fsp.rm(tempPath, { force: true })
    throw e
  }
  await handle.close()
  return tempPath
}

/** Writes `data` to `filePath` atomically, replacing any existing file. */
export function writeFileAtomicSync(filePath: string, data: Uint8Array | string): void {
  const tempPath = writeTempSync(filePath, toBytes(data))
  try {
    beforePublishHook?.(tempPath, filePath)
    fs.renameSync(tempPath, filePath)
  } catch (e) {
    fs.rmSync(tempPath, { force: true })
    throw e
  }
  fsyncDirSync(path.dirname(filePath))
}

/** Writes `data` to `filePath` atomically, replacing any existing file. */
export async function writeFileAtomic(filePath: string, data: Uint8Array | string): Promise<void> {
  const tempPath = await writeTemp(filePath, toBytes(data))
  try {
    beforePublishHook?.(tempPath, filePath)
    await fsp.rename(tempPath, filePath)
  } catch (e) {
    await fsp.rm(tempPath, { force: true })
    throw e
  }
  await fsyncDir(path.dirname(filePath))
}

/**
 * Atomic, and never replaces: publishes with link(temp, final), which fails with EEXIST when
 * the final name is taken. Returns false (and leaves the existing file alone) in that case.
 */
export function writeNewFileSync(filePath: string, data: Uint8Array | string): boolean {
  const tempPath = writeTempSync(filePath, toBytes(data))
  try {
    beforePublishHook?.(tempPath, filePath)
    fs.linkSync(tempPath, filePath)
  } catch (e) {
    fs.rmSync(tempPath, { force: true })
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false
    throw e
  }
  fs.rmSync(tempPath, { force: true })
  fsyncDirSync(path.dirname(filePath))
  return true
}

/** Async form of `writeNewFileSync`. */
export async function writeNewFile(filePath: string, data: Uint8Array | string): Promise<boolean> {
  const tempPath = await writeTemp(filePath, toBytes(data))
  try {
    beforePublishHook?.(tempPath, filePath)
    await fsp.link(tempPath, filePath)
  } catch (e) {
    await fsp.rm(tempPath, { force: true })
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false
    throw e
  }
  await fsp.rm(tempPath, { force: true })
  await fsyncDir(path.dirname(filePath))
  return true
}

const TEMP_PID_RE = /\.(\d+)\.[0-9a-z]+\.tmp$/

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    // EPERM: it exists but belongs to someone else
    return (e as NodeJS.ErrnoException).code === "EPERM"
  }
}

/** A temp file whose writer process is gone (a live writer's temp file is a write in progress). */
export function isLeftoverTempFile(name: string, opts: CleanTempOptions = {}): boolean {
  if (!isTempFile(name)) return false
  const pid = TEMP_PID_RE.exec(name)?.[1]
  return opts.includeLivePids === true || pid === undefined || !processIsAlive(Number(pid))
}

export interface CleanTempOptions {
  /**
   * Also remove temp files whose writer process is still running (including this one).
   * Off by default: the collector, scanner and miner share the data dir, and one program's
   * startup cleanup must not delete another's write in progress.
   */
  readonly includeLivePids?: boolean
}

/**
 * Removes leftover `*.tmp` files under `rootDir` (recursive) whose writer is gone.
 * Returns how many were removed. A missing root counts as clean.
 */
export async function cleanTempFiles(rootDir: string, opts: CleanTempOptions = {}): Promise<number> {
  let removed = 0
  const walk = async (dir: string): Promise<void> => {
    let entries: fs.Dirent[]
    try {
      entries = await fsp.readdir(dir, { withFileTypes: true })
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return
      throw e
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name)
      if (entry.isDirectory()) {
        await walk(full)
      } else if (isLeftoverTempFile(entry.name, opts)) {
        try {
          await fsp.rm(full)
          removed++
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e
        }
      }
    }
  }
  await walk(rootDir)
  return removed
}
