/**
 * Modes of everything the programs create under the data directory: files 0644, folders 0755,
 * whatever the umask of the shell or service manager (under umask 000 the defaults would be
 * 0666 / 0777, world-writable data; under 077 other readers such as a dashboard could not read).
 * The mode given to open/mkdir is masked by the umask, so it is set again with chmod.
 */
import * as fs from "node:fs"
import * as fsp from "node:fs/promises"
import * as path from "node:path"

export const FILE_MODE = 0o644
export const DIR_MODE = 0o755

/** `first` (the top folder mkdir created) down to `dir`, top first. */
const createdChain = (dir: string, first: string): string[] => {
  const chain: string[] = []
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    chain.push(d)
    if (d === path.resolve(first) || path.dirname(d) === d) break
  }
  return chain.reverse()
}

/** mkdir -p; every folder it creates gets DIR_MODE. */
export async function makeDirs(dir: string): Promise<void> {
  const first = await fsp.mkdir(dir, { recursive: true, mode: DIR_MODE })
  if (first === undefined) return
  for (const d of createdChain(dir, first)) await fsp.chmod(d, DIR_MODE)
}

export function makeDirsSync(dir: string): void {
  const first = fs.mkdirSync(dir, { recursive: true, mode: DIR_MODE })
  if (first === undefined) return
  for (const d of createdChain(dir, first)) fs.chmodSync(d, DIR_MODE)
}

/** Opens for appending; a file this call creates gets FILE_MODE. */
export async function openForAppend(filePath: string): Promise<{ readonly handle: fsp.FileHandle; readonly created: boolean }> {
  let handle: fsp.FileHandle
  try {
    handle = await fsp.open(filePath, "ax", FILE_MODE)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e
    return { handle: await fsp.open(filePath, "a"), created: false }
  }
  try {
    await handle.chmod(FILE_MODE)
  } catch (e) {
    await handle.close()
    throw e
  }
  return { handle, created: true }
}
