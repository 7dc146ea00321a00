// WebLLM's engine, in a dedicated worker so the GPU work and the weights' download never block
// the page. The page talks to it through web-llm's own WebWorkerMLCEngine (py/localloom/
// engines/webllm.py); the library is our build's copy (dist/vendor/web-llm/), never a CDN.
import { WebWorkerMLCEngineHandler } from './vendor/web-llm/index.js';

// web-llm stores every model file with Cache.add(), whose only error is "Request failed": the
// same words for a missing file (404), a refused one (403) and a dropped connection. This add()
// says which file failed and with which HTTP status, so the page can tell the user the cause.
// A body that breaks off mid-way still fails in put(), as it did in add().
Cache.prototype.add = async function add(request) {
  const response = await fetch(request);
  if (!response.ok) {
    const url = typeof request === 'string' ? request : request.url;
    const status = [response.status, response.statusText].filter(Boolean).join(' ');
    throw new Error(`HTTP ${status} for ${url}`);
  }
  return this.put(request, response);
};

const handler = new WebWorkerMLCEngineHandler();
self.onmessage = (event) => handler.onmessage(event);
