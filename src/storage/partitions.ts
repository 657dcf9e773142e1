/**
 * What is in the Hive layout (paths.ts builds the names): the `date=` partitions of a dataset
 * and the finished Parquet files of one day, read through the FileStore.
 */
import * as path from "node:path"
import { Effect } from "effect"
import type { VenueId } from "../domain/VenueId.js"
import { FileStore, type FileStoreError } from "./FileStore.js"
import { type Dataset, datasetDayDir, datasetVenueDir, isTempFile, isValidDate, isValidHour, parseBucketFileName } from "./paths.js"

/** Dates that have a `date=` partition for (dataset, venue), ascending; invalid names ignored. */
export const listPartitionDates = (
  dataDir: string,
  dataset: Dataset,
  venue: VenueId
): Effect.Effect<Array<string>, FileStoreError, FileStore> =>
  Effect.map(Effect.flatMap(FileStore, (store) => store.list(datasetVenueDir(dataDir, dataset, venue))), (names) => {
    const dates: Array<string> = []
    for (const name of names) {
      if (name.startsWith("date=") && isValidDate(name.slice(5))) dates.push(name.slice(5))
    }
    return dates.sort()
  })

/**
 * Every finished `*.parquet` of one day (all `hour=` folders and files directly in the day
 * folder), temp files excluded, in time order: (hour, bucket minute, part), then name.
 */
export const listDayFiles = (
  dataDir: string,
  dataset: Dataset,
  venue: VenueId,
  date: string
): Effect.Effect<Array<string>, FileStoreError, FileStore> =>
  Effect.gen(function*() {
    const store = yield* FileStore
    const dayDir = datasetDayDir(dataDir, dataset, venue, date)
    const found: Array<{ file: string; key: [number, number, number, string] }> = []
    const addFiles = (dir: string, hour: number) =>
      Effect.map(store.list(dir), (names) => {
        for (const name of names) {
          if (!name.endsWith(".parquet") || isTempFile(name)) continue
          const parsed = parseBucketFileName(name)
          found.push({
            file: path.join(dir, name),
            key: parsed === null ? [hour, -1, 0, name] : [hour, parsed.minute, parsed.part, name]
          })
        }
      })
    for (const name of yield* store.list(dayDir)) {
      if (name.startsWith("hour=") && isValidHour(name.slice(5))) yield* addFiles(path.join(dayDir, name), Number(name.slice(5)))
    }
    yield* addFiles(dayDir, -1)
    found.sort((a, b) => {
      for (let i = 0; i < 3; i++) {
        const d = (a.key[i] as number) - (b.key[i] as number)
        if (d !== 0) return d
      }
      return a.key[3] < b.key[3] ? -1 : a.key[3] > b.key[3] ? 1 : 0
    })
    return found.map((f) => f.file)
  })
