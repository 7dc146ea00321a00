// LocalLoom service worker, part 2 (imported first by sw.js): updates and isolation.
// - A new build waits (no skipWaiting on install) until the page's "Reload" button posts
//   {type: 'skip-waiting'}: an open tab keeps the build it started with.
// - Navigations get COOP/COEP (+ CORP), so a static host that cannot set headers still
//   gives a cross-origin-isolated page (wllama's threads); update.js reloads once for it.
// Registered before sw.js's own fetch handler, so it answers navigations only.
const ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

self.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'skip-waiting') self.skipWaiting();
});

function isolated(response) {
  if (!response || response.type === 'opaque' || response.status === 0) return response;
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(ISOLATION)) {
    if (!headers.has(name)) headers.set(name, value);
  }
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.mode !== 'navigate' || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith((async () => {
    const keys = await caches.keys();
    const shell = keys.find((k) => k === `localloom-shell-${VERSION}`);
    const hit = shell && await (await caches.open(shell)).match('./', { ignoreSearch: true });
    return isolated(hit || await fetch(request));
  })());
});
