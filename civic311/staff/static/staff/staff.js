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
