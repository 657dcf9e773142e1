import { Rng } from "./rng.js"

/**
 * The simulated universe: Polymarket events/markets and Kalshi events/markets, generated
 * eagerly from the seed (25k metadata records cost a few tens of ms) while books stay lazy
 * (see book.ts). Close times are relative to `anchorMs`: a few closed, some closing within
 * hours, most far out, as a real scan sees.
 */

const HOUR = 3_600_000
const DAY = 24 * HOUR

export interface PmMarket {
  readonly id: string
  readonly conditionId: string
  readonly questionID: string
  readonly question: string
  readonly slug: string
  readonly groupItemTitle: string
  readonly eventIndex: number
  readonly startMs: number
  readonly endMs: number
  readonly active: boolean
  readonly closed: boolean
  readonly archived: boolean
  readonly enableOrderBook: boolean
  readonly tokenIds: readonly [string, string]
  readonly tick: number
  readonly fair: number
  readonly negRisk: boolean
  readonly volume: number
  readonly liquidity: number
  readonly description: string
}

export interface PmEvent {
  readonly id: string
  readonly ticker: string
  readonly slug: string
  readonly title: string
  readonly description: string
  readonly tags: ReadonlyArray<{ readonly id: string; readonly label: string; readonly slug: string }>
  readonly startMs: number
  readonly endMs: number
  readonly negRisk: boolean
  readonly markets: PmMarket[]
}

export interface KMarket {
  readonly ticker: string
  readonly eventTicker: string
  readonly marketId: string
  readonly title: string
  readonly subtitle: string
  readonly yesSubTitle: string
  readonly noSubTitle: string
  readonly openMs: number
  readonly closeMs: number
  readonly status: "active" | "closed" | "finalized" | "initialized"
  readonly fair: number
  readonly volume: number
  readonly openInterest: number
  readonly liquidity: number
  readonly rulesPrimary: string
  readonly category: string
}

export interface KEvent {
  readonly eventTicker: string
  readonly seriesTicker: string
  readonly title: string
  readonly subTitle: string
  readonly category: string
  readonly mutuallyExclusive: boolean
  readonly markets: KMarket[]
}

export interface Universe {
  readonly anchorMs: number
  readonly pmEvents: ReadonlyArray<PmEvent>
  readonly pmMarkets: ReadonlyArray<PmMarket>
  readonly pmByToken: ReadonlyMap<string, { readonly market: PmMarket; readonly outcome: 0 | 1 }>
  readonly pmByCondition: ReadonlyMap<string, PmMarket>
  readonly kEvents: ReadonlyArray<KEvent>
  readonly kMarkets: ReadonlyArray<KMarket>
  readonly kByTicker: ReadonlyMap<string, KMarket>
  /** Kalshi multivariate combos listed on REST (virtual: made from their index on demand, see comboMarket) */
  readonly kCombos: number
  readonly seed: number
}

const PEOPLE = ["Gavin Newsom", "Josh Shapiro", "Alexandria Ocasio-Cortez", "JD Vance", "Marco Rubio", "Gretchen Whitmer", "Pete Buttigieg", "Wes Moore", "Andy Beshear", "Jon Ossoff", "Ron DeSantis", "Nikki Haley", "Kamala Harris", "Glenn Youngkin", "Tucker Carlson", "Vivek Ramaswamy"]
const COINS: ReadonlyArray<[string, string, number]> = [["Bitcoin", "BTC", 100000], ["Ethereum", "ETH", 3500], ["Solana", "SOL", 180], ["XRP", "XRP", 2.5], ["Dogecoin", "DOGE", 0.3]]
const TEAMS = ["Lakers", "Celtics", "Warriors", "Knicks", "Nuggets", "Heat", "Bucks", "Suns", "Chiefs", "Eagles", "Bills", "49ers", "Ravens", "Lions", "Yankees", "Dodgers", "Arsenal", "Liverpool", "Real Madrid", "Barcelona", "T1", "Gen.G"]
const COUNTRIES = ["Ethiopia", "Japan", "Germany", "Brazil", "Canada", "India", "Chile", "Poland", "Kenya", "Portugal", "Colombia", "South Korea"]
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
const MON3 = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
const CITIES: ReadonlyArray<[string, string]> = [["New York City", "NY"], ["Chicago", "CHI"], ["Miami", "MIA"], ["Austin", "AUS"], ["Denver", "DEN"], ["Los Angeles", "LAX"]]

type Tag = { id: string; label: string; slug: string }
const TAG = (id: string, label: string): Tag => ({ id, label, slug: label.toLowerCase().replace(/[^a-z0-9]+/g, "-") })
const T_POLITICS = TAG("2", "Politics"), T_ELECTIONS = TAG("144", "Elections"), T_CRYPTO = TAG("21", "Crypto")
const T_SPORTS = TAG("1", "Sports"), T_ECON = TAG("107", "Economy"), T_WORLD = TAG("101206", "World Elections")
const T_CULTURE = TAG("596", "Culture"), T_WEATHER = TAG("84", "Weather")

