/* Inside the FAQ widget's frame: tell the host page (widget.js) how tall the content is. */
(function () {
  "use strict";
  if (window.parent === window) { return; }
  function report() {
    window.parent.postMessage({ civic311Widget: "height", height: document.documentElement.scrollHeight }, "*");
  }
  window.addEventListener("load", report);
  if (window.ResizeObserver) { new ResizeObserver(report).observe(document.body); }
})();
