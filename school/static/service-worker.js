// The service worker: lessons a member opened lately stay readable without a connection. Served
// from /service-worker.js (school/offline.py) so that it controls the whole site.
//
// - Pages always come from the network first: online, the member gets the fresh page.
// - Only lesson pages the member may study are kept (never staff pages, forms or drafts), the
//   last MAX_LESSONS of them, without what is personal or secret: the footer with the member's
//   name and the logout form, the unread counts, the messages of the moment, the CSRF token
//   (lesson.js asks for a fresh one before it sends anything). A lesson's video or document is
//   kept with it when it is at most MAX_MEDIA bytes, and forgotten with it.
// - Offline, a kept lesson is shown with a banner; any other page shows the offline page.
// - Logging in or out, or the login page shown (the session ended elsewhere or expired), forgets
//   every kept lesson: the next person on a shared phone sees none of them.
"use strict";

var ASSETS = "assets-1"; // a new name on every change of PRECACHE
var PAGES = "lessons";
var MAX_LESSONS = 20;
var MAX_MEDIA = 5 * 1024 * 1024;
var MEDIA = /\/media\/lessons\/\d+/;
var OFFLINE_PAGE = "/static/offline.html";
var PRECACHE = [
  OFFLINE_PAGE,
  "/static/offline-page.js",
  "/static/offline.css",
  "/static/school.css",
  "/static/search.css",
  "/static/lesson.js",
  "/static/pwa.js",
  "/static/favicon.svg",
  "/static/manifest.webmanifest",
  "/static/icons/icon-192.png"
];
var LESSON_PATH = /^\/courses\/[^\/]+\/[^\/]+$/;
var LOGIN = "/login";
var FORGET_ON_POST = [LOGIN, "/logout"];
var MAIN = '<main id="main" class="page">';
var BANNER = '<p class="flash flash-info offline-banner" id="offline-banner" role="status">' +
  "离线阅读：网络恢复后会自动同步学习记录</p>";

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(ASSETS).then(function (cache) {
    return cache.addAll(PRECACHE);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name !== ASSETS && name !== PAGES;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

function forget() { return caches.delete(PAGES); }

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && FORGET_ON_POST.indexOf(url.pathname) >= 0) {
    // Forgotten before the request leaves, so even a logout that fails offline forgets.
    event.respondWith(forget().then(function () { return fetch(request); }));
    return;
  }
  if (request.method !== "GET") return;
  if (request.mode === "navigate") {
    event.respondWith(page(event, request, url));
  } else if (MEDIA.test(url.pathname)) {
    // Online from the network, byte ranges and all; offline, the kept copy.
    event.respondWith(fetch(request).catch(function () { return keptMedia(request, url); }));
  } else if (PRECACHE.indexOf(url.pathname) >= 0) {
    event.respondWith(asset(event, request));
  }
});

function page(event, request, url) {
  return fetch(request).then(function (response) {
    // The login form is shown only to someone not logged in (a logout, a session that ended
    // on another device or expired): nothing kept for the last member may stay.
    if (url.pathname === LOGIN && response.ok) {
      event.waitUntil(forget());
    } else if (LESSON_PATH.test(url.pathname) && response.ok) {
      event.waitUntil(keep(url.pathname, response.clone()));
    }
    return response;
  }, function () {
    return caches.open(PAGES).then(function (cache) {
      return cache.match(url.pathname);
    }).then(function (kept) {
      return kept ? withBanner(kept) : caches.match(OFFLINE_PAGE, { cacheName: ASSETS });
    });
  });
}

