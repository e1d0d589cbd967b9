// Quiz attempts: save answers as the member goes, show the server's countdown, and never lose
// an answer to a dropped connection or an expired CSRF token. Without JavaScript the page still
// works: every button posts the form and the server saves it.
(function () {
  "use strict";
  var form = document.getElementById("attempt-form");
  if (!form) return;
  var status = document.getElementById("save-status");
  var timer = document.getElementById("timer");
  var pending = null;
  var saving = false;
  var dirty = false;
  var retryDelay = 2000;

  function say(text) { if (status) status.textContent = text; }
  function remaining(seconds) {
    return "剩余 " + Math.floor(seconds / 60) + " 分 " + ("0" + (seconds % 60)).slice(-2) + " 秒";
  }

  function save() {
    if (saving) { dirty = true; return Promise.resolve(); }
    saving = true;
    dirty = false;
    var body = new FormData(form);
    return fetch(form.action, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (data) { return { status: response.status, data: data }; });
    }).then(function (result) {
      saving = false;
      if (result.status === 200) {
        retryDelay = 2000;
        say("已自动保存 " + result.data.saved_at_local);
        if (dirty) schedule(200);
      } else if (result.data.error === "csrf") {
        // The page outlived its token: take the fresh one and send the same answers again.
        form.querySelector("input[name=csrf_token]").value = result.data.csrf_token;
        schedule(0);
      } else if (result.data.error === "login") {
        // Logged out (another device, an expired session): keep the answers and keep trying.
        say(result.data.message);
        schedule(15000);
      } else if (result.data.error === "closed") {
        say(result.data.message);
        window.location.href = result.data.redirect;
      } else {
        throw new Error("save failed");
      }
    }).catch(function () {
      saving = false;
      say("网络不稳定，答案还在本页，正在重试保存……");
      schedule(retryDelay);
      retryDelay = Math.min(retryDelay * 2, 30000);
    });
  }

  function schedule(delay) {
    if (pending) clearTimeout(pending);
    pending = setTimeout(function () { pending = null; save(); }, delay);
  }

  form.addEventListener("change", function () { say("正在保存……"); schedule(600); });
  form.addEventListener("input", function (event) {
    if (event.target.tagName === "TEXTAREA" || event.target.type === "text") schedule(1500);
  });

  // A slow phone shows the question before this script runs, and a tap made in that moment
  // fired its change event before anyone listened: what differs from the page as the server
  // sent it is saved now.
  var touched = Array.prototype.some.call(form.elements, function (field) {
    if (field.type === "radio" || field.type === "checkbox") {
      return field.checked !== field.defaultChecked;
    }
    return (field.tagName === "TEXTAREA" || field.type === "text") &&
      field.value !== field.defaultValue;
  });
  if (touched) { say("正在保存……"); schedule(0); }

  if (timer) {
    var left = parseInt(timer.getAttribute("data-remaining"), 10);
    var ends = Date.now() + left * 1000;
    var tick = function () {
      var seconds = Math.max(0, Math.round((ends - Date.now()) / 1000));
      timer.textContent = remaining(seconds);
      if (seconds <= 60) timer.classList.add("timer-low");
      if (seconds <= 0) {
        // Time is up: save what is on the page, then hand the attempt in.
        say("时间到，正在交卷……");
        save().then(function () { document.getElementById("timeup-form").submit(); });
        return;
      }
      setTimeout(tick, 1000);
    };
    tick();
  }
})();
