"""diagnostics: real JS error strings map to the right LocalLoom error with a cause and a fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from localloom.errors import EngineError, GenerationCancelled
from localloom.routing import diagnostics as d
from localloom.routing.device import Capabilities, GpuInfo, StorageInfo

LLAMA = "Llama-3.2-1B-Instruct-q4f32_1-MLC"
HF = f"https://hub.example/mlc-ai/{LLAMA}/resolve/main"  # the real URLs' paths, any host
LIB = ("https://libs.example/mlc-ai/binary-mlc-llm-libs/main/web-llm-models/"
       "v0_2_86/base/Llama-3.2-1B-Instruct-q4f32_1_cs1k-webgpu.wasm")

# (id, name, message, engine, stage, status, expected kind, retryable or None, words in text)
CASES = [
    ("webllm-cache-add", "TypeError", "Failed to execute 'add' on 'Cache': Request failed",
     "webllm", "download", None, "ModelDownloadError", True,
     [LLAMA, "could not be fetched", "needs no download", "not kept"]),
    ("cache-add-network", "NetworkError",
     "Failed to execute 'add' on 'Cache': Cache.add() encountered a network error",
     "webllm", "download", None, "ModelDownloadError", True, ["connection"]),
    ("fetch-chrome", "TypeError", "Failed to fetch", "wllama", "download", None,
     "ModelDownloadError", True, ["offline"]),
    ("fetch-firefox-cloud", "TypeError", "NetworkError when attempting to fetch resource.",
     "openai", "generate", None, "NetworkError", True, ["cors", "ollama_origins"]),
    ("http-404-param", "Error", "Request failed", "webllm", "download", 404,
     "ModelDownloadError", False, ["404", "missing"]),
    ("http-404-in-text", "Error", "Failed to fetch model shard: status 404", "wllama",
     "download", None, "ModelDownloadError", False, ["404"]),
    ("http-403-gated", "Error", "Forbidden", "transformers", "download", 403,
     "ModelDownloadError", False, ["gated"]),
    ("http-503-download", "Error", "Service Unavailable", "webllm", "download", 503,
     "ModelDownloadError", True, ["503"]),
    ("quota-cache-put", "QuotaExceededError",
     "Failed to execute 'put' on 'Cache': Quota exceeded.", "webllm", "cache", None,
     "StorageQuotaError", None, ["private", "smaller model"]),
    ("quota-chrome-prompt", "QuotaExceededError", "The input is too large.", "chrome",
     "generate", None, "ContextOverflowError", None, ["context window", "fewer modules"]),
    ("quota-chrome-download", "QuotaExceededError", "The quota has been exceeded.", "chrome",
     "download", None, "StorageQuotaError", None, ["disk"]),
    ("device-lost", "Error", "Device was lost. This can happen due to insufficient memory.",
     "webllm", "load", None, "OutOfMemoryError", None, ["smaller model", "close other tabs"]),
    ("device-lost-info", "GPUDeviceLostInfo", "reason: unknown", "transformers", "generate",
     None, "OutOfMemoryError", None, ["memory"]),
    ("webllm-devicelost", "DeviceLostError",
     "The WebGPU device was lost while loading the model.", "webllm", "load", None,
     "OutOfMemoryError", None, ["smaller model"]),
    ("oom", "Error", "Out of memory", "transformers", "generate", None, "OutOfMemoryError",
     None, ["smaller model"]),
    ("arraybuffer", "RangeError", "Array buffer allocation failed", "wllama", "load", None,
     "OutOfMemoryError", None, ["close other tabs"]),
    ("wasm-memory", "RangeError", "WebAssembly.Memory(): could not allocate memory", "wllama",
     "load", None, "OutOfMemoryError", None, ["smaller model"]),
    ("shader-f16", "ShaderF16SupportError",
     "This model requires WebGPU extension shader-f16, which is not enabled in this browser.",
     "webllm", "load", None, "EngineUnavailable", None, ["q4f32", "shader-f16", "wllama"]),
    ("dawn-f16", "OperationError", "Invalid feature required: Requested feature "
     "FeatureName::ShaderF16 is not supported. Device lost!", "wllama", "load", None,
     "EngineUnavailable", None, ["q4f32"]),
    ("no-gpu", "TypeError", "navigator.gpu is undefined", "webllm", "probe", None,
     "EngineUnavailable", None, ["https://", "localhost", "lan", "flags", "wllama"]),
    ("no-adapter", "Error", "No appropriate GPUAdapter found.", "transformers", "probe", None,
     "EngineUnavailable", None, ["webgpu"]),
    ("webllm-no-webgpu", "WebGPUNotAvailableError",
     "WebGPU is not supported in your current environment", "webllm", "load", None,
     "EngineUnavailable", None, ["secure"]),
    ("chrome-gesture", "NotAllowedError", "Requires a user gesture when availability is "
     "\"downloadable\".", "chrome", "download", None, "EngineUnavailable", None,
     ["press", "gesture"]),
    ("chrome-policy", "NotAllowedError", "Access denied by permissions policy.", "chrome",
     "probe", None, "EngineUnavailable", None, ["own tab"]),
    ("chrome-schema", "NotSupportedError", "The response constraint is not supported.",
     "chrome", "generate", None, "EngineUnavailable", None, ["schema"]),
    ("chrome-language", "NotSupportedError", "Unsupported language: fr", "chrome", "probe",
     None, "EngineUnavailable", None, ["language"]),
    ("chrome-syntax", "SyntaxError", "Response did not match the response constraint.",
     "chrome", "generate", None, "InvalidOutputError", None, ["schema"]),
    ("chrome-abort", "AbortError", "The operation was aborted.", "chrome", "generate", None,
     "GenerationCancelled", None, ["cancel"]),
    ("chrome-download-network", "NetworkError", "A network error occurred.", "chrome",
     "download", None, "ModelDownloadError", True, ["unmetered"]),
    ("wllama-load", "Error", "llama_model_load: error loading model: invalid tensor data",
     "wllama", "load", None, "ModelLoadError", None, ["gguf", "checks its stored copy"]),
    ("gguf-magic", "Error", "gguf_init_from_file: invalid magic characters 'PK'", "wllama",
     "load", None, "ModelLoadError", None, ["corrupt"]),
    ("wllama-failed", "Error", "Failed to load model", "wllama", "load", None,
     "ModelLoadError", None, ["downloads the model again"]),
    ("load-but-fetch", "Error", "Failed to load model: Failed to fetch", "wllama", "download",
     None, "ModelDownloadError", True, ["offline"]),
    ("binding-size", "Error", "Cannot initialize runtime because of requested "
     "maxStorageBufferBindingSize exceeds limit. requested=1024MB, limit=128MB.", "webllm",
     "load", None, "EngineUnavailable", None, ["128 mb", "smaller model"]),
    ("stale-wasm-html", "CompileError", "WebAssembly.instantiate(): expected magic word "
     "00 61 73 6d, found 3c 21 44 4f @+0", "wllama", "boot", None, "ModelLoadError", None,
     ["web page", "clear this site's data", "reload"]),
    ("stale-wasm-link", "LinkError", "WebAssembly.instantiate(): Import #0 \"env\" "
     "\"_emscripten_fn\": function import requires a callable", "wllama", "load", None,
     "ModelLoadError", None, ["stale cache", "reload while online"]),
    ("html-instead-of-json", "SyntaxError",
     "Unexpected token '<', \"<!DOCTYPE \"... is not valid JSON", "webllm", "download", None,
     "ModelDownloadError", False, ["web page"]),
    ("idb-backing-store", "UnknownError",
     "Internal error opening backing store for indexedDB.open.", "webllm", "cache", None,
     "StorageQuotaError", None, ["private window"]),
    ("tjs-404", "Error", "Could not locate file: \"https://huggingface.co/x/resolve/main/"
     "onnx/model.onnx\".", "transformers", "download", None, "ModelDownloadError", False,
     ["missing"]),
    ("ort-no-backend", "Error", "no available backend found. ERR: [webgpu] Error: no adapter",
     "transformers", "load", None, "EngineUnavailable", None, ["webgpu"]),
    ("webllm-unknown-model", "ModelNotFoundError",
     "Cannot find model record in appConfig for foo.", "webllm", "load", None,
     "EngineUnavailable", None, ["another model"]),
    ("webllm-context", "ContextWindowSizeExceededError",
     "Prompt tokens exceed context window size: number of prompt tokens: 5000", "webllm",
     "generate", None, "ContextOverflowError", None, ["context window"]),
    ("cloud-401", "Error", "Invalid API Key", "openai", "generate", 401, "AuthError", None,
     ["key"]),
    ("cloud-402", "Error", "Insufficient credits", "openai", "generate", 402, "QuotaError",
     None, ["credits"]),
    ("cloud-429", "Error", "Rate limit reached", "openai", "generate", 429, "RateLimitedError",
     True, ["429"]),
    ("cloud-503", "Error", "Service Unavailable", "openai", "generate", 503, "NetworkError",
     True, ["503"]),
    ("timeout", "TimeoutError", "signal timed out", "openai", "generate", None,
     "NetworkError", True, ["connection"]),
    # web-llm 0.2.86 in Chromium 156 with routed model files (tests/e2e/test_webllm.py); the
    # worker's Cache.add names the status and the file (web/webllm-worker.js)
    ("webllm-config-404", "Error", f"HTTP 404 Not Found for {HF}/mlc-chat-config.json",
     "webllm", "download", None, "ModelDownloadError", False,
     ["a file is missing", "its config file mlc-chat-config.json", "HTTP 404", "not kept"]),
    ("webllm-lib-404", "Error", f"HTTP 404 Not Found for {LIB}", "webllm", "download", None,
     "ModelDownloadError", False, ["its model library", ".wasm", "HTTP 404"]),
    ("webllm-config-403", "Error", f"HTTP 403 Forbidden for {HF}/mlc-chat-config.json",
     "webllm", "download", None, "ModelDownloadError", False, ["refused", "gated"]),
    ("webllm-config-503", "Error", f"HTTP 503 Service Unavailable for {HF}/mlc-chat-config.json",
     "webllm", "download", None, "ModelDownloadError", True, ["HTTP 503", "try again"]),
    ("webllm-fetch-reset", "TypeError", "Failed to fetch", "webllm", "download", None,
     "ModelDownloadError", True, ["could not reach the server", "offline"]),
    ("webllm-lib-web-page", "CompileError", "WebAssembly.instantiate(): expected magic word "
     "00 61 73 6d, found 3c 21 44 4f @+0", "webllm", "load", None, "ModelDownloadError", False,
     ["model library is not usable", "web page", "next model or engine", "not kept"]),
    ("webllm-lib-truncated", "CompileError", "WebAssembly.instantiate(): section (code 2, "
     "\"Import\") extends past end of the module (length 2110, remaining bytes 1521) @+2572",
     "webllm", "load", None, "ModelDownloadError", True,
     ["incomplete or damaged", "deleted the model's stored files", "preferred engine"]),
    ("webllm-lib-other-version", "LinkError", "WebAssembly.instantiate(): Import #67 \"env\" "
     "\"memory\": memory import must be a WebAssembly.Memory object", "webllm", "load", None,
     "ModelDownloadError", False, ["another WebLLM version"]),
    # web-llm's own messages (lib/index.js), for failures that need a model to happen
    ("webllm-no-compatible-gpu", "Error", "Unable to find a compatible GPU. This issue might "
     "be because your computer doesn't have a GPU, or your system settings are not configured "
     "properly.", "webllm", "load", None, "EngineUnavailable", None, ["webgpu", "wllama"]),
    ("webllm-gpu-limit", "Error", "Cannot initialize runtime because of requested "
     "maxComputeWorkgroupStorageSize exceeds limit. requested=32768, limit=16384.",
     "webllm", "load", None, "EngineUnavailable", None, ["gpu limits", "smaller model"]),
    ("webllm-model-gone", "ModelNotLoadedError", "Model not loaded before trying to complete "
     "ChatCompletionRequest. Please ensure you have called MLCEngine.reload(model) to load the "
     "model before initiating APIs, or initialize your engine using CreateMLCEngine() with a "
     "valid model configuration.", "webllm", "generate", None, "ModelLoadError", None,
     ["no longer holds", "try again"]),
    # Transformers.js 4.3.2 in Chromium (tests/e2e/test_transformers.py), its ONNX file
    # answered with a 404, then with a damaged copy
    ("tjs-missing", "ModelFileNotFoundError", "`local_files_only=true` or "
     "`env.allowRemoteModels=false` and file was not found locally at \"http://127.0.0.1:8000/"
     "models/tjs/SmolLM2-135M-Instruct/onnx/model_quantized.onnx\".", "transformers", "load",
     None, "ModelDownloadError", False, ["a file is missing", "lacks its ONNX weights",
                                         "Reload the page", "Preferred engine in Settings"]),
    ("tjs-damaged", "Error", "Can't create a session. ERROR_CODE: 7, ERROR_MESSAGE: Failed to "
     "load model because protobuf parsing failed.", "transformers", "load", None,
     "ModelDownloadError", True, ["a file is damaged", "its ONNX weights could not be read",
                                  "deleted this browser's stored copy", "Preferred engine"]),
    ("tjs-config-web-page", "SyntaxError", "Unexpected token '<', \"<!doctype \"... is not "
     "valid JSON", "transformers", "load", None, "ModelDownloadError", True,
     ["a file is damaged", "a web page"]),
    ("webllm-grammar", "GrammarMatcherInitError", "Failed to initialize the grammar matcher for "
     "response format `json_object`: bad schema", "webllm", "generate", None,
     "EngineUnavailable", None, ["output format", "next engine"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "message", "engine", "stage", "status", "kind", "retryable", "words"),
    [pytest.param(*c[1:], id=c[0]) for c in CASES],
)
def test_classify_maps_real_errors(name, message, engine, stage, status, kind, retryable, words):
    """Each real error string gets its specific class, a cause and fix that name the remedy."""
    err = d.classify_js_error(name, message, engine=engine, stage=stage, model_id=LLAMA,
                              status=status)
    assert err.kind == kind, str(err)
    text = f"{err.what} {err.cause} {err.fix}".lower()
    for word in words:
        assert word.lower() in text, (word, str(err))
    if retryable is not None:
        assert err.retryable is retryable
    assert err.what and err.cause and err.fix
    assert err.stage == stage and err.engine == engine
    assert err.detail == f"{name}: {message}"


def test_unknown_error_keeps_the_original_text():
    """Unrecognised errors become a plain EngineError that quotes the JS name and message."""
    err = d.classify_js_error("WeirdError", "flux capacitor", engine="wllama", stage=d.GENERATE)
    assert type(err) is EngineError
    assert "WeirdError: flux capacitor" in err.what
    assert "report" in err.fix and err.engine == "wllama" and err.stage == "generate"


def test_cancel_is_not_an_engine_error_but_still_names_the_engine():
    err = d.classify_js_error("AbortError", "aborted", engine="webllm", stage=d.GENERATE)
    assert isinstance(err, GenerationCancelled) and err.engine == "webllm"


# fits_device ---------------------------------------------------------------------------

DESKTOP = Capabilities(
    gpu=GpuInfo(features=("shader-f16",), max_buffer_size=4 << 30,
                max_storage_buffer_binding_size=2 << 30),
    device_memory_gb=8, storage=StorageInfo(quota=50_000_000_000, usage=0),
)
PHONE = Capabilities(
    gpu=GpuInfo(max_buffer_size=256 << 20, max_storage_buffer_binding_size=128 << 20),
    device_memory_gb=4, storage=StorageInfo(quota=4_000_000_000),
)
TINY_STORAGE = Capabilities(device_memory_gb=8, storage=StorageInfo(quota=300_000_000,
                                                                    usage=100_000_000))


@pytest.mark.parametrize(
    ("size", "caps", "engine", "kw", "ok", "words"),
    [
        pytest.param(880e6, DESKTOP, "webllm", {}, True, ["fits"], id="desktop-fits"),
        pytest.param(880e6, Capabilities(), "webllm", {}, False, ["no webgpu"], id="no-gpu"),
        pytest.param(253e6, Capabilities(), "wllama", {}, True, ["fits"], id="wllama-cpu"),
        pytest.param(1.1e9, PHONE, "webllm", {"model_id": "Qwen2.5-1.5B-q4f16_1-MLC"}, False,
                     ["shader-f16", "q4f32"], id="f16-from-id"),
        pytest.param(2.3e9, PHONE, "webllm", {}, False, ["128 mib"], id="binding-size"),
        pytest.param(1.2e9, PHONE, "webllm", {}, False, ["143 mib", "128 mib"],
                     id="estimate-is-size/8"),
        pytest.param(1.2e9, PHONE, "webllm", {"largest_tensor_bytes": 100 << 20}, True,
                     ["fits"], id="given-tensor-size"),
        pytest.param(3e9, Capabilities(device_memory_gb=2), "wllama", {}, False,
                     ["memory", "2 gb"], id="low-memory"),
        pytest.param(7e9, Capabilities(device_memory_gb=8), "wllama", {}, True, ["fits"],
                     id="8gb-means-at-least-8"),
        pytest.param(253e6, TINY_STORAGE, "wllama", {}, False, ["storage", "private"],
                     id="storage-margin"),
        pytest.param(253e6, TINY_STORAGE, "wllama", {"cached": True}, True, ["fits"],
                     id="cached-needs-no-storage"),
        pytest.param(5e9, Capabilities(), "chrome", {}, True, [], id="chrome-not-local"),
    ],
)
def test_fits_device(size, caps, engine, kw, ok, words):
    """Each check rejects only on facts it knows; the reason names the limit."""
    got, reason = d.fits_device(int(size), caps, engine, **kw)
    assert got is ok, reason
    for word in words:
        assert word in reason.lower(), reason


def test_fits_device_storage_margin_is_ten_percent():
    caps = Capabilities(storage=StorageInfo(quota=1_000_000_000))
    assert d.fits_device(909_000_000, caps, "wllama")[0]
    assert not d.fits_device(910_000_000, caps, "wllama")[0]


def test_wllama_wasm_errors_keep_their_engine_cause():
    """The model-library wording is WebLLM's: wllama's .wasm is the app's own file."""
    err = d.classify_js_error("CompileError", "WebAssembly.instantiate(): expected magic word "
                              "00 61 73 6d, found 3c 21 44 4f @+0", engine="wllama", stage=d.LOAD)
    assert err.kind == "ModelLoadError" and "stale cache" in err.cause


