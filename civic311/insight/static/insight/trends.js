// The trends page's choropleth: the areas of the chosen layer shaded by their figure, on a
// plain background unless the city configured a tile server (tests never need tiles).
(function () {
  "use strict";
  var el = document.getElementById("trend-map");
  var source = document.getElementById("trend-map-data");
  if (!el || !source || typeof L === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var map = L.map(el, { zoomSnap: 0.25, attributionControl: !!el.dataset.tileUrl });
  if (el.dataset.tileUrl) {
    L.tileLayer(el.dataset.tileUrl, { attribution: el.dataset.tileAttribution || "", maxZoom: 19 }).addTo(map);
  } else {
    el.classList.add("no-tiles");
  }
  var layer = L.geoJSON(data, {
    style: function (f) {
      return { color: "#33414f", weight: 1, fillColor: f.properties.color, fillOpacity: 0.85 };
    },
    onEachFeature: function (f, lyr) {
      var box = document.createElement("div");
      var name = document.createElement("strong");
      name.textContent = f.properties.name;
      box.appendChild(name);
      box.appendChild(document.createTextNode(": " + f.properties.value));
      lyr.bindTooltip(box, { sticky: true });
    }
  }).addTo(map);
  if (data.features.length) { map.fitBounds(layer.getBounds(), { padding: [8, 8] }); }
  else { map.setView([0, 0], 2); }
  el.dataset.ready = "true";
  el.dataset.count = String(data.features.length);
})();
