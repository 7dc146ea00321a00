// LocalLoom service worker: the app shell (page, Python runtime, wheels, engines) is
// precached per build; an optional engine's code (precache.json "lazy": WebLLM's 6.8 MB
// library) joins the shell cache when first fetched, so users who never pick it never
// download it; a model is cached the first time it is fetched, and only once its
// bytes are proven to be the model the build lists (size, GGUF magic, sha256).
// Versioned: build.py writes the build's hash below, so a new build installs a new shell
// cache and deletes the old one on activation. Models live in their own cache, keyed by
// URL, and are kept across builds while the manifest still lists them with the same sha256.
const VERSION = '__LOCALLOOM_VERSION__';
const SHELL = `localloom-shell-${VERSION}`;
const MODELS = 'localloom-models';
// Shared with py/localloom/modelfile.py.
const VERIFIED = 'X-LocalLoom-Verified'; // the sha256 checked before the copy was stored
const SIZE = 'X-LocalLoom-Size';
const SOURCE = 'X-LocalLoom-Source'; // cache | network
const REPLACED = 'X-LocalLoom-Replaced'; // why a stored copy was deleted before this fetch
const SHA_MISMATCH = 'sha256 mismatch';
const VERDICT = 'localloom-verdict'; // ?localloom-verdict on a model URL: why it was refused
const verdicts = new Map(); // model URL → why its last download was not stored
const scope = new URL(self.registration.scope);
importScripts('./sw-update.js'); // updates wait for the user; navigations get COOP/COEP

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const manifest = await (await fetch('./precache.json', { cache: 'no-store' })).json();
    const cache = await caches.open(SHELL);
    const urls = ['./', './precache.json', ...manifest.shell.map((f) => f.url)];
    await cache.addAll(urls.map((u) => new Request(u, { cache: 'no-store' })));
    // No skipWaiting(): a new build waits for the page's "Reload" (sw-update.js).
  })());
});

async function manifest() {
  const hit = await (await caches.open(SHELL)).match('precache.json');
  return (hit || await fetch('./precache.json', { cache: 'no-store' })).json();
}

async function modelList() {
  return new Map((await manifest()).models.map((m) => [new URL(m.url, scope).href, m]));
}

async function isLazy(url) {
  return ((await manifest()).lazy || []).some((f) => new URL(f.url, scope).href === url);
}

// Why a stored copy cannot be trusted, from its headers alone; '' when they vouch for it.
function headerProblem(stored, model) {
  if (!model) return 'the build no longer lists it';
  if (stored.headers.get(VERIFIED) !== model.sha256) return 'it was never verified';
  if (stored.headers.get(SIZE) !== String(model.size)) return 'its size is wrong';
  return '';
}

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (key.startsWith('localloom-shell-') && key !== SHELL) await caches.delete(key);
    }
    const wanted = await modelList();
    const models = await caches.open(MODELS);
    for (const req of await models.keys()) {
      const stored = await models.match(req);
      if (!stored || headerProblem(stored, wanted.get(req.url))) await models.delete(req);
    }
    await self.clients.claim();
  })());
});

const isGguf = (bytes) => String.fromCharCode(...bytes.subarray(0, 4)) === 'GGUF';

