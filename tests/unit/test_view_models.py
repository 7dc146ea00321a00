"""localloom.view.models: the facts line states the download size first, the button says
what pressing it costs, and the storage table escapes what it shows."""

from __future__ import annotations

from localloom.models.catalog import GGUF_MODELS, custom_spec
from localloom.models.inventory import Row
from localloom.view.models import download_label, facts, render_storage, when

SMOL = next(m for m in GGUF_MODELS if m.id == "smollm2-135m-instruct-q4_1")
GEMMA1B = next(m for m in GGUF_MODELS if m.id == "gemma-3-1b-it-q4_k_m")


def test_facts_start_with_the_download_size_and_host():
    """Size and host first (the consent), then memory, context, quantization, kind, licence,
    languages and tasks."""
    line = facts(SMOL)
    assert line.startswith("98.4 MB download from huggingface.co · needs about 148 MB")
    for word in ("context 8,192 tokens", "Q4_1", "chat (instruct)", "Apache-2.0", "English",
                 "good for summaries, tags, classifications"):
        assert word in line, line


def test_a_listed_size_is_said_to_be_approximate():
    """A size from a file list is "about" that size, in the facts and on the button."""
    assert facts(GEMMA1B).startswith("about 806.0 MB download")
    assert download_label(GEMMA1B, stored=False) == "Download Gemma 3 1B IT (about 806.0 MB)"


def test_the_button_names_the_size_until_the_model_is_stored():
    """Not stored: "Download … (98.4 MB)"; stored: "Use …" (nothing to download)."""
    assert download_label(SMOL, stored=False) == "Download SmolLM2 135M Instruct (98.4 MB)"
    assert download_label(SMOL, stored=True) == "Use SmolLM2 135M Instruct"


def test_a_split_model_says_how_many_files():
    """A custom split model: its total size and its file count."""
    spec = custom_spec("https://h/x/resolve/main/m-00001-of-00002.gguf", 0, (60_000_000,
                                                                                40_000_000))
    assert facts(spec).startswith("100.0 MB download from h") and "2 files" in facts(spec)


def test_when_reads_like_a_person():
    """never / just now / minutes / hours / a date."""
    now = 1_800_000_000_000
    assert when(0, now) == "never"
    assert when(now - 5_000, now) == "just now"
    assert when(now - 300_000, now) == "5 min ago"
    assert when(now - 7_200_000, now) == "2 h ago"
    assert when(now - 5 * 86_400_000, now) == "2027-01-10"


def test_storage_table_rows_escape_and_carry_their_state():
    """Each row has its model, engine, size, last use, state and a Delete button; model names
    are escaped."""
    rows = [Row("wllama", "<b>x</b>", 98_400_000, state="partial")]
    html = render_storage(rows, now_ms=1.0)
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html
    assert 'data-state="partial"' in html and "98.4 MB" in html and "never" in html
    assert 'data-delete="0"' in html and "Download continues it" in html
    assert "No models are stored" in render_storage([])
