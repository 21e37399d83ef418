// The live overview: fetch the figures again every few seconds and swap them in place.
// The only script of the web pages (the Content-Security-Policy forbids inline script).
(function () {
  "use strict";
  var box = document.getElementById("live");
  if (!box) { return; }
  var seconds = parseInt(box.getAttribute("data-seconds"), 10) || 15;
  function refresh() {
    fetch(box.getAttribute("data-src"), { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { if (r.status === 401) { window.location = "/signin"; } return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null) { return; }
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("live-body");
        if (fresh) { box.replaceChildren.apply(box, Array.prototype.slice.call(fresh.childNodes)); }
      })
      .catch(function () { /* offline for a moment: the next tick tries again */ });
  }
  window.setInterval(refresh, seconds * 1000);
}());
