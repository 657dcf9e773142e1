import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { lockDataDir, lockPath, tryLockDataDir } from "../../src/ops/DataDirLock.js"

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "lock-"))

/** A pid that is certainly not running: a child that has already exited. */
const deadPid = (): Promise<number> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, ["-e", ""])
    child.on("exit", () => resolve(child.pid!))
  })

describe("one collector per data_dir", () => {
  it.effect("the second holder is refused with a line naming the first pid; released with the scope", () =>
    Effect.gen(function* () {
      const dir = tmp()
      yield* Effect.scoped(Effect.gen(function* () {
        yield* lockDataDir(dir)
        expect(fs.readFileSync(lockPath(dir), "utf8").trim()).toBe(String(process.pid))
        // a different live process (our parent, certainly running) cannot take it
        expect(tryLockDataDir(dir, process.ppid)).toEqual({ ok: false, holder: process.pid })
      }))
      expect(fs.existsSync(lockPath(dir))).toBe(false)
      // held by a live process (our parent): refused, one line, names pid and file
      fs.writeFileSync(lockPath(dir), `${process.ppid}\n`)
      const refused = yield* Effect.exit(Effect.scoped(lockDataDir(dir)))
      expect(Exit.isFailure(refused)).toBe(true)
      if (Exit.isFailure(refused)) {
        const msg = JSON.stringify(refused.cause)
        expect(msg).toContain(`in use by another collector (pid ${process.ppid}`)
        expect(msg).toContain(lockPath(dir))
      }
      // the refused attempt did not remove the other holder's lock
      expect(fs.readFileSync(lockPath(dir), "utf8").trim()).toBe(String(process.ppid))
    }))

  it.effect("a stale lock left by a dead process (kill -9) is taken over", () =>
    Effect.gen(function* () {
      const dir = tmp()
      const pid = yield* Effect.promise(deadPid)
      fs.mkdirSync(path.dirname(lockPath(dir)), { recursive: true })
      fs.writeFileSync(lockPath(dir), `${pid}\n`)
      yield* Effect.scoped(Effect.gen(function* () {
        yield* lockDataDir(dir)
        expect(fs.readFileSync(lockPath(dir), "utf8").trim()).toBe(String(process.pid))
      }))
      expect(fs.existsSync(lockPath(dir))).toBe(false)
    }))
})
