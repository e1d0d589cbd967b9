// Counts down the minimum study time on the "学完了" button. The server enforces the same
// rule; this only saves the member a refused click.
(function () {
  var button = document.getElementById("complete-button");
  if (!button) return;
  var left = parseInt(button.getAttribute("data-wait"), 10) || 0;
  if (left <= 0) return;
  var label = button.textContent;
  var hint = document.getElementById("wait-hint");
  button.disabled = true;
  function tick() {
    if (left <= 0) {
      button.disabled = false;
      button.textContent = label;
      if (hint) hint.textContent = "可以标记为已学了。";
      return;
    }
    button.textContent = label + "（" + left + " 秒）";
    left -= 1;
    setTimeout(tick, 1000);
  }
  tick();
})();
