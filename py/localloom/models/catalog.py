"""The models LocalLoom knows: what each one is, what it needs, where it comes from (data).

Public names: ``ModelSpec``, ``ENGINE_NAMES``, ``embedded_spec``.

Routing (``routing.tiers``) ranks these; the page loads them; nothing here touches the
browser. The embedded model's facts come from the build (``modelfile.embedded_model``: the
file's url, size and sha256), the rest from this module::

    >>> gemma = ModelSpec("gemma-3-270m-q4_k_m", "wllama", 253_113_024, 4096, embedded=True)
    >>> gemma.label, gemma.on_gpu
    ('wllama gemma-3-270m-q4_k_m', False)
"""

from __future__ import annotations

from dataclasses import dataclass

from localloom.models.modelfile import embedded_model

__all__ = ["ENGINE_NAMES", "ModelSpec", "embedded_spec"]

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

    @property
    def label(self) -> str:
        return f"{ENGINE_NAMES.get(self.engine, self.engine)} {self.id}"

    @property
    def requires_webgpu(self) -> bool:
        return self.needs_webgpu or self.engine == "webllm"

    @property
    def on_gpu(self) -> bool:
        """Runs on the GPU when WebGPU exists (wllama is the CPU-first universal engine)."""
        return self.requires_webgpu or self.engine in _GPU_ENGINES


def embedded_spec() -> ModelSpec:
    """The model that ships with the app (Gemma 3 270M, a base model), from the build's facts."""
    file = embedded_model()
    return ModelSpec(id=file.name.removesuffix(".gguf"), engine="wllama", size_bytes=file.size,
                     context_window=4096, embedded=True, quality=1, url=f"./{file.url}")
