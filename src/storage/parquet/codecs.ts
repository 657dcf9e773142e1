/**
 * What every Parquet read in the project hands hyparquet, so a file written by any tool reads
 * the same way:
 * - the decompressors of hyparquet-compressors (SNAPPY, ZSTD, LZ4, LZ4_RAW, BROTLI) and Node's
 *   zlib for GZIP:
 *   hyparquet alone reads only SNAPPY and uncompressed pages, and Polars writes ZSTD;
 * - timestamps as epoch milliseconds (numbers), whatever their unit, the in-memory convention
 *   of every row type: our TIMESTAMP(MILLIS) columns, another writer's MICROS or NANOS, and
 *   files from before the logical type (plain INT64) all come back alike.
 * No Effect here: the writer and the miner's decode workers load it.
 */
import * as zlib from "node:zlib"
import type { Compressors, ParquetParsers } from "hyparquet"
import { compressors } from "hyparquet-compressors"

/**
 * GZIP through Node's zlib (native) rather than the package's JavaScript inflater: the event
 * log's pages are GZIP, and a rebuild reads them on the user's clock (bench P9). Node reads
 * every member of a multi-member stream and checks the CRC, as Parquet's GZIP asks.
 */
export const PARQUET_COMPRESSORS: Compressors = {
  ...compressors,
  GZIP: (input: Uint8Array) => zlib.gunzipSync(input)
}

export const PARQUET_PARSERS: Partial<ParquetParsers> = {
  timestampFromMilliseconds: (millis: bigint) => Number(millis),
  timestampFromMicroseconds: (micros: bigint) => Number(micros) / 1000,
  timestampFromNanoseconds: (nanos: bigint) => Number(nanos) / 1e6
}
