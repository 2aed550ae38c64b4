/* Civic311 FAQ widget: put
 *   <script src="https://311.example.gov/static/knowledge/widget.js" data-lang="en" async></script>
 * where the FAQ should appear. It adds an iframe of the city's FAQ (searchable, counted)
 * right after the script tag and keeps its height fitted to its content. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) { return; }
  var origin = new URL(script.src, document.baseURI).origin;
  var lang = script.getAttribute("data-lang") || document.documentElement.lang || "en";
  var frame = document.createElement("iframe");
  frame.src = origin + "/knowledge/widget/?lang=" + encodeURIComponent(lang.slice(0, 2));
  frame.title = script.getAttribute("data-title") || (lang.slice(0, 2) === "es" ? "Preguntas frecuentes" : "Questions and answers");
  frame.style.width = "100%";
  frame.style.border = "1px solid #d0d0d0";
  frame.style.minHeight = "24rem";
  frame.setAttribute("loading", "lazy");
  script.parentNode.insertBefore(frame, script.nextSibling);
  window.addEventListener("message", function (event) {
    if (event.origin !== origin || event.source !== frame.contentWindow) { return; }
    var data = event.data;
    if (data && data.civic311Widget === "height" && typeof data.height === "number") {
      frame.style.height = Math.min(Math.max(data.height, 200), 4000) + "px";
    }
  });
})();
