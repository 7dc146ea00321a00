"""buildtools.wllama_patch: a CPU load maps the model; the published behaviour is kept else."""

from __future__ import annotations

import pytest

from buildtools.deps import ROOT
from buildtools.wllama_patch import EDITS, PatchError, patch_wllama, patched_wllama

INDEX = ROOT / "node_modules/@wllama/wllama/esm/index.js"


@pytest.mark.skipif(not INDEX.is_file(), reason="needs node_modules (build.py installs them)")
def test_the_pinned_wllama_takes_every_edit_once():
    patched = patch_wllama(INDEX.read_text(encoding="utf-8"))
    for _old, new in EDITS:
        assert patched.count(new) == 1
    assert "use_mmap: !canUseAsyncFileRead(workerResources.compat)," not in patched
    # without the option, the reads and mmap flags are exactly wllama's own
    assert "&& !resources.heapfs" in patched and "!!params.heapfs" in patched


def test_a_changed_wllama_is_refused_not_half_patched():
    source = "\n".join(old for old, _ in EDITS[:2])
    with pytest.raises(PatchError, match="has 0 copies"):
        patch_wllama(source)
    with pytest.raises(PatchError, match="2 copies"):
        patch_wllama("\n".join([EDITS[0][0]] * 2 + [old for old, _ in EDITS[1:]]))


def test_the_copy_is_rewritten_only_when_it_changes(tmp_path):
    src = tmp_path / "index.js"
    src.write_text("\n".join(old for old, _ in EDITS), encoding="utf-8")
    target = patched_wllama(src, tmp_path / "out/index.js")
    stamp = target.stat().st_mtime_ns
    assert patched_wllama(src, target) == target and target.stat().st_mtime_ns == stamp
    assert "!!params.heapfs" in target.read_text(encoding="utf-8")
