// The visits app's service worker (rendered by visits.offline_views.service_worker; scope /visits/).
// It keeps the app shell (styles, scripts, icons, the offline visit form) and the last "My visits" page, so a
// cadre without signal can open the app and record visits; the visits themselves wait in IndexedDB (offline.js).
"use strict";

var VERSION = "{{ version }}";
var SHELL_CACHE = "hardship-shell-" + VERSION;
var PAGES_CACHE = "hardship-pages";  // per user: app.js empties it at log out
var SHELL = {{ shell|safe }};
var PAGES = {{ pages|safe }};
var RECORD_PAGE = /^\/visits\/file\/\d+\/new\/$/;
var NETWORK_WAIT_MS = 6000;  // a poor signal that never answers counts as none

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(SHELL_CACHE).then(function (cache) {
      return cache.addAll(SHELL);
    }).then(function () {
      return self.skipWaiting();
    })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("hardship-shell-") === 0 && name !== SHELL_CACHE;
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () {
      return self.clients.claim();
    })
  );
});

function withTimeout(promise) {
  return new Promise(function (resolve, reject) {
    var timer = setTimeout(function () { reject(new Error("timeout")); }, NETWORK_WAIT_MS);
    promise.then(function (response) { clearTimeout(timer); resolve(response); },
                 function (error) { clearTimeout(timer); reject(error); });
  });
}

function kept(url) {
  // The pages worth keeping for later: "My visits" and the offline form (both for the signed-in cadre).
  return url.pathname === PAGES.board || url.pathname === PAGES.form;
}

function fromCache(request, url) {
  return caches.open(PAGES_CACHE).then(function (pages) {
    return pages.match(request).then(function (hit) {
      if (hit) return hit;
      if (RECORD_PAGE.test(url.pathname) || url.pathname === PAGES.form) return pages.match(PAGES.form);
      return pages.match(PAGES.board);
    });
  }).then(function (hit) {
    return hit || caches.match(request).then(function (shell) { return shell || Response.error(); });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  var isShell = SHELL.indexOf(url.pathname) !== -1;
  if (!isShell && request.mode !== "navigate") return;
  // Network first (the cadre sees today's data when there is signal), the kept copy when there is none.
  event.respondWith(
    withTimeout(fetch(request)).then(function (response) {
      if (response.ok && !response.redirected && (isShell || kept(url))) {
        var copy = response.clone();
        caches.open(isShell ? SHELL_CACHE : PAGES_CACHE).then(function (cache) { cache.put(request, copy); });
      }
      return response;
    }).catch(function () {
      return fromCache(request, url);
    })
  );
});
