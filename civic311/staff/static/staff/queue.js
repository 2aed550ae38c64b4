// The queue list: "select all" and the selected count for the bulk bar, and the list's
// keys (j / k: next / previous case, x: select it). The keys act only while the focus
// is inside the list, so they never take a letter from a form field.
(function () {
  "use strict";

  function rows() { return Array.prototype.slice.call(document.querySelectorAll("#queue-table tbody tr")); }

  function updateCount() {
    var out = document.querySelector(".selected-count");
    if (!out) { return; }
    var n = document.querySelectorAll('#queue-table input[name="ids"]:checked').length;
    out.textContent = n ? out.dataset.template.replace("%(n)s", String(n)) : "";
  }

  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.id === "select-all") {
      document.querySelectorAll('#queue-table input[name="ids"]').forEach(function (box) { box.checked = el.checked; });
    }
    if (el.id === "select-all" || el.name === "ids") { updateCount(); }
  });

  document.addEventListener("keydown", function (event) {
    var table = document.getElementById("queue-table");
    if (!table || !table.contains(document.activeElement)) { return; }
    if (event.altKey || event.ctrlKey || event.metaKey) { return; }
    var list = rows();
    var current = document.activeElement.closest("tr");
    var index = list.indexOf(current);
    var next = null;
    if (event.key === "j") { next = list[Math.min(list.length - 1, index + 1)] || list[0]; }
    else if (event.key === "k") { next = list[Math.max(0, index - 1)] || list[0]; }
    else if (event.key === "x" && current) {
      var box = current.querySelector('input[name="ids"]');
      if (box) { box.checked = !box.checked; updateCount(); event.preventDefault(); }
      return;
    } else { return; }
    var link = next && next.querySelector("a.case-link");
    if (link) { link.focus(); event.preventDefault(); }
  });

  document.addEventListener("htmx:afterSettle", updateCount);
})();
