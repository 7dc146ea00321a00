"""LocalLoom: structured courses, summaries, tags and classifications from on-device models.

The house, from the ground up (an arrow only ever points down)::

    errors, engine, language   the error tree; the Engine contract every adapter meets;
                               English/Spanish detection
    course/                    schema, parsing, prompts (few-shot for base models), the
                               generator, its runner, budget and quality gates, checkpoints
    wire/                      the protocols: OpenAI-compatible HTTP/SSE, Chrome built-in AI
    models/                    the catalog, model files (size, magic, sha256), load progress
    routing/                   which engine runs a task (tiers), fallback, error diagnosis
    view/, settings            what the page shows, as pure functions; the user's settings
    ---------------------------------------------------------------- the browser shell
    browser/                   the FFI seam: JS interop idioms, device probe, storage
    engines/                   one adapter per engine (wllama, cloud, Chrome built-in AI)
    ui/                        the page: DOM binding and the run of a task

Everything above the line is pure Python, tested in CPython and run in Pyodide alike; only the
shell touches ``js``/``pyodide`` (``tests/unit/test_layers.py`` keeps it so).
"""

__version__ = "0.1.0"
