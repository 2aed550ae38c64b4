// Maps of the staff pages: the filtered cases of a queue (#queue-map, points from a
// GeoJSON endpoint) and one case's place (#case-map). Both work without tiles: points
// and neighborhood outlines on a plain background unless the city set a tile server.
(function () {
  "use strict";
  var colors = { breached: "#b71c1c", at_risk: "#c77700", on_track: "#1b5e20" };

  function baseMap(el) {
    var map = L.map(el, { zoomSnap: 0.25 });
    if (el.dataset.tileUrl) {
      L.tileLayer(el.dataset.tileUrl, { attribution: el.dataset.tileAttribution || "", maxZoom: 19 }).addTo(map);
    } else {
      el.classList.add("no-tiles");
    }
    if (el.dataset.neighborhoods) {
      fetch(el.dataset.neighborhoods, { headers: { "Accept": "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          L.geoJSON(data, { interactive: false, style: { color: "#5b6b7c", weight: 1, fill: false } }).addTo(map).bringToBack();
        })
        .catch(function () { /* outlines are a nicety */ });
    }
    return map;
  }

  function queueMap(el) {
    if (el.dataset.ready) { return; }
    var map = baseMap(el);
    fetch(el.dataset.points, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var layer = L.geoJSON(data, {
          pointToLayer: function (f, latlng) {
            return L.circleMarker(latlng, { radius: 5, weight: 1, color: "#222", fillOpacity: 0.85,
                                            fillColor: colors[f.properties.sla] || "#0b3d91" });
          },
          onEachFeature: function (f, lyr) {
            var p = f.properties;
            var a = document.createElement("a");
            a.href = el.dataset.caseUrl.replace("CASE_ID", encodeURIComponent(p.id));
            a.textContent = p.id;
            var box = document.createElement("div");
            box.appendChild(a);
            box.appendChild(document.createTextNode(" · " + p.service + " · " + p.status));
            lyr.bindPopup(box);
          }
        }).addTo(map);
        if (data.features.length) { map.fitBounds(layer.getBounds(), { maxZoom: 16, padding: [10, 10] }); }
        else { map.setView([0, 0], 2); }
        var note = document.getElementById("map-note");
        if (note && data.truncated) { note.textContent = note.dataset.templateTruncated; }
        el.dataset.ready = "true";
        el.dataset.count = String(data.features.length);
      });
  }

  function caseMap(el) {
    if (el.dataset.ready) { return; }
    var map = baseMap(el);
    var at = [parseFloat(el.dataset.lat), parseFloat(el.dataset.long)];
    L.circleMarker(at, { radius: 8, weight: 2, color: "#222", fillColor: "#0b3d91", fillOpacity: 0.9 })
      .bindTooltip(el.dataset.label).addTo(map);
    map.setView(at, 15);
    el.dataset.ready = "true";
  }

  function init() {
    if (!window.L) { return; }
    var q = document.getElementById("queue-map");
    if (q) { queueMap(q); }
    var c = document.getElementById("case-map");
    if (c) { caseMap(c); }
  }

  init();
  document.addEventListener("htmx:afterSettle", init);
})();
