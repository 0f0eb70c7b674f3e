// tutanak's service worker: keeps the capture page and its assets so an
// observer can reopen it without a network; the uploads themselves wait in
// IndexedDB (see app.js) and are sent when the network returns.
'use strict';
const CACHE = 'tutanak-capture-v1';

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));

self.addEventListener('fetch', (e) => {
  const url = new URL(e.request.url);
  if (e.request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/static/')) {
    // Content-hashed: a cached copy is always the right one.
    e.respondWith(caches.open(CACHE).then(async (c) => {
      const hit = await c.match(e.request);
      if (hit) return hit;
      const r = await fetch(e.request);
      if (r.ok) await c.put(e.request, r.clone());
      return r;
    }));
  } else if (url.pathname === '/capture') {
    // The network first, so a fresh page wins; the kept one when offline.
    e.respondWith(fetch(e.request).then(async (r) => {
      if (r.ok && !r.redirected) await (await caches.open(CACHE)).put(e.request, r.clone());
      return r;
    }).catch(async () => (await caches.match(e.request)) || Response.error()));
  }
});
