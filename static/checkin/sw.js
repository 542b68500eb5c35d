// The door's service worker (served at /door/sw.js by checkin/views_door.py, which puts ASSETS and VERSION above):
// keeps the door page, its script, styles and the QR decoder (.wasm included) so a door opens without the network.
// The JSON endpoints are left alone: the page decides what to do when they cannot be reached.
/* global ASSETS, VERSION */
"use strict";

var CACHE = "rendezvous-door-" + VERSION;
var PAGES = "rendezvous-door-pages";
var DOOR_PAGE = /^\/door\/[^/]+\/$/;

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(ASSETS); }).then(function () {
    return self.skipWaiting();
  }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("rendezvous-door-") === 0 && name !== CACHE && name !== PAGES;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.mode === "navigate" && DOOR_PAGE.test(url.pathname)) {
    // The page from the network when there is one (fresh counts, fresh CSRF token), else the copy from last time.
    event.respondWith(fetch(request).then(function (response) {
      if (response.ok && !response.redirected) {
        var copy = response.clone();
        caches.open(PAGES).then(function (cache) { return cache.put(url.pathname, copy); });
      }
      return response;
    }, function () {
      return caches.open(PAGES).then(function (cache) { return cache.match(url.pathname); }).then(function (cached) {
        return cached || Response.error();
      });
    }));
    return;
  }
  if (ASSETS.indexOf(url.pathname) !== -1) {
    event.respondWith(caches.open(CACHE).then(function (cache) {
      return cache.match(url.pathname).then(function (cached) { return cached || fetch(request); });
    }));
  }
});
