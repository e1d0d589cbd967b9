// Installable and offline: register the service worker (static/service-worker.js), and forget
// what this phone keeps for the member when someone logs in or out.
(function () {
  "use strict";
  // A "学完了" pressed offline waits here (lesson.js) until the connection returns.
  var QUEUED = "school.queued-completion:";

  if ("serviceWorker" in navigator) {
    // Refused on plain http (except this machine): the site then simply works online only.
    navigator.serviceWorker.register("/service-worker.js", { scope: "/" }).catch(function () {});
  }
  document.addEventListener("submit", function (event) {
    var path = new URL(event.target.action, window.location.href).pathname;
    if (path !== "/login" && path !== "/logout") return;
    try {
      Object.keys(window.localStorage).forEach(function (key) {
        if (key.indexOf(QUEUED) === 0) window.localStorage.removeItem(key);
      });
    } catch (e) { /* storage disabled: nothing was kept */ }
  });
})();
