/**
 * Messages between the miner (main thread) and decodeWorker.ts. Plain data: numeric columns
 * and ladder prefixes travel as transferred Float64Array buffers, string columns as a per-file
 * dictionary plus Int32 codes, so nothing is structured-cloned row by row. No imports here:
 * the worker must load fast.
 */
export const DECODE_WORKER_ROLE = "surveillance-miner-decoder"

export interface DecodeRequest {
  readonly id: number
  /** names the file in errors; the worker never opens it */
  readonly path: string
  /** the whole file, read by the main thread through the FileStore */
  readonly file: ArrayBuffer
  readonly kind: "snapshots" | "trades"
  readonly withLevels: boolean
  /** the folder's venue and date (rowPlace.ts); null = no check */
  readonly place: { readonly venue: string; readonly date: string } | null
}

/** one column, packed for transfer */
export type PackedColumn =
  | { readonly t: "f64"; readonly values: Float64Array }
  /** codes index `dict`; -1 is null */
  | { readonly t: "dict"; readonly codes: Int32Array; readonly dict: Array<string> }
  /** anything else (rare): structured-cloned as is */
  | { readonly t: "raw"; readonly values: Array<unknown> }

export interface PackedPrefix {
  readonly values: Float64Array
  readonly k: number
  readonly rows: number
}

export interface PackedBatch {
  readonly columns: Record<string, PackedColumn>
  readonly levels?: {
    readonly bidPx: PackedPrefix
    readonly bidSz: PackedPrefix
    readonly askPx: PackedPrefix
    readonly askSz: PackedPrefix
  }
  readonly misplaced?: { readonly wrongVenue: number; readonly wrongDate: number; readonly otherVenue: string | null }
}

export type DecodeReply =
  | { readonly id: number; readonly ok: true; readonly batch: PackedBatch }
  | { readonly id: number; readonly ok: false; readonly message: string }

export interface DecodeReady {
  readonly ready: true
}
