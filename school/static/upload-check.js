// A file over its upload limit is refused here, before a slow phone network spends minutes
// sending it only for the server to refuse it. The server checks the same limit
// (school/uploads.py); the input's data-max-bytes and data-too-large carry the limit and the
// message, so every text stays in the templates.
(function () {
  var inputs = document.querySelectorAll("input[type=file][data-max-bytes]");

  function tooLarge(input) {
    var max = parseInt(input.getAttribute("data-max-bytes"), 10);
    if (!(max > 0) || !input.files) return false;
    for (var i = 0; i < input.files.length; i += 1) {
      if (input.files[i].size > max) return true;
    }
    return false;
  }

  function say(input, text) {
    var id = input.id + "-too-large";
    var note = document.getElementById(id);
    if (!text) {
      if (note) note.parentNode.removeChild(note);
      input.removeAttribute("aria-invalid");
      return;
    }
    if (!note) {
      note = document.createElement("p");
      note.id = id;
      note.className = "error";
      note.setAttribute("role", "alert");
      input.parentNode.insertBefore(note, input.nextSibling);
    }
    note.textContent = text;
    input.setAttribute("aria-invalid", "true");
  }

  function check(input) {
    if (tooLarge(input)) {
      say(input, input.getAttribute("data-too-large"));
      input.value = ""; // the member picks a smaller file; the rest of the form stays as typed
      return false;
    }
    say(input, "");
    return true;
  }

  Array.prototype.forEach.call(inputs, function (input) {
    input.addEventListener("change", function () {
      check(input);
    });
    if (input.form) {
      input.form.addEventListener("submit", function (event) {
        if (!check(input)) event.preventDefault();
      });
    }
  });
})();