SWIFTSHADER = Capabilities(gpu=GpuInfo(vendor="google", architecture="swiftshader",
                                       is_fallback=True, max_buffer_size=1 << 30,
                                       max_storage_buffer_binding_size=1 << 30),
                           device_memory_gb=8, storage=StorageInfo(quota=50_000_000_000))


@pytest.mark.parametrize(
    ("caps", "f16", "words"),
    [
        pytest.param(Capabilities(gpu_error="No WebGPU: insecure."), False,
                     ["no webgpu adapter (no webgpu: insecure.)"], id="no-adapter"),
        pytest.param(SWIFTSHADER, False, ["software fallback (swiftshader)", "not a gpu"],
                     id="software-adapter"),
        pytest.param(PHONE, True, ["shader-f16", "q4f32"], id="no-f16"),
        pytest.param(DESKTOP, True, [], id="fits"),
    ],
)
def test_webgpu_problem_says_why_a_webgpu_model_cannot_run(caps, f16, words):
    """No adapter, a software adapter, or no shader-f16 for a q4f16 build: each named."""
    problem = d.webgpu_problem(caps, needs_f16=f16).lower()
    assert bool(problem) is bool(words)
    for word in words:
        assert word in problem


def test_fits_device_refuses_a_software_adapter_for_webllm_only():
    """SwiftShader is no GPU for WebLLM; wllama does not use it and still fits."""
    ok, why = d.fits_device(880e6, SWIFTSHADER, "webllm", model_id=LLAMA)
    assert not ok and "software fallback" in why
    assert d.fits_device(253e6, SWIFTSHADER, "wllama")[0]


