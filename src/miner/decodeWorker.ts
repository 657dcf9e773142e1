/**
 * Worker-thread entry of the miner's decoder: decodes one input file from the bytes the main
 * thread read (projected scalar columns and ladder prefixes, exactly readInput) and posts it
 * back packed (batchTransfer.ts), so Parquet decoding runs on other cores while the main thread
 * accumulates in time order.
 * No `effect` in this module graph: it must load fast under tsx.
 */
import { parentPort, workerData } from "node:worker_threads"
import { DECODE_WORKER_ROLE, type DecodeReply, type DecodeRequest } from "./decodeProtocol.js"
import { packBatch } from "./batchTransfer.js"
import { readInput } from "./readInput.js"

const port = parentPort
if (port !== null && (workerData as { role?: string } | undefined)?.role === DECODE_WORKER_ROLE) {
  port.on("message", (req: DecodeRequest) => {
    readInput({ path: req.path, kind: req.kind, place: req.place }, req.file, req.withLevels).then(
      (batch) => {
        const { batch: packed, transfer } = packBatch(batch)
        const reply: DecodeReply = { id: req.id, ok: true, batch: packed }
        port.postMessage(reply, transfer)
      },
      (e: unknown) => {
        const reply: DecodeReply = { id: req.id, ok: false, message: e instanceof Error ? e.message : String(e) }
        port.postMessage(reply)
      }
    )
  })
  port.postMessage({ ready: true })
}
