import type { IncomingMessage, ServerResponse } from "node:http"
import { hashString } from "./rng.js"

/** Small HTTP helpers shared by the simulator's REST servers. */

export const sendJson = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
  const text = JSON.stringify(body)
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers })
  res.end(text)
}

export const readBody = (req: IncomingMessage, maxBytes = 1 << 20): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let n = 0
    req.on("data", (c: Buffer) => {
      n += c.length
      if (n > maxBytes) {
        reject(new Error(`request body over ${maxBytes} bytes`))
        req.destroy()
      } else chunks.push(c)
    })
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    req.on("error", reject)
  })

/** "true"/"false" query flags as Gamma reads them; anything else = not given */
export const boolParam = (q: URLSearchParams, name: string): boolean | null => {
  const v = q.get(name)
  if (v === null) return null
  if (v === "true" || v === "1") return true
  if (v === "false" || v === "0") return false
  return null
}

export const intParam = (q: URLSearchParams, name: string, dflt: number, min: number, max: number): number | string => {
  const v = q.get(name)
  if (v === null || v === "") return dflt
  const n = Number(v)
  if (!Number.isInteger(n) || n < min) return `invalid ${name}: ${JSON.stringify(v)}`
  return Math.min(n, max)
}

/** a 40-hex digest-looking string (the live feed's `hash`); deterministic from its input */
export const pseudoHash = (text: string): string => {
  let out = ""
  let h = hashString(text)
  for (let i = 0; i < 5; i++) {
    h = hashString(text, h ^ (i * 0x9e3779b9))
    out += h.toString(16).padStart(8, "0")
  }
  return out
}

export const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.000Z$/, "Z")
