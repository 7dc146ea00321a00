"""Assemble dist/: the static site, every byte of which is served from our own origin.

Public names: ``build_dist``, ``localloom_wheel``, ``pyodide_lock``, ``PYODIDE_FILES``.

Layout::

    dist/index.html, boot.js, sw.js, styles.css, main.py, pyscript.json, manifest.webmanifest
    dist/pyscript/      @pyscript/core (core.js + chunks)
    dist/pyodide/       Pyodide 314 core + our wheels (with their bytecode, ``buildtools.pyc``)
                        + a pyodide-lock.json naming only them
    dist/vendor/wllama-<hash>/ @wllama/wllama ESM (patched: ``buildtools.wllama_patch``) + wasm,
                        in a folder named by their content:
                        an upgrade changes the URLs, so no cache (the browser's or the
                        worker's) can hand a new page an old engine binary, or an old page a
                        new one
    dist/vendor/wllama-compat-<hash>/ @wllama/wllama-compat: wllama's worker and wasm for
                        browsers without JSPI or 64-bit wasm memory (Safari); lazy, like
                        WebLLM's library below, so only such a browser downloads them
    dist/vendor/web-llm/ @mlc-ai/web-llm (one 6.8 MB ES module) and dist/webllm-worker.js:
                        hashed into the build, but left out of the precache ("lazy"): the
                        service worker caches them on first use (in the build's versioned
                        cache), so users who never pick WebLLM never download them
    dist/vendor/transformers/  @huggingface/transformers (bundled ESM) + onnxruntime-web's
                        asyncify wasm (27 MB): lazy too, like WebLLM's library
    dist/models/        the embedded GGUF (hard link to .cache); models/tjs/<id>/ the
                        Transformers.js test model, only when it was built (buildtools.tjs_model)
    dist/precache.json  build version, files and sizes for the service worker and the shell,
                        and each model's url, size and sha256 (also packed into the localloom
                        wheel as localloom/models/built.json, so the page and the service worker
                        check a model against the same facts; built.json also lists the engines'
                        file URLs and the Transformers.js model folders under "transformers")
    dist/**/x.br, x.gz  pre-compressed copies of text and wasm files (``buildtools.compress``),
                        sent by ``buildtools.serve`` with Content-Encoding; never listed in the
                        manifest (a browser decodes them into the file they copy)
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import zipfile
from pathlib import Path

from .compress import precompress
from .deps import CACHE, MODEL_FILE, MODEL_SHA256, ROOT, log
from .pyc import compile_stdlib, compile_wheels
from .tjs_model import built_tjs_model, tjs_model_entry
from .wheel import write_wheel
from .wllama_patch import patched_wllama

__all__ = ["LAZY", "PYODIDE_FILES", "build_dist", "engine_dir", "localloom_wheel",
           "model_entry", "models_json", "pyodide_lock"]

DIST = ROOT / "dist"
PYODIDE_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip")
#: (source under node_modules, dist path) of Transformers.js and the onnxruntime-web build it
#: loads (asyncify: the one Transformers.js picks by default; we name it, so no CDN is used).
TRANSFORMERS_FILES = (
    ("@huggingface/transformers/dist/transformers.min.js",
     "vendor/transformers/transformers.min.js"),
    ("onnxruntime-web/dist/ort-wasm-simd-threaded.asyncify.mjs",
     "vendor/transformers/ort-wasm-simd-threaded.asyncify.mjs"),
    ("onnxruntime-web/dist/ort-wasm-simd-threaded.asyncify.wasm",
     "vendor/transformers/ort-wasm-simd-threaded.asyncify.wasm"),
)
#: Files (prefixes) fetched on first use instead of precached: an optional engine's code, and
#: wllama's build for browsers without JSPI or 64-bit wasm memory (Safari), which no other
#: browser downloads.
LAZY = ("vendor/web-llm/", "webllm-worker.js", "vendor/transformers/", "vendor/wllama-compat-")


def _canon(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _wheel_meta(path: Path) -> tuple[str, str, list[str], list[str]]:
    """(name, version, requirement names, top-level imports) of a wheel."""
    with zipfile.ZipFile(path) as zf:
        meta_name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        meta = zf.read(meta_name).decode()
        names = zf.namelist()
    fields = dict(line.split(": ", 1) for line in meta.splitlines() if ": " in line
                  and not line.startswith("Requires-Dist"))
    requires = []
    for line in meta.splitlines():
        if line.startswith("Requires-Dist: ") and "extra ==" not in line:
            requires.append(_canon(re.split(r"[ ;<>=!~\[(]", line[15:].strip(), maxsplit=1)[0]))
    imports = sorted({n.split("/", 1)[0] for n in names if "/" in n
                      and not n.split("/", 1)[0].endswith((".dist-info", ".data"))})
    return fields["Name"], fields["Version"], requires, imports


def pyodide_lock(base_lock: dict, wheels: list[Path]) -> dict:
    """A pyodide-lock.json naming exactly our wheels, with the sha256 the browser enforces."""
    metas = {path: _wheel_meta(path) for path in wheels}
    ours = {_canon(name) for name, _, _, _ in metas.values()}
    packages = {}
    for path, (name, version, requires, imports) in sorted(metas.items()):
        packages[_canon(name)] = {
            "name": _canon(name),
            "version": version,
            "file_name": path.name,
            "install_dir": "site",
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "package_type": "package",
            "imports": imports,
            "depends": sorted(r for r in requires if r in ours),
            "unvendored_tests": False,
            "tool": {},
        }
    return {"info": base_lock["info"], "packages": packages}


def localloom_wheel(out_dir: Path, generated: dict[str, bytes] | None = None) -> Path:
    """Pack py/localloom (code + prompt templates) as a pure wheel for micropip.

    ``generated`` adds build-made files, e.g. ``{"localloom/models/built.json": ...}``.
    """
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    src = ROOT / "py"
    files = {
        path.relative_to(src).as_posix(): path.read_bytes()
        for path in sorted((src / "localloom").rglob("*"))
        if path.is_file() and path.suffix in {".py", ".j2", ".json", ".mo"} and "__pycache__" not in
        path.parts
    }
    files.update(generated or {})
    return write_wheel(out_dir, "localloom", project["version"], files,
                       requires=project["dependencies"], summary=project["description"])


def _copy(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    if dst.exists() and dst.stat().st_size == src.stat().st_size and \
            dst.stat().st_mtime >= src.stat().st_mtime:
        return
    shutil.copy2(src, dst)


def _link(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    if dst.exists() and os.path.samefile(src, dst):
        return
    if dst.exists():
        dst.unlink()
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def build_dist(wheels_dir: Path, model: Path) -> Path:
    """Write dist/ from web/, node_modules/, the wheels and the model; return dist/."""
    nm = ROOT / "node_modules"
    DIST.mkdir(exist_ok=True)
    expected: set[Path] = set()

    def put(src: Path, rel: str, link: bool = False) -> None:
        dst = DIST / rel
        (_link if link else _copy)(src, dst)
        expected.add(dst)

    for path in sorted((ROOT / "web").rglob("*")):
        if path.is_file() and path.name not in ("sw.js", "index.html"):
            put(path, path.relative_to(ROOT / "web").as_posix())
    _write_security(expected)
    core = nm / "@pyscript/core/dist"
    for path in sorted(core.iterdir()):
        if path.suffix in {".js", ".css"}:
            put(path, f"pyscript/{path.name}")
    pyodide = nm / "pyodide"
    for name in PYODIDE_FILES:
        if name == "python_stdlib.zip":  # bytecode, stored: no compiling or inflating per visit
            put(compile_stdlib(pyodide / name, CACHE / "pyc-stdlib"), f"pyodide/{name}")
        else:
            put(pyodide / name, f"pyodide/{name}")
    wllama = nm / "@wllama/wllama/esm"
    wllama_js = patched_wllama(wllama / "index.js", CACHE / "wllama-patched/index.js")
    engine = engine_dir("wllama", wllama_js, wllama / "wasm/wllama.wasm")
    compat = nm / "@wllama/wllama-compat/wasm"
    compat_dir = engine_dir("wllama-compat", compat / "wllama.js", compat / "wllama.wasm")
    engines = {"wllama": {"module": f"{engine}/index.js", "wasm": f"{engine}/wasm/wllama.wasm",
                          "compat_worker": f"{compat_dir}/wllama.js",
                          "compat_wasm": f"{compat_dir}/wllama.wasm"}}
    for key, src in (("module", wllama_js), ("wasm", wllama / "wasm/wllama.wasm"),
                     ("compat_worker", compat / "wllama.js"),
                     ("compat_wasm", compat / "wllama.wasm")):
        put(src, engines["wllama"][key])
    put(nm / "@mlc-ai/web-llm/lib/index.js", "vendor/web-llm/index.js")
    put(model, f"models/{MODEL_FILE}", link=True)
    put(CACHE / "i18n/boot-messages.js", "boot-messages.js")  # buildtools.catalogs compile
    for src, rel in TRANSFORMERS_FILES:
        put(nm / src, rel)
    folders = []
    tjs = built_tjs_model()
    if tjs is not None:
        folders.append(tjs_model_entry(tjs, f"models/tjs/{tjs.name}/"))
        for name in folders[-1]["files"]:
            put(tjs / name, f"models/tjs/{tjs.name}/{name}", link=True)
    log(f"Transformers.js model: {folders[0]['id'] if folders else 'none (not built)'}")

    models = [model_entry(model, f"models/{MODEL_FILE}", MODEL_SHA256)]
    wheels = sorted(wheels_dir.glob("*.whl"))
    wheels.append(localloom_wheel(CACHE / "localloom-wheel", {
        "localloom/models/built.json": models_json(models, models[0]["url"], engines,
                                                   folders)}))
    wheels = compile_wheels(wheels, CACHE / "pyc")  # bytecode: no compiling on each visit
    for wheel in wheels:
        put(wheel, f"pyodide/{wheel.name}")
    base = json.loads((pyodide / "pyodide-lock.json").read_text())
    lock = DIST / "pyodide/pyodide-lock.json"
    lock.write_text(json.dumps(pyodide_lock(base, wheels), indent=1))
    expected.add(lock)

    precache = DIST / "precache.json"
    sw = DIST / "sw.js"
    shell = expected - {DIST / f"models/{MODEL_FILE}"}
    manifest = _manifest(shell, models)
    precache.write_text(json.dumps(manifest, indent=1))
    sw.write_text((ROOT / "web/sw.js").read_text().replace("__LOCALLOOM_VERSION__",
                                                            manifest["version"]))
    # x.br / x.gz beside each text and wasm file, for servers that send Content-Encoding
    expected |= {precache, sw} | precompress(sorted(shell | {precache, sw}), CACHE / "compressed")
    for stale in [p for p in DIST.rglob("*") if p.is_file() and p not in expected]:
        stale.unlink()
    log(f"dist/ ready: {len(expected)} files")
    return DIST


def _csp():
    """``localloom.csp`` (pure, in py/): the one definition of the page's policy."""
    import importlib
    import sys

    if str(ROOT / "py") not in sys.path:
        sys.path.insert(0, str(ROOT / "py"))
    return importlib.import_module("localloom.csp")


