// LocalLoom service worker: the app shell (page, Python runtime, wheels, engines) is
// precached per build; the embedded model is cached the first time it is fetched.
// Versioned: build.py writes the build's hash below, so a new build installs a new shell
// cache and deletes the old one on activation. Models live in their own cache, keyed by
// URL, and are kept across builds while the manifest still lists them.
const VERSION = '__LOCALLOOM_VERSION__';
const SHELL = `localloom-shell-${VERSION}`;
const MODELS = 'localloom-models';
const scope = new URL(self.registration.scope);

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const manifest = await (await fetch('./precache.json', { cache: 'no-store' })).json();
    const cache = await caches.open(SHELL);
    const urls = ['./', './precache.json', ...manifest.shell.map((f) => f.url)];
    await cache.addAll(urls.map((u) => new Request(u, { cache: 'no-store' })));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (key.startsWith('localloom-shell-') && key !== SHELL) await caches.delete(key);
    }
    const cache = await caches.open(SHELL);
    const manifest = await (await cache.match('precache.json')).json();
    const wanted = new Set(manifest.models.map((m) => new URL(m.url, scope).href));
    const models = await caches.open(MODELS);
    for (const req of await models.keys()) {
      if (!wanted.has(req.url)) await models.delete(req);
    }
    await self.clients.claim();
  })());
});

async function fromModelCache(request, event) {
  const cache = await caches.open(MODELS);
  const hit = await cache.match(request.url);
  if (hit) return hit;
  const response = await fetch(request.url);
  if (!response.ok || !response.body) return response;
  // Stream to the page and into the cache at once; a failed or aborted download
  // rejects cache.put, so a partial model is never kept.
  const [toPage, toCache] = response.body.tee();
  const headers = new Headers(response.headers);
  event.waitUntil(cache.put(request.url, new Response(toCache, { headers }))
    .catch((err) => console.warn('LocalLoom: model not cached:', err)));
  return new Response(toPage, { status: response.status, headers });
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== scope.origin) return;
  if (url.pathname.endsWith('.gguf')) {
    event.respondWith(fromModelCache(request, event));
    return;
  }
  event.respondWith((async () => {
    const cache = await caches.open(SHELL);
    const key = request.mode === 'navigate' ? './' : request;
    const hit = await cache.match(key, { ignoreSearch: request.mode === 'navigate' });
    if (hit) return hit;
    return fetch(request);
  })());
});
