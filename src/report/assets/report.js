/*
 * The report page's script (inlined by src/report/renderHtml.ts after uPlot). It draws what
 * the JSON document in #report-data holds and computes nothing of its own: every value comes
 * from the data directory. Each chart's container gets data-series (series drawn, x excluded)
 * and data-points (points per series) so a browser test can check what was drawn.
 */
/* global uPlot */
(function () {
  "use strict"
  var t0 = performance.now()
  var timings = { start: Math.round(t0) }
  function lap(name) { timings[name] = Math.round(performance.now() - t0) }
  var model = JSON.parse(document.getElementById("report-data").textContent)
  lap("parse")
  var charts = []
  var COLORS = ["#0b6bcb", "#2e7d32", "#c62828", "#8e24aa", "#ef6c00", "#00838f", "#6d4c41"]

  function fmt(v) {
    if (v === null || v === undefined) return "\u2013"
    if (typeof v === "boolean") return v ? "yes" : "no"
    if (typeof v !== "number") return String(v)
    if (Number.isInteger(v)) return String(v)
    if (Math.abs(v) >= 1000) return v.toFixed(1)
    return String(Number(v.toPrecision(4)))
  }
  function pct(v) { return v === null || v === undefined ? "\u2013" : (100 * v).toFixed(1) + "%" }
  function esc(s) {
    return String(s).replace(/[&<>"]/g, function (c) { return { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;" }[c] })
  }

  function draw(id, opts, chart) {
    var el = document.getElementById(id)
    if (el === null || chart === null) return
    var data = [chart.table.x].concat(chart.table.ys)
    // UTC, like the data layout's dates and hours (and the tables' times)
    if (opts.scales.x.time !== false) opts.tzDate = function (ts) { return uPlot.tzDate(new Date(ts * 1e3), "Etc/UTC") }
    charts.push(new uPlot(opts, data, el))
    el.setAttribute("data-series", String(chart.table.ys.length))
    el.setAttribute("data-points", String(chart.table.x.length))
    el.setAttribute("data-raw-points", String(chart.table.rawPoints))
  }
  // a single time (a run shorter than a minute) gets a minute either side: uPlot's own span for
  // one x value is 86400 / ms seconds, which with times in seconds is almost three years
  function timeScale() {
    return {
      time: true,
      range: function (u, min, max) {
        var xs = u.data[0]
        var single = xs.length > 0 && xs[0] === xs[xs.length - 1]
        return single ? [xs[0] - 60, xs[0] + 60] : [min, max]
      }
    }
  }
  function line(label, color, scale, extra) {
    // points: uPlot's default draws them only where the series is sparse (a short run has a few)
    var s = { label: label, stroke: color, width: 1.5, scale: scale }
    for (var k in extra || {}) s[k] = extra[k]
    return s
  }
  var wide = Math.min(1100, Math.max(600, document.documentElement.clientWidth - 80))

  // Overview: coverage and collector health
  if (model.coverage !== null) {
    draw("coverage-chart", {
      width: wide, height: 220,
      scales: { x: timeScale() },
      series: [{}, line(model.coverage.series[0], COLORS[0], "books", { points: { show: true, size: 3 } }), line(model.coverage.series[1], COLORS[4], "rows", { points: { show: true, size: 3 } })],
      axes: [{}, { scale: "books", label: "books" }, { scale: "rows", side: 1, label: "rows / minute", grid: { show: false } }]
    }, model.coverage)
  }
  if (model.health !== null) {
    var h = model.health.series
    draw("health-chart", {
      width: wide, height: 220,
      scales: { x: timeScale(), frac: { range: [0, 1] } },
      series: [{},
        line(h[0], COLORS[0], "count", { points: { show: true, size: 3 } }),
        line(h[1], COLORS[2], "count", { points: { show: true, size: 3 } }),
        line(h[2], COLORS[3], "count", { points: { show: true, size: 3 } }),
        line(h[3], COLORS[4], "frac", { dash: [4, 3], value: function (u, v) { return pct(v) }, points: { show: true, size: 3 } }),
        line(h[4], COLORS[5], "frac", { dash: [2, 2], value: function (u, v) { return pct(v) }, points: { show: true, size: 3 } })],
      axes: [{}, { scale: "count", label: "count / minute" },
        { scale: "frac", side: 1, label: "fraction of rows", grid: { show: false }, values: function (u, vs) { return vs.map(pct) } }]
    }, model.health)
  }

  lap("overview charts")
  // Market quality: one small chart per top market
  model.top.forEach(function (m, i) {
    draw("top-chart-" + i, {
      width: Math.min(540, wide), height: 200,
      scales: { x: timeScale(), px: {}, depth: {} },
      series: [{},
        line("mid", "#1b1f24", "px"),
        line("best bid", COLORS[1], "px", { width: 1 }),
        line("best ask", COLORS[2], "px", { width: 1 }),
        line("top-3 depth", "#9aa4ae", "depth", { width: 1, dash: [3, 3] })],
      bands: [{ series: [3, 2], fill: "rgba(11,107,203,0.12)" }],
      axes: [{}, { scale: "px", label: "price" }, { scale: "depth", side: 1, label: "size", grid: { show: false } }]
    }, m.chart)
  })

  lap("top charts")
  // Market making: markout curves
  var mm = model.marketMaking
  if (mm.markout !== null) {
    var labels = ["0 (effective)"].concat(mm.horizons)
    draw("markout-chart", {
      width: Math.min(900, wide), height: 260,
      scales: { x: { time: false, range: [-0.2, labels.length - 0.8] } },
      series: [{ label: "horizon", value: function (u, v) { return v === null ? "" : labels[v] } }].concat(mm.markout.series.map(function (name, i) {
        return line(name, COLORS[i % COLORS.length], "y", { points: { show: true, size: 6 } })
      })),
      axes: [{ splits: function () { return labels.map(function (_, i) { return i }) }, values: function (u, vs) { return vs.map(function (v) { return labels[v] || "" }) }, label: "horizon" },
        { scale: "y", label: "mean realized half-spread" }]
    }, mm.markout)
  }

  // Sortable, paged tables: every cell carries its exact value in data-v. Only one page of rows
  // is in the DOM at a time (laying out 1,000 rows x 30 columns took seconds); sorting and
  // paging work on all rows.
  var PAGE_ROWS = 50
  function table(containerId, t, opts) {
    var el = document.getElementById(containerId)
    if (el === null || t === null) return
    var rows = t.rows.slice()
    var sortCol = -1
    var sortDir = 1
    var page = 0
    var keyA = t.columns.indexOf(opts.keyColumns[0])
    var keyB = t.columns.indexOf(opts.keyColumns[1])
    var keyC = opts.keyColumns[2] === undefined ? -1 : t.columns.indexOf(opts.keyColumns[2])
    var viable = t.columns.indexOf("viable")
    // epoch-ms columns (first_ts, last_ts) are shown as UTC clock times
    var timeCols = t.columns.map(function (c) { return /_ts$/.test(c) })
    function sortBy(i, dir) {
      sortCol = i
      sortDir = dir
      rows.sort(function (a, b) {
        var x = a[i], y = b[i]
        if (x === y) return 0
        if (x === null) return 1
        if (y === null) return -1
        return (x < y ? -1 : 1) * sortDir
      })
    }
    function body() {
      var out = []
      var end = Math.min(rows.length, (page + 1) * PAGE_ROWS)
      for (var r = page * PAGE_ROWS; r < end; r++) {
        var row = rows[r]
        var key = row[keyA] + "|" + row[keyB] + (keyC >= 0 ? "|" + row[keyC] : "")
        out.push("<tr data-key=\"" + esc(key) + "\"" + (viable >= 0 && row[viable] === true ? " class=\"viable\"" : "") + ">")
        for (var c = 0; c < row.length; c++) {
          var v = row[c]
          var text = typeof v === "string"
          var shown = timeCols[c] && typeof v === "number" ? new Date(v).toISOString().slice(11, 19) : fmt(v)
          out.push("<td" + (text ? " class=\"t\" title=\"" + esc(v) + "\"" : "") + " data-v=\"" + esc(JSON.stringify(v)) + "\">" + esc(shown) + "</td>")
        }
        out.push("</tr>")
      }
      return out.join("")
    }
    var pages = Math.max(1, Math.ceil(rows.length / PAGE_ROWS))
    var head = t.columns.map(function (c, i) {
      var text = rows.length > 0 && typeof rows[0][i] === "string"
      return "<th data-col=\"" + esc(c) + "\"" + (text ? " class=\"t\"" : "") + ">" + esc(c) + "</th>"
    }).join("")
    var pager = document.createElement("div")
    pager.className = "pager note"
    el.innerHTML = "<table><thead><tr>" + head + "</tr></thead><tbody></tbody></table>"
    el.parentNode.insertBefore(pager, el.nextSibling)
    var tbody = el.querySelector("tbody")
    var ths = el.querySelectorAll("th")
    function render() {
      tbody.innerHTML = body()
      ths.forEach(function (o, i) {
        o.classList.toggle("sorted-asc", i === sortCol && sortDir === 1)
        o.classList.toggle("sorted-desc", i === sortCol && sortDir === -1)
      })
      pager.innerHTML = "rows " + (rows.length === 0 ? 0 : page * PAGE_ROWS + 1) + "\u2013" + Math.min(rows.length, (page + 1) * PAGE_ROWS) +
        " of " + rows.length + (pages > 1 ? " \u00b7 <button data-go=\"-1\">previous</button> <button data-go=\"1\">next</button>" : "")
      el.setAttribute("data-page", String(page))
    }
    pager.addEventListener("click", function (e) {
      var go = e.target && e.target.getAttribute && e.target.getAttribute("data-go")
      if (!go) return
      page = Math.min(pages - 1, Math.max(0, page + Number(go)))
      render()
    })
    ths.forEach(function (th, i) {
      th.addEventListener("click", function () {
        sortBy(i, sortCol === i ? -sortDir : (typeof (rows[0] || [])[i] === "string" ? 1 : -1))
        page = 0
        render()
      })
    })
    if (opts.sortColumn !== undefined && t.columns.indexOf(opts.sortColumn) >= 0) sortBy(t.columns.indexOf(opts.sortColumn), -1)
    render()
    el.setAttribute("data-rows", String(rows.length))
  }
  lap("markout chart")
  table("stats-table", model.stats, { keyColumns: ["market_id", "outcome_id", "date"], sortColumn: "score" })
  lap("stats table")
  if (mm.table !== null) table("mm-table", mm.table, { keyColumns: ["market_id", "outcome_id", "date"] })
  lap("mm table")

  window.surveillanceReport = { model: model, charts: charts, timings: timings }
  // uPlot draws in a microtask after its construction: this one runs after theirs
  Promise.resolve().then(function () { lap("charts drawn") })
  document.body.setAttribute("data-ready", "1")
})()
