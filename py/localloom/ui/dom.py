"""The page's elements by id: the one DOM lookup the ui modules share."""

from __future__ import annotations

import js

__all__ = ["el"]


def el(element_id: str):
    return js.document.getElementById(element_id)
