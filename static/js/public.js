// Public pages, progressively enhanced: the event's times in the visitor's own time zone, and copy buttons.
// Every page works without this file; it only adds.
(function () {
  "use strict";
  var lang = document.documentElement.lang || undefined;

  function visitorZone() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || null;
    } catch (error) {
      return null;
    }
  }

  function formatter(zone, extra) {
    var options = { weekday: "short", day: "numeric", month: "short", hour: "numeric", minute: "2-digit", timeZone: zone };
    for (var key in extra) { options[key] = extra[key]; }
    return new Intl.DateTimeFormat(lang, options);
  }

  // <span data-local-time data-start data-end data-tz data-label hidden>: shown only when the visitor's clock differs.
  function showLocalTimes() {
    var zone = visitorZone();
    if (!zone || !window.Intl) { return; }
    document.querySelectorAll("[data-local-time]").forEach(function (element) {
      var eventZone = element.getAttribute("data-tz");
      var start = new Date(element.getAttribute("data-start"));
      var end = new Date(element.getAttribute("data-end"));
      if (zone === eventZone || isNaN(start.getTime()) || isNaN(end.getTime())) { return; }
      var mine, theirs;
      try {
        mine = formatter(zone, {});
        theirs = formatter(eventZone, {});
      } catch (error) {
        return;  // a zone this browser does not know
      }
      // Another zone name with the same clock (Paris and Berlin): nothing new to tell.
      if (mine.format(start) === theirs.format(start) && mine.format(end) === theirs.format(end)) { return; }
      var withZone = formatter(zone, { timeZoneName: "short" });
      var text = withZone.formatRange ? withZone.formatRange(start, end) : withZone.format(start) + " – " + withZone.format(end);
      element.textContent = element.getAttribute("data-label") + " " + text;
      element.hidden = false;
    });
  }

  // <button data-copy="text" data-copied="Copied" hidden>: revealed where the clipboard can be written.
  function enableCopyButtons() {
    if (!navigator.clipboard || !window.isSecureContext) { return; }
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      var label = button.textContent;
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(button.getAttribute("data-copy")).then(function () {
          button.textContent = button.getAttribute("data-copied") || label;
          window.setTimeout(function () { button.textContent = label; }, 2000);
        });
      });
    });
  }

  // The feed address is for copying: select it whole on focus.
  function selectOnFocus() {
    document.querySelectorAll("input[readonly]").forEach(function (input) {
      input.addEventListener("focus", function () { input.select(); });
    });
  }

  showLocalTimes();
  enableCopyButtons();
  selectOnFocus();
})();
