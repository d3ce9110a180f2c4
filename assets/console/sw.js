// Sodan console service worker. It keeps only the offline page and the console's own style and icon, so
// the installed app opens with a clear "offline" page without a connection; it never stores a
// conversation, a customer or any other answer of the server.
"use strict";
var SHELL = "sodan-shell-v1";
var KEEP = ["/offline", "/assets/console/console.css", "/assets/console/icon-192.png"];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL).then(function (cache) { return cache.addAll(KEEP); }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n !== SHELL; }).map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  if (request.mode === "navigate") {
    // Pages always come from the server; only when it cannot be reached, the offline page.
    event.respondWith(fetch(request).catch(function () { return caches.match("/offline"); }));
    return;
  }
  var path = new URL(request.url).pathname;
  if (KEEP.indexOf(path) >= 0) {
    event.respondWith(fetch(request).catch(function () { return caches.match(path); }));
  }
});

// A push from Sodan (RFC 8030): the customer and the first words; a tap opens that conversation.
self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = { title: "Sodan", body: event.data ? event.data.text() : "" }; }
  event.waitUntil(self.registration.showNotification(data.title || "Sodan", {
    body: data.body || "", icon: "/assets/console/icon-192.png", badge: "/assets/console/icon-192.png",
    tag: data.url || "sodan", renotify: true, data: { url: data.url || "/inbox" }
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = new URL((event.notification.data && event.notification.data.url) || "/inbox", self.location.origin).href;
  event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (open) {
    for (var i = 0; i < open.length; i++) {
      if ("focus" in open[i] && "navigate" in open[i]) return open[i].navigate(url).then(function (c) { return c && c.focus(); });
    }
    return self.clients.openWindow(url);
  }));
});
