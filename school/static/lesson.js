// The lesson page: study heartbeats, the countdown on "学完了" and resuming where the member
// stopped. The server counts the time (see school/courses/activity.py): this page only reports
// that it is visible and in use, what of the video was played, and where the member is.
(function () {
  "use strict";
  var IDLE_MS = 60000; // no scroll, touch, key or pointer for this long: the member is away
  var article = document.getElementById("lesson");
  var video = document.getElementById("lesson-video");
  var form = document.getElementById("complete-form");
  var restoredAt = 0; // the page's own scroll to the kept position is not the member's doing

  // Resume: the scroll position of a text lesson and the video's time, as the server kept them.
  function scrollable() {
    return Math.max(0, document.documentElement.scrollHeight - window.innerHeight);
  }
  if (article) {
    var scroll = parseFloat(article.getAttribute("data-scroll"));
    var at = parseFloat(article.getAttribute("data-video-time"));
    if (scroll > 0) {
      window.addEventListener("load", function () {
        restoredAt = Date.now();
        window.scrollTo(0, Math.round(scroll * scrollable()));
      });
    }
    if (video && at > 0) {
      var seekTo = function () {
        if (at < video.duration - 1) video.currentTime = at;
      };
      if (video.readyState >= 1) seekTo(); else video.addEventListener("loadedmetadata", seekTo);
    }
  }
  if (!form) return;

  var button = document.getElementById("complete-button");
  var status = document.getElementById("study-status");
  var label = button.textContent;
  var interval = parseInt(form.getAttribute("data-interval"), 10) || 15;
  // The server's count of seconds still needed, and the countdown shown between its answers.
  var serverLeft = parseInt(form.getAttribute("data-wait"), 10) || 0;
  var left = serverLeft;
  var videoNeeded = parseInt(form.getAttribute("data-video-needed"), 10) || 0;
  var watched = parseInt(form.getAttribute("data-watched"), 10) || 0;
  var seq = 0;
  var activeTicks = 0;
  var stopped = false;
  var sending = false;
  // Opening the page is not reading it: time counts from the member's first scroll or touch.
  var lastInput = 0;

  function markInput(event) {
    if (event.type === "scroll" && Date.now() - restoredAt < 1000) return;
    lastInput = Date.now();
  }
  ["scroll", "touchstart", "keydown", "pointerdown", "pointermove", "wheel"].forEach(function (name) {
    window.addEventListener(name, markInput, { passive: true });
  });
  function playing() { return !!video && !video.paused && !video.ended; }
  function visible() { return document.visibilityState === "visible"; }
  function active() { return visible() && (playing() || Date.now() - lastInput < IDLE_MS); }

  // Watched ranges from continuous playback only: a seek closes the range being played.
  var ranges = [];
  var current = null;
  if (video) {
    video.addEventListener("timeupdate", function () {
      var t = video.currentTime;
      if (!playing() || video.seeking || !visible()) { current = null; return; }
      if (current && t >= current[1] && t - current[1] <= 2) current[1] = t;
      else { current = [t, t]; ranges.push(current); }
    });
    ["seeking", "pause", "ended"].forEach(function (name) {
      video.addEventListener(name, function () { current = null; });
    });
  }
  function rangesText(list) {
    return list.filter(function (r) { return r[1] > r[0]; }).slice(-8).map(function (r) {
      return r[0].toFixed(1) + "-" + r[1].toFixed(1);
    }).join(",");
  }

  // Offline the local countdown decides: the press is kept and the server decides later (below).
  function ready() {
    var needed = navigator.onLine ? serverLeft : left;
    return needed <= 0 && (!videoNeeded || watched >= videoNeeded);
  }
  function show() {
    if (ready()) {
      button.disabled = false;
      button.textContent = label;
    } else {
      button.disabled = true;
      button.textContent = left > 0 ? label + "（" + left + " 秒）"
        : serverLeft > 0 ? label + "（正在确认学习时间）" : label;
    }
  }
  function say(text) { if (status) status.textContent = text; }
  function explain() {
    var parts = [];
    if (left > 0) parts.push("只计算认真学习的时间：还需约 " + left + " 秒。页面在后台、锁屏或长时间没有操作时不计时。");
    if (videoNeeded) {
      parts.push(watched >= videoNeeded ? "视频已看完（" + watched + "%）。"
        : "本课需要看完视频（至少 " + videoNeeded + "%），已观看 " + watched + "%，拖动进度条跳过的部分不计入。");
    }
    if (!parts.length) parts.push("可以标记为已学了。");
    say(parts.join(" "));
  }

  var REASONS = {
    superseded: "本课已在另一个页面或设备上打开，学习时间在那里计算。刷新本页可在这里继续。",
    view: "本页打开太久，学习时间已停止计算。请刷新本页后继续学习。",
    done: "本课已学完。"
  };

  function beat() {
    if (sending || stopped) return;
    sending = true;
    seq += 1;
    var body = new FormData();
    body.append("csrf_token", form.querySelector("input[name=csrf_token]").value);
    body.append("view", form.getAttribute("data-view"));
    body.append("seq", String(seq));
    if (scrollable() > 0) body.append("scroll", Math.min(1, window.scrollY / scrollable()).toFixed(4));
    // The ranges played so far go with this report; playing goes on in a new range from here.
    var sent = ranges;
    ranges = current ? [current = [current[1], current[1]]] : [];
    if (video) {
      body.append("video_time", video.currentTime.toFixed(1));
      if (isFinite(video.duration)) body.append("duration", video.duration.toFixed(1));
      body.append("ranges", rangesText(sent));
    }
    function keep() { ranges = sent.concat(ranges); }
    fetch(form.getAttribute("data-study-url"), {
      method: "POST", body: body, credentials: "same-origin", keepalive: true,
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (data) { return { status: response.status, data: data }; });
    }).then(function (result) {
      sending = false;
      var data = result.data;
      if (result.status === 400 && data.error === "csrf") {
        form.querySelector("input[name=csrf_token]").value = data.csrf_token;
        keep();
        return;
      }
      if (result.status !== 200) { keep(); return; }
      // Ranges not taken (the heartbeat was ignored) go with the next one; refused ones are gone.
      if (!data.accepted) keep();
      serverLeft = left = data.remaining;
      watched = data.watched;
      if (REASONS[data.reason]) {
        stopped = true;
        say(REASONS[data.reason]);
      } else {
        explain();
      }
      show();
    }).catch(function () {
      // Offline for a moment: the ranges wait for the next heartbeat.
      sending = false;
      keep();
    });
  }

  // Leaving the page (another app, the lock button, a link): report what is not yet reported,
  // when the server may count it, so the position and the video are kept.
  document.addEventListener("visibilitychange", function () {
    if (!visible() && activeTicks >= interval - 5) {
      activeTicks = 0;
      beat();
    }
  });

  // Every second: count the seconds the page is in use; every `interval` of them, report.
  // The countdown runs only while the page is in use, and each answer resets it to the
  // server's count.
  setInterval(function () {
    if (stopped || !active()) return;
    activeTicks += 1;
    if (left > 0) {
      left -= 1;
      show();
    }
    // The countdown ran out before the server's count did: report as soon as it may count.
    var early = left <= 0 && serverLeft > 0 && activeTicks >= interval - 5;
    if (activeTicks >= interval || early) {
      activeTicks = 0;
      beat();
    }
  }, 1000);
  // "学完了" without a connection: kept in the browser and sent when the connection returns,
  // for the server to check against the time it credited. Time spent offline is not credited
  // (activity.py says why), so the server may refuse: its message then shows on this lesson.
  var queued = "school.queued-completion:" + new URL(form.action).pathname;
  function queue(value) {
    try {
      if (value) window.localStorage.setItem(queued, value); else window.localStorage.removeItem(queued);
      return true;
    } catch (e) { return false; }
  }
  function isQueued() {
    try { return !!window.localStorage.getItem(queued); } catch (e) { return false; }
  }
  form.addEventListener("submit", function (event) {
    if (navigator.onLine) return;
    event.preventDefault();
    if (queue(String(Date.now()))) {
      say("没有网络：已记下您点了“学完了”，网络恢复后自动提交。离线时的学习时间不计入，由系统按已记录的学习时间核对。");
    } else {
      say("没有网络，无法提交。请连上网络后再点“学完了”。");
    }
  });
  function sendQueued() {
    if (!navigator.onLine || !isQueued()) return;
    say("网络已恢复，正在提交“学完了”……");
    // The kept page carries no CSRF token and a page may outlive its token: ask for a fresh one
    // (a POST without one is answered with one), then post the form as the member would have.
    fetch(form.getAttribute("data-study-url"), {
      method: "POST", credentials: "same-origin", headers: { "Accept": "application/json" }
    }).then(function (response) { return response.json(); }).then(function (data) {
      if (data.error !== "csrf" || !data.csrf_token) throw new Error("no token");
      form.querySelector("input[name=csrf_token]").value = data.csrf_token;
      queue(null);
      form.submit();
    }).catch(function () {
      say("网络不稳定，“学完了”还记在本机，稍后自动重试。");
      setTimeout(sendQueued, 15000);
    });
  }
  window.addEventListener("online", function () {
    var banner = document.getElementById("offline-banner");
    if (banner) banner.textContent = "网络已恢复：学习记录正在同步。";
    show();
    sendQueued();
  });
  window.addEventListener("offline", function () {
    say("没有网络：可以继续阅读。离线时的学习时间不计入学时，网络恢复后继续计时。");
    show();
  });
  show();
  sendQueued();
})();
