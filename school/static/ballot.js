// A recommendation ballot: once K candidates are ticked the other boxes are disabled, so a
// phone user cannot tick too many (the server checks again).
document.querySelectorAll("form[data-max-choices]").forEach(function (form) {
  var max = Number(form.dataset.maxChoices);
  var boxes = form.querySelectorAll("input[name=candidate]");
  function limit() {
    var ticked = form.querySelectorAll("input[name=candidate]:checked").length;
    boxes.forEach(function (box) {
      box.disabled = !box.checked && ticked >= max;
    });
  }
  boxes.forEach(function (box) {
    box.addEventListener("change", limit);
  });
});
