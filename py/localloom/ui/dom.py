"""The page's elements by id and their event listeners: the DOM idioms the ui modules share."""

from __future__ import annotations

import js
from pyodide.ffi import create_proxy

__all__ = ["el", "listen"]


def el(element_id: str):
    return js.document.getElementById(element_id)


def listen(proxies: list, element_id: str, event: str, handler) -> None:
    """Call ``handler`` on ``event`` at the element; its proxy is kept in ``proxies`` (the
    owner's list), or Pyodide would free it while the page still calls it."""
    proxy = create_proxy(handler)
    proxies.append(proxy)
    el(element_id).addEventListener(event, proxy)
