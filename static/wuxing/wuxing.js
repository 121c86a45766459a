// Behaviour that CSP forbids inline: kept here, bound by data attributes.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-autosubmit]").forEach(function (el) {
    el.addEventListener("change", function () { el.form.submit(); });
  });
  document.body.addEventListener("click", function (event) {
    var el = event.target.closest("[data-confirm]");
    if (el && !window.confirm(el.getAttribute("data-confirm"))) { event.preventDefault(); }
  });
  // A link to an item inside a tab (the to-do links to the very indicator): open that
  // tab, then bring the item into view.
  var target = window.location.hash && document.getElementById(window.location.hash.slice(1));
  var pane = target && target.closest(".tab-pane");
  var tab = pane && document.querySelector('[data-bs-target="#' + pane.id + '"]');
  if (tab && window.bootstrap) {
    window.bootstrap.Tab.getOrCreateInstance(tab).show();
    target.scrollIntoView({block: "center"});
  }
});
