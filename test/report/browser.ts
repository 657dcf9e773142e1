/**
 * Headless Chromium for the report tests: Debian's `chromium` driven by playwright-core. When
 * the browser is missing the tests skip, saying so in one line (never silently).
 */
import { existsSync } from "node:fs"
import { pathToFileURL } from "node:url"
import type { Browser, Page } from "playwright-core"

export const CHROMIUM_PATH = process.env.SURVEILLANCE_CHROMIUM ?? "/usr/bin/chromium"

/** Why the browser tests cannot run here, or null when they can. */
export const browserMissing = (): string | null =>
  existsSync(CHROMIUM_PATH)
    ? null
    : `${CHROMIUM_PATH} not found: install Debian's chromium package (apt-get install chromium) or set SURVEILLANCE_CHROMIUM to a Chromium binary`

export const launchChromium = async (): Promise<Browser> => {
  const { chromium } = await import("playwright-core")
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ["--no-sandbox", "--disable-gpu"] })
}

export interface OpenedReport {
  readonly page: Page
  /** console errors and uncaught page errors */
  readonly errors: ReadonlyArray<string>
  /** every URL the page requested other than the report file itself */
  readonly requests: ReadonlyArray<string>
  /** ms from navigation start to the `load` event, measured by the page (Navigation Timing) */
  readonly loadEventMs: number
}

export const openReport = async (browser: Browser, file: string): Promise<OpenedReport> => {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } })
  const errors: Array<string> = []
  const requests: Array<string> = []
  const url = pathToFileURL(file).href
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text())
  })
  page.on("pageerror", (e) => errors.push(e.message))
  page.on("request", (r) => {
    if (r.url() !== url) requests.push(r.url())
  })
  await page.goto(url, { waitUntil: "load" })
  // functions run in the page: its globals are reached through globalThis (this project compiles without the DOM lib)
  const loadEventMs = await page.evaluate(() => {
    const nav = (globalThis as any).performance.getEntriesByType("navigation")[0]
    return nav.loadEventStart as number
  })
  return { page, errors, requests, loadEventMs }
}

export interface DrawnChart {
  readonly id: string
  /** data-series: series drawn (x excluded) */
  readonly series: number
  /** the uPlot instance's series (x excluded) */
  readonly uplotSeries: number
  readonly points: number
  readonly rawPoints: number
  /** the x scale's span as drawn (seconds on the time charts) */
  readonly xSpan: number
  /** canvas pixels that are not transparent */
  readonly paintedPixels: number
  /** pixels of the canvas that are neither transparent nor grey (axis and grid lines are grey): the series' colours */
  readonly colouredPixels: number
}

/** Every chart container of the page, with what its canvas holds. */
export const drawnCharts = (page: Page): Promise<ReadonlyArray<DrawnChart>> =>
  page.evaluate(() => {
    const g = globalThis as any
    const report = g.surveillanceReport as { charts: Array<{ root: unknown; series: Array<unknown>; scales: Record<string, { min: number; max: number }> }> }
    return [...g.document.querySelectorAll(".chart")].map((el: any) => {
      const canvas = el.querySelector("canvas")
      let painted = 0
      let coloured = 0
      if (canvas !== null && canvas.width > 0 && canvas.height > 0) {
        const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data as Uint8ClampedArray
        for (let i = 0; i < data.length; i += 4) {
          if (data[i + 3]! === 0) continue
          painted++
          const [r, gr, b] = [data[i]!, data[i + 1]!, data[i + 2]!]
          if (Math.max(r, gr, b) - Math.min(r, gr, b) > 40) coloured++
        }
      }
      const instance = report.charts.find((u) => el.contains(u.root))
      return {
        id: el.id as string,
        series: Number(el.dataset.series ?? -1),
        uplotSeries: instance === undefined ? -1 : instance.series.length - 1,
        points: Number(el.dataset.points ?? -1),
        rawPoints: Number(el.dataset.rawPoints ?? -1),
        xSpan: instance === undefined ? -1 : instance.scales.x!.max - instance.scales.x!.min,
        paintedPixels: painted,
        colouredPixels: coloured
      }
    })
  })

/** The stats table's row for (market, outcome, date): column name -> exact value (data-v) and shown text. */
export const tableRow = (page: Page, tableId: string, key: string) =>
  page.evaluate(({ tableId, key }) => {
    const table = (globalThis as any).document.getElementById(tableId)
    const names = [...table.querySelectorAll("th")].map((th: any) => th.dataset.col as string)
    const row = [...table.querySelectorAll("tbody tr")].find((tr: any) => tr.dataset.key === key) as any
    if (row === undefined) return null
    const out: Record<string, { value: unknown; text: string }> = {}
    ;[...row.cells].forEach((td: any, i: number) => {
      out[names[i]!] = { value: JSON.parse(td.dataset.v), text: td.textContent ?? "" }
    })
    return out
  }, { tableId, key })

/** A page-side value: `expression` is evaluated in the page (e.g. "document.getElementById('x').dataset.rows"). */
export const pageValue = (page: Page, expression: string): Promise<unknown> => page.evaluate(expression)
