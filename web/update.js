// Page side of updates (with sw-update.js): "a new version is ready — reload", and one
// reload to become cross-origin isolated where only the service worker adds COOP/COEP.
// Words the page shows, in one place for the message catalog:
const WORDS = {
  ready: 'A new version of LocalLoom is ready.',
  reload: 'Reload',
  busy: 'LocalLoom was updated in another tab; reload this one when the course is done.',
};
const sw = navigator.serviceWorker;

function banner(text, withButton, onClick) {
  let box = document.getElementById('update-banner');
  if (!box) {
    box = document.createElement('div');
    box.id = 'update-banner';
    box.className = 'notice';
    box.setAttribute('role', 'status');
    document.body.prepend(box);
  }
  box.replaceChildren(document.createTextNode(text));
  if (withButton) {
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = WORDS.reload;
    button.addEventListener('click', onClick);
    box.append(' ', button);
  }
  document.body.dataset.update = 'ready';
}

if (sw) {
  let controlled = Boolean(sw.controller);
  let reloading = false;
  sw.addEventListener('controllerchange', () => {
    if (reloading) return;
    if (!controlled) {  // first install: reload once if only the worker isolates the page
      controlled = true;
      if (!crossOriginIsolated && !sessionStorage.getItem('localloom:isolating')) {
        sessionStorage.setItem('localloom:isolating', '1');
        reloading = true;
        location.reload();
      }
      return;
    }
    if (document.body.dataset.state === 'generating') {
      banner(WORDS.busy, true, () => location.reload());
      return;
    }
    reloading = true;
    location.reload();
  });
  sw.register('./sw.js').then((registration) => {
    const offer = (worker) => banner(WORDS.ready, true, () => worker.postMessage({ type: 'skip-waiting' }));
    if (registration.waiting && sw.controller) offer(registration.waiting);
    registration.addEventListener('updatefound', () => {
      const worker = registration.installing;
      if (!worker) return;
      worker.addEventListener('statechange', () => {
        if (worker.state === 'installed' && sw.controller) offer(worker);
      });
    });
    const check = () => registration.update().catch(() => {});
    document.addEventListener('visibilitychange', () => { if (!document.hidden) check(); });
    setInterval(check, 30 * 60 * 1000);
  }).catch(() => {});
}
