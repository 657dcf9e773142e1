/** rebuild and resnapshot as the CLI runs them (on the local FileStore), for tests that await them. */
import { Effect } from "effect"
import { rebuildAt, type RebuildOptions } from "../../src/replay/rebuild.js"
import { resnapshot, type ResnapshotOptions } from "../../src/replay/resnapshot.js"
import { FileStoreLayer } from "../../src/storage/FileStore.js"

export const runRebuild = (opts: RebuildOptions) => Effect.runPromise(rebuildAt(opts).pipe(Effect.provide(FileStoreLayer)))

export const runResnapshot = (opts: ResnapshotOptions) => Effect.runPromise(resnapshot(opts).pipe(Effect.provide(FileStoreLayer)))
