// The card page's QR link expires after a few minutes (CARD_LINK_MINUTES): reload the page
// for a fresh one before then, but only while the member is looking at it. A member coming back
// to the tab after the link has gone stale gets a fresh one straight away.
(function () {
  var box = document.getElementById("card-qr");
  if (box) {
    var seconds = parseInt(box.getAttribute("data-refresh-seconds"), 10);
    if (seconds > 0) {
      var due = Date.now() + seconds * 1000;
      var check = function () {
        if (document.visibilityState === "visible" && Date.now() >= due) {
          window.location.reload();
        }
      };
      setInterval(check, 15000);
      document.addEventListener("visibilitychange", check);
    }
  }
  var reissue = document.getElementById("reissue-form");
  if (reissue) {
    reissue.addEventListener("submit", function (event) {
      if (!window.confirm(reissue.getAttribute("data-confirm"))) event.preventDefault();
    });
  }
})();
