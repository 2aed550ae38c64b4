// Behaviour shared by the staff pages: after htmx swaps in an answer, move the focus to
// its message so that keyboard and screen-reader users hear what happened.
(function () {
  "use strict";
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail && event.detail.elt;
    if (!target) { return; }
    var message = (target.matches && target.matches("[data-focus]")) ? target : target.querySelector("[data-focus]");
    if (!message && target.id === "bulk-result") { message = target.querySelector(".message"); }
    if (message) { message.focus(); }
  });
})();

// A form with a department choice and a queue choice grouped by department (transfer,
// linked work): only the chosen department's queues are offered. Without JavaScript every
// group stays, and the server refuses a queue of another department with a message.
(function () {
  "use strict";
  function narrow(form) {
    var department = form.querySelector("select[name=department]");
    var queue = form.querySelector("select[name=queue]");
    if (!department || !queue || !queue.querySelector("optgroup")) { return; }
    var chosen = department.selectedIndex >= 0 && department.value ? department.options[department.selectedIndex].text : "";
    Array.prototype.forEach.call(queue.querySelectorAll("optgroup"), function (group) {
      var offered = chosen !== "" && group.label === chosen;
      group.hidden = !offered;
      group.disabled = !offered;
      if (!offered && group.contains(queue.options[queue.selectedIndex])) { queue.value = ""; }
    });
  }
  function narrowAll(root) {
    Array.prototype.forEach.call((root || document).querySelectorAll("form"), narrow);
  }
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field && field.name === "department" && field.form) { narrow(field.form); }
  });
  document.addEventListener("htmx:afterSettle", function (event) { narrowAll(event.detail && event.detail.elt); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { narrowAll(document); });
  } else {
    narrowAll(document);
  }
})();
