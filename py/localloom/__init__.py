"""LocalLoom: structured courses, summaries, tags and classifications from on-device models.

The pure core (schema, parsing, prompts, generator, tiers, diagnostics) runs in CPython and
Pyodide alike; ``engines/``, ``capabilities``, ``storage`` and ``ui`` are the browser shell.
"""

__version__ = "0.1.0"
