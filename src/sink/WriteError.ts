import { Data } from "effect"

/** A failure of the Parquet writer: what it was doing (`op`) and on which file or folder. */
export class WriteError extends Data.TaggedError("WriteError")<{
  readonly path: string
  readonly op: string
  readonly message: string
}> {}
