/* pantau map: admin areas as a choropleth (circles at centroids where the gazetteer has no
   boundary), sites as points grouped by a simple screen grid, a click opens the site profile
   (an HTML fragment loaded by htmx). No tile layer unless one is configured. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("map-data").textContent);
  var fmt = new Intl.NumberFormat(data.locale);
  var num = function (v) { return v === null || v === undefined ? "—" : fmt.format(v); };
  var esc = function (s) { var d = document.createElement("div"); d.textContent = s; return d.innerHTML; };
  var ramp = ["#dbe9f6", "#a9cce3", "#6baed6", "#2f7fbf", "#0b4f8a"];
  var map = L.map("map", { preferCanvas: true, zoomSnap: 0.5, attributionControl: !!data.tiles });
  var canvas = L.canvas({ padding: 0.3 });
  if (data.tiles) {
    L.tileLayer(data.tiles.url, { attribution: data.tiles.attribution, maxZoom: 18 }).addTo(map);
  }

  // ---- areas: quantile classes of IDP individuals --------------------------------------
  var values = data.areas.features.map(function (f) { return f.properties.ind; })
    .filter(function (v) { return v !== null; }).sort(function (a, b) { return a - b; });
  // upper edges of the classes, without repeats (few areas give fewer classes)
  var breaks = [0.2, 0.4, 0.6, 0.8].map(function (q) {
    return values.length ? values[Math.min(values.length - 1, Math.floor(q * values.length))] : 0;
  }).filter(function (v, i, all) { return all.indexOf(v) === i && v < values[values.length - 1]; });
  var shades = ramp.slice(ramp.length - breaks.length - 1);
  var colour = function (v) {
    if (v === null || v === undefined) { return "#f1f3f5"; }
    var i = 0; while (i < breaks.length && v > breaks[i]) { i++; }
    return shades[i];
  };
  var label = function (p) {
    return "<strong>" + esc(p.name || p.pcode) + "</strong> <code>" + esc(p.pcode) + "</code><br>" +
      esc(data.labels.ind) + ": " + num(p.ind);
  };
  var withShape = { type: "FeatureCollection",
    features: data.areas.features.filter(function (f) { return f.geometry; }) };
  var areas = L.geoJSON(withShape, {
    renderer: canvas,
    style: function (f) { return { color: "#44546a", weight: 1, fillOpacity: 0.75, fillColor: colour(f.properties.ind) }; },
    onEachFeature: function (f, layer) { layer.bindTooltip(label(f.properties), { sticky: true }); }
  }).addTo(map);
  var max = values.length ? values[values.length - 1] : 1;
  var circles = L.layerGroup(data.areas.features.filter(function (f) {
    return !f.geometry && f.properties.centroid;
  }).map(function (f) {
    var c = f.properties.centroid;
    return L.circleMarker([c[1], c[0]], { renderer: canvas, radius: 6 + 24 * Math.sqrt((f.properties.ind || 0) / max),
      color: "#44546a", weight: 1, fillColor: colour(f.properties.ind), fillOpacity: 0.8 })
      .bindTooltip(label(f.properties));
  })).addTo(map);

  var legend = L.control({ position: "bottomleft" });
  legend.onAdd = function () {
    var div = L.DomUtil.create("div", "legend");
    var edges = [values.length ? values[0] : 0].concat(breaks, [max]);
    var html = "<strong>" + esc(data.labels.legend) + "</strong><br>";
    for (var i = 0; i < shades.length; i++) {
      var from = i === 0 ? edges[0] : edges[i];
      html += '<i style="background:' + shades[i] + '"></i>' + (i === 0 ? "" : "> ") + num(from) +
        (edges[i + 1] !== from ? " – " + num(edges[i + 1]) : "") + "<br>";
    }
    if (circles.getLayers().length) { html += "◯ " + esc(data.labels.no_boundary); }
    div.innerHTML = html;
    return div;
  };
  legend.addTo(map);

  // ---- sites: grid clustering in screen space --------------------------------------------
  var sites = data.sites.map(function (s) {  // [code, name, lat, lon, IDPs]
    return { code: s[0], name: s[1], lat: s[2], lon: s[3], ind: s[4] };
  });
  var siteLayer = L.layerGroup().addTo(map);
  var CELL = 56;
  function openSite(code) {
    var url = "/operations/" + encodeURIComponent(data.slug) + "/sites/" + encodeURIComponent(code);
    if (window.htmx) { htmx.ajax("GET", url, { target: "#profile", swap: "innerHTML" }); }
  }
  function redraw() {
    siteLayer.clearLayers();
    var cells = {};
    sites.forEach(function (s) {
      var pt = map.latLngToLayerPoint([s.lat, s.lon]);
      var key = Math.floor(pt.x / CELL) + ":" + Math.floor(pt.y / CELL);
      (cells[key] = cells[key] || []).push(s);
    });
    Object.keys(cells).forEach(function (key) {
      var group = cells[key];
      if (group.length === 1) {
        var s = group[0];
        L.circleMarker([s.lat, s.lon], { renderer: canvas, radius: 5, weight: 1.5, color: "#fff",
          fillColor: s.ind === null ? "#6b7280" : "#c2410c", fillOpacity: 1 })
          .bindTooltip(esc(s.name) + " <code>" + esc(s.code) + "</code><br>" + esc(data.labels.ind) + ": " + num(s.ind))
          .on("click", function () { openSite(s.code); })
          .addTo(siteLayer);
        return;
      }
      var lat = 0, lon = 0;
      group.forEach(function (s) { lat += s.lat; lon += s.lon; });
      var size = group.length < 10 ? 28 : group.length < 100 ? 34 : 42;
      L.marker([lat / group.length, lon / group.length], {
        icon: L.divIcon({ className: "cluster-icon", html: String(group.length), iconSize: [size, size] }),
        title: data.labels.cluster.replace("{n}", group.length), keyboard: true
      }).on("click", function (e) { map.setView(e.latlng, map.getZoom() + 2); }).addTo(siteLayer);
    });
  }

  var bounds = areas.getBounds();
  if (!bounds.isValid()) {
    bounds = L.latLngBounds(sites.map(function (s) { return [s.lat, s.lon]; }));
  }
  if (bounds.isValid()) { map.fitBounds(bounds, { padding: [12, 12] }); } else { map.setView([0, 0], 2); }
  map.on("zoomend", redraw);
  redraw();
  window.pantauMap = map;  // for the browser tests and the console
  document.getElementById("map").dataset.ready = "true";
}());