export const slugify = (s: string): string =>
  s.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 90)

/** fair value in mills: many markets sit near 0 or 1, as on the real venues */
const drawFair = (rng: Rng): number => {
  const r = rng.next()
  if (r < 0.25) return rng.int(5, 60)
  if (r < 0.4) return rng.int(940, 995)
  return rng.int(60, 940)
}

/** close time relative to anchor: ~8% past, ~7% within a day, ~15% within a week, rest far */
const drawEnd = (rng: Rng, anchorMs: number): { endMs: number; past: boolean } => {
  const e = drawEndRaw(rng, anchorMs)
  // venues print whole seconds; whole minutes keep the universe readable
  return { endMs: Math.floor(e.endMs / 60_000) * 60_000, past: e.past }
}

const drawEndRaw = (rng: Rng, anchorMs: number): { endMs: number; past: boolean } => {
  const r = rng.next()
  if (r < 0.08) return { endMs: anchorMs - rng.int(1, 400) * DAY, past: true }
  if (r < 0.15) return { endMs: anchorMs + rng.int(5, 24 * 60) * 60_000, past: false }
  if (r < 0.3) return { endMs: anchorMs + rng.int(1, 7) * DAY + rng.int(0, 23) * HOUR, past: false }
  return { endMs: anchorMs + rng.int(8, 1000) * DAY, past: false }
}

interface EventTemplate {
  readonly title: string
  readonly tags: ReadonlyArray<Tag>
  readonly items: ReadonlyArray<{ question: string; group: string }>
}

const pmEventTemplate = (rng: Rng, endMs: number): EventTemplate => {
  const d = new Date(endMs)
  const month = MONTHS[d.getUTCMonth()]!
  const year = d.getUTCFullYear()
  switch (rng.int(0, 6)) {
    case 0: {
      const n = rng.int(3, 12)
      const office = rng.pick(["Democratic Presidential Nominee", "Republican Presidential Nominee", "Presidential Election Winner"])
      const people = Array.from({ length: n }, (_, i) => PEOPLE[(rng.int(0, PEOPLE.length - 1) + i) % PEOPLE.length]!)
      const uniq = Array.from(new Set(people))
      return { title: `${office} ${year}`, tags: [T_POLITICS, T_ELECTIONS], items: uniq.map((p) => ({ question: `Will ${p} win the ${year} ${office.toLowerCase()} race?`, group: p })) }
    }
    case 1: {
      const [name, sym, ref] = rng.pick(COINS)
      const strikes = rng.int(1, 6)
      const items = Array.from({ length: strikes }, (_, i) => {
        const k = Number((ref * (0.8 + 0.1 * i)).toPrecision(3))
        return { question: `Will ${name} be above $${k} on ${month} ${d.getUTCDate()}?`, group: `↑ $${k}` }
      })
      return { title: `${name} (${sym}) price on ${month} ${d.getUTCDate()}`, tags: [T_CRYPTO], items }
    }
    case 2: {
      const a = rng.pick(TEAMS)
      let b = rng.pick(TEAMS)
      if (b === a) b = TEAMS[(TEAMS.indexOf(a) + 1) % TEAMS.length]!
      return { title: `${a} vs. ${b}`, tags: [T_SPORTS], items: [{ question: `Will the ${a} beat the ${b} on ${month} ${d.getUTCDate()}?`, group: a }] }
    }
    case 3:
      return { title: `Fed decision in ${month} ${year}`, tags: [T_ECON], items: ["No change", "25 bps decrease", "50+ bps decrease", "25+ bps increase"].map((g) => ({ question: `Fed ${g.toLowerCase()} after ${month} ${year} meeting?`, group: g })) }
    case 4: {
      const c = rng.pick(COUNTRIES)
      const n = rng.int(2, 6)
      return { title: `Next leader of ${c}`, tags: [T_POLITICS, T_WORLD], items: Array.from({ length: n }, (_, i) => ({ question: `Will candidate ${String.fromCharCode(65 + i)} be the next head of government of ${c}?`, group: `Candidate ${String.fromCharCode(65 + i)}` })) }
    }
    case 5: {
      const [city] = rng.pick(CITIES)
      return { title: `Highest temperature in ${city} on ${month} ${d.getUTCDate()}?`, tags: [T_WEATHER], items: [70, 75, 80, 85].map((t) => ({ question: `Will the highest temperature in ${city} be ${t}°F or higher on ${month} ${d.getUTCDate()}?`, group: `${t}°F+` })) }
    }
    default: {
      const what = rng.pick(["GTA VI be released", "Taylor Swift announce a new album", "OpenAI release GPT-6", "a US recession be declared", "Elon Musk tweet 500+ times in a week"])
      return { title: `Will ${what} by ${month} ${year}?`, tags: [T_CULTURE], items: [{ question: `Will ${what} by ${month} ${d.getUTCDate()}, ${year}?`, group: "" }] }
    }
  }
}

