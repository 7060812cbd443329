"""The ``coursekit`` command: ``student`` makes student notebooks; ``checks`` lists the checks.

    coursekit student notebooks/00-matrix-calculus.ipynb --out handout/
    coursekit grade notebooks/00-matrix-calculus.ipynb submissions/ --out grades/
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _student(args) -> int:
    from .grading import MarkerError, write_student_notebooks
    try:
        made = write_student_notebooks(args.notebooks, args.out)
    except (MarkerError, FileNotFoundError) as exc:
        print(f"coursekit student: {exc}", file=sys.stderr)
        return 2
    for p in made:
        print(p)
    return 0


def _checks(args) -> int:
    from .grading import all_checks
    for name, chk in sorted(all_checks().items()):
        print(f"{name:40s} {chk.doc}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="coursekit", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("student", help="write student notebooks (solutions stripped, outputs cleared)")
    p.add_argument("notebooks", nargs="+", type=Path, help="instructor notebooks")
    p.add_argument("--out", required=True, type=Path, help="folder for the student notebooks")
    p.set_defaults(func=_student)
    p = sub.add_parser("checks", help="list the registered checks")
    p.set_defaults(func=_checks)
    from .grading import grader_cli
    grader_cli.add_parser(sub)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
