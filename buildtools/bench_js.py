"""The page-side halves of ``build.py bench``: JS run with ``page.evaluate`` and a bare page.

Public names: ``DIRECT``, ``CACHE_READ``, ``READY_MARK``, ``BOOT_STAGES``,
``BARE_PYODIDE_HTML``/``_JS``, ``BARE_READY_MARK``, ``RUN_COURSE``, ``RUN_TEXT``.
"""

from __future__ import annotations

__all__ = ["BARE_PYODIDE_HTML", "BARE_PYODIDE_JS", "BARE_READY_MARK", "BOOT_STAGES", "CACHE_READ",
           "DIRECT", "READY_MARK", "RUN_COURSE", "RUN_TEXT"]

#: One streamed raw completion straight on wllama (the page's loaded instance): tokens, time to
#: the first one, tokens/s between the first and the last, and llama.cpp's own timings.
DIRECT = """async (params) => {
  const w = globalThis.localloomWllama;
  const t0 = performance.now(); let first = 0; let last = 0; let n = 0; let chars = 0;
  let timings = null;
  await w.createCompletion({...params, stream: true, onData: (c) => {
    if (c.timings) timings = c.timings;
    if (c.choices.length && c.choices[0].text) {
      last = performance.now(); if (!first) first = last; n++; chars += c.choices[0].text.length;
    } }});
  return {tokens: n, chars, first_token_s: (first - t0) / 1000,
          tokens_per_s: n > 1 ? (n - 1) / ((last - first) / 1000) : 0, timings};
}"""

#: Read the stored model from Cache Storage and nothing else: the floor for "model ready".
CACHE_READ = """async (url) => {
  const t0 = performance.now();
  const cache = await caches.open('localloom-models');
  const hit = await cache.match(new URL(url, document.baseURI).href);
  if (!hit) return null;
  const reader = (await hit.blob()).stream().getReader(); let bytes = 0;
  for (;;) {
    const {done, value} = await reader.read(); if (done) break; bytes += value.byteLength;
  }
  return {bytes, seconds: (performance.now() - t0) / 1000};
}"""

READY_MARK = """() => performance.getEntriesByName('localloom:python-ready')[0].startTime / 1000"""
#: Seconds from navigation to each boot stage: main.py fetched, then the app's own marks.
BOOT_STAGES = """() => {
  const out = {};
  const main = performance.getEntriesByType('resource').find((e) => e.name.endsWith('/main.py'));
  if (main) out['main.py'] = main.startTime / 1000;
  for (const m of performance.getEntriesByType('mark')) {
    if (m.name.startsWith('localloom:')) out[m.name.slice(10)] = m.startTime / 1000;
  }
  return out;
}"""
BARE_READY_MARK = """() => performance.getEntriesByName('bare:python-ready')[0].startTime / 1000"""

#: Pyodide alone, from the same files: what "Python ready" costs before LocalLoom adds
#: anything (served from a second origin, so LocalLoom's service worker does not answer it).
BARE_PYODIDE_HTML = b"""<!doctype html><meta charset="utf-8"><title>bare Pyodide</title>
<body data-state="booting"><script type="module" src="/__bench/bare-pyodide.js"></script></body>
"""
#: Its script (a file, not inline: the build's Content-Security-Policy allows 'self' only). It
#: boots Pyodide's own standard library as npm ships it (sources), not dist/'s bytecode copy
#: (``buildtools.pyc``), so the baseline is Pyodide as anyone gets it.
BARE_PYODIDE_JS = b"""import { loadPyodide } from '/pyodide/pyodide.mjs';
const py = await loadPyodide({ indexURL: '/pyodide/', stdLibURL: '/__bench/stock-stdlib.zip' });
py.runPython('import sys');
performance.mark('bare:python-ready');
document.body.dataset.state = 'ready';
"""

#: Fill the course form, press Generate, wait for the outcome; wall seconds click -> rendered.
RUN_COURSE = """async ([topic, size, language]) => {
  const set = (id, v) => { const e = document.getElementById(id); e.value = v;
    e.dispatchEvent(new Event('change', {bubbles: true})); };
  set('topic', topic); set('size', size); set('language', language);
  document.body.dataset.outcome = '';
  const t0 = performance.now();
  document.getElementById('generate').click();
  while (!['done', 'error', 'cancelled'].includes(document.body.dataset.outcome || '')) {
    await new Promise((r) => setTimeout(r, 100));
  }
  const error = document.getElementById('error');
  return {seconds: (performance.now() - t0) / 1000, outcome: document.body.dataset.outcome,
          run: JSON.parse(window.localloom.lastRun()),
          error: error && !error.hidden ? error.innerText.slice(0, 400) : ''};
}"""

#: Paste a text (the textarea's maxlength binds typing only), run a task, wait for it.
RUN_TEXT = """async ([text, task, language]) => {
  document.getElementById('source-text').value = text;
  document.getElementById('text-task').value = task;
  document.getElementById('text-language').value = language;
  document.body.dataset.outcome = '';
  const t0 = performance.now();
  document.getElementById('run-text').click();
  while (!['done', 'error', 'cancelled'].includes(document.body.dataset.outcome || '')) {
    await new Promise((r) => setTimeout(r, 100));
  }
  return {seconds: (performance.now() - t0) / 1000, outcome: document.body.dataset.outcome,
          run: JSON.parse(window.localloom.lastRun())};
}"""
