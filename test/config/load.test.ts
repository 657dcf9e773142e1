import { it } from "@effect/vitest"
import { Effect, Either, Schema } from "effect"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect } from "vitest"
import { ConfigError } from "../../src/config/ConfigError.js"
import { loadConfig, parseConfigText, resolveKalshiPrivateKey } from "../../src/config/load.js"
import { AppConfig } from "../../src/config/schema.js"
import { dumpConfigToml, REDACTED } from "../../src/config/toml.js"

const FILE = "cfg/test.toml"
const noEnv = {}

const errorOf = (text: string, env: Record<string, string> = {}): ConfigError => {
  const result = parseConfigText(text, FILE, env)
  if (Either.isRight(result)) throw new Error("expected a ConfigError")
  return result.left
}

const expectOneLine = (err: ConfigError, keyPath: string, ...fragments: string[]) => {
  expect(err._tag).toBe("ConfigError")
  expect(err.file).toBe(FILE)
  expect(err.keyPath).toBe(keyPath)
  expect(err.message).not.toContain("\n")
  expect(err.message.startsWith(`${FILE}: ${keyPath}: `)).toBe(true)
  for (const f of fragments) expect(err.message).toContain(f)
}

describe("config loading", () => {
  it("decodes the shipped config/surveillance.toml with the seed defaults", () => {
    const cfg = Either.getOrThrow(parseConfigText(readFileSync("config/surveillance.toml", "utf8"), "x", noEnv))
    expect(cfg.data_dir).toBe("data")
    expect(cfg.venues.polymarket.max_subs).toBe(200)
    expect(cfg.venues.polymarket.hot_count).toBe(40)
    expect(cfg.venues.kalshi.rotation_period_secs).toBe(180)
    expect(cfg.venues.kalshi.snapshot_interval_ms_hot).toBe(2000)
    expect(cfg.venues.kalshi.snapshot_interval_ms_warm).toBe(10000)
    expect(cfg.venues.kalshi.subscription_churn_limit_per_minute).toBe(20)
    expect(cfg.storage).toEqual({ top_k: 50, flush_rows: 50000, flush_seconds: 5, bucket_minutes: 5, event_log: true })
    expect(cfg.mock.enabled).toBe(false)
    // the shipped file states the defaults: decoding it equals decoding an empty file
    expect(cfg).toEqual(Either.getOrThrow(parseConfigText("", "empty", noEnv)))
  })

  it("decodes config/demo.toml as mock mode", () => {
    const cfg = Either.getOrThrow(parseConfigText(readFileSync("config/demo.toml", "utf8"), "x", noEnv))
    expect(cfg.mock.enabled).toBe(true)
    expect(cfg.data_dir).toBe("data/demo")
  })

  it("every schema key appears in config/surveillance.toml", () => {
    const shipped = readFileSync("config/surveillance.toml", "utf8")
    const defaults = Schema.encodeSync(AppConfig)(Schema.decodeUnknownSync(AppConfig)({}))
    const missing: string[] = []
    const walk = (table: Record<string, unknown>, header: string) => {
      for (const [key, value] of Object.entries(table)) {
        if (value !== null && typeof value === "object" && !Array.isArray(value)) {
          walk(value as Record<string, unknown>, header === "" ? key : `${header}.${key}`)
        } else {
          // the key must be assigned inside its [table] section
          const section = header === "" ? shipped.split(/^\[/m)[0]! : shipped.split(`[${header}]\n`)[1]?.split(/^\[/m)[0]
          if (section === undefined || !new RegExp(`^${key} = `, "m").test(section)) {
            missing.push(header === "" ? key : `${header}.${key}`)
          }
        }
      }
    }
    walk(defaults as unknown as Record<string, unknown>, "")
    expect(missing).toEqual([])
  })

  it("rejects an unknown key, naming file and key path", () => {
    const err = errorOf("[venues.polymarket]\nmax_sub = 10\n")
    expectOneLine(err, "venues.polymarket.max_sub", "unknown key", "max_subs")
  })

  it("never echoes a secret's value in an error, whatever its type", () => {
    const err = errorOf('[venues.kalshi]\napi_secret = ["-----BEGIN PRIVATE KEY----- s3cr3t"]\n')
    expectOneLine(err, "venues.kalshi.api_secret", "expected a string", "<redacted>")
    expect(err.message).not.toContain("s3cr3t")
  })

  it("rejects an unknown top-level table", () => {
    expectOneLine(errorOf("[storag]\ntop_k = 3\n"), "storag", "unknown key")
  })

  it("rejects a wrong type with the expected form and the value given", () => {
    const err = errorOf('[venues.kalshi]\nmax_subs = "lots"\n')
    expectOneLine(err, "venues.kalshi.max_subs", "expected", '(got "lots")')
  })

  it("rejects a wrong element type inside a list with its index", () => {
    expectOneLine(errorOf("[venues.kalshi]\nexclude_title_patterns = [\"a\", 3]\n"), "venues.kalshi.exclude_title_patterns[1]", "(got 3)")
  })

  it("rejects an invalid title pattern regular expression", () => {
    expectOneLine(errorOf('[venues.kalshi]\nexclude_title_patterns = ["(unclosed"]\n'), "venues.kalshi.exclude_title_patterns[0]", "regular expression")
  })

  it("rejects hot_count > max_subs at the hot_count key", () => {
    expectOneLine(errorOf("[venues.polymarket]\nmax_subs = 10\nhot_count = 11\n"), "venues.polymarket.hot_count", "max_subs (10)", "got 11")
  })

  it("rejects bucket_minutes that does not divide 60", () => {
    expectOneLine(errorOf("[storage]\nbucket_minutes = 7\n"), "storage.bucket_minutes", "divide 60", "got 7")
  })

  it("names the expected form in TOML words", () => {
    expectOneLine(errorOf("venues = 3\n"), "venues", "expected a table (got 3)")
    expectOneLine(errorOf('[mock]\nenabled = "yes"\n'), "mock.enabled", 'expected true or false (got "yes")')
    expectOneLine(errorOf('[venues.kalshi]\nexclude_title_patterns = "x"\n'), "venues.kalshi.exclude_title_patterns", "expected a list")
  })

  it("rejects a non-positive integer", () => {
    expectOneLine(errorOf("[storage]\ntop_k = 0\n"), "storage.top_k", "positive", "(got 0)")
  })

  it("reports a TOML syntax error with file, line and column", () => {
    const err = errorOf('data_dir = "x"\n[storage\ntop_k = 3\n')
    expect(err.keyPath).toBe("")
    expect(err.message).toMatch(/^cfg\/test\.toml:2:\d+: invalid TOML: /)
    expect(err.message).not.toContain("\n")
  })

  it("applies Kalshi secret env overrides over the file", () => {
    const cfg = Either.getOrThrow(
      parseConfigText('[venues.kalshi]\napi_key = "from-file"\n', FILE, {
        KALSHI_API_KEY_ID: "key-env",
        KALSHI_PRIVATE_KEY: "pem-env",
        KALSHI_PRIVATE_KEY_PATH: "/keys/k.pem"
      })
    )
    expect(cfg.venues.kalshi.api_key).toBe("key-env")
    expect(cfg.venues.kalshi.api_secret).toBe("pem-env")
    expect(cfg.venues.kalshi.private_key_path).toBe("/keys/k.pem")
    expect(cfg.venues.polymarket.api_key).toBe("")
  })

  it.effect("loadConfig names a missing file", () =>
    Effect.gen(function* () {
      const err = yield* Effect.flip(loadConfig("does/not/exist.toml", noEnv))
      expect(err.message).toBe("does/not/exist.toml: config file not found (pass --config FILE)")
    })
  )

  it.effect("resolveKalshiPrivateKey reads inline PEM (with \\n escapes) or the key file", () =>
    Effect.gen(function* () {
      const base = Either.getOrThrow(parseConfigText("", FILE, noEnv))
      const inline = { ...base, venues: { ...base.venues, kalshi: { ...base.venues.kalshi, api_secret: "A\\nB" } } }
      expect(yield* resolveKalshiPrivateKey(inline)).toBe("A\nB")
      expect(yield* resolveKalshiPrivateKey(base)).toBeNull()
      const dir = mkdtempSync(join(tmpdir(), "cfg-"))
      writeFileSync(join(dir, "k.pem"), "PEM")
      const fromFile = { ...base, venues: { ...base.venues, kalshi: { ...base.venues.kalshi, private_key_path: join(dir, "k.pem") } } }
      expect(yield* resolveKalshiPrivateKey(fromFile)).toBe("PEM")
      const missing = { ...base, venues: { ...base.venues, kalshi: { ...base.venues.kalshi, private_key_path: join(dir, "no.pem") } } }
      const err = yield* Effect.flip(resolveKalshiPrivateKey(missing, FILE))
      expect(err.keyPath).toBe("venues.kalshi.private_key_path")
    })
  )

  it("the TOML dump redacts every secret, says which are not set, and round-trips", () => {
    const cfg = Either.getOrThrow(
      parseConfigText("", FILE, { KALSHI_API_KEY_ID: "KEYID-123", KALSHI_PRIVATE_KEY: "-----BEGIN PRIVATE KEY-----x" })
    )
    const dump = dumpConfigToml(cfg)
    expect(dump).not.toContain("KEYID-123")
    expect(dump).not.toContain("BEGIN PRIVATE KEY")
    expect(dump).toContain(`api_key = "${REDACTED}"`)
    expect(dump).toContain(`api_key = "${REDACTED}" # not set`)
    expect(dump).not.toMatch(/api_(key|secret) = ""/)
    const again = Either.getOrThrow(parseConfigText(dump, "dump", noEnv))
    expect(again.storage).toEqual(cfg.storage)
    const { api_key: _k, api_secret: _s, ...polymarketRest } = cfg.venues.polymarket
    expect(again.venues.polymarket).toMatchObject(polymarketRest)
  })
})
