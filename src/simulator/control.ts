import type { IncomingMessage, ServerResponse } from "node:http"
import type { ConnectionInfo } from "./connection.js"
import type { FaultControl } from "./faults.js"
import { readBody, sendJson } from "./http.js"

/**
 * The simulator's HTTP control API under `/control` (documented in faults.ts): lets a process
 * that did not start the simulator (the CLI's `simulate`, a shell script) flip fault knobs.
 */

export interface ControlTarget {
  readonly faults: FaultControl
  connections(): ReadonlyArray<ConnectionInfo>
  step(n: number): void
}

const ACTIONS = ["setStream", "drop", "malformed", "skipSeq", "crossedBook", "oversized", "customEvent", "stall", "failRest", "failUpgrade", "malformedRecords", "restDown", "gammaRefuseOffset", "clear"] as const

export const handleControl = async (req: IncomingMessage, res: ServerResponse, path: string, target: ControlTarget): Promise<void> => {
  if (req.method === "GET" && path === "/faults") return sendJson(res, 200, target.faults.state())
  if (req.method === "GET" && path === "/connections") return sendJson(res, 200, target.connections())
  if (req.method !== "POST" || (path !== "/faults" && path !== "/step")) {
    return sendJson(res, 404, { error: `no such control path: ${req.method} ${path}` })
  }
  let body: Record<string, unknown>
  try {
    const parsed: unknown = JSON.parse((await readBody(req)) || "{}")
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object")
    body = parsed as Record<string, unknown>
  } catch {
    return sendJson(res, 400, { error: "control body must be a JSON object" })
  }
  if (path === "/step") {
    const n = body.n === undefined ? 1 : Number(body.n)
    if (!Number.isInteger(n) || n < 0 || n > 1_000_000) return sendJson(res, 400, { error: `invalid n: ${JSON.stringify(body.n)}` })
    target.step(n)
    return sendJson(res, 200, { ok: true })
  }
  const action = body.action
  if (typeof action !== "string" || !(ACTIONS as ReadonlyArray<string>).includes(action)) {
    return sendJson(res, 400, { error: `unknown action ${JSON.stringify(action)}; one of ${ACTIONS.join(", ")}` })
  }
  const { action: _a, ...args } = body
  const f = target.faults
  const tgt = { ...(typeof args.venue === "string" ? { venue: args.venue as "polymarket" | "kalshi" } : {}), ...(typeof args.connId === "string" ? { connId: args.connId } : {}) }
  let affected: number | null = null
  switch (action) {
    case "setStream":
      affected = f.setStream((args.patch ?? {}) as Record<string, never>, tgt)
      break
    case "drop":
    case "malformed":
    case "skipSeq":
    case "crossedBook":
    case "oversized":
    case "customEvent":
    case "stall":
      affected = (f[action] as (o: unknown) => number)(args)
      break
    case "failRest":
      if (typeof args.status !== "number") return sendJson(res, 400, { error: "failRest needs a numeric status" })
      f.failRest(args as { status: number })
      break
    case "failUpgrade":
      f.failUpgrade(args as { venue?: "polymarket" | "kalshi" })
      break
    case "malformedRecords":
      f.malformedRecords(args)
      break
    case "restDown":
      f.restDown(args.down !== false)
      break
    case "gammaRefuseOffset":
      f.gammaRefuseOffset(args.refuse !== false)
      break
    case "clear":
      f.clear()
      break
  }
  return sendJson(res, 200, { ok: true, affected })
}
