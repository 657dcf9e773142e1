import { describe, expect, it } from "vitest"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import {
  cleanTempFiles, setBeforePublishHookForTests, writeFileAtomic, writeFileAtomicSync, writeNewFile, writeNewFileSync
} from "../../src/storage/atomic.js"

const withDir = async (f: (dir: string) => Promise<void>) => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "atomic-"))
  try {
    await f(dir)
  } finally {
    await fs.rm(dir, { recursive: true, force: true })
  }
}

const crashChild = (finalPath: string, mode: "atomic" | "new") =>
  spawnSync(process.execPath, ["--import", "tsx", path.join(__dirname, "support/crashWriter.ts"), finalPath, mode], {
    encoding: "utf8", timeout: 60_000
  })

describe("atomic writes", () => {
  it("writes and replaces files, creating directories", () =>
    withDir(async (dir) => {
      const f = path.join(dir, "a/b/c.txt")
      await writeFileAtomic(f, "one")
      expect(await fs.readFile(f, "utf8")).toBe("one")
      await writeFileAtomic(f, new Uint8Array([104, 105]))
      expect(await fs.readFile(f, "utf8")).toBe("hi")
      writeFileAtomicSync(f, "three")
      expect(await fs.readFile(f, "utf8")).toBe("three")
      expect(await fs.readdir(path.dirname(f))).toEqual(["c.txt"])
    }))

  it("writeNewFile never overwrites an existing file", () =>
    withDir(async (dir) => {
      const f = path.join(dir, "x/new.parquet")
      expect(await writeNewFile(f, "first")).toBe(true)
      expect(await writeNewFile(f, "second")).toBe(false)
      expect(writeNewFileSync(f, "third")).toBe(false)
      expect(await fs.readFile(f, "utf8")).toBe("first")
      expect(writeNewFileSync(path.join(dir, "x/other.parquet"), "o")).toBe(true)
      expect((await fs.readdir(path.dirname(f))).sort()).toEqual(["new.parquet", "other.parquet"])
    }))

  it("a failure before publishing leaves no visible file and no temp", () =>
    withDir(async (dir) => {
      const f = path.join(dir, "fail.bin")
      setBeforePublishHookForTests(() => {
        throw new Error("disk on fire")
      })
      try {
        await expect(writeFileAtomic(f, "x")).rejects.toThrow("disk on fire")
        expect(() => writeNewFileSync(f, "x")).toThrow("disk on fire")
      } finally {
        setBeforePublishHookForTests(null)
      }
      expect(await fs.readdir(dir)).toEqual([])
    }))

  for (const mode of ["atomic", "new"] as const) {
    it(`a process killed (SIGKILL) between write and publish (${mode}) leaves no visible file; cleanTempFiles removes the temp`, () =>
      withDir(async (dir) => {
        const f = path.join(dir, "orderbook_snapshots/venue=kalshi/date=2026-01-05/hour=07/snapshots_2026-01-05T07-40.parquet")
        const child = crashChild(f, mode)
        expect(child.signal).toBe("SIGKILL")
        const tempPath = child.stdout.trim()
        expect(path.dirname(tempPath)).toBe(path.dirname(f))
        // the temp really holds the fsynced payload; the final name does not exist
        expect((await fs.stat(tempPath)).size).toBe(1 << 20)
        await expect(fs.access(f)).rejects.toThrow()
        expect(await fs.readdir(path.dirname(f))).toEqual([path.basename(tempPath)])
        expect(await cleanTempFiles(dir)).toBe(1)
        expect(await fs.readdir(path.dirname(f))).toEqual([])
        expect(await cleanTempFiles(dir)).toBe(0)
      }))
  }

  it("cleanTempFiles keeps temps of live writers unless asked, and tolerates a missing root", () =>
    withDir(async (dir) => {
      const mine = path.join(dir, `f.parquet.${process.pid}.abc.tmp`)
      await fs.writeFile(mine, "in flight")
      expect(await cleanTempFiles(dir)).toBe(0)
      expect(await cleanTempFiles(dir, { includeLivePids: true })).toBe(1)
      expect(await cleanTempFiles(path.join(dir, "nope"))).toBe(0)
    }))
})
