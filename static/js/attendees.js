// Registration form: one holder block per ticket picked (the server asks again when JS is off). The page renders
// only the blocks shown; more are copied from the <template> with the holder's index and number filled in.
(function () {
  "use strict";
  var form = document.querySelector("[data-register]");
  if (!form) return;
  var selects = form.querySelectorAll("[data-quantity]");
  var template = form.querySelector("[data-holder-template]");

  function block(index) {
    return form.querySelector('[data-holder="' + index + '"]');
  }

  function add(index) {
    var holder = document.createElement("div");
    holder.innerHTML = template.innerHTML.replace(/__index__/g, index).replace(/__number__/g, index + 1);
    var fieldset = holder.querySelector("[data-holder]");
    template.parentNode.insertBefore(fieldset, template);
    return fieldset;
  }

  function update() {
    var total = 0;
    selects.forEach(function (select) { total += parseInt(select.value, 10) || 0; });
    for (var index = 1; template && index < total; index++) {
      if (!block(index)) add(index);
    }
    form.querySelectorAll("[data-holder]").forEach(function (fieldset) {
      var shown = parseInt(fieldset.getAttribute("data-holder"), 10) < total;
      fieldset.hidden = !shown;
      fieldset.disabled = !shown;
    });
  }

  selects.forEach(function (select) { select.addEventListener("change", update); });
  update();
  var errors = document.getElementById("form-errors");
  if (errors) errors.focus();
})();
