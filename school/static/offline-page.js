// The offline page: list the lessons this phone kept for reading without a connection
// (static/service-worker.js keeps them), newest first.
(function () {
  "use strict";
  var list = document.getElementById("offline-lessons");
  var empty = document.getElementById("offline-empty");
  if (!list || !window.caches) return;
  caches.has("lessons").then(function (found) {
    if (!found) return [];
    return caches.open("lessons").then(function (cache) {
      return cache.keys().then(function (keys) {
        // The lessons, not the videos and documents kept with them.
        var lessons = keys.filter(function (key) {
          return new URL(key.url).pathname.indexOf("/media/") !== 0;
        });
        return Promise.all(lessons.reverse().map(function (key) {
          return cache.match(key).then(function (response) { return response.text(); })
            .then(function (html) {
              var doc = new DOMParser().parseFromString(html, "text/html");
              var title = doc.querySelector("#lesson h1");
              var course = doc.querySelector(".crumbs a:last-child");
              return {
                url: new URL(key.url).pathname,
                title: title ? title.textContent : "",
                course: course ? course.textContent : ""
              };
            });
        }));
      });
    });
  }).then(function (lessons) {
    lessons.forEach(function (lesson) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = lesson.url;
      link.textContent = lesson.title;
      item.appendChild(link);
      if (lesson.course) {
        var course = document.createElement("span");
        course.className = "muted small";
        course.textContent = "《" + lesson.course + "》";
        item.appendChild(course);
      }
      list.appendChild(item);
    });
    if (lessons.length && empty) empty.hidden = true;
  });
})();