PAGE = (Path(__file__).resolve().parents[2] / "web/index.html").read_text()
BROWSER_UI = ("Reload the page", "site settings → Clear data", "Close other tabs")

# Issue 10's list of raw errors: (id, name, message, engine, stage, status, kind, UI the fix
# names: the page's own words from web/index.html, or the browser's)
ISSUE_10 = [
    ("failed-to-fetch", "TypeError", "Failed to fetch", "wllama", "download", None,
     "ModelDownloadError", "Models on this device"),
    ("cache-add-network", "NetworkError", "Cache.add() encountered a network error", "webllm",
     "download", None, "ModelDownloadError", "Preferred engine"),
    ("webllm-missing-model", "TypeError", "Failed to execute 'add' on 'Cache': Request failed",
     "webllm", "download", None, "ModelDownloadError", "Preferred engine"),
    ("http-404", "Error", "Request failed", "wllama", "download", 404, "ModelDownloadError",
     "Models on this device"),
    ("http-403", "Error", "Request failed", "wllama", "download", 403, "ModelDownloadError",
     "Models on this device"),
    ("http-416", "Error", "HTTP 416 Range Not Satisfiable", "wllama", "download", None,
     "ModelDownloadError", "Stored in this browser"),
    ("cors", "TypeError", "Access to fetch at 'https://x.example/m.gguf' from origin "
     "'http://127.0.0.1:8000' has been blocked by CORS policy: No 'Access-Control-Allow-Origin' "
     "header is present on the requested resource.", "wllama", "download", None,
     "ModelDownloadError", "Models on this device"),
    ("quota", "QuotaExceededError", "The quota has been exceeded.", "wllama", "download", None,
     "StorageQuotaError", "Stored in this browser"),
    ("device-lost", "Error", "Device was lost. This can happen due to insufficient memory or "
     "other GPU constraints.", "webllm", "load", None, "OutOfMemoryError",
     "Preferred engine"),
    ("no-adapter", "Error", "Unable to find a compatible GPU.", "webllm", "load", None,
     "EngineUnavailable", "Preferred engine"),
    ("no-shader-f16", "Error", "This model requires WebGPU extension shader-f16, which is not "
     "enabled in this browser.", "webllm", "load", None, "EngineUnavailable",
     "Preferred engine"),
    ("oom", "RangeError", "Array buffer allocation failed", "wllama", "load", None,
     "OutOfMemoryError", "Models on this device"),
    ("wasm-memory-grow", "RangeError", "WebAssembly.Memory.grow(): Maximum memory size exceeded",
     "wllama", "load", None, "OutOfMemoryError", "Models on this device"),
    ("link-error", "LinkError", 'WebAssembly.instantiate(): Import #0 "env" "abort": function '
     "import requires a callable", "wllama", "load", None, "ModelLoadError", "Reload the page"),
    ("stale-wasm-html", "CompileError", "WebAssembly.instantiateStreaming(): expected magic "
     "word 00 61 73 6d, found 3c 21 44 4f @+0", "wllama", "load", None, "ModelLoadError",
     "site settings → Clear data"),
    ("sw-install", "TypeError", "Failed to register a ServiceWorker for scope "
     "('http://127.0.0.1:8000/') with script ('http://127.0.0.1:8000/sw.js'): An unknown error "
     "occurred when fetching the script.", "page", "install", None, "LocalLoomError",
     "Reload the page"),
    ("sw-update-404", "TypeError", "Failed to update a ServiceWorker for scope "
     "('http://127.0.0.1:8000/') with script ('http://127.0.0.1:8000/sw.js'): A bad HTTP "
     "response code (404) was received when fetching the script.", "page", "update", None,
     "LocalLoomError", "site settings → Clear data"),
    ("sw-insecure", "SecurityError", "Failed to register a ServiceWorker: The URL protocol of "
     "the current origin ('null') is not supported.", "page", "install", None,
     "LocalLoomError", "http://localhost"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "message", "engine", "stage", "status", "kind", "ui"),
                         [pytest.param(*c[1:], id=c[0]) for c in ISSUE_10])
