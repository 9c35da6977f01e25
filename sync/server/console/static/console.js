// Progressive enhancement: pages work without this file. With it, the overview and
// the inbox refresh their figures when the server's change token moves: one small
// poll every few seconds per open page, answered from a per-process cache.
(function () {
  "use strict";
  var body = document.body;
  var token = body.getAttribute("data-live");
  var region = document.getElementById("live");
  if (!token || !region || !window.fetch || !window.DOMParser) { return; }
  var POLL_MS = 3000;

  function refresh() {
    return fetch(window.location.href, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("live");
        if (fresh) {
          region.innerHTML = fresh.innerHTML;
          region.classList.remove("fresh");
          void region.offsetWidth;
          region.classList.add("fresh");
        }
      });
  }

  function poll() {
    if (document.hidden) { return; }
    fetch("/console/live", { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (data && data.token && data.token !== token) {
          token = data.token;
          return refresh();
        }
      })
      .catch(function () { /* offline for a moment: try again at the next tick */ });
  }
  window.setInterval(poll, POLL_MS);
})();
