// Progress entry: upload evidence as soon as a file is chosen; grid keyboard moves.
(function () {
  "use strict";

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input.matches && input.matches("input[type=file][data-autoupload]") && input.files.length) {
      var form = input.closest("form");
      if (window.htmx) { window.htmx.trigger(form, "submit"); } else { form.submit(); }
    }
  });

  // In the grid Enter moves to the same column of the next row (Tab moves right as usual).
  function cellInput(cell) {
    return cell ? cell.querySelector("[data-grid-input]") : null;
  }

  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (event.key !== "Enter" || !input.matches || !input.matches("[data-grid-input]")) { return; }
    event.preventDefault();
    var cell = input.closest("td");
    var row = cell.parentElement;
    var index = Array.prototype.indexOf.call(row.children, cell);
    var next = event.shiftKey ? row.previousElementSibling : row.nextElementSibling;
    // Saving happens on "change", which the browser fires when the focus leaves.
    var target = next ? cellInput(next.children[index]) : null;
    if (target) { target.focus(); if (target.select) { target.select(); } } else { input.blur(); }
  });

})();
