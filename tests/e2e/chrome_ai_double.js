// Test double for Chrome's built-in AI (Prompt API `LanguageModel`, `Summarizer`,
// `LanguageDetector`), following the real API shape. Inject it BEFORE page scripts:
//
//     page.add_init_script(script="globalThis.__chromeAIDouble = {state: 'downloadable'}")
//     page.add_init_script(path="tests/e2e/chrome_ai_double.js")
//
// Configuration lives in globalThis.__chromeAIDouble and is read at call time (except
// `shape`, read once at install). Defaults are filled in for missing keys:
//   state          'available' | 'downloadable' | 'downloading' | 'unavailable'  (all APIs)
//   states         per-API overrides, e.g. {Summarizer: 'unavailable'}
//   responses      strings returned by prompt/promptStreaming, in order; when empty, a JSON
//                  instance of the responseConstraint, or a short echo of the input
//   summaries      strings returned by summarize/summarizeStreaming, in order
//   chunkMode      'delta' (the spec, current Chrome) | 'cumulative' (early Chrome)
//   chunkSize      characters per streamed chunk (4); chunkDelayMs between chunks (5)
//   downloadSteps  downloadprogress events after the 0 event (5); downloadDelayMs (10)
//   failWith       null | 'QuotaExceededError' | 'NotSupportedError' | 'NetworkError' |
//                  'NotAllowedError' | 'SyntaxError' | 'InvalidStateError'
//                  (create: NotAllowedError, NetworkError during the download;
//                   prompt*: QuotaExceededError, SyntaxError, and NotSupportedError only
//                   when a responseConstraint is given; InvalidStateError anywhere)
//   failTimes      how many calls failWith applies to (Infinity)
//   contextWindow  tokens per LanguageModel session (4096); inputQuota for Summarizer (4000)
//   languages      languages the model supports (['en', 'es', 'ja'])
//   requireUserActivation  true: create() needs navigator.userActivation.isActive while
//                  the state is downloadable/downloading, like Chrome
//   shape          'current' | 'old' (installs window.ai.languageModel with capabilities())
//   calls          every call: {api, method, input, options} (options without functions;
//                  an AbortSignal is recorded as '[AbortSignal]')
(() => {
  'use strict';
  const DEFAULTS = {
    state: 'available', states: {}, responses: [], summaries: [], chunkMode: 'delta',
    chunkSize: 4, chunkDelayMs: 5, downloadSteps: 5, downloadDelayMs: 10, failWith: null,
    failTimes: Infinity, contextWindow: 4096, inputQuota: 4000,
    languages: ['en', 'es', 'ja'], requireUserActivation: true, shape: 'current', calls: [],
  };
  const cfg = () => {
    const c = (globalThis.__chromeAIDouble ||= {});
    for (const [k, v] of Object.entries(DEFAULTS)) {
      if (!(k in c)) c[k] = Array.isArray(v) ? [...v] : (v && typeof v === 'object' ? {...v} : v);
    }
    return c;
  };
  cfg();
  const INTERNAL = Symbol('chromeAIDouble');
  const MESSAGES = {
    NotAllowedError: 'Requires a user gesture when availability is "downloading" or "downloadable".',
    NetworkError: 'A network error occurred while downloading the model.',
    QuotaExceededError: 'The input is too large.',
    NotSupportedError: 'The response constraint is not supported.',
    SyntaxError: 'The model output does not match the response constraint.',
    InvalidStateError: 'The session has been destroyed.',
    AbortError: 'The operation was aborted.',
  };
  const domError = (name, message = MESSAGES[name] || name, extra = {}) =>
    Object.assign(new DOMException(message, name), extra);
  const quotaError = (requested, quota) => {
    if (typeof QuotaExceededError === 'function') {  // Chrome 13x+: a DOMException subclass
      try { return new QuotaExceededError(MESSAGES.QuotaExceededError, {requested, quota}); }
      catch (_) { /* older constructor shape */ }
    }
    return domError('QuotaExceededError', undefined, {requested, quota});
  };
  const sleep = (ms, signal) => new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal));
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => { clearTimeout(t); reject(abortReason(signal)); },
                            {once: true});
  });
  const abortReason = (signal) =>
    (signal.reason instanceof DOMException ? signal.reason : domError('AbortError'));
  const tokens = (x) => Math.ceil(String(x).length / 4);
  const textOf = (input) => (Array.isArray(input)
    ? input.map((m) => (typeof m.content === 'string' ? m.content
        : (m.content || []).map((p) => p.value ?? '').join(''))).join('\n')
    : String(input ?? ''));
  const plain = (v) => {
    if (typeof AbortSignal !== 'undefined' && v instanceof AbortSignal) return '[AbortSignal]';
    if (v instanceof RegExp) return `[RegExp ${v.source}]`;
    if (Array.isArray(v)) return v.map(plain);
    if (v && typeof v === 'object') {
      const out = {};
      for (const [k, x] of Object.entries(v)) if (typeof x !== 'function') out[k] = plain(x);
      return out;
    }
    return v;
  };
  const record = (api, method, input, options) => {
    const entry = {api, method, input: plain(input), options: plain(options ?? {})};
    if (options && 'responseConstraint' in options) {
      entry.responseConstraintType = typeof options.responseConstraint;
    }
    cfg().calls.push(entry);
    return entry;
  };
  const shouldFail = (...names) => {
    const c = cfg();
    if (!c.failWith || !names.includes(c.failWith) || !(c.failTimes > 0)) return null;
    c.failTimes -= 1;
    return c.failWith;
  };
  const stateOf = (api) => cfg().states[api] ?? cfg().state;
  const setState = (api, value) => {
    const c = cfg();
    if (api in c.states) c.states[api] = value; else c.state = value;
  };
  const langsOk = (list) => (list || []).every((l) => cfg().languages.includes(l));
  const optionLanguages = (o = {}) => [
    ...(o.expectedInputs || []).flatMap((e) => e.languages || []),
    ...(o.expectedOutputs || []).flatMap((e) => e.languages || []),
    ...(o.expectedInputLanguages || []), ...(o.expectedContextLanguages || []),
    ...(o.outputLanguage ? [o.outputLanguage] : []),
  ];

  async function availability(api, options) {
    record(api, 'availability', null, options);
    await sleep(1);
    if (!langsOk(optionLanguages(options))) return 'unavailable';
    return stateOf(api);
  }

  // create(): the state machine shared by the three APIs.
  async function createCommon(api, options = {}) {
    record(api, 'create', null, options);
    const signal = options.signal;
    if (signal?.aborted) throw abortReason(signal);
    const state = stateOf(api);
    if (state === 'unavailable' || !langsOk(optionLanguages(options))) {
      throw domError('NotSupportedError', 'The model is not available on this device.');
    }
    if (shouldFail('NotAllowedError', 'InvalidStateError')) {
      throw domError(cfg().failWith);
    }
    const monitor = new EventTarget();
    if (typeof options.monitor === 'function') options.monitor(monitor);
    if (state === 'downloadable' || state === 'downloading') {
      if (cfg().requireUserActivation && !navigator.userActivation?.isActive) {
        throw domError('NotAllowedError');
      }
      setState(api, 'downloading');
      const steps = Math.max(1, cfg().downloadSteps);
      for (let i = 0; i <= steps; i += 1) {
        if (i) await sleep(cfg().downloadDelayMs, signal);
        if (i === 1 && shouldFail('NetworkError')) {
          setState(api, 'downloadable');
          throw domError('NetworkError');
        }
        monitor.dispatchEvent(new ProgressEvent('downloadprogress',
          {loaded: i / steps, total: 1, lengthComputable: true}));
      }
      setState(api, 'available');
    }
    await sleep(1, signal);
    return monitor;
  }

  // A JSON instance of a (subset) JSON Schema: what constrained decoding would produce.
  function sample(schema, key = '') {
    if (!schema || typeof schema !== 'object') return null;
    if (schema.enum) return schema.enum[0];
    switch (schema.type) {
      case 'object': {
        const out = {};
        for (const [k, s] of Object.entries(schema.properties || {})) out[k] = sample(s, k);
        return out;
      }
      case 'array': {
        const n = Math.max(schema.minItems ?? 1, 1);
        return Array.from({length: Math.min(n, schema.maxItems ?? n)},
                          (_, i) => sample(schema.items, `${key}${i + 1}`));
      }
      case 'integer': return Math.max(schema.minimum ?? 0, 0);
      case 'number': return schema.minimum ?? 0;
      case 'boolean': return true;
      default: return `${key || 'text'} example`.slice(0, schema.maxLength ?? 200);
    }
  }

  function chunksOf(text) {
    const size = Math.max(1, cfg().chunkSize);
    const out = [];
    for (let i = 0; i < text.length; i += size) {
      out.push(cfg().chunkMode === 'cumulative' ? text.slice(0, i + size) : text.slice(i, i + size));
    }
    return out;
  }

  function streamOf(textPromise, signal, onDone) {
    let cancelled = false;
    return new ReadableStream({
      async start(controller) {
        try {
          const text = await textPromise;
          for (const chunk of chunksOf(text)) {
            await sleep(cfg().chunkDelayMs, signal);
            if (cancelled) return;
            controller.enqueue(chunk);
          }
          onDone?.(text);
          controller.close();
        } catch (err) {
          if (!cancelled) controller.error(err);
        }
      },
      cancel() { cancelled = true; },
    });
  }

  class LanguageModel extends EventTarget {
    #initial; #usage; #window; #destroyed = false;
    constructor(token, options = {}, usage = null) {
      if (token !== INTERNAL) throw new TypeError('Illegal constructor');
      super();
      this.#initial = plain(options.initialPrompts || []);
      this.#window = cfg().contextWindow;
      this.#usage = usage ?? tokens(textOf(this.#initial));
      if (this.#usage > this.#window) throw quotaError(this.#usage, this.#window);
    }
    static availability(options = {}) { return availability('LanguageModel', options); }
    static async create(options = {}) {
      await createCommon('LanguageModel', options);
      return new (cfg().shape === 'old' ? LegacyLanguageModel : LanguageModel)(INTERNAL, options);
    }
    get contextWindow() { return this.#window; }
    get contextUsage() { return this.#usage; }
    get inputQuota() { return this.#window; }  // the old names, kept as aliases
    get inputUsage() { return this.#usage; }
    #check(method, input, options) {
      record('LanguageModel', method, input, options);
      if (this.#destroyed || shouldFail('InvalidStateError')) throw domError('InvalidStateError');
      if (options?.signal?.aborted) throw abortReason(options.signal);
      const rc = options?.responseConstraint;
      if (rc !== undefined && (rc === null || typeof rc !== 'object')) {
        throw new TypeError(`Failed to execute '${method}' on 'LanguageModel': The provided ` +
                            "value is not of type 'object'.");
      }
    }
    async #answer(input, options) {
      const need = tokens(textOf(input)) +
        (options?.responseConstraint ? tokens(JSON.stringify(options.responseConstraint)) : 0);
      if (this.#usage + need > this.#window || shouldFail('QuotaExceededError')) {
        throw quotaError(Math.max(this.#usage + need, this.#window + 1), this.#window);
      }
      if (options?.responseConstraint && shouldFail('NotSupportedError')) {
        throw domError('NotSupportedError');
      }
      if (shouldFail('SyntaxError')) throw domError('SyntaxError');
      await sleep(1, options?.signal);
      const next = cfg().responses.shift();
      const text = next ?? (options?.responseConstraint
        ? JSON.stringify(sample(options.responseConstraint))
        : `Echo: ${textOf(input).slice(0, 60)}`);
      this.#usage += need;
      return text;
    }
    async prompt(input, options = {}) {
      this.#check('prompt', input, options);
      const text = await this.#answer(input, options);
      this.#usage += tokens(text);
      return text;
    }
    promptStreaming(input, options = {}) {
      this.#check('promptStreaming', input, options);
      return streamOf(this.#answer(input, options), options.signal,
                      (text) => { this.#usage += tokens(text); });
    }
    async #measure(method, input, options = {}) {
      record('LanguageModel', method, input, options);
      if (this.#destroyed) throw domError('InvalidStateError');
      return tokens(textOf(input)) +
        (options.responseConstraint ? tokens(JSON.stringify(options.responseConstraint)) : 0);
    }
    measureContextUsage(input, options) {
      return this.#measure('measureContextUsage', input, options);
    }
    measureInputUsage(input, options) { return this.#measure('measureInputUsage', input, options); }
    async append(input, options = {}) {
      this.#check('append', input, options);
      this.#usage += tokens(textOf(input));
    }
    async clone(options = {}) {
      record('LanguageModel', 'clone', null, options);
      if (this.#destroyed) throw domError('InvalidStateError');
      if (options.signal?.aborted) throw abortReason(options.signal);
      return new this.constructor(INTERNAL, {initialPrompts: this.#initial}, this.#usage);
    }
    destroy() { record('LanguageModel', 'destroy', null, {}); this.#destroyed = true; }
  }

  // Sessions of the `ai.languageModel` era: only the old quota names (no contextWindow).
  class LegacyLanguageModel extends LanguageModel {
    get contextWindow() { return undefined; }
    get contextUsage() { return undefined; }
    get measureContextUsage() { return undefined; }
  }

  class Summarizer {
    #o; #destroyed = false;
    constructor(token, options) {
      if (token !== INTERNAL) throw new TypeError('Illegal constructor');
      this.#o = {type: 'key-points', format: 'markdown', length: 'short', ...plain(options)};
    }
    static availability(options = {}) { return availability('Summarizer', options); }
    static async create(options = {}) {
      await createCommon('Summarizer', options);
      return new Summarizer(INTERNAL, options);
    }
    get type() { return this.#o.type; }
    get format() { return this.#o.format; }
    get length() { return this.#o.length; }
    get sharedContext() { return this.#o.sharedContext ?? ''; }
    get expectedInputLanguages() { return this.#o.expectedInputLanguages ?? null; }
    get outputLanguage() { return this.#o.outputLanguage ?? null; }
    get inputQuota() { return cfg().inputQuota; }
    async measureInputUsage(input, options = {}) {
      record('Summarizer', 'measureInputUsage', input, options);
      return tokens(`${input}${options.context ?? ''}`);
    }
    async #summary(method, input, options) {
      record('Summarizer', method, input, options);
      if (this.#destroyed || shouldFail('InvalidStateError')) throw domError('InvalidStateError');
      const need = tokens(`${input}${options.context ?? ''}`);
      if (need > cfg().inputQuota || shouldFail('QuotaExceededError')) {
        throw quotaError(Math.max(need, cfg().inputQuota + 1), cfg().inputQuota);
      }
      await sleep(1, options.signal);
      const next = cfg().summaries.shift();
      if (next !== undefined) return next;
      const sentences = String(input).split(/(?<=[.!?])\s+/).filter(Boolean);
      const n = {short: 1, medium: 2, long: 3}[this.#o.length] ?? 1;
      const picked = sentences.slice(0, n);
      if (this.#o.type === 'key-points') {
        return picked.map((s) => (this.#o.format === 'markdown' ? `* ${s}` : `- ${s}`)).join('\n');
      }
      return picked.join(' ');
    }
    async summarize(input, options = {}) { return this.#summary('summarize', input, options); }
    summarizeStreaming(input, options = {}) {
      return streamOf(this.#summary('summarizeStreaming', input, options), options.signal);
    }
    destroy() { record('Summarizer', 'destroy', null, {}); this.#destroyed = true; }
  }

  const SPANISH = /[ñáéíóú¿¡]|\b(el|la|los|las|de|que|y|en|un|una|es|por|para|con|del)\b/gi;
  const ENGLISH = /\b(the|and|of|to|is|in|that|it|for|with|on|are|this)\b/gi;
  class LanguageDetector {
    constructor(token) { if (token !== INTERNAL) throw new TypeError('Illegal constructor'); }
    static availability(options = {}) { return availability('LanguageDetector', options); }
    static async create(options = {}) {
      await createCommon('LanguageDetector', options);
      return new LanguageDetector(INTERNAL);
    }
    get inputQuota() { return cfg().inputQuota; }
    async measureInputUsage(input) { return tokens(input); }
    async detect(input, options = {}) {
      record('LanguageDetector', 'detect', input, options);
      await sleep(1, options.signal);
      const es = (String(input).match(SPANISH) || []).length;
      const en = (String(input).match(ENGLISH) || []).length;
      if (es + en === 0) return [{detectedLanguage: 'und', confidence: 1}];
      const top = es > en ? 'es' : 'en';
      const conf = Math.min(0.99, 0.5 + Math.abs(es - en) / (2 * (es + en)));
      return [{detectedLanguage: top, confidence: conf},
              {detectedLanguage: top === 'es' ? 'en' : 'es', confidence: (1 - conf) * 0.9},
              {detectedLanguage: 'und', confidence: (1 - conf) * 0.1}];
    }
    destroy() { record('LanguageDetector', 'destroy', null, {}); }
  }

  const define = (name, value) => Object.defineProperty(globalThis, name,
    {value, configurable: true, writable: true, enumerable: false});
  if (cfg().shape === 'old') {
    // The 2024 `window.ai.languageModel` shape: capabilities().available readily|after-download|no.
    const OLD = {available: 'readily', downloadable: 'after-download', downloading: 'after-download',
                 unavailable: 'no'};
    const oldFactory = (api, create) => ({
      async capabilities() {
        record(api, 'capabilities', null, {});
        return {available: OLD[stateOf(api)] ?? 'no',
                languageAvailable: (l) => (cfg().languages.includes(l) ? 'readily' : 'no')};
      },
      create,
    });
    for (const name of ['LanguageModel', 'Summarizer', 'LanguageDetector']) delete globalThis[name];
    define('ai', {
      languageModel: oldFactory('LanguageModel', (o) => LanguageModel.create(o)),
      summarizer: oldFactory('Summarizer', (o) => Summarizer.create(o)),
      languageDetector: oldFactory('LanguageDetector', (o) => LanguageDetector.create(o)),
    });
  } else {
    define('LanguageModel', LanguageModel);
    define('Summarizer', Summarizer);
    define('LanguageDetector', LanguageDetector);
  }
})();
