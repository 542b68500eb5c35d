// Registration form: show one holder block per ticket picked (the server asks again when JS is off).
(function () {
  "use strict";
  var form = document.querySelector("[data-register]");
  if (!form) return;
  var selects = form.querySelectorAll("[data-quantity]");
  var blocks = form.querySelectorAll("[data-holder]");

  function update() {
    var total = 0;
    selects.forEach(function (select) { total += parseInt(select.value, 10) || 0; });
    blocks.forEach(function (block) {
      var shown = parseInt(block.getAttribute("data-holder"), 10) < total;
      block.hidden = !shown;
      block.disabled = !shown;
    });
  }

  selects.forEach(function (select) { select.addEventListener("change", update); });
  update();
  var errors = document.getElementById("form-errors");
  if (errors) errors.focus();
})();
