"""Preflight, before any download: can this device run a model, how well, and which one to
recommend for a task.

Public names: ``Verdict``, ``FITS``, ``SLOW``, ``NO_FIT``, ``verdict``, ``verdicts``,
``recommend``, ``fits_device``, ``webgpu_problem``, ``EMBEDDED_NOTE``.

    v = verdict(spec, caps)          # Verdict(spec, "fits slowly (CPU)", "runs on the CPU …")
    best = recommend(verdicts(catalog(), caps), "course")   # a Verdict, or None

A model *fits* when it runs on a real GPU (WebGPU, not a software fallback adapter) with the
memory and storage it needs; it *fits slowly* when only wllama's CPU path can run it; it *does
not fit* when the memory, storage, GPU limits or a missing GPU rule it out, and the reason says
which. The recommendation takes the best model for the task that fits; on a CPU-only device it
stays within ``CPU_COMFORT_BYTES``, since llama.cpp's speed on a CPU falls with the model's size.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from localloom.i18n import N_, _, ngettext
from localloom.models.catalog import ENGINE_NAMES, ModelSpec
from localloom.models.progress import format_bytes
from localloom.routing.device import Capabilities

__all__ = ["EMBEDDED_NOTE", "FITS", "NO_FIT", "SLOW", "Verdict", "fits_device", "recommend",
           "verdict", "verdicts", "webgpu_problem"]

# The verdicts are identifiers too (tests, data-verdict, the debug report): translate where shown.
FITS, SLOW, NO_FIT = N_("fits"), N_("fits slowly (CPU)"), N_("does not fit")
# Gemma 3 270M (253 MB) writes ~5 tokens/s on one thread of this 2-core CI machine (DESIGN.md).
# Generation on a CPU reads every weight per token, so its speed falls with the file size: this
# bound (about twice Gemma) keeps a CPU-only recommendation usable; beyond it, want a GPU.
CPU_COMFORT_BYTES = 500_000_000
EMBEDDED_NOTE = N_("The built-in Gemma 3 270M is a small base model: it writes quick drafts to "
                 "check and edit. A larger instruct model follows the outline and the language "
                 "better and writes fuller lessons, at the cost of a download and speed.")

_MEMORY_FACTOR = 1.5  # weights + KV cache + runtime, relative to the file size
_F16 = re.compile(r"q\d+f16")


def webgpu_problem(caps: Capabilities, *, needs_f16: bool = False) -> str:
    """Why a WebGPU-only model cannot run here, or "": no adapter, a software adapter (SwiftShader
    runs a model far slower than wllama on the CPU), or no ``shader-f16`` for a q4f16 build."""
    gpu = caps.gpu
    if gpu is None:
        return _("no WebGPU adapter ({error})").format(error=caps.gpu_error) if caps.gpu_error \
            else _("no WebGPU adapter")
    if gpu.is_fallback:
        kind = gpu.architecture or gpu.vendor or "software"
        return _("the only WebGPU adapter is a software fallback ({kind}), not a GPU: it would "
                 "run the model far slower than wllama does on the CPU").format(kind=kind)
    if needs_f16 and not gpu.shader_f16:
        return _("this GPU lacks shader-f16, which q4f16 models need; pick a q4f32 build")
    return ""


def fits_device(
    model_bytes: int, caps: Capabilities, engine: str, *, model_id: str = "",
    cached: bool = False, largest_tensor_bytes: int | None = None,
    needs_webgpu: bool | None = None, needs_f16: bool | None = None,
) -> tuple[bool, str]:
    """Whether a local model can run here, and why (not). Unknown facts never reject."""
    if engine not in ("webllm", "wllama", "transformers"):
        return True, _("{engine} does not use this device's memory").format(
            engine=_(ENGINE_NAMES.get(engine, engine)))
    gpu = caps.gpu
    if needs_webgpu is None:
        needs_webgpu = engine == "webllm"
    if needs_f16 is None:
        needs_f16 = bool(_F16.search(model_id.lower()))
    if needs_webgpu and (problem := webgpu_problem(caps, needs_f16=needs_f16)):
        return False, problem
    tensor = largest_tensor_bytes or model_bytes // 8
    limits = (gpu.max_storage_buffer_binding_size, gpu.max_buffer_size) if gpu else ()
    limit = min((x for x in limits if x > 0), default=0)
    if needs_webgpu and limit and tensor > limit:  # GPU limits are binary: 128 MiB on phones
        return False, _("its largest weights (~{tensor} MiB) exceed this GPU's {limit} MiB "
                        "buffer limit (phones often allow 128 MiB)").format(
            tensor=f"{tensor / 2**20:.0f}", limit=f"{limit / 2**20:.0f}")
    need = model_bytes * _MEMORY_FACTOR
    mem = caps.device_memory_gb
    if mem is not None and mem < 8 and need > mem * 1e9 / 2:  # Chrome caps deviceMemory at 8
        return False, _("needs about {need} of memory; this device reports {memory} GB and a "
                        "tab gets about half").format(need=format_bytes(need, None),
                                                      memory=f"{mem:g}")
    free = caps.storage.free
    if not cached and caps.storage.quota > 0 and free < model_bytes * 1.1:
        return False, _("needs {size} of browser storage plus 10% room, only {free} free "
                        "(private windows grant little)").format(
            size=format_bytes(model_bytes, None), free=format_bytes(free, None))
    if free and not cached:
        return True, _("fits this device ({free} storage free)").format(
            free=format_bytes(free, None))
    return True, _("fits this device")


@dataclass(frozen=True)
class Verdict:
    """What preflight says about one model on this device."""

    spec: ModelSpec
    state: str  # FITS, SLOW or NO_FIT
    because: str  # in the interface language
    cached: bool = False  # judged as already stored (no storage needed)

    @property
    def shown(self) -> str:
        """The verdict in the interface language (``state`` stays the English identifier)."""
        return _(self.state)

    @property
    def text(self) -> str:
        return _("{verdict} — {because}").format(verdict=self.shown, because=self.because)


def verdict(spec: ModelSpec, caps: Capabilities, *, cached: bool = False) -> Verdict:
    """Fits / fits slowly (CPU) / does not fit, and why, for ``spec`` on this device."""
    ok, why = fits_device(spec.size_bytes, caps, spec.engine, model_id=spec.id,
                          cached=cached or spec.embedded, needs_webgpu=spec.requires_webgpu,
                          needs_f16=spec.needs_f16 or None)
    if not ok:
        return Verdict(spec, NO_FIT, why, cached)
    if spec.engine == "wllama" and (gpu := webgpu_problem(caps)):
        threads = caps.threads
        if caps.cross_origin_isolated:
            cpu = ngettext("runs on the CPU with {threads} thread: {gpu}; {why}",
                           "runs on the CPU with {threads} threads: {gpu}; {why}", threads)
        else:
            cpu = ngettext("runs on the CPU with {threads} thread (one thread: the page is not "
                           "cross-origin isolated): {gpu}; {why}",
                           "runs on the CPU with {threads} threads (one thread: the page is not "
                           "cross-origin isolated): {gpu}; {why}", threads)
        return Verdict(spec, SLOW, cpu.format(threads=threads, gpu=gpu, why=why), cached)
    engine = _(ENGINE_NAMES.get(spec.engine, spec.engine))
    return Verdict(spec, FITS, _("runs on the GPU with {engine}; {why}").format(
        engine=engine, why=why), cached)


def verdicts(specs: Iterable[ModelSpec], caps: Capabilities,
             cached: Iterable[str] = ()) -> list[Verdict]:
    have = set(cached)
    return [verdict(s, caps, cached=s.id in have) for s in specs]


def recommend(found: Iterable[Verdict], task: str = "course",
              language: str = "") -> Verdict | None:
    """The model to suggest for ``task`` (in ``language``) here: the best one that runs on a
    GPU, else the best one a CPU runs comfortably (the smallest if none does); None when
    nothing fits."""
    usable = [v for v in found if v.state != NO_FIT
              and (not v.spec.good_for or task in v.spec.good_for)
              and (not language or not v.spec.languages or language in v.spec.languages)]
    gpu = [v for v in usable if v.state == FITS]
    cpu = [v for v in usable if v.state == SLOW]
    comfortable = [v for v in cpu if v.spec.size_bytes <= CPU_COMFORT_BYTES]
    pool = gpu or comfortable
    if pool:
        return max(pool, key=lambda v: (v.spec.quality, -v.spec.size_bytes))
    return min(cpu, key=lambda v: v.spec.size_bytes, default=None)
