"""layers: the pure core never imports the browser shell (browser/, engines/, ui/) or JS.

The core — everything but those three packages — must import and be tested in plain CPython,
and must not depend on how a browser adapter is written: it talks to engines through
``localloom.engine`` only. Each module's imports are read with ``ast``, without importing it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[2] / "py" / "localloom"
SHELL = ("localloom.browser", "localloom.engines", "localloom.ui")
JS = ("js", "pyodide", "pyscript", "_pyodide_core")


def _module(path: Path) -> str:
    parts = list(path.relative_to(PKG.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found += [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level:
            raise AssertionError(f"{path}: relative import; use localloom.* (one style)")
    return found


CORE = sorted(p for p in PKG.rglob("*.py")
              if not _module(p).startswith(SHELL) and "__pycache__" not in p.parts)


@pytest.mark.parametrize("path", CORE, ids=lambda p: _module(p))
def test_core_modules_import_no_shell_and_no_js(path):
    bad = [name for name in _imports(path)
           if name.startswith(SHELL) or name.split(".")[0] in JS]
    assert bad == [], f"{_module(path)} imports {bad}"


def test_the_core_is_most_of_the_package():
    """The check above has something to check: the layout keeps the shell small."""
    shell = [p for p in PKG.rglob("*.py") if _module(p).startswith(SHELL)]
    assert len(CORE) > 2 * len(shell) > 0
