// The door list's "Print" button (the page prints as well from the browser's menu).
document.querySelectorAll("[data-dl-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
