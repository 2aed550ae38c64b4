// The report form's map and address autocomplete. Both only fill the form's own fields
// (address, lat, long): without JavaScript the same form works by typing them.
(function () {
  "use strict";
  var el = document.getElementById("report-map");
  var latInput = document.getElementById("id_lat");
  var longInput = document.getElementById("id_long");
  var addressInput = document.getElementById("id_address");
  var list = document.getElementById("address-suggestions");

  // Address autocomplete from the city's address index.
  if (addressInput && list && el) {
    var found = {};
    var timer = null;
    addressInput.addEventListener("input", function () {
      var q = addressInput.value;
      if (found[q]) { placePin(found[q][0], found[q][1], true); return; }
      if (timer) { clearTimeout(timer); }
      if (q.trim().length < 3) { return; }
      timer = setTimeout(function () {
        fetch(el.dataset.addresses + "?q=" + encodeURIComponent(q), { headers: { "Accept": "application/json" } })
          .then(function (r) { return r.ok ? r.json() : { addresses: [] }; })
          .then(function (data) {
            list.textContent = "";
            data.addresses.forEach(function (a) {
              var option = document.createElement("option");
              option.value = a.label;
              found[a.label] = [a.lat, a.long];
              list.appendChild(option);
            });
          });
      }, 150);
    });
  }

  if (!el || !window.L) { return; }
  el.hidden = false;
  var help = document.getElementById("map-help");
  if (help) { help.hidden = false; }
  var map = L.map(el, { zoomSnap: 0.25 });
  if (el.dataset.tileUrl) {
    L.tileLayer(el.dataset.tileUrl, { attribution: el.dataset.tileAttribution || "", maxZoom: 19 }).addTo(map);
  } else {
    el.classList.add("no-tiles");
  }
  var marker = null;

  function round(v) { return Math.round(v * 1e6) / 1e6; }

  function placePin(lat, lng, pan) {
    if (marker) { marker.setLatLng([lat, lng]); } else {
      marker = L.marker([lat, lng], { draggable: true, keyboard: true, title: el.dataset.pinLabel || "" }).addTo(map);
      marker.on("dragend", function () {
        var p = marker.getLatLng();
        latInput.value = round(p.lat);
        longInput.value = round(p.lng);
      });
    }
    latInput.value = round(lat);
    longInput.value = round(lng);
    if (pan) { map.panTo([lat, lng]); }
    el.dataset.pin = "true";
  }

  map.on("click", function (e) { placePin(e.latlng.lat, e.latlng.lng, false); });

  fetch(el.dataset.geojson, { headers: { "Accept": "application/json" } })
    .then(function (r) { return r.json(); })
    .then(function (data) {
      var layer = L.geoJSON(data, {
        style: function () { return { color: "#1d3557", weight: 1, fillColor: "#bdc9e1", fillOpacity: 0.35 }; },
        onEachFeature: function (f, lyr) {
          lyr.bindTooltip(f.properties.name);
          lyr.on("click", function (e) { placePin(e.latlng.lat, e.latlng.lng, false); });
        }
      }).addTo(map);
      if (data.features.length) { map.fitBounds(layer.getBounds()); } else { map.setView([0, 0], 2); }
      var lat = parseFloat(latInput.value), lng = parseFloat(longInput.value);
      if (!isNaN(lat) && !isNaN(lng)) { placePin(lat, lng, true); }
      el.dataset.ready = "true";
    });
})();
