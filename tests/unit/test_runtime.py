"""runtime: the JS value and error readers, and js-free imports in CPython."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from localloom.browser.runtime import error_parts, is_nullish, js_get

PY = Path(__file__).resolve().parents[2] / "py"
BROWSER_ONLY = ["localloom.browser.capabilities", "localloom.browser.ffi",
                "localloom.browser.storage", "localloom.engines.wllama",
                "localloom.engines.download", "localloom.engines.cloud",
                "localloom.engines.chrome_ai"]


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=PY,
                          capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.parametrize("module", BROWSER_ONLY)
def test_browser_only_module_imports_without_js_or_pyodide(module):
    """A meta-path finder makes js/pyodide/pyscript unimportable; the import must still work."""
    result = run_python(f"""
        import importlib, sys
        class Block:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in {{"js", "pyodide", "pyscript"}}:
                    raise ImportError(f"{{name}} imported at module import time")
        sys.meta_path.insert(0, Block())
        importlib.import_module({module!r})
        leaked = sorted(m for m in sys.modules if m.split(".")[0] in {{"js", "pyodide"}})
        assert not leaked, leaked
        print("ok")
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_error_parts_splits_pyodide_exception_text():
    assert error_parts("NotAllowedError: Requires a user gesture") == \
        ("NotAllowedError", "Requires a user gesture")
    assert error_parts("plain failure", "JsException") == ("JsException", "plain failure")


def test_is_nullish_and_js_get_treat_js_null_and_undefined_as_missing():
    class JsNull:
        pass

    class JsUndefined:
        pass

    class Obj:
        present = 0
        null = JsNull()
        undefined = JsUndefined()

    assert is_nullish(None) and is_nullish(JsNull()) and is_nullish(JsUndefined())
    assert not is_nullish(0) and not is_nullish("")
    assert js_get(Obj(), "present") == 0
    assert js_get(Obj(), "null", "d") == "d" and js_get(Obj(), "undefined") is None
    assert js_get(Obj(), "missing", 7) == 7
