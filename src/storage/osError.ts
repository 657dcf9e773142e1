/**
 * Operating-system errors (Node's `code` + `syscall` + `path`) in words, with the path:
 * `cannot open /data/x: permission denied (EACCES)` instead of a bare code.
 */
const WORDS: Record<string, string> = {
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  ENOENT: "no such file or directory",
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  EROFS: "read-only file system",
  ENOTDIR: "a part of the path is not a directory",
  EISDIR: "is a directory",
  EEXIST: "already exists",
  EMFILE: "too many open files",
  ENAMETOOLONG: "file name too long",
  ELOOP: "too many symbolic links",
  EIO: "input/output error"
}

const VERBS: Record<string, string> = {
  open: "open",
  mkdir: "create directory",
  scandir: "list directory",
  opendir: "list directory",
  stat: "read",
  lstat: "read",
  access: "access",
  rename: "rename",
  unlink: "delete",
  rmdir: "delete directory",
  rm: "delete",
  write: "write",
  read: "read",
  copyfile: "copy",
  chmod: "change permissions of",
  fsync: "sync"
}

/** The words for an errno code (`ENOSPC` -> "no space left on device"), or the code itself. */
export const errnoWords = (code: string): string => WORDS[code] ?? code

interface ErrnoLike {
  readonly code: string
  readonly syscall?: string
  readonly path?: string
  readonly dest?: string
}

const findErrno = (error: unknown, depth = 0): ErrnoLike | null => {
  if (error === null || typeof error !== "object" || depth > 4) return null
  const e = error as { code?: unknown; cause?: unknown; error?: unknown }
  if (typeof e.code === "string" && e.code in WORDS) return e as ErrnoLike
  return findErrno(e.cause, depth + 1) ?? findErrno(e.error, depth + 1)
}

/**
 * `cannot open /x: permission denied (EACCES)` when `error` (or its cause) is an OS error
 * with a known code, else null.
 */
export const describeOsError = (error: unknown): string | null => {
  const e = findErrno(error)
  if (e === null) return null
  const verb = e.syscall !== undefined ? VERBS[e.syscall] ?? e.syscall : "use"
  const where = e.path !== undefined ? ` ${e.path}` : ""
  const dest = e.dest !== undefined ? ` -> ${e.dest}` : ""
  return `cannot ${verb}${where}${dest}: ${errnoWords(e.code)} (${e.code})`
}
