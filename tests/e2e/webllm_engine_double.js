// A stand-in for web-llm's MLCEngine, the one part that needs an MLC model and a GPU (neither
// exists on these machines), behind the library's real WebWorkerMLCEngineHandler. The page-side
// client, the worker message protocol, streaming and interruptGenerate all run web-llm 0.2.86's
// own code; only the model is doubled. The test serves this file in place of webllm-worker.js,
// after a line `const INITIAL = {...}`, and replaces the script later by posting it on
// BroadcastChannel('webllm-double-script'). A script says:
//   reloadError / generateError: {name, message} thrown as the real engine throws them (reload
//     rejects; a generation fails on its first chunk, where the real engine prefills);
//   pieces: the answer's text deltas; delayMs: the wait before each one.
// Every call is posted on BroadcastChannel('webllm-double') for the test to read.
import { WebWorkerMLCEngineHandler } from './vendor/web-llm/index.js';

const log = new BroadcastChannel('webllm-double');
let SCRIPT = INITIAL;
new BroadcastChannel('webllm-double-script').onmessage = (event) => { SCRIPT = event.data; };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function named(spec) {
  const error = new Error(spec.message);
  error.name = spec.name;
  return error;
}

class EngineDouble {
  setInitProgressCallback(callback) { this.progress = callback; }
  setLogLevel() {}
  setAppConfig() {}

  async reload(modelId) {
    log.postMessage({ method: 'reload', modelId });
    this.progress?.({ progress: 0.5, timeElapsed: 0.1, text: 'Fetching param cache[1/2]: 50% completed' });
    if (SCRIPT.reloadError) throw named(SCRIPT.reloadError);
    this.progress?.({ progress: 1, timeElapsed: 0.2, text: 'Finish loading on WebGPU - double' });
    this.modelId = modelId;
  }

  async unload() { this.modelId = undefined; }

  interruptGenerate() {
    this.interrupted = true;
    log.postMessage({ method: 'interruptGenerate' });
  }

  // The real engine's checks on response_format happen before it returns the stream.
  async chatCompletion(request) {
    log.postMessage({ method: 'chatCompletion', request });
    const format = request.response_format;
    if (format?.schema !== undefined && format.type !== 'json_object') {
      throw named({ name: 'InvalidResponseFormatError', message: 'JSON schema is only supported with `json_object` response format.' });
    }
    this.interrupted = false;
    return this.stream(request);
  }

  async* stream(request) {
    const base = { id: 'chatcmpl-double', object: 'chat.completion.chunk', created: 0, model: this.modelId };
    if (SCRIPT.generateError) throw named(SCRIPT.generateError);
    let reason = 'stop';
    for (const piece of SCRIPT.pieces || []) {
      if (this.interrupted) { reason = 'abort'; break; }
      await sleep(SCRIPT.delayMs || 0);
      yield { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: piece }, finish_reason: null, logprobs: null }] };
    }
    yield { ...base, choices: [{ index: 0, delta: {}, finish_reason: reason, logprobs: null }] };
    if (request.stream_options?.include_usage) {
      const n = (SCRIPT.pieces || []).length;
      yield { ...base, choices: [], usage: { prompt_tokens: 10, completion_tokens: n, total_tokens: 10 + n } };
    }
  }
}

const handler = new WebWorkerMLCEngineHandler();
handler.engine = new EngineDouble();
handler.engine.setInitProgressCallback((report) => handler.postMessage({ kind: 'initProgressCallback', uuid: '', content: report }));
self.onmessage = (event) => handler.onmessage(event);
