/**
 * Child process for the crash test: writes a file atomically but SIGKILLs itself after the
 * temp file is fsynced and before it is published, like a kill -9 mid-flush.
 * argv: <final path> <mode: atomic | new>
 */
import { setBeforePublishHookForTests, writeFileAtomicSync, writeNewFileSync } from "../../../src/storage/atomic.js"

const [finalPath, mode] = process.argv.slice(2)
if (finalPath === undefined) throw new Error("crashWriter: missing final path argument")
setBeforePublishHookForTests((tempPath) => {
  process.stdout.write(`${tempPath}\n`)
  process.kill(process.pid, "SIGKILL")
})
const payload = new Uint8Array(1 << 20).fill(7)
if (mode === "new") writeNewFileSync(finalPath, payload)
else writeFileAtomicSync(finalPath, payload)
