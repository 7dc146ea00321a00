"""buildtools.dist: the pyodide-lock.json naming our wheels, the localloom wheel, the manifest."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import tomllib
import zipfile
from pathlib import Path

import pytest

import buildtools.dist
from buildtools.dist import (
    _manifest,
    engine_dir,
    localloom_wheel,
    model_entry,
    models_json,
    pyodide_lock,
)
from buildtools.wheel import write_wheel
from localloom.models.modelfile import ModelFile, parse_models

ROOT = Path(__file__).resolve().parents[2]
BASE_LOCK = {"info": {"arch": "wasm32", "platform": "emscripten_4_0_9", "version": "0.29.0",
                      "python": "3.13.2"},
             "packages": {"numpy": {"name": "numpy"}}}


@pytest.fixture
def wheels(tmp_path: Path) -> list[Path]:
    out = tmp_path / "wheels"
    return [
        write_wheel(out, "My.Pkg", "1.0", {"my_pkg/__init__.py": b"x = 1\n"},
                    requires=["Typing_Extensions>=4", "Dep-B==2.0",
                              "requests; python_version > '3'", "dep_c ; extra == 'fast'"]),
        write_wheel(out, "typing_extensions", "4.12.2",
                    {"typing_extensions/__init__.py": b"", "typing_extensions/py.typed": b""}),
        write_wheel(out, "dep_b", "2.0", {"dep_b/__init__.py": b"", "dep_b/sub/x.py": b"",
                                         "dep_b_extra/__init__.py": b""},
                    requires=["typing-extensions (>=4)"]),
        write_wheel(out, "dep.c", "0.1", {"dep_c/__init__.py": b""}),
    ]


def test_lock_keeps_the_base_info_and_names_only_our_wheels(wheels):
    lock = pyodide_lock(BASE_LOCK, wheels)
    assert lock["info"] == BASE_LOCK["info"]
    assert set(lock) == {"info", "packages"}
    assert sorted(lock["packages"]) == ["dep-b", "dep-c", "my-pkg", "typing-extensions"]


def test_lock_names_are_canonical_and_keys_match(wheels):
    packages = pyodide_lock(BASE_LOCK, wheels)["packages"]
    for key, entry in packages.items():
        assert entry["name"] == key
    assert packages["my-pkg"]["file_name"] == "My.Pkg-1.0-py3-none-any.whl"
    assert packages["dep-c"]["file_name"] == "dep.c-0.1-py3-none-any.whl"


def test_lock_sha256_is_the_hash_of_each_wheel_file(wheels):
    packages = pyodide_lock(BASE_LOCK, wheels)["packages"]
    by_file = {entry["file_name"]: entry for entry in packages.values()}
    for path in wheels:
        assert by_file[path.name]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()


def test_lock_depends_only_on_wheels_in_the_set_and_skips_extras(wheels):
    packages = pyodide_lock(BASE_LOCK, wheels)["packages"]
    assert packages["my-pkg"]["depends"] == ["dep-b", "typing-extensions"]
    assert packages["dep-b"]["depends"] == ["typing-extensions"]
    assert packages["typing-extensions"]["depends"] == []


def test_lock_drops_dependencies_missing_from_the_set(wheels):
    lock = pyodide_lock(BASE_LOCK, [wheels[0]])
    assert lock["packages"]["my-pkg"]["depends"] == []


def test_lock_imports_are_the_top_level_directories(wheels):
    packages = pyodide_lock(BASE_LOCK, wheels)["packages"]
    assert packages["my-pkg"]["imports"] == ["my_pkg"]
    assert packages["dep-b"]["imports"] == ["dep_b", "dep_b_extra"]
    assert packages["dep-c"]["imports"] == ["dep_c"]


def test_lock_entry_fields(wheels):
    entry = pyodide_lock(BASE_LOCK, wheels)["packages"]["typing-extensions"]
    assert entry == {
        "name": "typing-extensions", "version": "4.12.2",
        "file_name": "typing_extensions-4.12.2-py3-none-any.whl", "install_dir": "site",
        "sha256": entry["sha256"], "package_type": "package",
        "imports": ["typing_extensions"], "depends": [], "unvendored_tests": False, "tool": {},
    }


def test_lock_is_json_and_independent_of_wheel_order(wheels):
    forward = pyodide_lock(BASE_LOCK, wheels)
    backward = pyodide_lock(BASE_LOCK, list(reversed(wheels)))
    assert json.dumps(forward) == json.dumps(backward)


def test_localloom_wheel_packs_code_and_templates_without_caches(tmp_path):
    path = localloom_wheel(tmp_path)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert path == tmp_path / f"localloom-{project['version']}-py3-none-any.whl"
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        schema = zf.read("localloom/course/schema.py")
        assert schema == (ROOT / "py/localloom/course/schema.py").read_bytes()
        metadata = zf.read(f"localloom-{project['version']}.dist-info/METADATA").decode()
    assert "localloom/course/prompts/templates/en/course.j2" in names
    assert "localloom/course/prompts/templates/es/course.j2" in names
    assert "localloom/__init__.py" in names
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)
    for requirement in project["dependencies"]:
        assert f"Requires-Dist: {requirement}" in metadata.splitlines()


def test_localloom_wheel_holds_every_source_file(tmp_path):
    src = ROOT / "py"
    expected = {p.relative_to(src).as_posix() for p in (src / "localloom").rglob("*")
                if p.suffix in {".py", ".j2"} and "__pycache__" not in p.parts}
    with zipfile.ZipFile(localloom_wheel(tmp_path)) as zf:
        payload = {n for n in zf.namelist() if ".dist-info/" not in n}
    assert expected <= payload


def test_localloom_wheel_is_deterministic(tmp_path):
    assert localloom_wheel(tmp_path / "a").read_bytes() == \
        localloom_wheel(tmp_path / "b").read_bytes()


def test_localloom_wheel_in_a_lock(tmp_path):
    entry = pyodide_lock(BASE_LOCK, [localloom_wheel(tmp_path)])["packages"]["localloom"]
    assert entry["imports"] == ["localloom"]
    assert entry["depends"] == []


def test_localloom_wheel_skips_pycache_in_the_source_tree(tmp_path, monkeypatch):
    """A copy of the tree with bytecode caches stands in for ROOT (the real one may be clean)."""
    root = tmp_path / "root"
    shutil.copytree(ROOT / "py" / "localloom", root / "py" / "localloom")
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    for cache in (root / "py/localloom/__pycache__", root / "py/localloom/engines/__pycache__"):
        cache.mkdir(exist_ok=True)
        (cache / "schema.cpython-311.pyc").write_bytes(b"\0" * 16)
        (cache / "stray.py").write_bytes(b"# not source\n")
    monkeypatch.setattr(buildtools.dist, "ROOT", root)
    with zipfile.ZipFile(localloom_wheel(tmp_path / "out")) as zf:
        names = zf.namelist()
    assert "localloom/course/schema.py" in names
    assert "localloom/course/prompts/templates/en/course.j2" in names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]


def test_model_entry_takes_the_size_from_the_file_and_the_checked_sha256(tmp_path):
    """The manifest's model size is the real file's (no hand-typed constant)."""
    model = tmp_path / "m.gguf"
    model.write_bytes(b"GGUF" + bytes(96))
    assert model_entry(model, "models/m.gguf", "ab" * 32) == {
        "url": "models/m.gguf", "size": 100, "sha256": "ab" * 32}


def test_models_json_is_what_the_page_reads(tmp_path):
    """localloom/models/built.json, as the build writes it, parses in localloom.models.modelfile."""
    model = tmp_path / "m.gguf"
    model.write_bytes(b"GGUF" + bytes(4))
    entry = model_entry(model, "models/m.gguf", "cd" * 32)
    models, embedded = parse_models(models_json([entry], "models/m.gguf").decode())
    assert embedded == "models/m.gguf"
    assert models[embedded] == ModelFile("models/m.gguf", 8, "cd" * 32)


def test_localloom_wheel_packs_generated_files(tmp_path):
    """The build's built.json travels inside the localloom wheel."""
    data = models_json([{"url": "models/m.gguf", "size": 8, "sha256": "ef" * 32}],
                       "models/m.gguf")
    path = localloom_wheel(tmp_path, {"localloom/models/built.json": data})
    with zipfile.ZipFile(path) as zf:
        assert zf.read("localloom/models/built.json") == data
        record = zf.read("localloom-0.1.0.dist-info/RECORD").decode()
    assert "localloom/models/built.json," in record


