"""Grading throughput: ``coursekit grade`` on week 0 against plain nbclient running the same notebooks.

The batch is four copies of week 0's instructor notebook (full solutions, so every check is asked
and judged). The reference executes the same four notebooks with a bare ``nbclient.NotebookClient``
(one kernel each, with the grader's kernel settings — Agg backend, one BLAS thread — but no sandbox,
no checks, no reports), one at a time for ``--jobs 1`` and two at a time for ``--jobs 2``.

The accuracy column gives submissions graded per minute and the per-submission overhead beyond the
notebook's own execution time (the sum of its cells' wall-clock times; the overhead includes starting
the kernel, the sandbox and its cgroup, asking and judging every check, killing the kernel and
writing the reports; target ≤ 1.5 s), then the difference from plain nbclient, from the median runs,
and the isolation level that ran (bubblewrap where the grader is root and ``bwrap`` is installed).
"""

from __future__ import annotations

import atexit
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from coursekit.grading.grader import grade
from harness import Case

WEEK0 = Path(__file__).resolve().parents[1] / "notebooks" / "00-matrix-calculus.ipynb"
N = 4
TARGET_OVERHEAD_S = 1.5
_WORK = Path(tempfile.mkdtemp(prefix="bench-grading-"))
atexit.register(shutil.rmtree, _WORK, ignore_errors=True)
_SUBS = _WORK / "subs"
_SUBS.mkdir()
for i in range(N):
    (_SUBS / f"student{i}.ipynb").write_bytes(WEEK0.read_bytes())


def _plain(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    env = dict(os.environ, MPLBACKEND="Agg", OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(_WORK)}}).execute(
        env=env, stderr=subprocess.DEVNULL)


def _case(jobs: int) -> Case:
    times = {"ours": [], "ref": [], "cells": []}

    def ours():
        t0 = time.perf_counter()
        summary = grade(WEEK0, _SUBS, _WORK / f"grades-{jobs}", jobs=jobs, force=True, progress=False, echo=None)
        times["ours"].append(time.perf_counter() - t0)
        times["cells"].append(sum(r["seconds"]["cells"] for r in summary.results))
        return summary

    def reference():
        t0 = time.perf_counter()
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            list(pool.map(_plain, sorted(_SUBS.glob("*.ipynb"))))
        times["ref"].append(time.perf_counter() - t0)

    def compare(summary, _ref):
        # full marks on every auto-graded question (written answers wait for the instructor's points)
        full = sum(all(q["status"] == "passed" for q in r["questions"] if not q.get("written"))
                   for r in summary.results)
        ours_s, ref_s, cells_s = (statistics.median(times[k]) for k in ("ours", "ref", "cells"))
        per_min = N / ours_s * 60
        beyond_cells = (ours_s * jobs - cells_s) / N      # per submission, in one worker's time
        versus_plain = (ours_s - ref_s) * jobs / N
        verdict = "ok" if beyond_cells <= TARGET_OVERHEAD_S else "MISSED"
        return (f"{per_min:.1f} submissions/min; overhead {beyond_cells:.2f} s per submission beyond its cells' "
                f"{cells_s / N:.2f} s (target ≤ {TARGET_OVERHEAD_S} s: {verdict}); {versus_plain:+.2f} s against "
                f"plain nbclient; {full}/{N} with every check passed; isolation {summary.isolation_level}")

    return Case(name=f"grade week 0, --jobs {jobs} ({N} submissions)", reference_name=f"nbclient, {jobs} at a time",
                ours=ours, reference=reference, compare=compare, target=None, repeats=1)


def cases():
    return [_case(1), _case(2)]
