// The quiz builder without reloads for what a mouse does best. Every control works without
// this script: slots move with their up/down buttons and questions are ticked one by one.
// Here a slot can also be dragged to its place on a laptop (the new order is posted whole,
// as the server expects), and the picker gets a "tick the whole page" box and a running count
// on its button. Every text comes from the page's data attributes.
(function () {
  var list = document.querySelector("#slots[data-order-url]");
  if (list) {
    var dragged = null;
    var token = document.querySelector("input[name=csrf_token]");

    var saveOrder = function () {
      var ids = Array.prototype.map.call(list.querySelectorAll("li[data-slot]"), function (li) {
        return li.getAttribute("data-slot");
      });
      var form = document.createElement("form");
      form.method = "post";
      form.action = list.getAttribute("data-order-url");
      [["csrf_token", token ? token.value : ""], ["order", ids.join(",")]].forEach(function (pair) {
        var input = document.createElement("input");
        input.type = "hidden";
        input.name = pair[0];
        input.value = pair[1];
        form.appendChild(input);
      });
      document.body.appendChild(form);
      form.submit(); // the server saves the order and shows the page again, renumbered
    };

    Array.prototype.forEach.call(list.querySelectorAll("li[data-slot]"), function (li) {
      li.setAttribute("draggable", "true");
      li.addEventListener("dragstart", function (event) {
        dragged = li;
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", li.getAttribute("data-slot"));
      });
      li.addEventListener("dragover", function (event) {
        if (!dragged || dragged === li) return;
        event.preventDefault();
        var box = li.getBoundingClientRect();
        var after = event.clientY > box.top + box.height / 2;
        list.insertBefore(dragged, after ? li.nextSibling : li);
      });
      li.addEventListener("drop", function (event) {
        event.preventDefault();
      });
      li.addEventListener("dragend", function () {
        if (!dragged) return;
        dragged = null;
        saveOrder();
      });
    });
  }

  var picker = document.getElementById("pick-form");
  if (picker) {
    var boxes = picker.querySelectorAll("input[name=question_ids]");
    var button = picker.querySelector("button[type=submit]");
    var label = button ? button.textContent : "";
    var counted = function () {
      var ticked = Array.prototype.filter.call(boxes, function (box) {
        return box.checked;
      }).length;
      if (button) button.textContent = ticked ? label + "（" + ticked + "）" : label;
      return ticked;
    };
    if (boxes.length > 1 && picker.getAttribute("data-all")) {
      var all = document.createElement("label");
      all.className = "check";
      var box = document.createElement("input");
      box.type = "checkbox";
      all.appendChild(box);
      all.appendChild(document.createTextNode(" " + picker.getAttribute("data-all")));
      picker.insertBefore(all, picker.querySelector("ul"));
      box.addEventListener("change", function () {
        Array.prototype.forEach.call(boxes, function (each) {
          each.checked = box.checked;
        });
        counted();
      });
    }
    Array.prototype.forEach.call(boxes, function (each) {
      each.addEventListener("change", counted);
    });
  }
})();
