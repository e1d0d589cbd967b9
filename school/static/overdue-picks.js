// The overdue list's ticks, kept while the secretary pages through the list: ticked members on
// other pages go with the form when "提醒下面勾选的党员" is pressed. Kept in this tab only
// (sessionStorage) and per list (organisation and filters), and forgotten once sent on.
(function () {
  "use strict";
  var form = document.getElementById("remind-form");
  if (!form) return;
  var LIMIT = Number(form.getAttribute("data-pick-limit"));
  var key = "school.overdue-picks:" + form.getAttribute("data-list");
  var status = document.getElementById("picked-count");
  var boxes = Array.prototype.slice.call(
    document.querySelectorAll('input[type="checkbox"][name="member"][form="remind-form"]'));

  function load() {
    try {
      var kept = JSON.parse(window.sessionStorage.getItem(key) || "[]");
      return Array.isArray(kept) ? kept.map(String) : [];
    } catch (e) { return []; }  // storage disabled or damaged: this page's ticks only
  }
  function save(ids) {
    try { window.sessionStorage.setItem(key, JSON.stringify(ids)); } catch (e) { /* ignored */ }
  }
  function show(ids, refused) {
    if (!status) return;
    if (refused) {
      status.textContent = "一次最多勾选 " + LIMIT + " 人；人数更多时请用“提醒名单上全部”。";
    } else {
      status.textContent = ids.length ? "已勾选 " + ids.length + " 人（含其他页）" : "";
    }
  }

  var picked = load();
  boxes.forEach(function (box) {
    // A box ticked before this script ran (a quick tap, or the browser restoring the page)
    // counts as well as the ones kept.
    if (box.checked && picked.indexOf(box.value) === -1 && picked.length < LIMIT) {
      picked.push(box.value);
    }
    if (picked.indexOf(box.value) !== -1) box.checked = true;
    box.addEventListener("change", function () {
      var ids = load();
      var at = ids.indexOf(box.value);
      var refused = false;
      if (box.checked && at === -1) {
        if (ids.length >= LIMIT) { box.checked = false; refused = true; } else ids.push(box.value);
      } else if (!box.checked && at !== -1) {
        ids.splice(at, 1);
      }
      save(ids);
      show(ids, refused);
    });
  });
  save(picked);
  show(picked, false);

  form.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (button && button.value === "picked") {
      var here = boxes.map(function (box) { return box.value; });
      load().forEach(function (id) {
        if (here.indexOf(id) !== -1) return;
        var input = document.createElement("input");
        input.type = "hidden";
        input.name = "member";
        input.value = id;
        form.appendChild(input);
      });
    }
    try { window.sessionStorage.removeItem(key); } catch (e) { /* ignored */ }
  });
})();
