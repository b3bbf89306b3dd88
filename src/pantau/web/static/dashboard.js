/* pantau dashboards: filters that apply on change, and the charts (Apache ECharts, vendored).
   The page works without this file: the filters have a button and every chart has a table. */
(function () {
  "use strict";

  // A choice made with the mouse or a finger applies at once; with the keyboard, arrows only
  // move through the options and "Apply" applies them (no change of page while browsing
  // options: WCAG 3.2.2, on input).
  document.querySelectorAll("select[data-autosubmit]").forEach(function (el) {
    var pointer = false;
    el.addEventListener("pointerdown", function () { pointer = true; });
    el.addEventListener("keydown", function () { pointer = false; });
    el.addEventListener("change", function () { if (pointer) { el.form.submit(); } });
  });

  var blob = document.getElementById("page-data");
  if (!blob || !window.echarts) { return; }
  var spec = JSON.parse(blob.textContent);
  var fmt = new Intl.NumberFormat(spec.locale, { maximumFractionDigits: 1 });
  var num = function (v) { return v === null || v === undefined ? "—" : fmt.format(v); };
  var colors = ["#0b4f8a", "#c2410c", "#1d6b3a", "#7c3aed", "#b7791f", "#0e7490", "#be185d", "#4d5b6a"];
  var axisText = { color: "#1b2430", fontSize: 12 };
  var charts = [];

  function base() {
    return { color: colors, animation: false, aria: { enabled: true },
             textStyle: { fontFamily: "system-ui, sans-serif" },
             grid: { left: 8, right: 24, top: 24, bottom: 8, containLabel: true },
             tooltip: { trigger: "axis", valueFormatter: num } };
  }

  var draw = {
    line: function (c) {
      var o = base();
      o.xAxis = { type: "category", data: c.categories, name: c.axis, nameLocation: "middle", nameGap: 26,
                  nameTextStyle: axisText, axisLabel: axisText };
      o.grid.bottom = 28;
      o.tooltip.formatter = function (ps) {
        var p = ps[0];
        return c.axis + " " + p.name + " · " + c.dates[p.dataIndex] + "<br>" + p.seriesName + ": " + num(p.value);
      };
      o.yAxis = { type: "value", axisLabel: { color: axisText.color, formatter: num } };
      o.series = c.series.map(function (s) {
        return { name: s.name, type: "line", data: s.data, symbolSize: 9, connectNulls: false,
                 label: { show: true, position: "top", formatter: function (p) { return num(p.value); } },
                 markPoint: c.selected === null ? undefined : { symbol: "circle", symbolSize: 16,
                   data: [{ coord: [c.selected, s.data[c.selected]] }], label: { show: false } } };
      });
      return o;
    },
    bar: function (c) {
      var o = base();
      o.yAxis = { type: "category", data: c.categories, inverse: true,
                  axisLabel: { color: axisText.color, fontSize: 12, width: 120, overflow: "break" } };
      o.xAxis = { type: "value", splitNumber: 3, axisLabel: { color: axisText.color, formatter: num } };
      o.grid.right = 56;
      o.series = c.series.map(function (s) {
        return { name: s.name, type: "bar", data: s.data,
                 label: { show: true, position: "right", formatter: function (p) { return num(p.value); } } };
      });
      return o;
    },
    share: function (c) {
      var o = draw.bar(c);
      o.xAxis.max = 100;
      o.xAxis.interval = 25;
      o.xAxis.axisLabel.formatter = function (v) { return num(v) + "%"; };
      o.tooltip.valueFormatter = function (v) { return num(v) + "%"; };
      o.series[0].label.formatter = function (p) { return num(p.value) + "%"; };
      return o;
    },
    pyramid: function (c) {
      var o = base();
      o.legend = { top: 0, textStyle: axisText };
      o.grid.top = 32;
      o.yAxis = { type: "category", data: c.categories, axisLabel: axisText };
      o.xAxis = { type: "value", splitNumber: 2, axisLabel: { color: axisText.color,
                  formatter: function (v) { return num(Math.abs(v)); } } };
      o.grid.left = 48; o.grid.right = 48;
      o.tooltip.valueFormatter = function (v) { return num(Math.abs(v)); };
      o.series = c.series.map(function (s, i) {
        return { name: s.name, type: "bar", stack: "sex", barCategoryGap: "20%",
                 data: s.data.map(function (v) { return v === null ? null : (i === 0 ? -v : v); }),
                 label: { show: true, position: i === 0 ? "left" : "right",
                          formatter: function (p) { return num(Math.abs(p.value)); } } };
      });
      return o;
    },
    sankey: function (c) {
      return { color: colors, animation: false, aria: { enabled: true },
               tooltip: { trigger: "item", valueFormatter: num },
               series: [{ type: "sankey", data: c.nodes, links: c.links, nodeGap: 10,
                          emphasis: { focus: "adjacency" }, left: 8, right: 130,
                          label: { color: "#1b2430" }, lineStyle: { color: "gradient", opacity: 0.35 } }] };
    }
  };

  spec.charts.forEach(function (c) {
    var el = document.getElementById(c.id);
    if (!el || !draw[c.kind]) { return; }
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption(draw[c.kind](c));
    charts.push(chart);
  });
  window.addEventListener("resize", function () { charts.forEach(function (ch) { ch.resize(); }); });
}());
