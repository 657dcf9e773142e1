/**
 * Disks that refuse: an append file system over the real one whose writes can be told to take
 * only half of each buffer or to fail with an errno, and a real small tmpfs (root only).
 */
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { nodeAppendFileSystem, type AppendFileSystem } from "../../src/storage/durableAppend.js"

export type DiskMode =
  | { readonly kind: "ok" }
  /** every write takes half of what it is given (at least 1 byte): a short write, not an error */
  | { readonly kind: "half" }
  /** the next write takes half, later writes fail with `code`; `truncateFails`: the file cannot be cut back */
  | { readonly kind: "half-then-fail"; readonly code: string; readonly truncateFails?: boolean }
  | { readonly kind: "fail"; readonly code: string }

export interface FaultyDisk {
  readonly fs: AppendFileSystem
  mode: DiskMode
  /** openAppend calls: one per append attempt */
  opens: number
  writes: number
}

const errno = (code: string) =>
  Object.assign(new Error(`${code}: ${code === "ENOSPC" ? "no space left on device" : "refused"}, write`), { code })

export function faultyDisk(mode: DiskMode = { kind: "ok" }): FaultyDisk {
  const disk: FaultyDisk = {
    mode, opens: 0, writes: 0,
    fs: {
      mkdirp: nodeAppendFileSystem.mkdirp,
      unlink: nodeAppendFileSystem.unlink,
      openAppend: async (filePath) => {
        disk.opens++
        const opened = await nodeAppendFileSystem.openAppend(filePath)
        const real = opened.handle
        let halfTaken = false
        return {
          created: opened.created,
          handle: {
            ...real,
            write: async (bytes, offset, length) => {
              disk.writes++
              const m = disk.mode
              if (m.kind === "ok") return real.write(bytes, offset, length)
              if (m.kind === "half" || (m.kind === "half-then-fail" && !halfTaken)) {
                halfTaken = true
                return real.write(bytes, offset, Math.max(1, Math.floor(length / 2)))
              }
              throw errno(m.code)
            },
            truncate: async (length) => {
              if (disk.mode.kind === "half-then-fail" && disk.mode.truncateFails === true) throw errno("EIO")
              return real.truncate(length)
            }
          }
        }
      }
    }
  }
  return disk
}

/** Zero-byte files under `dir` (a failing writer must not leave any). */
export function emptyFiles(dir: string): string[] {
  const out: string[] = []
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name)
      if (e.isDirectory()) walk(full)
      else if (fs.statSync(full).size === 0) out.push(full)
    }
  }
  if (fs.existsSync(dir)) walk(dir)
  return out
}

export interface SmallFs {
  readonly dir: string
  /** resize (tmpfs remount) */
  readonly resize: (size: string) => void
  readonly readOnly: (ro: boolean) => void
  readonly unmount: () => void
}

/**
 * A real tmpfs of `size` (e.g. "64k") mounted on a fresh folder, or the reason it cannot be
 * mounted here (not root, no CAP_SYS_ADMIN, container policy).
 */
export function mountSmallFs(size: string): SmallFs | string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "small-fs-"))
  const mount = (args: ReadonlyArray<string>) => execFileSync("mount", args, { stdio: ["ignore", "ignore", "pipe"] })
  try {
    mount(["-t", "tmpfs", "-o", `size=${size},mode=0755`, "tmpfs", dir])
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true })
    const stderr = (e as { stderr?: Buffer }).stderr?.toString().trim()
    return `cannot mount a ${size} tmpfs here (${stderr !== undefined && stderr !== "" ? stderr : String(e)})`
  }
  return {
    dir,
    resize: (s) => { mount(["-o", `remount,size=${s}`, dir]) },
    readOnly: (ro) => { mount(["-o", `remount,${ro ? "ro" : "rw"}`, dir]) },
    unmount: () => {
      try { execFileSync("umount", ["-l", dir]) } catch { /* already gone */ }
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }
}
