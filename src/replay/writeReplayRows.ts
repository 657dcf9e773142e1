/**
 * `replay --out DIR`: rows as snapshot Parquet in the standard layout
 * (DIR/orderbook_snapshots/venue=V/date=D/hour=HH/snapshots_...parquet), one file per bucket
 * of `bucketMinutes`, each written atomically under a part number not yet taken (a second
 * replay into the same DIR adds parts, never overwrites).
 */
import * as path from "node:path"
import { Effect } from "effect"
import type { SnapshotRow } from "../domain/SnapshotRow.js"
import type { VenueId } from "../domain/VenueId.js"
import { FileStore, type FileStoreError } from "../storage/FileStore.js"
import { encodeSnapshotRows } from "../storage/parquet/snapshots.js"
import { bucketStart, snapshotFilePath } from "../storage/paths.js"

export const writeReplayRows = (
  dir: string,
  venue: VenueId,
  rows: ReadonlyArray<SnapshotRow>,
  bucketMinutes: number
): Effect.Effect<Array<string>, FileStoreError, FileStore> => Effect.gen(function*() {
  const store = yield* FileStore
  const buckets = new Map<number, Array<SnapshotRow>>()
  for (const row of rows) {
    const b = bucketStart(row.ts_recv, bucketMinutes)
    const group = buckets.get(b)
    if (group === undefined) buckets.set(b, [row])
    else group.push(row)
  }
  const written: Array<string> = []
  for (const [bucket, group] of [...buckets].sort((a, b) => a[0] - b[0])) {
    const bytes = encodeSnapshotRows(group)
    // writeNewFile never replaces: the first free part wins
    for (let part = 0; ; part++) {
      const file = snapshotFilePath(dir, venue, bucket, part)
      yield* store.makeDirectory(path.dirname(file))
      if (yield* store.writeNew(file, bytes)) {
        written.push(file)
        break
      }
    }
  }
  return written
})
