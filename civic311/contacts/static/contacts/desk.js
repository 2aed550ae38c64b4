// The agent desk: the contact timer, keyboard shortcuts, focus on the 911 prompt, and the
// map where a click sets the request's point (the typed fields stay the way to do it
// from the keyboard).
(function () {
  "use strict";

  var timer = document.getElementById("contact-timer");
  if (timer) {
    var started = Date.parse(timer.dataset.started);
    var tick = function () {
      var s = Math.max(0, Math.floor((Date.now() - started) / 1000));
      var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
      timer.textContent = (h ? h + ":" + String(m).padStart(2, "0") : m) + ":" + String(r).padStart(2, "0");
    };
    tick();
    setInterval(tick, 1000);
  }

  document.addEventListener("keydown", function (event) {
    if (!event.altKey || event.ctrlKey || event.metaKey) { return; }
    var target = document.querySelector('[data-shortcut="' + event.key + '"]');
    if (target) { event.preventDefault(); target.focus(); }
  });

  // The 911 prompt takes the focus when it appears (the dialog itself, so that a key the
  // agent was typing does not press one of its buttons) and gives it back when dismissed.
  var lastFocus = null;
  document.addEventListener("htmx:afterSettle", function () {
    var dialog = document.querySelector("#emergency-prompt [role=alertdialog]");
    if (dialog && !dialog.contains(document.activeElement)) {
      lastFocus = document.activeElement;
      dialog.focus();
    } else if (!dialog && lastFocus) {
      lastFocus.focus();
      lastFocus = null;
    }
  });
  // Keep Tab inside the 911 prompt while it is open.
  document.addEventListener("keydown", function (event) {
    var dialog = document.querySelector("#emergency-prompt [role=alertdialog]");
    if (!dialog || event.key !== "Tab") { return; }
    var buttons = dialog.querySelectorAll("button");
    var first = buttons[0], last = buttons[buttons.length - 1];
    if (event.shiftKey && (document.activeElement === first || document.activeElement === dialog)) { event.preventDefault(); last.focus(); }
    else if (!event.shiftKey && document.activeElement === last) { event.preventDefault(); first.focus(); }
    else if (!dialog.contains(document.activeElement)) { event.preventDefault(); first.focus(); }
  });

  var el = document.getElementById("desk-map");
  if (el && window.L) {
    var map = L.map(el, { zoomSnap: 0.25 });
    if (el.dataset.tileUrl) {
      L.tileLayer(el.dataset.tileUrl, { attribution: el.dataset.tileAttribution || "", maxZoom: 19 }).addTo(map);
    } else {
      el.classList.add("no-tiles");
    }
    var lat = document.getElementById("id_lat"), lng = document.getElementById("id_long");
    var marker = null;
    var place = function (latlng) {
      if (marker) { marker.setLatLng(latlng); } else { marker = L.circleMarker(latlng, { radius: 7, color: "#0b3d91", fillOpacity: 0.9 }).addTo(map); }
    };
    if (el.dataset.bounds) {
      var b = el.dataset.bounds.split(",").map(Number);
      map.fitBounds([[b[0], b[1]], [b[2], b[3]]]);
    } else {
      map.setView([0, 0], 2);
    }
    if (lat.value && lng.value && !isNaN(+lat.value) && !isNaN(+lng.value)) { place([+lat.value, +lng.value]); }
    map.on("click", function (event) {
      lat.value = event.latlng.lat.toFixed(6);
      lng.value = event.latlng.lng.toFixed(6);
      place(event.latlng);
      lng.dispatchEvent(new Event("change", { bubbles: true }));
    });
    // A known address chosen from the autocomplete list sets the text and the point.
    document.addEventListener("click", function (event) {
      var choice = event.target.closest && event.target.closest(".address-choice");
      if (!choice) { return; }
      var address = document.getElementById("id_address");
      address.value = choice.dataset.label;
      lat.value = choice.dataset.lat;
      lng.value = choice.dataset.long;
      place([+lat.value, +lng.value]);
      map.setView([+lat.value, +lng.value], Math.max(map.getZoom(), 16));
      document.getElementById("address-results").innerHTML = "";
      address.focus();
      lng.dispatchEvent(new Event("change", { bubbles: true }));
    });
    el.dataset.ready = "true";
  }
})();
