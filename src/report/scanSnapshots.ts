/**
 * One pass over a day's snapshot files: coverage per minute (books with a row, rows), the
 * markets watched and with a book, and the series of the top keys (mid, best bid and ask,
 * top-3 depth as the miner sums it). Plain loops over the columns of each file.
 */
import { Effect } from "effect"
import type { VenueId } from "../domain/VenueId.js"
import { readListPrefix, type ListPrefix } from "../miner/listPrefix.js"
import { prefixSum } from "../miner/stats.js"
import { FileStore } from "../storage/FileStore.js"
import { listDayFiles } from "../storage/partitions.js"
import { exactArrayBuffer, readColumnsFromBytes } from "../storage/parquet/table.js"
import { parquetMetadata } from "hyparquet"
import { DEFAULT_MAX_BUCKETS, downsampleMinMax } from "./downsample.js"
import type { ChartData } from "./model.js"
import { KEY_SEP } from "./read.js"

const MINUTE_MS = 60_000

const BOOK_STATUSES = new Set(["ok", "partial", "crossed"])

export interface SnapshotScanOptions {
  readonly dataDir: string
  readonly venue: VenueId
  readonly maxBuckets?: number
}

/** Per-key series of the top markets, gathered while the snapshot files are read. */
export interface KeySeries {
  ts: Array<number>
  mid: Array<number>
  bid: Array<number>
  ask: Array<number>
  depth: Array<number>
}

/** The ladders' first three sizes: the miner's walker, or hyparquet's row assembly for a layout it refuses. */
const readTop3Sizes = async (file: ArrayBuffer, path: string): Promise<{ bid: ListPrefix; ask: ListPrefix }> => {
  try {
    const metadata = parquetMetadata(file)
    return { bid: readListPrefix(file, metadata, "bid_sz", 3), ask: readListPrefix(file, metadata, "ask_sz", 3) }
  } catch {
    const lists = await readColumnsFromBytes(file, path, ["bid_sz", "ask_sz"])
    const toPrefix = (col: ArrayLike<unknown>): ListPrefix => {
      const values = new Float64Array(col.length * 3).fill(Number.NaN)
      for (let r = 0; r < col.length; r++) {
        const list = (col[r] ?? []) as ReadonlyArray<number | null>
        for (let i = 0; i < Math.min(3, list.length); i++) values[r * 3 + i] = list[i] ?? Number.NaN
      }
      return { values, k: 3, rows: col.length }
    }
    return { bid: toPrefix(lists.bid_sz!), ask: toPrefix(lists.ask_sz!) }
  }
}

const SNAPSHOT_COLUMNS_READ = ["ts_recv", "market_id", "outcome_id", "status", "mid", "best_bid_px", "best_ask_px"] as const

export const scanSnapshots = (opts: SnapshotScanOptions, dates: ReadonlyArray<string>, topKeys: ReadonlySet<string>) =>
  Effect.gen(function*() {
    const store = yield* FileStore
    const perMinuteRows = new Map<number, number>()
    const perMinuteKeys = new Map<number, Set<string>>()
    const watched = new Set<string>()
    const withBook = new Set<string>()
    const series = new Map<string, KeySeries>()
    for (const key of topKeys) series.set(key, { ts: [], mid: [], bid: [], ask: [], depth: [] })
    const unreadable: Array<string> = []
    let rowsTotal = 0
    let files = 0
    for (const d of dates) {
      for (const path of yield* listDayFiles(opts.dataDir, "orderbook_snapshots", opts.venue, d)) {
        files++
        const bytes = yield* store.readFile(path)
        const read = yield* Effect.tryPromise(async () => {
          const file = exactArrayBuffer(bytes)
          const columns = await readColumnsFromBytes(file, path, SNAPSHOT_COLUMNS_READ)
          return { columns, sizes: await readTop3Sizes(file, path) }
        }).pipe(Effect.option)
        if (read._tag === "None") {
          unreadable.push(path)
          continue
        }
        const { columns: c, sizes } = read.value
        const ts = c.ts_recv as ArrayLike<number>
        const marketIds = c.market_id as ArrayLike<string>
        const outcomeIds = c.outcome_id as ArrayLike<string>
        const status = c.status as ArrayLike<string>
        const mid = c.mid as ArrayLike<number>
        const bid = c.best_bid_px as ArrayLike<number>
        const ask = c.best_ask_px as ArrayLike<number>
        const n = ts.length
        rowsTotal += n
        for (let i = 0; i < n; i++) {
          const marketId = marketIds[i]!
          const key = marketId + KEY_SEP + outcomeIds[i]!
          const minute = Math.floor(ts[i]! / MINUTE_MS)
          perMinuteRows.set(minute, (perMinuteRows.get(minute) ?? 0) + 1)
          let keys = perMinuteKeys.get(minute)
          if (keys === undefined) perMinuteKeys.set(minute, (keys = new Set()))
          keys.add(key)
          watched.add(marketId)
          if (BOOK_STATUSES.has(status[i]!)) withBook.add(marketId)
          const s = series.get(key)
          if (s !== undefined) {
            s.ts.push(ts[i]!)
            s.mid.push(mid[i]!)
            s.bid.push(bid[i]!)
            s.ask.push(ask[i]!)
            s.depth.push(prefixSum(sizes.bid, i, 3) + prefixSum(sizes.ask, i, 3))
          }
        }
      }
    }
    const minutes = [...perMinuteRows.keys()].sort((a, b) => a - b)
    const coverage: ChartData | null = minutes.length === 0 ? null : {
      series: ["books with a row", "rows written"],
      table: downsampleMinMax(
        minutes.map((m) => m * 60),
        [minutes.map((m) => perMinuteKeys.get(m)!.size), minutes.map((m) => perMinuteRows.get(m)!)],
        opts.maxBuckets ?? DEFAULT_MAX_BUCKETS
      )
    }
    return { coverage, watched: watched.size, withBook: withBook.size, rowsTotal, files, series, unreadable }
  })

/** Series of one key in time order (files are in time order; parts of a bucket may interleave). */
export const topChart = (s: KeySeries, maxBuckets: number): ChartData => {
  const order = s.ts.map((_, i) => i).sort((a, b) => s.ts[a]! - s.ts[b]!)
  const pick = (arr: ReadonlyArray<number>) => order.map((i) => arr[i]!)
  return {
    series: ["mid", "best bid", "best ask", "top-3 depth"],
    table: downsampleMinMax(order.map((i) => s.ts[i]! / 1000), [pick(s.mid), pick(s.bid), pick(s.ask), pick(s.depth)], maxBuckets)
  }
}

