"""The page's Content-Security-Policy, and whether it lets the page reach a URL.

Public names: ``policy``, ``RELAXATIONS``, ``PROVIDER_ORIGINS``, ``LOOPBACK``,
``connect_sources``, ``allows_connect``, ``HEADERS``.

One policy, written three ways by the build: the ``Content-Security-Policy`` header our server
sends (``buildtools.serve``), ``dist/_headers`` for static hosts that read one, and a
``<meta http-equiv>`` tag in ``index.html`` for hosts that send no headers at all (a meta tag
cannot carry ``frame-ancestors``: that one is header-only)::

    policy()                 # the header value
    policy(meta=True)        # the meta tag's (no frame-ancestors)
    allows_connect(policy(), "http://192.168.1.5:11434/v1/chat/completions")   # False

Where it is not ``'self'`` and why (``RELAXATIONS``): Pyodide compiles WebAssembly
(``'wasm-unsafe-eval'``); PyScript's core evaluates code it builds at run time
(``'unsafe-eval'``: without it the boot times out); wllama's and WebLLM's workers
(``worker-src 'self' blob:``: wllama starts its worker from a ``blob:`` URL); the cloud
providers and servers on this device (``connect-src``).

``connect-src`` cannot follow a setting saved at run time: a meta policy cannot be widened
after the page loads, and a header is fixed by the server. So it lists the four named cloud
providers and any port on this device (Ollama, llama-server, LM Studio); a custom server
elsewhere is added at build time (``LOCALLOOM_CONNECT_SRC="https://my.server:8443"``), and
the Settings panel says so when a saved URL is not allowed (``allows_connect``).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from localloom.wire.providers import PROVIDERS, origin

__all__ = ["HEADERS", "LOOPBACK", "PROVIDER_ORIGINS", "RELAXATIONS", "allows_connect",
           "connect_sources", "policy"]

PROVIDER_ORIGINS = tuple(sorted({
    f"{o[0]}://{o[1]}" for p in PROVIDERS.values() if p.id != "custom"
    for o in [origin(p.base_url)] if o}))
LOOPBACK = ("http://localhost:*", "http://127.0.0.1:*")  # CSP has no IPv6 host sources

RELAXATIONS = {
    "script-src 'wasm-unsafe-eval'": "Pyodide and the engines compile WebAssembly",
    "script-src 'unsafe-eval'": "PyScript's core evaluates code it builds at run time",
    "worker-src blob:": "wllama starts its worker from a blob: URL",
    "connect-src <providers>": "the cloud providers the user may turn on",
    "connect-src http://localhost:*": "a model server on this device (custom provider)",
}

#: Headers every response of ours carries (the server and dist/_headers), CSP aside.
HEADERS = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
    "Cross-Origin-Resource-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def policy(*, meta: bool = False, extra_connect: tuple[str, ...] = ()) -> str:
    """The policy text; ``meta`` leaves out what a meta tag cannot carry."""
    directives = [
        ("default-src", ["'self'"]),
        ("script-src", ["'self'", "'wasm-unsafe-eval'", "'unsafe-eval'"]),
        ("worker-src", ["'self'", "blob:"]),
        ("connect-src", ["'self'", *PROVIDER_ORIGINS, *LOOPBACK, *extra_connect]),
        ("img-src", ["'self'"]),
        ("style-src", ["'self'"]),
        ("font-src", ["'self'"]),
        ("manifest-src", ["'self'"]),
        ("media-src", ["'none'"]),
        ("object-src", ["'none'"]),
        ("frame-src", ["'none'"]),
        ("base-uri", ["'none'"]),
        ("form-action", ["'self'"]),
    ]
    if not meta:
        directives.append(("frame-ancestors", ["'none'"]))
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives)


def connect_sources(text: str) -> list[str]:
    """The ``connect-src`` sources of a policy text (``default-src``'s when it has none)."""
    found: dict[str, list[str]] = {}
    for part in text.split(";"):
        words = part.split()
        if words:
            found.setdefault(words[0].lower(), words[1:])
    return found.get("connect-src", found.get("default-src", []))


def _matches(source: str, url: str, page_origin: str) -> bool:
    if source == "'self'":
        return origin(url) == origin(page_origin)
    if source.endswith(":") and "/" not in source:  # a scheme source, e.g. https:
        return urlsplit(url).scheme == source[:-1]
    want = urlsplit(source.replace(":*", ""))
    got = urlsplit(url)
    if want.scheme != got.scheme or (want.hostname or "") != (got.hostname or ""):
        return False
    if source.endswith(":*"):
        return True
    mine, theirs = origin(source), origin(url)
    return mine is not None and theirs is not None and mine[2] == theirs[2]


def allows_connect(text: str, url: str, page_origin: str = "") -> bool:
    """Whether a policy lets the page ``fetch(url)``; True when ``text`` is empty (no CSP)."""
    if not text.strip():
        return True
    return any(_matches(source, url, page_origin) for source in connect_sources(text))