/**
 * Kalshi's multivariate combos ("MVE", parlays minted on demand): over 90 % of the markets its
 * `GET /markets` lists, most with no book, listed first (peers report pages of consecutive
 * KXMVECROSSCATEGORY markets). The simulator does not store them: combo `i` is rebuilt from
 * (seed, i) when a page needs it, so 200,000 of them cost nothing until listed. Their legs are
 * regular markets. They exist on REST only (no WebSocket book, no `/markets/{ticker}`).
 */
export const comboMarket = (u: Universe, i: number): KMarket & { readonly legs: ReadonlyArray<KMarket> } => {
  const rng = Rng.derive(u.seed, `combo:${i}`)
  const legs: KMarket[] = []
  const n = rng.int(2, 4)
  for (let j = 0; j < n && u.kMarkets.length > 0; j++) legs.push(u.kMarkets[rng.int(0, u.kMarkets.length - 1)]!)
  const closeMs = legs.reduce((a, m) => Math.max(a, m.closeMs), u.anchorMs + DAY)
  const id = rng.hex(10).toUpperCase()
  const eventTicker = `KXMVECROSSCATEGORY-S${new Date(u.anchorMs).getUTCFullYear()}${id}`
  const title = legs.map((m) => `yes ${m.yesSubTitle}`).join(",")
  return {
    ticker: `${eventTicker}-${rng.hex(11).toUpperCase()}`, eventTicker, marketId: rng.uuid(), title, subtitle: "", yesSubTitle: title, noSubTitle: title,
    openMs: u.anchorMs - HOUR, closeMs, status: "active", fair: 500, volume: 0, openInterest: 0, liquidity: 0,
    rulesPrimary: "If every selected leg resolves as selected, the market resolves to Yes.", category: "", legs
  }
}

/** combos for `regular` non-combo markets when combos are `share` of all markets (0 <= share < 1) */
export const comboCount = (regular: number, share: number): number =>
  share <= 0 ? 0 : Math.round((regular * Math.min(share, 0.999)) / (1 - Math.min(share, 0.999)))

