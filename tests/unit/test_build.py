"""build.py: which bench a ``bench`` command line runs, and with what."""

from __future__ import annotations

import argparse
import os

import pytest
from build import bench_command


def _args(**kw) -> argparse.Namespace:
    base = {"quality": False, "only": None, "scaling": False, "against": None, "dist": None}
    return argparse.Namespace(**{**base, **kw})


def test_quality_only_picks_topics_as_the_readme_says():
    """`bench --quality --only Primeros` was refused: --only allowed boot or scaling alone."""
    module, flags = bench_command(_args(quality=True, only="Primeros"), ["--topics", "main"])
    assert module == "buildtools.quality_bench"
    assert flags == ["--only", "Primeros", "--topics", "main"]


def test_the_performance_bench_keeps_its_only_choices():
    assert bench_command(_args(only="boot", against="x"), []) == (
        "buildtools.bench", ["--only", "boot", "--against", os.path.abspath("x")])
    with pytest.raises(ValueError, match="choose boot or scaling"):
        bench_command(_args(only="Primeros"), [])


def test_dist_goes_to_either_bench():
    dist = ["--dist", os.path.abspath("d")]
    assert bench_command(_args(dist="d"), [])[1] == dist
    assert bench_command(_args(dist="d", quality=True), ["--limit", "1"])[1] == [*dist,
                                                                                "--limit", "1"]
