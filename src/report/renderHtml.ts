/**
 * The report as ONE self-contained HTML file: uPlot, the page script and styles, and the data
 * (the ReportModel as JSON) are all inlined, so the file opens from disk, offline, in any
 * browser. The static text (headings, overview figures, notes) is written here; the charts
 * and the sortable tables are drawn by assets/report.js from the inlined JSON.
 */
import type { ReportAssets } from "./assets.js"
import type { ReportModel } from "./model.js"

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" })[c]!)

/** JSON inside a <script> element: no "</script>" or "<!--" can end or confuse it. */
const scriptJson = (value: unknown): string =>
  JSON.stringify(value, (_k, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? null : v)).replace(/</g, "\\u003c")

/** Inlined script text: "</script" would end the element early. */
const scriptText = (js: string): string => js.replace(/<\/script/gi, "<\\/script")

const int = (n: number): string => n.toLocaleString("en-US")

const card = (value: string, label: string): string =>
  `<div class="card"><div class="v">${escapeHtml(value)}</div><div class="k">${escapeHtml(label)}</div></div>`

const chartOrEmpty = (id: string, present: boolean, empty: string): string =>
  present ? `<div class="chart" id="${id}"></div>` : `<div class="empty" id="${id}-empty">${escapeHtml(empty)}</div>`

export const renderReportHtml = (model: ReportModel, assets: ReportAssets): string => {
  const span = model.from === model.to ? model.from : `${model.from} to ${model.to}`
  const o = model.overview
  const mm = model.marketMaking
  const top = model.top.map((m, i) =>
    `<div class="chart-box"><h3>${i + 1}. ${escapeHtml(m.title ?? m.market_id)} <span class="note">[${escapeHtml(m.outcome ?? m.outcome_id)}]` +
    ` score ${m.score === null ? "\u2013" : m.score.toFixed(1)}</span></h3>` +
    `<div class="chart" id="top-chart-${i}" data-market="${escapeHtml(m.market_id)}" data-outcome="${escapeHtml(m.outcome_id)}"></div></div>`
  ).join("\n")
  const unreadable = o.unreadableFiles.length === 0 ? "" :
    `<p class="warn">${o.unreadableFiles.length} snapshot or trade file(s) could not be read and are left out: ${escapeHtml(o.unreadableFiles.slice(0, 5).join(", "))}</p>`
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>surveillance report: ${escapeHtml(model.venue)} ${escapeHtml(span)}</title>
<style>${assets.uplotCss}</style>
<style>${assets.pageCss}</style>
</head>
<body>
<h1>${escapeHtml(model.venue)} · ${escapeHtml(span)}</h1>
<p class="meta">generated ${escapeHtml(model.generatedAt)} from ${escapeHtml(model.dataDir)} · all times UTC</p>

<section id="overview">
<h2>Overview</h2>
<div class="cards">
${card(int(o.universeMarkets), `markets in the universe${o.universeDate === null ? " (none found)" : ` (${o.universeDate})`}`)}
${card(int(o.watchedMarkets), "markets watched (with snapshot rows)")}
${card(int(o.marketsWithBook), "markets with a book (ok / partial / crossed rows)")}
${card(int(o.snapshotRows), `snapshot rows in ${int(o.snapshotFiles)} files`)}
${card(int(o.tradeRows), `trades in ${int(o.tradeFiles)} files`)}
${card(int(o.healthRecords), "collector health records")}
</div>
${unreadable}
<h3>Coverage: books with a snapshot row, and rows written, per minute</h3>
${chartOrEmpty("coverage-chart", model.coverage !== null, "No snapshot rows in these files.")}
<h3 style="margin-top:14px">Collector health per minute: connections, reconnects, sequence gaps; stale and crossed fractions of the rows</h3>
${chartOrEmpty("health-chart", model.health !== null, "No collector health records for these dates (data/health/ is written by surveillance collect from this version on).")}
</section>

<section id="quality">
<h2>Market quality</h2>
<p class="note">The top ${model.top.length} markets by the miner's score (best-scoring outcome of each): mid, best bid and ask (shaded: the spread) and top-3 depth (bid + ask sizes of the first three levels, right axis).
Long series are reduced to the minimum and maximum per time bucket (at most ${model.maxBuckets} buckets per series), so every spike stays visible.</p>
<div class="charts">
${top || `<div class="empty">No statistics rows: nothing to rank.</div>`}
</div>
<h3 style="margin-top:14px">Statistics per outcome (${int(model.stats.rows.length)} rows from ${escapeHtml(model.statsSources.join(", "))}); click a column to sort</h3>
<div class="tablewrap" id="stats-table"></div>
</section>

<section id="market-making">
<h2>Market making</h2>
${mm.status === "ok"
    ? `<p class="note">From ${escapeHtml(mm.source ?? "")}: effective and realized half-spread, impact and toxicity at each horizon, expected value and PnL per hour; viable rows are shaded. Click a column to sort.</p>
<div class="tablewrap" id="mm-table"></div>
<h3 style="margin-top:14px">Markout: mean realized half-spread by horizon, ${escapeHtml(mm.markoutNote)}</h3>
${chartOrEmpty("markout-chart", mm.markout !== null, "No outcome has realized half-spreads at any horizon.")}`
    : `<p class="empty" id="mm-message">${escapeHtml(mm.message ?? "")}</p>`}
</section>

<script type="application/json" id="report-data">${scriptJson(model)}</script>
<script>${scriptText(assets.uplotJs)}</script>
<script>${scriptText(assets.pageJs)}</script>
</body>
</html>
`
}