export const generateUniverse = (seed: number, pmCount: number, kCount: number, anchorMs: number, kComboShare = 0): Universe => {
  const rng = Rng.derive(seed, "universe:polymarket")
  const pmEvents: PmEvent[] = []
  const pmMarkets: PmMarket[] = []
  let marketId = 500000
  let eventId = 20000
  while (pmMarkets.length < pmCount) {
    const { endMs, past } = drawEnd(rng, anchorMs)
    const tpl = pmEventTemplate(rng, endMs)
    const items = tpl.items.slice(0, pmCount - pmMarkets.length)
    const eIndex = pmEvents.length
    const negRisk = items.length > 2 && rng.chance(0.8)
    const startMs = endMs - rng.int(7, 400) * DAY
    const title = tpl.title
    const slugBase = slugify(title)
    const eid = String(eventId++)
    const event: PmEvent = {
      id: eid, ticker: `${slugBase}-${eid}`, slug: `${slugBase}-${eid}`, title,
      description: `This event groups markets about: ${title}. Resolution per each market's rules.`,
      tags: tpl.tags, startMs, endMs, negRisk, markets: []
    }
    for (const item of items) {
      // past end but still open happens on the real venue (fixture gamma_market_past_end_date_open.json)
      const closed = past && rng.chance(0.75)
      const archived = closed && rng.chance(0.3)
      const enableOrderBook = !rng.chance(0.02)
      const id = String(marketId++)
      const m: PmMarket = {
        id,
        conditionId: "0x" + rng.hex(64),
        questionID: "0x" + rng.hex(64),
        question: item.question,
        slug: `${slugify(item.question)}-${id}`,
        groupItemTitle: item.group,
        eventIndex: eIndex,
        startMs,
        endMs,
        active: !rng.chance(0.01),
        closed,
        archived,
        enableOrderBook,
        tokenIds: [rng.digits(77), rng.digits(rng.chance(0.5) ? 77 : 76)],
        tick: rng.chance(0.15) ? 1 : 10,
        fair: drawFair(rng),
        negRisk,
        volume: Math.round(rng.logUniform(50, 5e7) * 100) / 100,
        liquidity: Math.round(rng.logUniform(10, 5e5) * 100) / 100,
        description: `This market will resolve to "Yes" if ${item.question.replace(/^Will /, "").replace(/\?$/, "")}. Otherwise, this market will resolve to "No".`
      }
      event.markets.push(m)
      pmMarkets.push(m)
    }
    pmEvents.push(event)
  }
  const pmByToken = new Map<string, { market: PmMarket; outcome: 0 | 1 }>()
  const pmByCondition = new Map<string, PmMarket>()
  for (const m of pmMarkets) {
    pmByCondition.set(m.conditionId, m)
    if (m.enableOrderBook) {
      pmByToken.set(m.tokenIds[0], { market: m, outcome: 0 })
      pmByToken.set(m.tokenIds[1], { market: m, outcome: 1 })
    }
  }

  const krng = Rng.derive(seed, "universe:kalshi")
  const kEvents: KEvent[] = []
  const kMarkets: KMarket[] = []
  const kByTicker = new Map<string, KMarket>()
  let serial = 0
  while (kMarkets.length < kCount) {
    const { endMs, past } = drawEnd(krng, anchorMs)
    const d = new Date(endMs)
    const dateCode = `${String(d.getUTCFullYear()).slice(2)}${MON3[d.getUTCMonth()]}${String(d.getUTCDate()).padStart(2, "0")}${String(d.getUTCHours()).padStart(2, "0")}`
    const kind = krng.int(0, 3)
    let series: string, title: string, category: string
    let strikes: Array<{ suffix: string; sub: string; title: string }>
    if (kind === 0) {
      const [name, sym, ref] = krng.pick(COINS)
      series = `KX${sym}D`
      category = "Crypto"
      title = `${name} price on ${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}, ${d.getUTCFullYear()}?`
      strikes = Array.from({ length: krng.int(2, 12) }, (_, i) => {
        const k = (ref * (0.9 + 0.02 * i) - 0.01).toFixed(2)
        return { suffix: `T${k}`, sub: `$${k} or above`, title: `Will ${name} be above $${k}?` }
      })
    } else if (kind === 1) {
      const [city, code] = krng.pick(CITIES)
      series = `KXHIGH${code}`
      category = "Climate and Weather"
      title = `Highest temperature in ${city} on ${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}?`
      strikes = Array.from({ length: krng.int(2, 6) }, (_, i) => {
        const lo = 60 + 2 * i
        return { suffix: `B${lo + 0.5}`, sub: `${lo}° to ${lo + 1}°`, title: `Will the high temp in ${city} be ${lo}-${lo + 1}°?` }
      })
    } else if (kind === 2) {
      series = "KXFEDDECISION"
      category = "Economics"
      title = `Fed decision in ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}?`
      strikes = ["H0", "C25", "C26", "H25"].map((s) => ({ suffix: s, sub: s, title: `Fed ${s} in ${MONTHS[d.getUTCMonth()]}?` }))
    } else {
      const a = krng.pick(TEAMS)
      series = "KXGAME"
      category = "Sports"
      title = `${a} game on ${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}`
      strikes = [{ suffix: a.toUpperCase().replace(/[^A-Z0-9]/g, "").slice(0, 6) || "TEAM", sub: a, title: `Will the ${a} win on ${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}?` }]
    }
    const eventTicker = `${series}-${dateCode}${(serial++).toString(36).toUpperCase()}`
    const event: KEvent = { eventTicker, seriesTicker: series, title, subTitle: `On ${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}`, category, mutuallyExclusive: kind === 2, markets: [] }
    const eventStatus: KMarket["status"] = past ? (krng.chance(0.5) ? "finalized" : "closed") : krng.chance(0.02) ? "initialized" : "active"
    for (const s of strikes.slice(0, kCount - kMarkets.length)) {
      const ticker = `${eventTicker}-${s.suffix}`
      if (kByTicker.has(ticker)) continue
      const openMs = eventStatus === "initialized" ? anchorMs + krng.int(1, 72) * HOUR : endMs - krng.int(1, 60) * DAY
      const m: KMarket = {
        ticker, eventTicker, marketId: krng.uuid(), title: s.title, subtitle: s.sub, yesSubTitle: s.sub, noSubTitle: s.sub,
        openMs, closeMs: endMs, status: eventStatus, fair: drawFair(krng),
        volume: Math.round(krng.logUniform(1, 2e6)), openInterest: Math.round(krng.logUniform(1, 5e5)),
        liquidity: Math.round(krng.logUniform(10, 1e6) * 100) / 100,
        rulesPrimary: `If ${s.title.replace(/^Will /, "").replace(/\?$/, "")}, then the market resolves to Yes.`,
        category
      }
      event.markets.push(m)
      kMarkets.push(m)
      kByTicker.set(ticker, m)
    }
    kEvents.push(event)
  }
  return { anchorMs, pmEvents, pmMarkets, pmByToken, pmByCondition, kEvents, kMarkets, kByTicker, kCombos: comboCount(kMarkets.length, kComboShare), seed }
}