def test_every_raw_error_of_issue_10_gets_a_cause_and_a_fix_naming_real_ui(
        name, message, engine, stage, status, kind, ui):
    """Each raw error string the issue lists becomes its own LocalLoom error (never the
    "does not recognise" fallback) whose fix names UI that exists on the page or in the
    browser."""
    err = d.classify_js_error(name, message, engine=engine, stage=stage, status=status)
    assert err.kind == kind, str(err)
    assert err.cause and err.fix and "does not recognise" not in err.cause
    assert ui in err.fix, err.fix
    assert ui in PAGE or ui in BROWSER_UI or ui.startswith("http"), ui


def test_webllm_fixes_point_at_the_engine_setting_not_the_gguf_picker():
    """WebLLM's models are not in the Models panel's picker: its fixes name Settings →
    Preferred engine; wllama's name the Models panel."""
    for engine, ui in (("webllm", "Preferred engine"), ("wllama", "Models on this device")):
        err = d.classify_js_error("Error", "Request failed", engine=engine, stage="download",
                                  status=404)
        assert ui in err.fix, (engine, err.fix)


def test_every_fix_of_the_classifier_names_ui_that_exists():
    """No fix sends the user to UI the page lacks (it once said "delete downloaded models in
    Settings", which has no such control)."""
    for case in ISSUE_10:
        err = d.classify_js_error(*case[1:3], engine=case[3], stage=case[4], status=case[5])
        assert "models in Settings" not in err.fix and "q4f32 build of the model" not in err.fix
