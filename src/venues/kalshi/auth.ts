import { constants, createPrivateKey, createSign, type KeyObject } from "node:crypto"

/**
 * Kalshi request signing (docs/PROTOCOLS.md "Authentication"): the WebSocket handshake carries
 * `KALSHI-ACCESS-KEY`, `KALSHI-ACCESS-TIMESTAMP` (epoch ms as a string) and
 * `KALSHI-ACCESS-SIGNATURE` = base64 RSA-PSS(SHA-256, MGF1-SHA-256, salt length = digest
 * length) over `timestamp + METHOD + path`, the path without its query string.
 */
export const KALSHI_WS_PATH = "/trade-api/ws/v2"

export interface KalshiAuthInput {
  readonly keyId: string
  /** PEM text (PKCS#1 or PKCS#8) or an already parsed key */
  readonly privateKeyPem: string | KeyObject
  readonly method: string
  readonly path: string
  readonly nowMs: number
}

export class KalshiKeyError extends Error {
  override readonly name = "KalshiKeyError"
}

/** Parses the PEM once; a bad key is a one-line error that never echoes the key text. */
export const parseKalshiPrivateKey = (pem: string): KeyObject => {
  try {
    return createPrivateKey({ key: pem, format: "pem" })
  } catch (e) {
    throw new KalshiKeyError(
      `venues.kalshi: the RSA private key (api_secret / private_key_path) is not a readable PEM key (${
        e instanceof Error ? e.message.split("\n")[0] : "parse failure"
      })`
    )
  }
}

export const signKalshiMessage = (key: KeyObject, message: string): string => {
  const signer = createSign("RSA-SHA256")
  signer.update(message)
  signer.end()
  return signer.sign({
    key,
    padding: constants.RSA_PKCS1_PSS_PADDING,
    saltLength: constants.RSA_PSS_SALTLEN_DIGEST
  }, "base64")
}

export const kalshiAuthHeaders = (input: KalshiAuthInput): Record<string, string> => {
  const key = typeof input.privateKeyPem === "string"
    ? parseKalshiPrivateKey(input.privateKeyPem)
    : input.privateKeyPem
  const timestamp = String(Math.trunc(input.nowMs))
  const pathOnly = input.path.split("?")[0] ?? input.path
  const signature = signKalshiMessage(key, timestamp + input.method.toUpperCase() + pathOnly)
  return {
    "KALSHI-ACCESS-KEY": input.keyId,
    "KALSHI-ACCESS-TIMESTAMP": timestamp,
    "KALSHI-ACCESS-SIGNATURE": signature
  }
}

/** The path the WebSocket handshake is signed over: the ws_url's path (normally /trade-api/ws/v2). */
export const kalshiWsSignedPath = (wsUrl: string): string => {
  try {
    const p = new URL(wsUrl).pathname
    return p === "" || p === "/" ? KALSHI_WS_PATH : p
  } catch {
    return KALSHI_WS_PATH
  }
}

/** The headers of a WebSocket handshake to `wsUrl`: a signed GET of its path. */
export const kalshiWsHandshakeHeaders = (
  credentials: { readonly keyId: string; readonly privateKey: KalshiAuthInput["privateKeyPem"] },
  wsUrl: string,
  nowMs: number
): Record<string, string> =>
  kalshiAuthHeaders({ keyId: credentials.keyId, privateKeyPem: credentials.privateKey, method: "GET", path: kalshiWsSignedPath(wsUrl), nowMs })
