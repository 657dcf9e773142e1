/**
 * A small pool of decodeWorker.ts threads that decode the miner's input files ahead of the main
 * thread, which keeps accumulating strictly in file order. Parquet decoding is ~85% of a mining
 * run's CPU, so with two cores this roughly halves the wall time. The main thread reads each
 * file through the FileStore and posts its bytes (a copy: a read redone here after a worker
 * died still has them); a worker never opens a file itself.
 *
 * Starting a TypeScript worker under tsx / vitest: src/runtime/moduleWorker.ts. A worker that
 * dies or cannot start never loses a file: its pending decodes are redone on the main thread
 * (readInput), so results are the same with or without workers. Threads are unref'd while idle (never delay exit) and
 * shared by the process (loading one under tsx costs ~0.5 s).
 */
import * as os from "node:os"
import type { Worker } from "node:worker_threads"
import { spawnModuleWorker } from "../runtime/moduleWorker.js"
import { DECODE_WORKER_ROLE, type DecodeReady, type DecodeReply, type DecodeRequest } from "./decodeProtocol.js"
import type { DayInput } from "./dayInputs.js"
import { unpackBatch } from "./batchTransfer.js"
import { type InputBatch, readInput } from "./readInput.js"

function spawnDecodeWorker(): Worker {
  return spawnModuleWorker(import.meta.url, "./decodeWorker", { role: DECODE_WORKER_ROLE }, "the miner's decode worker")
}

/**
 * reads handed to one thread at a time: two, so a thread has its next file as soon as it posts
 * one (no idle round trip through the main thread), yet few enough to keep the threads balanced
 */
const PER_THREAD = 2

interface Job {
  readonly input: DayInput
  readonly file: ArrayBuffer
  readonly withLevels: boolean
  readonly resolve: (b: InputBatch) => void
  readonly reject: (e: Error) => void
}

interface Thread {
  readonly worker: Worker
  readonly pending: Map<number, Job>
  alive: boolean
  /** has loaded its modules (loading takes ~0.5 s under tsx) */
  ready: boolean
  /** settles when it has loaded or died */
  readonly loaded: Promise<void>
}

/** a read redone on this thread (the worker died): same code, same result */
const readLocally = (job: Job, done?: () => void): void => {
  readInput(job.input, job.file, job.withLevels).then(
    (b) => {
      job.resolve(b)
      done?.()
    },
    (e: unknown) => {
      job.reject(e instanceof Error ? e : new Error(String(e)))
      done?.()
    }
  )
}

export class DecodePool {
  private static sharedInstance: DecodePool | null = null
  static shared(): DecodePool {
    if (DecodePool.sharedInstance === null) DecodePool.sharedInstance = new DecodePool(DecodePool.defaultSize())
    return DecodePool.sharedInstance
  }
  static defaultSize(): number {
    const cores = typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length
    return Math.max(1, Math.min(2, cores))
  }

  private threads: Array<Thread | null>
  private nextId = 1
  private rr = 0
  /** set once spawning failed: from then on every read is done on the calling thread */
  private disabled = false
  /** reads answered by a worker thread (the rest ran on the calling thread) */
  threadReads = 0
  /** a read running on the calling thread while the workers load */
  private localBusy = false

  constructor(readonly size: number) {
    this.threads = new Array<Thread | null>(size).fill(null)
  }

  /** starts the threads ahead of the first read (they take a while to load) */
  warm(): void {
    for (let i = 0; i < this.size; i++) this.thread(i)
  }

  /** Test seam: settles once every thread has loaded (or died). */
  async whenLoaded(): Promise<void> {
    this.warm()
    await Promise.all(this.threads.map((t) => t?.loaded))
  }

  private thread(i: number): Thread | null {
    const existing = this.threads[i]
    if (existing != null && existing.alive) return existing
    if (this.disabled) return null
    let worker: Worker
    try {
      worker = spawnDecodeWorker()
    } catch {
      this.disabled = true
      return null
    }
    let settle!: () => void
    const loaded = new Promise<void>((resolve) => {
      settle = resolve
    })
    const t: Thread = { worker, pending: new Map(), alive: true, ready: false, loaded }
    const fail = () => {
      if (!t.alive) return
      t.alive = false
      settle()
      // one that dies while loading would die again: read on the calling thread from now on
      if (!t.ready) this.disabled = true
      if (this.threads[i] === t) this.threads[i] = null
      const jobs = [...t.pending.values()]
      t.pending.clear()
      for (const job of jobs) readLocally(job)
      this.dispatch()
    }
    worker.on("message", (reply: DecodeReply | DecodeReady) => {
      if ("ready" in reply) {
        t.ready = true
        settle()
        this.dispatch()
        return
      }
      const job = t.pending.get(reply.id)
      if (job === undefined) return
      t.pending.delete(reply.id)
      if (t.pending.size === 0) worker.unref()
      this.threadReads++
      if (reply.ok) job.resolve(unpackBatch(reply.batch))
      else job.reject(new Error(reply.message))
      this.dispatch()
    })
    worker.on("error", fail)
    worker.on("exit", fail)
    worker.unref()
    this.threads[i] = t
    return t
  }

  /** reads waiting for a free thread, in request order */
  private readonly queue: Array<Job> = []

  /**
   * Hands queued reads to idle threads, one read per thread at a time: snapshot files cost ~10x
   * a trade file, so pulling work when free balances the threads (round robin would give one
   * thread every snapshot file, since a day's inputs alternate snapshot and trade files).
   */
  private dispatch(): void {
    while (this.queue.length > 0) {
      let free: Thread | null = null
      let anyLive = false
      let anyReady = false
      for (let j = 0; j < this.size; j++) {
        const t = this.thread((this.rr + j) % this.size)
        if (t === null) continue
        anyLive = true
        if (!t.ready) continue
        anyReady = true
        if (t.pending.size < PER_THREAD && (free === null || t.pending.size < free.pending.size)) free = t
      }
      if (!anyLive) {
        for (const job of this.queue.splice(0)) readLocally(job)
        return
      }
      if (free === null) {
        // while every thread is still loading, this (otherwise waiting) thread reads the next
        // file itself, one at a time
        if (!anyReady && !this.localBusy) {
          const job = this.queue.shift()!
          this.localBusy = true
          readLocally(job, () => {
            this.localBusy = false
            this.dispatch()
          })
          continue
        }
        return
      }
      this.rr++
      const job = this.queue.shift()!
      const id = this.nextId++
      free.worker.ref()
      free.pending.set(id, job)
      const req: DecodeRequest = { id, path: job.input.path, file: job.file, kind: job.input.kind, withLevels: job.withLevels, place: job.input.place }
      free.worker.postMessage(req)
    }
  }

  /** decodes one input file (`file`: its bytes) on a worker thread; rejects with the file's decode error */
  read(input: DayInput, file: ArrayBuffer, withLevels: boolean): Promise<InputBatch> {
    return new Promise<InputBatch>((resolve, reject) => {
      this.queue.push({ input, file, withLevels, resolve, reject })
      this.dispatch()
    })
  }

  /** Test seam: kills the threads as a crash would (pending reads are redone locally). */
  async terminateForTests(): Promise<void> {
    await Promise.all(this.threads.map((t) => t?.worker.terminate()))
  }
}
