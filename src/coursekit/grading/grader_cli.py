"""``coursekit grade``: the command-line face of :func:`coursekit.grading.grader.grade`.

    coursekit grade notebooks/03-backprop.ipynb submissions/ --out grades/ [--tests private_tests.py]
                    [--jobs 2 | --scheduler tcp://host:8786] [--force] [--timeout 300] [--cell-timeout 60]
                    [--manual grades/manual-scores.csv]

Exit status 0 when the batch finished (whatever the submissions did: their statuses are in the
gradebook), 2 when the instructor's inputs are unusable (no notebook, unknown check, broken tests
file, a manual-scores file with a bad row: nothing is written then) or the Dask extra is missing for
``--scheduler``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _positive(kind):
    def parse(text):
        value = kind(text)
        if not value > 0:
            raise argparse.ArgumentTypeError(f"must be positive, got {text}")
        return value
    return parse


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("grade", help="grade a folder of submissions by re-executing them in sandboxed kernels",
                       description="Grade a folder of submissions by re-executing each one in a sandboxed kernel.")
    p.add_argument("instructor", type=Path, help="the instructor notebook (with solutions and check(...) calls)")
    p.add_argument("submissions", type=Path, help="folder of <student>.ipynb files or <student>/ folders")
    p.add_argument("--out", required=True, type=Path, help="folder for gradebook.csv and per-student feedback")
    p.add_argument("--tests", type=Path, help="private checks (a Python file calling coursekit.grading.register)")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--jobs", type=_positive(int), default=1, help="submissions graded at once (default 1)")
    group.add_argument("--scheduler", metavar="ADDRESS",
                       help="grade on a Dask distributed cluster (pip install 'coursekit[dask]')")
    p.add_argument("--force", action="store_true", help="regrade students whose submission is unchanged")
    p.add_argument("--timeout", type=_positive(float), default=300, help="seconds per notebook (default 300)")
    p.add_argument("--cell-timeout", type=_positive(float), default=60, help="seconds per cell and per check (default 60)")
    p.add_argument("--memory", type=_positive(int), default=2048, help="MiB of memory per kernel (default 2048)")
    p.add_argument("--processes", type=_positive(int), default=64, help="processes per kernel (default 64)")
    p.add_argument("--isolation", choices=["auto", "launcher", "limits-only"], default="auto",
                   help="auto: the strongest the OS allows (default: bubblewrap, else the fallback launcher); "
                        "launcher: the fallback launcher even where bubblewrap works; limits-only: resource limits only")
    p.add_argument("--manual", type=Path, metavar="SCORES.csv",
                   help="merge the instructor's points for written questions (the filled-in manual-scores.csv)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)
    return p


def run(args) -> int:
    from .grader import AssignmentError, grade
    from .kernel import Limits

    executor, client = None, None
    if args.scheduler:
        try:
            from distributed import Client
        except ImportError:
            print("coursekit grade: --scheduler needs Dask: pip install 'coursekit[dask]'", file=sys.stderr)
            return 2
        client = Client(args.scheduler)
        executor = client.get_executor()
    try:
        try:
            limits = Limits(notebook_s=args.timeout, cell_s=args.cell_timeout, memory_mb=args.memory,
                            processes=args.processes)
        except ValueError as exc:
            raise AssignmentError(str(exc)) from None
        grade(args.instructor, args.submissions, args.out, tests=args.tests, jobs=args.jobs, executor=executor,
              force=args.force, limits=limits, isolation_mode=args.isolation, manual=args.manual,
              progress=not args.no_progress)
    except AssignmentError as exc:
        print(f"coursekit grade: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("coursekit grade: interrupted", file=sys.stderr)
        return 130
    finally:
        if client is not None:
            client.close()
    return 0
