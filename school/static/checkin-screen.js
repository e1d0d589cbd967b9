// The check-in screen: a new signed code every few seconds, so a photographed code stops
// working within the minute. Inline scripts are not allowed by the Content-Security-Policy.
(function () {
  var main = document.getElementById("checkin-screen");
  if (!main) return;
  var url = main.getAttribute("data-code-url");
  var seconds = parseInt(main.getAttribute("data-rotate"), 10) || 20;
  var qr = document.getElementById("checkin-qr");
  var shown = document.getElementById("code-time");
  var present = document.getElementById("screen-present");
  var offline = document.getElementById("screen-offline");

  function refresh() {
    var request = new XMLHttpRequest();
    request.open("GET", url, true);
    request.setRequestHeader("Accept", "application/json");
    request.onload = function () {
      if (request.status !== 200) { offline.hidden = false; return; }
      var code = JSON.parse(request.responseText);
      // The SVG is made by the server from path data only (see qr_svg): no user text in it.
      qr.innerHTML = code.svg;
      shown.textContent = code.shown_at;
      present.textContent = code.present;
      qr.setAttribute("data-url", code.url);
      offline.hidden = true;
    };
    request.onerror = function () { offline.hidden = false; };
    request.send();
  }
  window.setInterval(refresh, seconds * 1000);
})();
