import { constants, generateKeyPairSync, verify } from "node:crypto"
import { describe, expect, it } from "vitest"
import { kalshiAuthHeaders, kalshiWsSignedPath, parseKalshiPrivateKey } from "../../../src/venues/kalshi/auth.js"

const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 })
const privatePem = privateKey.export({ type: "pkcs8", format: "pem" }).toString()

describe("kalshiAuthHeaders", () => {
  it("signs timestamp+GET+path with RSA-PSS SHA-256, salt = digest length", () => {
    const h = kalshiAuthHeaders({ keyId: "key-1", privateKeyPem: privatePem, method: "get", path: "/trade-api/ws/v2?x=1", nowMs: 1732460000000 })
    expect(h["KALSHI-ACCESS-KEY"]).toBe("key-1")
    expect(h["KALSHI-ACCESS-TIMESTAMP"]).toBe("1732460000000")
    const sig = Buffer.from(h["KALSHI-ACCESS-SIGNATURE"]!, "base64")
    const ok = (msg: string, saltLength: number) =>
      verify("sha256", Buffer.from(msg), { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength }, sig)
    expect(ok("1732460000000GET/trade-api/ws/v2", 32)).toBe(true)
    // a different salt length or message must not verify: the check can fail
    expect(ok("1732460000000GET/trade-api/ws/v2", 0)).toBe(false)
    expect(ok("1732460000001GET/trade-api/ws/v2", 32)).toBe(false)
  })

  it("rejects a bad PEM with one line that does not echo the key", () => {
    expect(() => parseKalshiPrivateKey("-----BEGIN PRIVATE KEY-----\nSECRETSTUFF\n-----END PRIVATE KEY-----"))
      .toThrow(/venues.kalshi: the RSA private key/)
    try {
      parseKalshiPrivateKey("SECRETSTUFF")
    } catch (e) {
      expect(String(e)).not.toContain("SECRETSTUFF")
    }
  })

  it("signs over the ws_url path", () => {
    expect(kalshiWsSignedPath("ws://127.0.0.1:1234/trade-api/ws/v2")).toBe("/trade-api/ws/v2")
    expect(kalshiWsSignedPath("ws://127.0.0.1:1234")).toBe("/trade-api/ws/v2")
  })
})
