"""Run every benchmark and print the table: ``python benchmarks/run.py [-k SUBSTRING]``.

Ratios are coursekit time / reference time, median of repeats, measured alternately in this one
process. A ratio ≤ 1 means coursekit is at least as fast. Exit status 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from harness import measure, table  # noqa: E402


def load_cases(pattern: str | None):
    for path in sorted(HERE.glob("bench_*.py")):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
        except ImportError as exc:              # e.g. torch not installed: say so and go on
            print(f"skipping {path.name}: {exc} (pip install -e '.[bench]')", file=sys.stderr)
            continue
        for case in module.cases():
            if pattern is None or pattern.lower() in case.name.lower():
                yield case


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-k", dest="pattern", help="run only cases whose name contains this")
    args = parser.parse_args(argv)
    results = []
    for case in load_cases(args.pattern):
        print(f"measuring {case.name} ...", file=sys.stderr, flush=True)
        results.append(measure(case))
    print(table(results))
    return 0 if all(r.meets_target is not False for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
