/**
 * `replay --out DIR`: rows as snapshot Parquet in the standard layout
 * (DIR/orderbook_snapshots/venue=V/date=D/hour=HH/snapshots_...parquet), one file per bucket
 * of `bucketMinutes`, each written atomically under a part number not yet taken (a second
 * replay into the same DIR adds parts, never overwrites).
 */
import * as fs from "node:fs/promises"
import * as path from "node:path"
import type { SnapshotRow } from "../domain/SnapshotRow.js"
import type { VenueId } from "../domain/VenueId.js"
import { writeNewFile } from "../storage/atomic.js"
import { encodeSnapshotRows } from "../storage/parquet/snapshots.js"
import { bucketStart, snapshotFilePath } from "../storage/paths.js"

export const writeReplayRows = async (
  dir: string,
  venue: VenueId,
  rows: ReadonlyArray<SnapshotRow>,
  bucketMinutes: number
): Promise<Array<string>> => {
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
      await fs.mkdir(path.dirname(file), { recursive: true })
      if (await writeNewFile(file, bytes)) {
        written.push(file)
        break
      }
    }
  }
  return written
}
