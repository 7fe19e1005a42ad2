"use strict";
/*
  The handheld's service worker: the page, its script, words and styles are kept in a cache, so
  a reload with no network still opens the screen, which then shows the batch, the home screen
  and the command queue it kept on the device (localStorage). Each is asked of the network first
  (a new version is seen at once) and taken from the cache only when the network fails. The API
  is left alone: commands queue in the page, and the live stream reconnects by itself.
*/
const CACHE = "omo-handheld-1";
const SHELL = ["/handheld", "/handheld/static/handheld.css", "/handheld/static/i18n.js",
  "/handheld/static/handheld.js"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names.filter((n) => n !== CACHE).map((n) => caches.delete(n))))
    .then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin
      || !SHELL.includes(url.pathname)) return;
  event.respondWith(fetch(event.request).then((response) => {
    if (response.ok) {
      const copy = response.clone();
      event.waitUntil(caches.open(CACHE).then((c) => c.put(url.pathname, copy)));
    }
    return response;
  }).catch(() => caches.match(url.pathname).then((kept) => kept || Response.error())));
});