def security_meta(extra_connect: tuple[str, ...] = ()) -> str:
    """The tags index.html gets: the CSP as a meta tag (for hosts that send no header) and
    the referrer policy."""
    text = _csp().policy(meta=True, extra_connect=extra_connect)
    return (f'<meta http-equiv="Content-Security-Policy" content="{text}">\n  '
            '<meta name="referrer" content="no-referrer">')


def _write_security(expected: set[Path]) -> None:
    """dist/index.html with the meta tags, and dist/_headers (the same policy as headers)."""
    csp = _csp()
    extra = tuple(os.environ.get("LOCALLOOM_CONNECT_SRC", "").split())
    html = (ROOT / "web/index.html").read_text(encoding="utf-8")
    html = html.replace('<meta charset="utf-8">',
                        '<meta charset="utf-8">\n  ' + security_meta(extra), 1)
    (DIST / "index.html").write_text(html, encoding="utf-8")
    headers = {"Content-Security-Policy": csp.policy(extra_connect=extra), **csp.HEADERS}
    lines = ["/*", *(f"  {name}: {value}" for name, value in headers.items())]
    (DIST / "_headers").write_text("\n".join(lines) + "\n", encoding="utf-8")
    expected.update({DIST / "index.html", DIST / "_headers"})


def model_entry(path: Path, url: str, sha256: str) -> dict:
    """A model's manifest entry: its size is the file's, its sha256 the one the build checked."""
    return {"url": url, "size": path.stat().st_size, "sha256": sha256}


