"""Probe what this browser and device can do, from Python through the JS FFI.

Public names: ``probe`` (async, browser only) and ``ai_availability``.

    caps = await probe()        # -> localloom.routing.device.Capabilities
    caps.gpu.is_fallback, caps.threads, caps.chrome_ai_state("LanguageModel")

Every probe is guarded: a missing API or a throwing call yields "absent"/None plus a reason,
never an exception, so the report always renders.
"""

from __future__ import annotations

from localloom.browser.runtime import is_nullish
from localloom.browser.runtime import js_get as _get
from localloom.routing.device import AI_STATES, Capabilities, GpuInfo, StorageInfo

__all__ = ["AI_APIS", "ai_availability", "probe"]

AI_APIS = ("LanguageModel", "Summarizer", "LanguageDetector")


async def _gpu_info() -> tuple[GpuInfo | None, str]:
    import js

    gpu = _get(js.navigator, "gpu")
    if gpu is None:
        why = ("this page is not a secure context (use https or localhost)"
               if not js.isSecureContext else "this browser does not expose WebGPU")
        return None, f"No WebGPU: {why}."
    try:
        adapter = await gpu.requestAdapter()
    except Exception as exc:  # a broken driver can throw here
        return None, f"WebGPU adapter request failed: {exc}"
    if is_nullish(adapter):
        return None, ("WebGPU is exposed but no adapter was granted (GPU blocklisted or "
                      "disabled; on Linux Chrome needs --enable-unsafe-webgpu).")
    info = _get(adapter, "info")
    limits = _get(adapter, "limits")
    features = tuple(sorted(str(f) for f in getattr(js.Array, "from")(adapter.features)))
    is_fallback = bool(_get(info, "isFallbackAdapter", False) or
                       _get(adapter, "isFallbackAdapter", False))
    return GpuInfo(
        vendor=str(_get(info, "vendor", "")),
        architecture=str(_get(info, "architecture", "")),
        description=str(_get(info, "description", "")),
        is_fallback=is_fallback,
        features=features,
        max_buffer_size=int(_get(limits, "maxBufferSize", 0)),
        max_storage_buffer_binding_size=int(_get(limits, "maxStorageBufferBindingSize", 0)),
    ), ""


async def _storage() -> StorageInfo:
    import js

    storage = _get(js.navigator, "storage")
    if storage is None:
        return StorageInfo()
    try:
        estimate = await storage.estimate()
        persisted = bool(await storage.persisted())
    except Exception:
        return StorageInfo()
    return StorageInfo(quota=int(_get(estimate, "quota", 0)), usage=int(_get(estimate, "usage", 0)),
                       persisted=persisted)


async def ai_availability(name: str, options=None) -> str:
    """Chrome built-in AI state of global ``name``: one of ``device.AI_STATES``."""
    import js

    api = _get(js.globalThis, name)
    if api is None:
        return "absent"
    try:
        state = str(await (api.availability(options) if options is not None
                           else api.availability()))
    except Exception:
        return "unavailable"
    return state if state in AI_STATES else "unavailable"


async def probe() -> Capabilities:
    """Read the device's capabilities; safe on any browser."""
    import js

    gpu, gpu_error = await _gpu_info()
    chrome_ai = {name: await ai_availability(name) for name in AI_APIS}
    memory = _get(js.navigator, "deviceMemory")
    return Capabilities(
        gpu=gpu,
        gpu_error=gpu_error,
        cross_origin_isolated=bool(_get(js.globalThis, "crossOriginIsolated", False)),
        hardware_concurrency=int(_get(js.navigator, "hardwareConcurrency", 1)),
        device_memory_gb=float(memory) if memory is not None else None,
        storage=await _storage(),
        chrome_ai=chrome_ai,
        user_agent=str(_get(js.navigator, "userAgent", "")),
        online=bool(_get(js.navigator, "onLine", True)),
        secure_context=bool(_get(js.globalThis, "isSecureContext", False)),
    )
