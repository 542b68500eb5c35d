// Organiser pages: small conveniences on top of forms that work without JavaScript.
(function () {
  "use strict";

  // A slug typed by hand is kept; until then it follows the name or title it is made from.
  function slugify(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[^a-z0-9\s-]/g, "").trim().replace(/[\s_-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 60);
  }
  document.querySelectorAll("[data-slug-source]").forEach(function (source) {
    var target = document.getElementById(source.getAttribute("data-slug-source"));
    if (!target) { return; }
    var touched = target.value !== "" && target.value !== slugify(source.value);
    target.addEventListener("input", function () { touched = target.value !== ""; });
    source.addEventListener("input", function () {
      if (!touched) { target.value = slugify(source.value); }
    });
  });

  // A new community starts in the browser's time zone, when the list has it.
  document.querySelectorAll("select[data-guess-time-zone]").forEach(function (select) {
    var zone = "";
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { return; }
    if (zone && select.querySelector('option[value="' + zone.replace(/"/g, "") + '"]')) { select.value = zone; }
  });

  // Forms marked data-autosubmit reload as soon as a choice changes; their button is then not needed.
  document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
    form.addEventListener("change", function () { form.submit(); });
    form.querySelectorAll("[data-autosubmit-button]").forEach(function (b) { b.hidden = true; });
  });
  // Role selects on the members page save on change.
  document.querySelectorAll(".mg-inline-form select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
    var button = select.form.querySelector("[data-autosubmit-button]");
    if (button) { button.hidden = true; }
  });

  // "Tick all / untick all" for the proposed dates of a series.
  document.querySelectorAll(".mg-select-all").forEach(function (bar) {
    var form = bar.closest("form");
    bar.hidden = false;
    bar.querySelectorAll("[data-check]").forEach(function (button) {
      button.addEventListener("click", function () {
        var on = button.getAttribute("data-check") === "all";
        form.querySelectorAll("input[name=dates]").forEach(function (box) { box.checked = on; });
      });
    });
  });

  // Show the picked image before it is uploaded.
  document.querySelectorAll("input[type=file][accept^=image]").forEach(function (input) {
    input.addEventListener("change", function () {
      var old = input.parentNode.querySelector(".mg-preview");
      if (old) { old.remove(); }
      var file = input.files && input.files[0];
      if (!file || !/^image\//.test(file.type)) { return; }
      var img = document.createElement("img");
      img.className = "mg-preview";
      img.alt = "";
      img.src = URL.createObjectURL(file);
      input.insertAdjacentElement("afterend", img);
    });
  });
})();
