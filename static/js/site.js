// Small progressive enhancements shared by every page; the site works without them.
(function () {
  "use strict";
  // Mark the current page in the main navigation for screen readers and styling.
  var here = window.location.pathname;
  document.querySelectorAll(".site-nav a[href]").forEach(function (link) {
    if (link.getAttribute("href") === here) { link.setAttribute("aria-current", "page"); }
  });
})();
