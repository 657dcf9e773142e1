/**
 * Starts writerWorker.ts in a worker thread and sends it encode jobs (one at a time is how
 * the Writer uses it; ids make concurrent use safe too). How a TypeScript worker starts under
 * tsx, vitest and compiled JS: src/runtime/moduleWorker.ts.
 */
import type { Worker } from "node:worker_threads"
import { spawnModuleWorker } from "../runtime/moduleWorker.js"
import { WRITER_WORKER_ROLE, type EncodeJob, type EncodeResult, type WorkerReady, type WorkerReply } from "./encoderProtocol.js"

export function spawnWriterWorker(): Worker {
  return spawnModuleWorker(import.meta.url, "./encoderWorker", { role: WRITER_WORKER_ROLE }, "the Parquet writer worker")
}

interface WorkerHandle {
  readonly worker: Worker
  readonly pending: Map<number, Pending>
  /** settled when the thread reports it has loaded (or dies first) */
  readonly ready: Promise<void>
}

interface Pending {
  readonly resolve: (r: EncodeResult) => void
  readonly reject: (e: Error) => void
}

/**
 * One worker thread; restarted on the next job if it died. The thread holds the event loop
 * open only while a job is pending (ref/unref), so an idle worker never delays process exit.
 *
 * `shared()` is the process-wide instance the Writer uses: starting a worker costs ~0.4 s in
 * plain node and 1.5-2.5 s under tsx (it loads `effect` through storage -> domain imports),
 * so it is started once per process and kept, not once per Writer scope.
 */
export class WriterWorkerClient {
  private static sharedInstance: WriterWorkerClient | null = null
  static shared(): WriterWorkerClient {
    if (WriterWorkerClient.sharedInstance === null) WriterWorkerClient.sharedInstance = new WriterWorkerClient()
    return WriterWorkerClient.sharedInstance
  }

  /** the live thread and the jobs sent to IT (a dead thread's late events never touch a new one's jobs) */
  private current: WorkerHandle | null = null
  private nextId = 1
  /** how many times a worker thread was started (1 normally; more means one died) */
  starts = 0

  private ensureWorker(): WorkerHandle {
    if (this.current !== null) return this.current
    const worker = spawnWriterWorker()
    const pending = new Map<number, Pending>()
    let readyResolve!: () => void
    let readyReject!: (e: Error) => void
    const ready = new Promise<void>((resolve, reject) => {
      readyResolve = resolve
      readyReject = reject
    })
    ready.catch(() => {}) // observed by whoever awaits it; never an unhandled rejection
    const handle: WorkerHandle = { worker, pending, ready }
    this.starts++
    const failAll = (err: Error) => {
      if (this.current === handle) this.current = null
      readyReject(err)
      for (const p of pending.values()) p.reject(err)
      pending.clear()
    }
    worker.on("message", (reply: WorkerReply | WorkerReady) => {
      if ("ready" in reply) {
        readyResolve()
        return
      }
      const p = pending.get(reply.id)
      if (p === undefined) return
      pending.delete(reply.id)
      if (pending.size === 0) worker.unref()
      if (reply.ok) p.resolve(reply.result)
      else p.reject(new Error(reply.message))
    })
    worker.on("error", (e) => failAll(new Error(`Parquet writer worker failed: ${e.message}`)))
    worker.on("exit", (code) => failAll(new Error(`Parquet writer worker exited with code ${code}`)))
    worker.unref()
    this.current = handle
    return handle
  }

  /** Starts the thread ahead of the first job (it takes a while to load). */
  warm(): void {
    this.ensureWorker()
  }

  /**
   * Resolves once the thread has loaded its modules and takes jobs; rejects when it dies
   * first or takes longer than `timeoutMs` (real time: loading is not a Clock matter).
   */
  whenReady(timeoutMs: number): Promise<void> {
    const { ready } = this.ensureWorker()
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the Parquet writer worker did not start within ${timeoutMs} ms`)), timeoutMs)
      ready.then(
        () => { clearTimeout(timer); resolve() },
        (e: Error) => { clearTimeout(timer); reject(e) }
      )
    })
  }

  encode(job: EncodeJob): Promise<EncodeResult> {
    const { worker, pending } = this.ensureWorker()
    const id = this.nextId++
    return new Promise<EncodeResult>((resolve, reject) => {
      if (pending.size === 0) worker.ref()
      pending.set(id, { resolve, reject })
      worker.postMessage({ id, job })
    })
  }

  /** Test seam: kills the thread as a crash would (its pending jobs fail; the next job starts a new one). */
  async terminateForTests(): Promise<void> {
    await this.current?.worker.terminate()
  }
}