def test_manifest_lists_models_apart_from_the_shell(tmp_path, monkeypatch):
    """precache.json: models carry url, size and sha256; the shell never holds a model."""
    monkeypatch.setattr(buildtools.dist, "DIST", tmp_path)
    (tmp_path / "models").mkdir()
    model = tmp_path / "models" / "m.gguf"
    model.write_bytes(b"GGUF" + bytes(12))
    page = tmp_path / "index.html"
    page.write_text("<!doctype html>")
    entry = model_entry(model, "models/m.gguf", "01" * 32)
    manifest = _manifest({model, page}, [entry])
    assert manifest["models"] == [{"url": "models/m.gguf", "size": 16, "sha256": "01" * 32}]
    assert manifest["shell"] == [{"url": "index.html", "size": 15}]
    assert re.fullmatch(r"[0-9a-f]{16}", manifest["version"])


def test_engine_folder_is_named_by_its_content(tmp_path):
    """The engine's folder changes with its bytes (a new wasm is a new URL) and only then."""
    js_file, wasm = tmp_path / "index.js", tmp_path / "w.wasm"
    js_file.write_text("export {}")
    wasm.write_bytes(b"\0asm" + bytes(4))
    first = engine_dir("wllama", js_file, wasm)
    assert re.fullmatch(r"vendor/wllama-[0-9a-f]{12}", first)
    assert engine_dir("wllama", js_file, wasm) == first
    wasm.write_bytes(b"\0asm" + bytes(5))
    assert engine_dir("wllama", js_file, wasm) != first


