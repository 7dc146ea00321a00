"""What this device can do: the pure data the capability probe fills and the router reads.

Public names: ``Capabilities``, ``GpuInfo``, ``StorageInfo``, ``AI_STATES``.

``capabilities.probe()`` (browser only) builds a ``Capabilities``; tests build them by hand::

    caps = Capabilities(gpu=GpuInfo(vendor="apple", features=("shader-f16",)),
                        chrome_ai={"LanguageModel": "available"})
    caps.has_webgpu, caps.chrome_ai_state("Summarizer")   # True, "absent"
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["AI_STATES", "Capabilities", "GpuInfo", "StorageInfo"]

#: Chrome built-in AI availability values, plus "absent" when the global does not exist.
AI_STATES = ("absent", "unavailable", "downloadable", "downloading", "available")


@dataclass(frozen=True)
class GpuInfo:
    vendor: str = ""
    architecture: str = ""
    description: str = ""
    is_fallback: bool = False
    features: tuple[str, ...] = ()
    max_buffer_size: int = 0
    max_storage_buffer_binding_size: int = 0

    @property
    def shader_f16(self) -> bool:
        return "shader-f16" in self.features


@dataclass(frozen=True)
class StorageInfo:
    quota: int = 0  # bytes the origin may use
    usage: int = 0
    persisted: bool = False

    @property
    def free(self) -> int:
        return max(0, self.quota - self.usage)


@dataclass(frozen=True)
class Capabilities:
    gpu: GpuInfo | None = None  # None: no navigator.gpu or no adapter
    gpu_error: str = ""  # why there is no adapter, when known
    cross_origin_isolated: bool = False
    hardware_concurrency: int = 1
    device_memory_gb: float | None = None  # navigator.deviceMemory (Chrome caps it at 8)
    storage: StorageInfo = field(default_factory=StorageInfo)
    chrome_ai: dict[str, str] = field(default_factory=dict)  # global name -> AI_STATES value
    user_agent: str = ""
    online: bool = True
    secure_context: bool = True

    @property
    def has_webgpu(self) -> bool:
        return self.gpu is not None

    @property
    def threads(self) -> int:
        """Threads wllama may use: >1 only when cross-origin isolated (SharedArrayBuffer)."""
        return max(1, self.hardware_concurrency) if self.cross_origin_isolated else 1

    def chrome_ai_state(self, api: str) -> str:
        state = self.chrome_ai.get(api, "absent")
        return state if state in AI_STATES else "unavailable"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["has_webgpu"] = self.has_webgpu
        data["threads"] = self.threads
        return data
