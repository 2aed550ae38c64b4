// Draws the neighborhood choropleth on the home page. Works without tiles: the polygons
// are drawn on a plain background unless the city configured a tile server.
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el || !window.L) { return; }
  var map = L.map(el, { zoomSnap: 0.25, attributionControl: true });
  var tileUrl = el.dataset.tileUrl;
  if (tileUrl) {
    L.tileLayer(tileUrl, { attribution: el.dataset.tileAttribution || "", maxZoom: 19 }).addTo(map);
  } else {
    el.classList.add("no-tiles");
  }
  var colors = ["#f1eef6", "#bdc9e1", "#74a9cf", "#2b8cbe", "#045a8d"];
  function colorFor(value, max) {
    if (!max) { return colors[0]; }
    var i = Math.min(colors.length - 1, Math.floor((value / max) * colors.length));
    return colors[i];
  }
  fetch(el.dataset.geojson, { headers: { "Accept": "application/json" } })
    .then(function (r) { return r.json(); })
    .then(function (data) {
      var max = 0;
      data.features.forEach(function (f) { max = Math.max(max, f.properties.requests); });
      var layer = L.geoJSON(data, {
        style: function (f) {
          return { color: "#1d3557", weight: 1, fillOpacity: 0.75, fillColor: colorFor(f.properties.requests, max) };
        },
        onEachFeature: function (f, lyr) {
          var p = f.properties;
          lyr.bindTooltip(p.name + ": " + p.requests + " " + el.dataset.labelRequests + ", " + p.open + " " + el.dataset.labelOpen);
        }
      }).addTo(map);
      if (data.features.length) { map.fitBounds(layer.getBounds()); } else { map.setView([0, 0], 2); }
      el.dataset.ready = "true";
      var legend = document.getElementById("legend");
      if (legend && max) {
        legend.innerHTML = colors.map(function (c, i) {
          var lo = Math.round(i * max / colors.length);
          return '<span class="swatch" style="background:' + c + '"></span>' + lo + "+";
        }).join(" ");
      }
    });
})();
