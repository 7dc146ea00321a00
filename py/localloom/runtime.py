"""The one seam between pure Python and the browser.

``IN_BROWSER`` is true inside Pyodide. Only ``engines/``, ``capabilities.py``, ``storage.py``
and ``ui/`` may import ``js``/``pyodide``/``pyscript``, and only when ``IN_BROWSER`` is true,
so every other module imports and is tested in plain CPython.
"""

from __future__ import annotations

import sys

__all__ = ["IN_BROWSER"]

IN_BROWSER: bool = "_pyodide_core" in sys.modules
