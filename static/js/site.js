// Small progressive enhancements shared by every page; the site works without them.
(function () {
  "use strict";
  // Mark the current page in the main navigation for screen readers and styling.
  var here = window.location.pathname;
  document.querySelectorAll(".site-nav a[href]").forEach(function (link) {
    if (link.getAttribute("href") === here) { link.setAttribute("aria-current", "page"); }
  });
  // The account menu closes when the visitor clicks elsewhere or presses Escape.
  var menu = document.querySelector(".account-menu");
  if (menu) {
    document.addEventListener("click", function (event) {
      if (menu.open && !menu.contains(event.target)) { menu.open = false; }
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.open) { menu.open = false; menu.querySelector("summary").focus(); }
    });
  }
})();
