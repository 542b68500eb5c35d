// Small progressive enhancements shared by every page; the site works without them.
(function () {
  "use strict";
  // The language switcher submits as soon as a language is picked.
  var select = document.getElementById("language-select");
  if (select && select.form) {
    select.addEventListener("change", function () { select.form.submit(); });
    var button = select.form.querySelector("button");
    if (button) { button.hidden = true; }
  }
})();
