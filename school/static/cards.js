// The member's card page.
//
// The QR link expires after a few minutes (CARD_LINK_MINUTES): reload the page for a fresh one
// before then, but only while the member is looking at it. A member coming back to the tab after
// the link has gone stale gets a fresh one straight away.
//
// The live clock ticks every second in the school's time zone, on the server's time (the page
// says what the server's clock read when it was made; the phone's own clock may be wrong), so a
// screenshot shows a frozen time. When the card's validity runs out while the page is open, the
// card turns grey, says so and hides its QR code.
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

  var clock = document.getElementById("card-clock");
  var card = document.getElementById("id-card");
  if (clock && card) {
    var skew = parseInt(clock.getAttribute("data-now-ms"), 10) - Date.now();
    if (isNaN(skew)) skew = 0;
    var expires = parseInt(card.getAttribute("data-expires-ms"), 10);
    var format = null;
    try {
      format = new Intl.DateTimeFormat("zh-CN", {
        timeZone: clock.getAttribute("data-zone"),
        year: "numeric", month: "2-digit", day: "2-digit",
        hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23"
      });
    } catch (error) {
      format = null;  // an unknown zone: the phone's own zone below
    }
    var two = function (n) { return (n < 10 ? "0" : "") + n; };
    var text = function (moment) {
      if (format && format.formatToParts) {
        var parts = {};
        format.formatToParts(moment).forEach(function (part) { parts[part.type] = part.value; });
        return parts.year + "-" + parts.month + "-" + parts.day + " " +
          parts.hour + ":" + parts.minute + ":" + parts.second;
      }
      return moment.getFullYear() + "-" + two(moment.getMonth() + 1) + "-" + two(moment.getDate()) +
        " " + two(moment.getHours()) + ":" + two(moment.getMinutes()) + ":" + two(moment.getSeconds());
    };
    var expire = function () {
      card.classList.remove("id-card-valid");
      card.classList.add("id-card-expired");
      var state = document.getElementById("card-state");
      if (state) {
        state.className = "id-state id-state-expired";
        state.querySelector(".id-state-mark").textContent = "✕";
        state.querySelector(".id-state-text").textContent = "已过期";
      }
      var note = document.getElementById("card-expired-note");
      if (note) note.hidden = false;
    };
    var tick = function () {
      var now = Date.now() + skew;
      clock.textContent = text(new Date(now));
      if (expires > 0 && now >= expires && !card.classList.contains("id-card-expired")) expire();
      // Next tick just after the next whole second, so no second is skipped or shown twice.
      setTimeout(tick, 1005 - (now % 1000));
    };
    tick();
  }

  var reissue = document.getElementById("reissue-form");
  if (reissue) {
    reissue.addEventListener("submit", function (event) {
      if (!window.confirm(reissue.getAttribute("data-confirm"))) event.preventDefault();
    });
  }
})();
