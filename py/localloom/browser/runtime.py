"""Readers of JS values and JS errors that need no ``js`` import (pure; tested in CPython).

Public names: ``is_nullish``, ``js_get``, ``js_error_parts``, ``error_parts``.

The layers: only ``browser/``, ``engines/`` and ``ui/`` touch ``js``/``pyodide``/``pyscript``,
always inside functions, so every module imports in plain CPython; the core (``course/``,
``routing/``, ``wire/``, ``models/``, ``view/``, ``engine``, ``errors``, ``settings``…) never
imports those three packages (``tests/unit/test_layers.py``). The interop idioms live in
``browser.ffi``; these helpers are shared by every adapter::

    js_get(adapter, "limits")          # the property, or None if missing/undefined/null
    js_error_parts(exc)                # ("QuotaExceededError", "…", <the JS error or None>)
"""

from __future__ import annotations

from typing import Any

__all__ = ["error_parts", "is_nullish", "js_error_parts", "js_get"]

_NULLISH_TYPES = frozenset({"JsNull", "JsUndefined"})


def is_nullish(value: Any) -> bool:
    """True for None and for JS ``null``/``undefined`` as Pyodide hands them to Python."""
    return value is None or type(value).__name__ in _NULLISH_TYPES


def js_get(obj: Any, name: str, default: Any = None) -> Any:
    """A JS property, or ``default`` when it is missing, undefined or null."""
    try:
        value = getattr(obj, name)
    except Exception:
        return default
    return default if is_nullish(value) else value


def error_parts(text: str, default: str = "Error") -> tuple[str, str]:
    """Split Pyodide's ``str(JsException)`` (``"Name: message"``) into name and message."""
    head, sep, tail = text.partition(": ")
    if sep and head.isidentifier():
        return head, tail
    return default, text


def js_error_parts(exc: BaseException) -> tuple[str, str, Any]:
    """``(name, message, js_error_or_None)`` of a JsException (or any exception)."""
    for err in (getattr(exc, "js_error", None), exc):
        name = js_get(err, "name") if err is not None else None
        if isinstance(name, str) and name:
            return name, str(js_get(err, "message") or ""), err
    return (*error_parts(str(exc), type(exc).__name__), None)
