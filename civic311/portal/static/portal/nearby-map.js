// Recent requests near a place: the neighborhoods as a background, the requests as points
// linking to their tracking pages; "Use my location" fills the form with the device's point.
(function () {
  "use strict";
  var button = document.getElementById("use-location");
  if (button && navigator.geolocation) {
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (pos) {
        window.location.search = "?lat=" + pos.coords.latitude.toFixed(6) + "&long=" + pos.coords.longitude.toFixed(6);
      });
    });
  }
  var el = document.getElementById("nearby-map");
  if (!el || !window.L) { return; }
  var map = L.map(el, { zoomSnap: 0.25 });
  if (el.dataset.tileUrl) {
    L.tileLayer(el.dataset.tileUrl, { attribution: el.dataset.tileAttribution || "", maxZoom: 19 }).addTo(map);
  } else {
    el.classList.add("no-tiles");
  }
  function json(url) {
    return fetch(url, { headers: { "Accept": "application/json" } }).then(function (r) { return r.json(); });
  }
  Promise.all([json(el.dataset.geojson), json(el.dataset.points)]).then(function (results) {
    var areas = L.geoJSON(results[0], {
      style: function () { return { color: "#1d3557", weight: 1, fillColor: "#eef2f5", fillOpacity: 0.5 }; },
      interactive: false
    }).addTo(map);
    var points = L.geoJSON(results[1], {
      pointToLayer: function (f, latlng) {
        return L.circleMarker(latlng, { radius: 6, color: "#0b3d91", weight: 2, fillColor: "#ff9f1c", fillOpacity: 0.9 });
      },
      onEachFeature: function (f, lyr) {
        var link = document.createElement("a");
        link.href = f.properties.url;
        link.textContent = f.properties.service + " · " + f.properties.id + " (" + f.properties.status + ")";
        lyr.bindPopup(link);
      }
    }).addTo(map);
    if (results[1].features.length) {
      map.fitBounds(points.getBounds().pad(0.2), { maxZoom: 16 });
    } else if (results[0].features.length) {
      map.fitBounds(areas.getBounds());
    } else {
      map.setView([0, 0], 2);
    }
    el.dataset.ready = "true";
  });
})();