def test_built_json_names_each_engines_files(tmp_path, monkeypatch):
    """built.json carries the engine URLs; modelfile.engine_urls reads them for the page."""
    import localloom.models.modelfile as modelfile

    data = models_json([{"url": "models/m.gguf", "size": 8, "sha256": "ef" * 32}],
                       "models/m.gguf", {"wllama": {"module": "vendor/wllama-0a/index.js",
                                                    "wasm": "vendor/wllama-0a/wasm/w.wasm"}})
    (tmp_path / "built.json").write_bytes(data)
    monkeypatch.setattr(modelfile.resources, "files", lambda package: tmp_path)
    assert modelfile.engine_urls("wllama") == {"module": "./vendor/wllama-0a/index.js",
                                               "wasm": "./vendor/wllama-0a/wasm/w.wasm"}
    assert modelfile.engine_urls("webllm") == {}


def test_manifest_keeps_lazy_engine_code_out_of_the_precache(tmp_path, monkeypatch):
    """WebLLM's library is in the build's version hash but not in the install-time precache:
    the service worker caches it on first use."""
    monkeypatch.setattr(buildtools.dist, "DIST", tmp_path)
    (tmp_path / "vendor/web-llm").mkdir(parents=True)
    lib = tmp_path / "vendor/web-llm/index.js"
    lib.write_text("export {};")
    worker = tmp_path / "webllm-worker.js"
    worker.write_text("import './vendor/web-llm/index.js';")
    page = tmp_path / "index.html"
    page.write_text("<!doctype html>")
    (tmp_path / "vendor/wllama-compat-0a").mkdir(parents=True)
    compat = tmp_path / "vendor/wllama-compat-0a/wllama.wasm"  # Safari's build of wllama
    compat.write_bytes(b"\0asm")
    manifest = _manifest({lib, worker, page, compat}, [])
    assert manifest["shell"] == [{"url": "index.html", "size": 15}]
    assert [f["url"] for f in manifest["lazy"]] == [
        "vendor/web-llm/index.js", "vendor/wllama-compat-0a/wllama.wasm", "webllm-worker.js"]
    lib.write_text("export const changed = 1;")
    assert _manifest({lib, worker, page, compat}, [])["version"] != manifest["version"]


def test_transformers_js_is_served_from_our_copies_and_not_precached(tmp_path, monkeypatch):
    """Transformers.js and onnxruntime-web's wasm come from node_modules (no CDN); like
    WebLLM's library they are cached on first use, not on the first visit; models never."""
    for src, rel in buildtools.dist.TRANSFORMERS_FILES:
        assert (ROOT / "node_modules" / src).is_file(), src
        assert rel.startswith("vendor/transformers/")
    monkeypatch.setattr(buildtools.dist, "DIST", tmp_path)
    files = set()
    for rel in [r for _, r in buildtools.dist.TRANSFORMERS_FILES] + [
            "models/tjs/m/onnx/model_quantized.onnx"]:
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
        files.add(path)
    manifest = _manifest(files, [])
    assert manifest["shell"] == []
    assert [f["url"] for f in manifest["lazy"]] == [
        "vendor/transformers/ort-wasm-simd-threaded.asyncify.mjs",
        "vendor/transformers/ort-wasm-simd-threaded.asyncify.wasm",
        "vendor/transformers/transformers.min.js"]


def test_models_json_lists_the_transformers_folders(tmp_path):
    """built.json carries the Transformers.js folders the page reads (tjs_build)."""
    from localloom.models.tjs_build import parse_folders

    folder = {"id": "m", "url": "models/tjs/m/", "size": 3, "files": {"onnx/model.onnx": 3},
              "context_window": 2048}
    text = models_json([{"url": "models/m.gguf", "size": 8, "sha256": "ef" * 32}],
                       "models/m.gguf", transformers=[folder]).decode()
    assert parse_folders(text)[0].files == {"onnx/model.onnx": 3}
    assert parse_models(text)[1] == "models/m.gguf"