async function sha256Hex(bytes) {
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

// A stored copy whose headers vouch for it is checked once more on its real size and magic
// (cheap: Cache Storage hands out a disk-backed Blob); anything else is deleted.
async function trustedCopy(cache, url, model) {
  const stored = await cache.match(url);
  if (!stored) return { hit: null, replaced: '' };
  let why = headerProblem(stored, model);
  if (!why) {
    const blob = await stored.blob();
    if (blob.size !== model.size) why = `its size is ${blob.size}, not ${model.size}`;
    else if (!isGguf(new Uint8Array(await blob.slice(0, 4).arrayBuffer()))) why = 'it is not a GGUF file';
    else return { hit: new Response(blob, { headers: withHeader(stored.headers, SOURCE, 'cache') }) };
  }
  await cache.delete(url);
  console.warn(`LocalLoom: deleted the stored copy of ${url}: ${why}`);
  return { hit: null, replaced: why };
}

function withHeader(headers, name, value) {
  const copy = new Headers(headers);
  copy.set(name, value);
  return copy;
}

// Stores the download if it is the model; else returns why not (and stores nothing).
// ``bytes`` holds the first ``got`` bytes received (at most the model's size).
async function keep(cache, url, model, bytes, got) {
  const started = performance.now();
  let why = '';
  if (got !== model.size) why = `size ${got} instead of ${model.size}`;
  else if (!isGguf(bytes)) why = 'no GGUF magic';
  else if (await sha256Hex(bytes) !== model.sha256) why = SHA_MISMATCH;
  verdicts.set(url, why);
  if (why) {
    console.warn(`LocalLoom: not storing ${url}: ${why}`);
    return why;
  }
  const checked = performance.now();
  const headers = new Headers({ 'Content-Type': 'application/octet-stream', [VERIFIED]: model.sha256, [SIZE]: String(got) });
  try {
    // A Blob body is stored faster than the array itself (measured in Chromium 156).
    await cache.put(url, new Response(new Blob([bytes]), { headers }));
  } catch (err) {
    console.warn(`LocalLoom: ${url} is verified but could not be stored:`, err);
  }
  console.info(`LocalLoom: ${url} verified in ${(checked - started).toFixed(0)} ms, stored in ${(performance.now() - checked).toFixed(0)} ms`);
  return '';
}

// Streams the download to the page while copying it into one buffer of the model's size;
// when the last byte is in, the bytes are checked (size, magic, sha256) and stored before the
// page's stream closes, so a page that read to the end knows the copy is stored. A checksum
// mismatch errors the page's stream (a wrong size or magic the page sees itself); the error's
// message does not reach the page, so the page asks `?localloom-verdict` why. Cancel on the
// page's side (Cancel, reload) aborts the upstream fetch and stores nothing.
async function download(event, cache, url, model, replaced) {
  verdicts.delete(url);
  const upstream = new AbortController();
  const response = await fetch(url, { cache: 'no-store', signal: upstream.signal });
  const headers = withHeader(response.headers, SOURCE, 'network');
  if (replaced) headers.set(REPLACED, replaced);
  if (!response.ok || !response.body || !model) {
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  }
  const reader = response.body.getReader();
  let bytes = new Uint8Array(model.size);
  let got = 0;
  let settle;
  event.waitUntil(new Promise((resolve) => { settle = resolve; })); // keep the worker alive
  const body = new ReadableStream({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (!done) {
          if (got + value.byteLength <= bytes.length) bytes.set(value, got);
          got += value.byteLength;
          controller.enqueue(value);
          return;
        }
        const why = await keep(cache, url, model, bytes, got);
        bytes = null;
        if (why === SHA_MISMATCH) controller.error(new TypeError(`LocalLoom: ${why}`));
        else controller.close();
        settle();
      } catch (err) {
        bytes = null; // the connection broke: the page's stream errors, nothing is stored
        settle();
        throw err;
      }
    },
    cancel(reason) {
      bytes = null;
      upstream.abort(reason);
      settle();
    },
  });
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}

async function fromModelCache(request, event) {
  const cache = await caches.open(MODELS);
  const model = (await modelList()).get(request.url);
  const { hit, replaced } = model ? await trustedCopy(cache, request.url, model) : { replaced: '' };
  return hit || download(event, cache, request.url, model, replaced);
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== scope.origin) return;
  if (url.pathname.endsWith('.gguf') && url.searchParams.has(VERDICT)) {
    const why = verdicts.get(url.href.split('?')[0]) || '';
    event.respondWith(Response.json({ why }));
    return;
  }
  if (url.pathname.endsWith('.gguf')) {
    event.respondWith(fromModelCache(request, event));
    return;
  }
  event.respondWith((async () => {
    const cache = await caches.open(SHELL);
    const key = request.mode === 'navigate' ? './' : request;
    const hit = await cache.match(key, { ignoreSearch: request.mode === 'navigate' });
    if (hit) return hit;
    const response = await fetch(request);
    if (response.ok && await isLazy(url.href)) event.waitUntil(cache.put(request, response.clone()));
    return response;
  })());
});
