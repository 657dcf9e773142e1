/** Messages between the Writer (main thread) and writerWorker.ts (plain data, structured-cloned). */
import type { VenueId } from "../domain/VenueId.js"
import type { WalDataset } from "./WriteAheadLog.js"

export const WRITER_WORKER_ROLE = "surveillance-parquet-writer"

export interface EncodeJob {
  readonly dataDir: string
  readonly venue: VenueId
  readonly dataset: WalDataset
  readonly bucketStartMs: number
  /** segments of this (venue, dataset, bucket), all written into ONE Parquet file */
  readonly walPaths: ReadonlyArray<string>
  /** first part number to try; the worker moves up past existing files */
  readonly partHint: number
}

export interface EncodeResult {
  /** the published file, null when the segments held no row */
  readonly path: string | null
  readonly part: number
  readonly rows: number
  readonly badLines: number
  readonly truncatedTails: number
  readonly encodeMs: number
}

export interface WorkerRequest {
  readonly id: number
  readonly job: EncodeJob
}

/** sent once by the worker when its modules are loaded and it takes jobs */
export interface WorkerReady {
  readonly ready: true
}

export type WorkerReply =
  | { readonly id: number; readonly ok: true; readonly result: EncodeResult }
  | { readonly id: number; readonly ok: false; readonly message: string }
