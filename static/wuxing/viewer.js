// A small photo viewer for evidence (templates/partials/evidence_gallery.html): a click on
// a thumbnail shows the full-size photo; arrows, swipe and the buttons go to the other
// photos of the page, Esc or the close button closes. Capture time and place are shown
// when the photo carried them. No library: it runs on the old browsers of town offices.
(function () {
  if (window.wuxingViewer) { return; }  // the partial may be included many times
  window.wuxingViewer = true;

  var box, img, caption, meta, index = 0, links = [], startX = null, opener = null;
  var labels = {close: "关闭", prev: "上一张", next: "下一张", taken: "拍摄时间", place: "拍摄地点"};
  if ((document.documentElement.lang || "").indexOf("en") === 0) {
    labels = {close: "Close", prev: "Previous", next: "Next", taken: "Taken", place: "Place"};
  }

  function button(cls, text, action) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "viewer-button " + cls;
    b.setAttribute("aria-label", text);
    b.textContent = cls === "viewer-close" ? "×" : (cls === "viewer-prev" ? "‹" : "›");
    b.addEventListener("click", function (event) { event.stopPropagation(); action(); });
    return b;
  }

  function build() {
    box = document.createElement("div");
    box.className = "evidence-viewer";
    box.id = "evidence-viewer";
    box.setAttribute("role", "dialog");
    box.setAttribute("aria-modal", "true");
    box.hidden = true;
    img = document.createElement("img");
    img.className = "viewer-image";
    caption = document.createElement("div");
    caption.className = "viewer-caption";
    meta = document.createElement("div");
    meta.className = "viewer-meta";
    var text = document.createElement("div");
    text.className = "viewer-text";
    text.appendChild(caption);
    text.appendChild(meta);
    box.appendChild(button("viewer-close", labels.close, close));
    box.appendChild(button("viewer-prev", labels.prev, function () { show(index - 1); }));
    box.appendChild(img);
    box.appendChild(button("viewer-next", labels.next, function () { show(index + 1); }));
    box.appendChild(text);
    box.addEventListener("click", function (event) { if (event.target === box) { close(); } });
    box.addEventListener("touchstart", function (event) {
      startX = event.touches.length === 1 ? event.touches[0].clientX : null;
    }, {passive: true});
    box.addEventListener("touchend", function (event) {
      if (startX === null) { return; }
      var dx = event.changedTouches[0].clientX - startX;
      startX = null;
      if (Math.abs(dx) > 40) { show(dx < 0 ? index + 1 : index - 1); }
    });
    document.body.appendChild(box);
  }

  function show(i) {
    if (!links.length) { return; }
    index = (i + links.length) % links.length;
    var link = links[index];
    img.src = link.href;
    img.alt = link.getAttribute("data-caption") || "";
    caption.textContent = (index + 1) + " / " + links.length + " · " + img.alt;
    var parts = [];
    if (link.getAttribute("data-taken")) { parts.push(labels.taken + "：" + link.getAttribute("data-taken")); }
    if (link.getAttribute("data-place")) { parts.push(labels.place + "：" + link.getAttribute("data-place")); }
    meta.textContent = parts.join(" · ");
    box.setAttribute("data-index", String(index));
  }

  function open(link) {
    if (!box) { build(); }
    links = Array.prototype.slice.call(document.querySelectorAll("a[data-viewer]"));
    opener = link;
    box.hidden = false;
    document.body.classList.add("viewer-open");
    show(links.indexOf(link));
    box.querySelector(".viewer-close").focus();
  }

  function close() {
    box.hidden = true;
    img.removeAttribute("src");
    document.body.classList.remove("viewer-open");
    if (opener) { opener.focus(); }
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-viewer]") : null;
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey) { return; }
    event.preventDefault();
    open(link);
  });
  document.addEventListener("keydown", function (event) {
    if (!box || box.hidden) { return; }
    if (event.key === "Escape" || event.key === "Esc") { close(); }
    else if (event.key === "ArrowRight" || event.key === "Right") { show(index + 1); }
    else if (event.key === "ArrowLeft" || event.key === "Left") { show(index - 1); }
    else { return; }
    event.preventDefault();
  });
})();