function keep(path, response) {
  return response.text().then(function (html) {
    // Only a lesson the member studies: its form to complete it, or its "done" line.
    if (html.indexOf('id="complete-form"') < 0 && html.indexOf('class="done-text"') < 0) return;
    var stripped = html
      .replace(/<footer class="site-footer">[\s\S]*?<\/footer>/, "")
      .replace(/<p class="flash [^"]*" role="status">[^<]*<\/p>/g, "")
      .replace(/<span class="nav-badge">[^<]*<span class="visually-hidden">[^<]*<\/span><\/span>/g, "")
      .replace(/(name="csrf_token" value=")[^"]*"/g, '$1"');
    var headers = { "Content-Type": "text/html; charset=utf-8" };
    var policy = response.headers.get("Content-Security-Policy");
    if (policy) headers["Content-Security-Policy"] = policy;
    var media = stripped.match(MEDIA);
    return caches.open(PAGES).then(function (cache) {
      // Deleted first, so the lesson moves to the end of the list: the oldest go first.
      return cache.delete(path).then(function () {
        return cache.put(path, new Response(stripped, { headers: headers }));
      }).then(function () {
        return media ? keepMedia(cache, media[0], path) : null;
      }).then(function () { return trim(cache); });
    });
  });
}

// The lesson's video or document, whole, if it is small enough; marked with the lesson it
// belongs to, so that it goes when the lesson goes.
function keepMedia(cache, mediaPath, lessonPath) {
  return cache.match(mediaPath).then(function (kept) {
    if (kept) return null;
    return fetch(mediaPath, { credentials: "same-origin" }).then(function (response) {
      var length = parseInt(response.headers.get("Content-Length"), 10);
      if (response.status !== 200 || !(length <= MAX_MEDIA)) return null;
      return response.blob().then(function (body) {
        return cache.put(mediaPath, new Response(body, { headers: {
          "Content-Type": response.headers.get("Content-Type") || "application/octet-stream",
          "X-Kept-For": lessonPath
        } }));
      });
    }).catch(function () { return null; });
  });
}

// At most MAX_LESSONS lessons, with their media; the oldest kept go first.
function trim(cache) {
  return cache.keys().then(function (keys) {
    var pages = keys.filter(function (key) { return !MEDIA.test(new URL(key.url).pathname); });
    var gone = pages.slice(0, Math.max(0, pages.length - MAX_LESSONS));
    var left = pages.slice(gone.length).map(function (key) { return new URL(key.url).pathname; });
    var media = keys.filter(function (key) { return MEDIA.test(new URL(key.url).pathname); });
    return Promise.all(gone.map(function (key) { return cache.delete(key); }).concat(
      media.map(function (key) {
        return cache.match(key).then(function (kept) {
          if (left.indexOf(kept.headers.get("X-Kept-For")) < 0) return cache.delete(key);
          return null;
        });
      })));
  });
}

// A kept video or document offline; a video asks for byte ranges, answered from the whole.
function keptMedia(request, url) {
  return caches.open(PAGES).then(function (cache) {
    return cache.match(url.pathname);
  }).then(function (kept) {
    if (!kept) return Response.error();
    var range = /^bytes=(\d+)-(\d*)$/.exec(request.headers.get("Range") || "");
    if (!range) return kept;
    var type = kept.headers.get("Content-Type");
    return kept.blob().then(function (body) {
      var start = parseInt(range[1], 10);
      var end = range[2] ? Math.min(parseInt(range[2], 10), body.size - 1) : body.size - 1;
      if (start > end) {
        return new Response(null, { status: 416, headers: { "Content-Range": "bytes */" + body.size } });
      }
      return new Response(body.slice(start, end + 1), { status: 206, headers: {
        "Content-Type": type,
        "Content-Range": "bytes " + start + "-" + end + "/" + body.size,
        "Content-Length": String(end - start + 1)
      } });
    });
  });
}

function withBanner(kept) {
  var headers = new Headers(kept.headers);
  return kept.text().then(function (html) {
    return new Response(html.replace(MAIN, MAIN + BANNER), { headers: headers });
  });
}

function asset(event, request) {
  return fetch(request).then(function (response) {
    if (response.ok) {
      var copy = response.clone();
      event.waitUntil(caches.open(ASSETS).then(function (cache) { return cache.put(request, copy); }));
    }
    return response;
  }, function () {
    return caches.match(request, { cacheName: ASSETS });
  });
}
