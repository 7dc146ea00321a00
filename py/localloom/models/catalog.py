"""The models LocalLoom knows: what each one is, what it needs, where it comes from (data).

Public names: ``ModelSpec``, ``ENGINE_NAMES``, ``embedded_spec``, ``WEBLLM_MODELS``,
``webllm_spec``, ``transformers_specs``, ``local_catalog``, ``TRANSFORMERS_MODELS``.

Routing (``routing.tiers``) ranks these; the page loads them; nothing here touches the
browser. The embedded model's facts come from the build (``modelfile.embedded_model``: the
file's url, size and sha256), and so do the Transformers.js folders this build ships
(``tjs_build.built_folders``); what a model *is* (chat or base, how well it writes) comes from
this module::

    >>> gemma = ModelSpec("gemma-3-270m-q4_k_m", "wllama", 253_113_024, 4096, embedded=True)
    >>> gemma.label, gemma.on_gpu
    ('wllama gemma-3-270m-q4_k_m', False)
"""

from __future__ import annotations

from dataclasses import dataclass

from localloom.models.modelfile import embedded_model
from localloom.models.tjs_build import TjsFolder, built_folders, choose_backend

__all__ = ["ENGINE_NAMES", "TRANSFORMERS_MODELS", "WEBLLM_MODELS", "ModelSpec", "embedded_spec",
           "local_catalog", "transformers_specs", "webllm_spec"]

ENGINE_NAMES = {
    "chrome": "Chrome built-in AI", "webllm": "WebLLM", "wllama": "wllama",
    "transformers": "Transformers.js", "openai": "Cloud provider",
}  # fmt: skip
_GPU_ENGINES = ("webllm", "transformers")  # run on WebGPU when it exists


@dataclass(frozen=True)
class ModelSpec:
    """A local model. ``quality``: higher writes better courses; ``chat``: an instruct model
    with a chat template (else a base model that continues documents); ``url``: where its
    file is (relative to the page for the embedded one)."""

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


def embedded_spec() -> ModelSpec:
    """The model that ships with the app (Gemma 3 270M, a base model), from the build's facts."""
    file = embedded_model()
    return ModelSpec(id=file.name.removesuffix(".gguf"), engine="wllama", size_bytes=file.size,
                     context_window=4096, embedded=True, quality=1, url=f"./{file.url}")


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
    "SmolLM2-135M-Instruct": {"chat": True, "quality": 0},
}


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
            url=f"./{folder.url}",
            cpu_only=choose_backend(folder.dtypes, real_gpu=True)[0] != "webgpu"))
    return specs


def local_catalog() -> list[ModelSpec]:
    """Every local model this build can run: the embedded GGUF, then Transformers.js ones."""
    return [embedded_spec(), *transformers_specs()]
