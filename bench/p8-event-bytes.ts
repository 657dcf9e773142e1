/**
 * P8 event-log size: bytes per event of our Parquet files on the replay corpus's events
 * (bench/eventCorpus.ts: the corpus frames through the decoder, BookStore and EventLog; one file
 * per 5-minute bucket, as the writer makes them). Reference: the same events as gzip-compressed
 * JSON lines (one object per event, null fields left out), the format peers archive; for scale,
 * the corpus's raw frames gzipped. Target <= 20 bytes/event and below the gzip baseline.
 */
import * as zlib from "node:zlib"
import type { EventRow } from "../src/domain/EventRow.js"
import { bucketStart } from "../src/storage/paths.js"
import { encodeEventRows } from "../src/storage/parquet/events.js"
import { mainIfDirect, result, round, type FigureResult } from "./harness.js"
import { eventCorpus } from "./eventCorpus.js"

export async function run(): Promise<FigureResult[]> {
  const { rows, frames } = eventCorpus()
  const buckets = new Map<number, EventRow[]>()
  for (const r of rows) {
    const b = bucketStart(r.ts_recv, 5)
    const list = buckets.get(b)
    if (list === undefined) buckets.set(b, [r])
    else list.push(r)
  }
  let ours = 0
  for (const group of buckets.values()) ours += encodeEventRows(group).length
  const lines: string[] = []
  for (const r of rows) {
    const o: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(r)) if (v !== null) o[k] = v
    lines.push(JSON.stringify(o))
  }
  const gzJson = zlib.gzipSync(lines.join("\n") + "\n").length
  const gzFrames = zlib.gzipSync(frames.join("\n") + "\n").length
  const perEvent = ours / rows.length
  const gzPerEvent = gzJson / rows.length
  return [result({
    figure: "P8", name: `event-log size, ${rows.length} events of the replay corpus in ${buckets.size} bucket files`,
    ours: round(perEvent, 2), reference: round(gzPerEvent, 2), referenceName: "the same events as gzip JSON lines",
    unit: "bytes/event", higherIsBetter: false, target: "<= 20 bytes/event and below gzip JSON lines",
    met: perEvent <= 20 && perEvent < gzPerEvent,
    notes: `${ours} bytes in all; the ${frames.length} raw frames gzipped take ${round(gzFrames / rows.length, 2)} bytes/event; ` +
      `one row per event (a book snapshot is one row, its ladders in list columns)`
  })]
}

await mainIfDirect(import.meta.url, run)
