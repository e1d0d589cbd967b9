// Organisation fields: suggestions from the staff member's own scope as they type.
// The field stays a plain text input that takes a code or a full name (the server reads either),
// so without this script, or when a request fails, nothing is lost. Suggestions go into a
// native <datalist>, which browsers and screen readers already know how to offer. The input's
// data-org-picker holds the address of the JSON list (school/orgs/picker_views.py).
(function () {
  var inputs = document.querySelectorAll("input[data-org-picker]");
  if (!inputs.length || !window.fetch) return;

  function attach(input, index) {
    var list = document.createElement("datalist");
    list.id = (input.id || "org") + "-choices-" + index;
    input.parentNode.insertBefore(list, input.nextSibling);
    input.setAttribute("list", list.id);
    input.setAttribute("autocomplete", "off");
    var timer = null;
    var asked = null;

    function fill(results) {
      while (list.firstChild) list.removeChild(list.firstChild);
      results.forEach(function (org) {
        var option = document.createElement("option");
        option.value = org.value;
        // What the option shows besides its value: the name, the code and where it sits.
        var label = org.name + (org.code ? "（" + org.code + "）" : "");
        option.label = org.parent ? label + " · " + org.parent : label;
        list.appendChild(option);
      });
    }

    function load() {
      var text = input.value.trim();
      if (text === asked) return;
      asked = text;
      var url = new URL(input.getAttribute("data-org-picker"), window.location.href);
      url.searchParams.set("q", text);
      fetch(url.toString(), { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          // Answers can arrive out of order: keep only the one for what the field says now.
          if (data && data.results && input.value.trim() === text) fill(data.results);
        })
        .catch(function () { asked = null; });
    }

    input.addEventListener("focus", load);
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(load, 250);
    });
  }

  Array.prototype.forEach.call(inputs, attach);
})();
