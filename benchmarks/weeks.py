"""Each week's assignment at a glance: ``python benchmarks/weeks.py [NN ...]``.

For every chapter (or the weeks named, e.g. ``03 07``) it prints one Markdown row: the auto-graded checks
and their points, the written questions (graded by hand with a rubric), the open projects, the tests of
its checks (the cases in ``tests/test_checks_<prefix>.py``: the reference, other valid forms and typical
mistakes each), and how long the instructor notebook and the committed student notebook run when
``coursekit grade`` executes them (cells only, seconds, one kernel each, on this machine now).

It grades and runs notebooks, so it takes about fifteen seconds a week. Not a test: the limits (60 s a notebook) are asserted in
``tests/test_grade_weeks.py``; this prints the figures.
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from coursekit.grading.assignment import read_assignment
from coursekit.grading.grader import grade

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))          # the cases' files import tests/checkcases.py
OPEN = re.compile(r"open project|\(open\)|advanced questions? \(open", re.I)


def _cases(prefix: str) -> tuple[int, int, int]:
    """(checks with cases, valid forms incl. the reference, mistakes) in tests/test_checks_<prefix>.py."""
    path = ROOT / "tests" / f"test_checks_{prefix}.py"
    spec = importlib.util.spec_from_file_location(f"_weeks_{prefix}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    cases = module.CASES.values()
    return len(cases), sum(1 + len(c.valid) for c in cases), sum(len(c.mistakes) for c in cases)


def week_row(notebook: Path) -> dict:
    assignment = read_assignment(notebook)
    nb = nbformat.read(notebook, as_version=4)
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    prefixes = sorted({q.name.split(".")[0] for q in assignment.questions})
    cased = [_cases(p) for p in prefixes]
    with tempfile.TemporaryDirectory() as tmp:
        subs = Path(tmp) / "subs"
        subs.mkdir()
        (subs / "instructor.ipynb").write_bytes(notebook.read_bytes())
        (subs / "student.ipynb").write_bytes((ROOT / "student" / notebook.name).read_bytes())
        results = grade(notebook, subs, Path(tmp) / "grades", jobs=2, progress=False, echo=None).by_student()
    student = nbformat.read(ROOT / "student" / notebook.name, as_version=4)
    start = time.perf_counter()
    NotebookClient(student, timeout=180, resources={"metadata": {"path": str(ROOT / "student")}}).execute()
    student_s = time.perf_counter() - start
    return {"week": notebook.name[:2], "checks": len(assignment.questions),
            "points": sum(q.points for q in assignment.questions),
            "written": len(assignment.written), "written_points": sum(w.points for w in assignment.written),
            "open": len(OPEN.findall(markdown)),
            "cases": sum(c[1] + c[2] for c in cased), "mistakes": sum(c[2] for c in cased),
            "instructor_s": results["instructor"]["seconds"]["cells"],
            "student_s": student_s,
            "student_status": results["student"]["status"]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("weeks", nargs="*", help="two-digit week numbers (default: all)")
    args = parser.parse_args(argv)
    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
    if args.weeks:
        notebooks = [n for n in notebooks if n.name[:2] in args.weeks]
    print("| week | checks (points) | written (points) | open projects | check cases (of them mistakes) "
          "| instructor notebook (s) | student notebook (s, with kernel start) | the handout graded |")
    print("|---|---|---|---|---|---|---|---|")
    for notebook in notebooks:
        print(f"measuring {notebook.name} ...", file=sys.stderr, flush=True)
        r = week_row(notebook)
        print(f"| {r['week']} | {r['checks']} ({r['points']:g}) | {r['written']} ({r['written_points']:g}) "
              f"| {r['open']} | {r['cases']} ({r['mistakes']}) | {r['instructor_s']:.1f} "
              f"| {r['student_s']:.1f} | {r['student_status']} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
