import { Effect } from "effect"
import { type FileStore, FileStoreLayer } from "../../src/storage/FileStore.js"

/** Runs a FileStore program against the local disk, as a Promise (for plain async tests and set-up). */
export const onLocalDisk = <A, E>(program: Effect.Effect<A, E, FileStore>): Promise<A> =>
  Effect.runPromise(Effect.provide(program, FileStoreLayer))
