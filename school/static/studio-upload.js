// The studio's file form takes images, PDFs and videos, each with its own limit. Before
// upload-check.js looks at a chosen file, the kind picked in the form (or else the browser's
// guess at the file's type) chooses which limit it applies; the server decides the kind by the
// file's bytes and checks the limit again. Copy buttons put a file's Markdown on the clipboard.
(function () {
  var TYPES = [["image/", "image"], ["application/pdf", "document"], ["video/", "video"]];

  function kindOf(input) {
    var picked = input.form && input.form.elements.kind ? input.form.elements.kind.value : "";
    if (picked) return picked;
    var file = input.files && input.files[0];
    for (var i = 0; file && i < TYPES.length; i += 1) {
      if (file.type.indexOf(TYPES[i][0]) === 0) return TYPES[i][1];
    }
    return "video"; // the largest: the server still checks by what the file really is
  }

  function setLimit(input) {
    var kind = kindOf(input);
    input.setAttribute("data-max-bytes", input.getAttribute("data-max-" + kind));
    input.setAttribute("data-too-large", input.getAttribute("data-too-large-" + kind));
  }

  // Capturing on the document runs before the input's own listeners (upload-check.js).
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("input[type=file][data-max-video]")) setLimit(target);
  }, true);
  document.addEventListener("submit", function (event) {
    var input = event.target.querySelector("input[type=file][data-max-video]");
    if (input) setLimit(input);
  }, true);

  Array.prototype.forEach.call(document.querySelectorAll("button[data-copy]"), function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var field = document.getElementById(button.getAttribute("data-copy"));
      var done = function () { button.textContent = button.getAttribute("data-copied"); };
      var fallback = function () { field.select(); document.execCommand("copy"); done(); };
      if (navigator.clipboard) navigator.clipboard.writeText(field.value).then(done, fallback);
      else fallback();
    });
  });
})();