def engine_dir(name: str, *files: Path) -> str:
    """``vendor/<name>-<12 hex of the files' sha256>``: the engine's folder in dist/."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return f"vendor/{name}-{digest.hexdigest()[:12]}"


def models_json(models: list[dict], embedded: str, engines: dict | None = None,
                transformers: list[dict] = ()) -> bytes:
    """``localloom/models/built.json``: what ``localloom.models.modelfile`` reads in the browser
    (``engines``: each engine's file URLs in this build; ``transformers``: the Transformers.js
    folders, ``tjs_model_entry``, read by ``localloom.models.tjs_build``)."""
    data = {"models": models, "embedded": embedded, "engines": engines or {},
            "transformers": list(transformers)}
    return (json.dumps(data, indent=1) + "\n").encode()


def _manifest(files: set[Path], models: list[dict]) -> dict:
    """Build version (hash of every shell and lazy file) and the lists the service worker
    caches: ``shell`` at install, ``lazy`` (``LAZY``) when first fetched, ``models`` checked."""
    digest = hashlib.sha256()
    lists: dict[str, list[dict]] = {"shell": [], "lazy": []}
    for path in sorted(files):
        rel = path.relative_to(DIST).as_posix()
        if rel.startswith("models/"):
            continue
        digest.update(rel.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
        kind = "lazy" if rel.startswith(LAZY) else "shell"
        lists[kind].append({"url": rel, "size": path.stat().st_size})
    return {"version": digest.hexdigest()[:16], **lists, "models": models}
