/* pantau flow monitoring pages: flows over time, O–D Sankey, shares (with Wilson intervals for
   the survey) drawn with Apache ECharts; the FMP map with Leaflet (circles sized by the
   individuals counted). The numbers arrive as JSON in the page; every chart has its table,
   so the pages read the same without this file. Filters: static/dashboard.js. */
(function () {
  "use strict";
  var colors = ["#0b4f8a", "#c2410c", "#1d6b3a", "#7c3aed", "#b7791f", "#0e7490", "#be185d", "#4d5b6a"];
  var axisText = { color: "#1b2430", fontSize: 12 };
  var esc = function (s) { var d = document.createElement("div"); d.textContent = s; return d.innerHTML; };
  function formatter(locale) {
    var fmt = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
    return function (v) { return v === null || v === undefined ? "—" : fmt.format(v); };
  }

  // ---- charts ------------------------------------------------------------------------------
  function drawCharts(spec) {
    var num = formatter(spec.locale);
    var pct = function (v) { return num(v) + "%"; };
    function base() {
      return { color: colors, animation: false, aria: { enabled: true },
               textStyle: { fontFamily: "system-ui, sans-serif" },
               grid: { left: 8, right: 24, top: 24, bottom: 8, containLabel: true },
               tooltip: { trigger: "axis", valueFormatter: num } };
    }
    function shareBars(c) {
      var o = base();
      o.yAxis = { type: "category", data: c.categories, inverse: true,
                  axisLabel: { color: axisText.color, fontSize: 12, width: 170, overflow: "truncate" } };
      o.xAxis = { type: "value", min: 0, max: 100, interval: 25, axisLabel: { color: axisText.color, formatter: pct } };
      o.grid.right = 56;
      o.tooltip.valueFormatter = pct;
      o.series = [{ type: "bar", data: c.values, barMaxWidth: 22,
                    label: { show: true, position: "right", formatter: function (p) { return pct(p.value); } } }];
      return o;
    }
    var draw = {
      lines: function (c) {
        var o = base();
        o.legend = { top: 0, type: "scroll", textStyle: axisText };
        o.grid.top = 40;
        o.xAxis = { type: "category", data: c.categories, axisLabel: axisText };
        o.yAxis = { type: "value", axisLabel: { color: axisText.color, formatter: num } };
        o.series = c.series.map(function (s) {
          return { name: s.name, type: "line", data: s.data, symbolSize: 5, connectNulls: false };
        });
        return o;
      },
      share: shareBars,
      // survey shares: the bar is the share, the whisker its Wilson 95% interval
      interval: function (c) {
        var o = shareBars(c);
        o.series[0].label.position = "insideLeft";
        o.series[0].label.color = "#fff";
        o.tooltip = { trigger: "axis", formatter: function (ps) {
          var i = ps[0].dataIndex;
          return esc(c.categories[i]) + ": " + pct(c.values[i]) + "<br>" + esc(c.ci) + ": " +
            pct(c.low[i]) + " – " + pct(c.high[i]);
        } };
        o.series.push({ type: "custom", name: c.ci, silent: true, z: 5,
          data: c.low.map(function (lo, i) { return [lo, c.high[i], i]; }),
          renderItem: function (params, api) {
            var a = api.coord([api.value(0), api.value(2)]);
            var b = api.coord([api.value(1), api.value(2)]);
            var h = api.size([0, 1])[1] * 0.25;
            var style = { stroke: "#1b2430", lineWidth: 1.5 };
            return { type: "group", children: [
              { type: "line", shape: { x1: a[0], y1: a[1], x2: b[0], y2: b[1] }, style: style },
              { type: "line", shape: { x1: a[0], y1: a[1] - h, x2: a[0], y2: a[1] + h }, style: style },
              { type: "line", shape: { x1: b[0], y1: b[1] - h, x2: b[0], y2: b[1] + h }, style: style }] };
          } });
        return o;
      },
      sankey: function (c, el) {
        return { color: colors, animation: false, aria: { enabled: true },
                 tooltip: { trigger: "item", valueFormatter: num },
                 series: [{ type: "sankey", data: c.nodes, links: c.links, nodeGap: 10,
                            emphasis: { focus: "adjacency" }, left: 8,
                            right: Math.round(Math.min(250, el.clientWidth * 0.35)),
                            label: { color: "#1b2430" }, lineStyle: { color: "gradient", opacity: 0.35 } }] };
      }
    };
    var charts = [];
    spec.charts.forEach(function (c) {
      var el = document.getElementById(c.id);
      if (!el || !draw[c.kind]) { return; }
      var chart = echarts.init(el, null, { renderer: "svg" });
      chart.setOption(draw[c.kind](c, el));
      el.dataset.ready = "true";
      charts.push(chart);
    });
    window.addEventListener("resize", function () { charts.forEach(function (ch) { ch.resize(); }); });
  }

  // ---- the FMP map -------------------------------------------------------------------------
  function drawMap(data) {
    var num = formatter(data.locale);
    var map = L.map("map", { zoomSnap: 0.5, attributionControl: !!data.tiles });
    if (data.tiles) {
      L.tileLayer(data.tiles.url, { attribution: data.tiles.attribution, maxZoom: 18 }).addTo(map);
    }
    var points = data.points.map(function (p) {  // [code, name, lat, lon, individuals, type]
      return { code: p[0], name: p[1], lat: p[2], lon: p[3], ind: p[4], type: p[5], withheld: p[6] };
    });
    var max = Math.max.apply(null, [1].concat(points.map(function (p) { return p.ind || 0; })));
    var layer = L.featureGroup(points.map(function (p) {
      var counted = p.ind !== null && p.ind !== undefined;
      return L.circleMarker([p.lat, p.lon], {
        radius: counted ? 6 + 30 * Math.sqrt(p.ind / max) : 5, weight: 1.5, color: "#fff",
        fillColor: counted ? "#0b4f8a" : "#6b7280", fillOpacity: 0.8 })
        .bindTooltip(esc(p.name.split(" — ")[0]), { permanent: true, direction: "right",
          offset: [counted ? 8 + 30 * Math.sqrt(p.ind / max) : 8, 0], className: "fmp-label" })
        .bindPopup("<strong>" + esc(p.name) + "</strong> <code>" + esc(p.code) + "</code><br>" +
          esc(p.type) + "<br>" + esc(data.labels.ind) + ": " + (p.withheld ? esc(data.labels.withheld) : num(p.ind)));
    })).addTo(map);
    var legend = L.control({ position: "bottomleft" });
    legend.onAdd = function () {
      var div = L.DomUtil.create("div", "legend");
      div.innerHTML = "<strong>" + esc(data.labels.legend) + "</strong><br>" + esc(data.labels.largest) + ": " + num(max) +
        "<br>" + '<i style="background:#6b7280"></i>' + esc(data.labels.none);
      return div;
    };
    legend.addTo(map);
    var bounds = layer.getBounds();
    if (bounds.isValid()) { map.fitBounds(bounds, { padding: [40, 40], maxZoom: 9 }); } else { map.setView([0, 0], 2); }
    window.pantauMap = map;  // for the browser tests and the console
    document.getElementById("map").dataset.ready = "true";
  }

  var chartData = document.getElementById("flow-data");
  if (chartData && window.echarts) { drawCharts(JSON.parse(chartData.textContent)); }
  var mapData = document.getElementById("flow-map");
  if (mapData && window.L) { drawMap(JSON.parse(mapData.textContent)); }
}());
