// Shell side of the boot: shows boot progress until
// Python (PyScript + Pyodide) takes over the page and sets <body data-state="ready">.
import { _, uiLanguage } from './i18n.js';

performance.mark('localloom:shell');
document.documentElement.lang = uiLanguage();

const $ = (id) => document.getElementById(id);
const stage = $('boot-stage');
const detail = $('boot-detail');
const bar = $('boot-progress');
const MB = (n) => (n / 1e6).toFixed(1);

function showBootError(title, cause, fix) {
  if (document.body.dataset.state !== 'booting') return;
  document.body.dataset.state = 'boot-failed';
  stage.textContent = title;
  detail.textContent = '';
  const box = $('error');
  box.hidden = false;
  box.innerHTML = '';
  for (const [label, text] of [[_('Cause'), cause], [_('Fix'), fix]]) {
    const p = document.createElement('p');
    p.innerHTML = `<strong>${label}:</strong> `;
    p.append(text);
    box.append(p);
  }
}

// Network status pill: the app works offline once it has been loaded once.
function netStatus() {
  const pill = $('net-status');
  pill.textContent = navigator.onLine ? _('online') : _('offline — running from this device');
  pill.dataset.online = String(navigator.onLine);
}
addEventListener('online', netStatus);
addEventListener('offline', netStatus);
netStatus();

// The service worker is registered by update.js.

// Progress: bytes of Python runtime + wheels fetched so far vs. the build's manifest.
let expected = 0;
let seen = 0;
const counted = new Set();
fetch('./precache.json').then((r) => r.json()).then((m) => {
  expected = m.shell
    .filter((f) => /^(pyodide|pyscript)\//.test(f.url))
    .reduce((n, f) => n + f.size, 0);
  render();
}).catch(() => {});

function render() {
  if (document.body.dataset.state !== 'booting') return;
  if (expected) {
    bar.value = Math.min(seen / expected, 0.99);
    detail.textContent = _('{seen} of {total} MB').replace('{seen}', MB(seen)).replace('{total}', MB(expected));
  }
}

new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const path = new URL(e.name).pathname;
    if (counted.has(path) || !/\/(pyodide|pyscript)\//.test(path)) continue;
    counted.add(path);
    seen += e.decodedBodySize || e.encodedBodySize || 0;
    if (/pyodide\.asm\.wasm$/.test(path)) stage.textContent = _('Starting Python…');
    if (/\.whl$/.test(path)) stage.textContent = _('Installing Python packages…');
  }
  render();
}).observe({ type: 'resource', buffered: true });

stage.textContent = _('Loading the Python runtime…');

addEventListener('error', (event) => {
  if (document.body.dataset.state === 'booting' && !crossOriginIsolated) {
    showBootError(_('Python could not start.'),
      _('The page is not cross-origin isolated (COOP/COEP headers missing), so shared memory is off.'),
      _('Serve the app with `python build.py serve`, or add the COOP/COEP headers to your server.'));
  }
});

setTimeout(() => {
  showBootError(_('Python is taking too long to start.'),
    _('A runtime file did not load (network cut on a first visit, or a blocked script).'),
    _('Reload the page while online once; after that LocalLoom works offline.'));
}, 120000);
