// The print button; inline handlers are not allowed by the page's Content-Security-Policy.
(function () {
  var button = document.getElementById("print-button");
  if (button) button.addEventListener("click", function () { window.print(); });
})();
