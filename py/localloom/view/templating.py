"""The page's HTML templates: jinja2 with autoescape, read as package data.

Public names: ``render``, ``markdown``.

Templates live in ``view/templates/*.html.j2`` and are read with ``importlib.resources`` (from
the wheel in Pyodide, from the tree in CPython). Autoescape is on for every template, so a
value is text unless a view function marks it ``Markup`` — and only ``markdown`` does::

    render("error.html.j2", error=error)
    markdown("**bold** <script>")   # Markup('<p><strong>bold</strong> &lt;script&gt;</p>')

Model-written Markdown goes through markdown-it-py (CommonMark) with raw HTML off and images
off (a remote image is a request: a beacon), headings moved below the page's own, and links
kept only for ``http``/``https``/``mailto`` targets (``javascript:``, ``data:`` and the rest
render as plain text), opened with ``rel="noopener noreferrer nofollow"``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from typing import Any

import jinja2
from markdown_it import MarkdownIt
from markupsafe import Markup

__all__ = ["markdown", "render"]

_SAFE_LINK = ("http://", "https://", "mailto:")
_HEADING_SHIFT = 3  # "# x" in a lesson is below the page's h1-h3


def _loader(name: str) -> str:
    """The template's source; a newline after a tag is layout in the file, not in the page."""
    source = resources.files("localloom.view").joinpath("templates", name).read_text("utf-8")
    return re.sub(r">[ \t]*\n\s*", ">", source)


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FunctionLoader(_loader), autoescape=True,
                              trim_blocks=True, lstrip_blocks=True,
                              undefined=jinja2.StrictUndefined)


def render(template: str, **values: Any) -> str:
    """``template`` rendered with ``values`` (escaped unless ``Markup``), stripped."""
    return _env().get_template(template).render(**values).strip()


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.disable(["image", "html_block", "html_inline"])
    md.validateLink = lambda url: url.strip().lower().startswith(_SAFE_LINK)  # type: ignore
    return md


def markdown(text: Any) -> Markup:
    """Model-written Markdown as safe HTML (see the module docstring)."""
    md = _parser()
    tokens = md.parse(str(text).replace("\r\n", "\n"))
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(6, int(token.tag[1]) + _HEADING_SHIFT)}"
        for child in token.children or []:
            if child.type == "link_open":
                child.attrSet("rel", "noopener noreferrer nofollow")
                child.attrSet("target", "_blank")
    html = md.renderer.render(tokens, md.options, {})
    return Markup(html.replace(">\n<", "><").strip())
