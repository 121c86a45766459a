// Progress entry: upload evidence as soon as a file is chosen; grid keyboard moves and
// save states; the month page keeps its star tab.
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

  // Grid cells: "saving" while the request runs, an error when it never arrives (the
  // server's own answer replaces the cell with "saved" or the refusal).
  function gridCell(elt) {
    return elt && elt.closest ? elt.closest("#progress-grid td.grid-cell") : null;
  }

  function setState(cell, state, text) {
    var box = cell.querySelector(".cell-state");
    cell.setAttribute("data-state", state);
    cell.classList.toggle("table-danger", state === "error");
    if (box) {
      box.textContent = text || "";
      box.className = "small cell-state" + (state === "error" ? " text-danger cell-error" : " text-muted");
    }
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var cell = gridCell(event.target);
    if (cell) { setState(cell, "saving", cell.closest("table").getAttribute("data-saving-text")); }
  });

  function failed(event) {
    var cell = gridCell(event.target);
    if (cell) { setState(cell, "error", cell.closest("table").getAttribute("data-error-text")); }
  }
  document.addEventListener("htmx:sendError", failed);
  document.addEventListener("htmx:responseError", failed);
  document.addEventListener("htmx:timeout", failed);

  // The month page's star tabs: the open tab goes with "submit" and into the address,
  // so the page comes back on it after the redirect or a reload.
  document.addEventListener("shown.bs.tab", function (event) {
    var code = event.target.getAttribute("data-tab");
    if (!code) { return; }
    document.querySelectorAll("[data-current-tab]").forEach(function (input) { input.value = code; });
    if (window.history && window.history.replaceState) {
      var url = new URL(window.location.href);
      url.searchParams.set("tab", code);
      window.history.replaceState(null, "", url.toString());
    }
  });

})();
