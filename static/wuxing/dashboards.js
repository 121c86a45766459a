// Dashboards: ECharts from data embedded with json_script, sortable tables, print buttons.
// Kept out of the pages because the CSP forbids inline scripts.
(function () {
  "use strict";

  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function line(name, values, extra) {
    var s = { name: name, type: "line", data: values, connectNulls: true };
    for (var k in extra || {}) { s[k] = extra[k]; }
    return s;
  }

  var builders = {
    "village-trend": function (d) {
      var series = [line(d.level_name, d.level, { yAxisIndex: 1, step: "end" })];
      Object.keys(d.stars).forEach(function (code) {
        series.push(line(d.names[code], d.stars[code].map(function (v) {
          return v === null || v === undefined ? null : Number(v);
        })));
      });
      return {
        tooltip: { trigger: "axis" }, legend: { type: "scroll", top: 0 },
        grid: { left: 36, right: 30, top: 40, bottom: 24 },
        xAxis: { type: "category", data: d.months },
        yAxis: [{ type: "value", min: 0, max: 100 }, { type: "value", min: 0, max: 5 }],
        series: series
      };
    },
    "unit-trend": function (d) {
      var series = Object.keys(d.levels).map(function (lv) {
        return { name: lv + "★", type: "bar", stack: "levels", data: d.levels[lv] };
      });
      series.push(line("≥3★ %", d.three_plus, { yAxisIndex: 1 }));
      return {
        tooltip: { trigger: "axis" }, legend: { type: "scroll", top: 0 },
        grid: { left: 40, right: 36, top: 40, bottom: 24 },
        xAxis: { type: "category", data: d.months },
        yAxis: [{ type: "value" }, { type: "value", min: 0, max: 100 }],
        series: series
      };
    }
  };

  function charts() {
    if (!window.echarts) { return; }
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var build = builders[el.getAttribute("data-chart")];
      var d = data(el.getAttribute("data-source"));
      if (!build || !d || !d.months.length) { el.hidden = true; return; }
      var chart = window.echarts.init(el);
      chart.setOption(build(d));
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  function sortable(table) {
    table.querySelectorAll("th[data-sort]").forEach(function (th, index) {
      th.tabIndex = 0;
      function sort() {
        var asc = th.getAttribute("aria-sort") !== "ascending";
        table.querySelectorAll("th[aria-sort]").forEach(function (o) { o.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        var body = table.tBodies[0];
        var numeric = th.getAttribute("data-sort") === "number";
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[index].getAttribute("data-value") || a.cells[index].textContent;
          var y = b.cells[index].getAttribute("data-value") || b.cells[index].textContent;
          var r = numeric ? Number(x) - Number(y) : x.localeCompare(y, "zh");
          return asc ? r : -r;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (e) { if (e.key === "Enter") { sort(); } });
    });
  }

  // Closed <details> print empty in older engines: open the inputs while printing.
  var reopened = [];
  window.addEventListener("beforeprint", function () {
    reopened = Array.prototype.filter.call(document.querySelectorAll("details.trace"),
      function (d) { return !d.open; });
    reopened.forEach(function (d) { d.open = true; });
  });
  window.addEventListener("afterprint", function () {
    reopened.forEach(function (d) { d.open = false; });
    reopened = [];
  });

  document.addEventListener("DOMContentLoaded", function () {
    charts();
    document.querySelectorAll("table.sortable").forEach(sortable);
    // Print buttons of the bulletin and the star card (no inline handlers under the CSP).
    document.querySelectorAll("[data-print]").forEach(function (el) {
      el.addEventListener("click", function () { window.print(); });
    });
  });
})();
