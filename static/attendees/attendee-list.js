// The attendee list: tick every row of a page, count what is ticked, show the tag box only for tagging.
// Listeners sit on the document, so they keep working after htmx swaps the results in.
(function () {
  "use strict";

  function bulkForm() { return document.getElementById("al-bulk"); }

  function refresh() {
    var form = bulkForm();
    if (!form) { return; }
    var boxes = form.querySelectorAll("input[name=rows]");
    var ticked = form.querySelectorAll("input[name=rows]:checked").length;
    var all = form.querySelector("[data-al-all]");
    if (all) {
      all.checked = boxes.length > 0 && ticked === boxes.length;
      all.indeterminate = ticked > 0 && ticked < boxes.length;
    }
    var label = form.querySelector("[data-al-ticked]");
    if (label) {
      label.hidden = ticked === 0;
      var text = label.getAttribute(ticked === 1 ? "data-one" : "data-many") || "{n}";
      label.textContent = text.replace("{n}", String(ticked));
    }
    var action = form.querySelector("[data-al-action]");
    var tag = form.querySelector("[data-al-tag]");
    if (action && tag) { tag.hidden = action.value !== "tag"; }
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("[data-al-all]")) {
      bulkForm().querySelectorAll("input[name=rows]").forEach(function (box) { box.checked = target.checked; });
      var scope = bulkForm().querySelector("[data-al-scope]");
      if (scope && target.checked) { scope.value = "selected"; }
    }
    if (target.closest && target.closest("#al-bulk")) { refresh(); }
  });

  document.addEventListener("htmx:afterSwap", refresh);
  document.addEventListener("DOMContentLoaded", function () {
    // With htmx the filters apply as they change: the button is for pages without JavaScript.
    if (window.htmx) {
      document.querySelectorAll("[data-al-apply]").forEach(function (button) { button.hidden = true; });
    }
    refresh();
  });
})();
