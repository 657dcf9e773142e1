/**
 * What every Parquet read in the project hands hyparquet, so a file written by any tool reads
 * the same way:
 * - the decompressors of hyparquet-compressors (SNAPPY, GZIP, ZSTD, LZ4, LZ4_RAW, BROTLI):
 *   hyparquet alone reads only SNAPPY and uncompressed pages, and Polars writes ZSTD;
 * - timestamps as epoch milliseconds (numbers), whatever their unit, the in-memory convention
 *   of every row type: our TIMESTAMP(MILLIS) columns, another writer's MICROS or NANOS, and
 *   files from before the logical type (plain INT64) all come back alike.
 * No Effect here: the writer and the miner's decode workers load it.
 */
import type { Compressors, ParquetParsers } from "hyparquet"
import { compressors } from "hyparquet-compressors"

export const PARQUET_COMPRESSORS: Compressors = compressors

export const PARQUET_PARSERS: Partial<ParquetParsers> = {
  timestampFromMilliseconds: (millis: bigint) => Number(millis),
  timestampFromMicroseconds: (micros: bigint) => Number(micros) / 1000,
  timestampFromNanoseconds: (nanos: bigint) => Number(nanos) / 1e6
}
