"""Does every check judge the same answer the same way on every draw? ``python benchmarks/seeds.py [-n 100]``

The grader draws each check's inputs from a seed chosen afresh for every run (``secrets.randbits(62)``),
while ``tests/test_checks_<prefix>.py`` judges each case on four fixed seeds. A typical mistake that a
lucky draw lets through, or a correct answer that an unlucky draw fails, would make a student's mark
depend on the dice. This judges every case of every check (the reference, the other valid forms and the
typical mistakes) on ``-n`` seeds drawn the way the grader draws them, on all cores, and prints each
case whose verdict was not the expected one on every seed, with how often and a seed that shows it
(``--seed S`` re-runs one). Not a test: it takes minutes; ``-k energy`` narrows it to matching checks.
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
import os
import secrets
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))          # the cases' files import tests/checkcases.py


@functools.lru_cache(maxsize=1)
def _cases() -> dict:
    """name → Cases, from every tests/test_checks_*.py (read once per process)."""
    found = {}
    for path in sorted((ROOT / "tests").glob("test_checks_*.py")):
        spec = importlib.util.spec_from_file_location(f"_seeds_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        found.update(module.CASES)
    return found


def _answers(cases) -> list[tuple[str, int, object, str, str]]:
    """(kind, index, answer, expected status, phrase the message must hold)."""
    rows = [("reference", 0, cases.reference, "passed", "")]
    rows += [("valid", i, a, "passed", "") for i, a in enumerate(cases.valid)]
    rows += [("mistake", i, m.answer, m.status, m.says) for i, m in enumerate(cases.mistakes)]
    return rows


def _judge_case(name: str, kind: str, index: int, seeds: list[int]) -> tuple[str, str, int, int, list]:
    from checkcases import verdict
    _, _, answer, status, says = next(r for r in _answers(_cases()[name]) if r[:2] == (kind, index))
    off = []
    for seed in seeds:
        try:
            v = verdict(name, answer, seed)
            ok = v.status == status and says.lower() in v.message.lower()
            got = f"{v.status}: {v.message[:120]}"
        except Exception as exc:                                        # noqa: BLE001 — reported, not hidden
            ok, got = False, f"raised {type(exc).__name__}: {exc}"
        if not ok:
            off.append((seed, got))
    return name, kind, index, len(seeds), off


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", type=int, default=100, help="seeds per case (default 100)")
    ap.add_argument("-k", default="", help="only checks whose name contains this")
    ap.add_argument("--seed", type=int, help="judge on this one seed only")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args(argv)
    seeds = [args.seed] if args.seed is not None else [secrets.randbits(62) for _ in range(args.n)]
    cases = {n: c for n, c in _cases().items() if args.k in n}
    tasks = [(n, kind, i) for n, c in cases.items() for kind, i, *_ in _answers(c)]
    print(f"{len(tasks)} cases of {len(cases)} checks, {len(seeds)} seeds each, {args.jobs} processes", flush=True)
    start, bad = time.perf_counter(), 0
    with ProcessPoolExecutor(args.jobs) as pool:
        futures = [pool.submit(_judge_case, n, kind, i, seeds) for n, kind, i in tasks]
        for done, fut in enumerate(as_completed(futures), 1):
            name, kind, index, n, off = fut.result()
            if off:
                bad += 1
                seed, got = off[0]
                print(f"{name} {kind}{index}: {len(off)}/{n} seeds off, e.g. --seed {seed} → {got}", flush=True)
            if done % 25 == 0:
                print(f"  … {done}/{len(tasks)} cases, {time.perf_counter() - start:.0f} s", flush=True)
    print(f"{bad} of {len(tasks)} cases off on some seed; {time.perf_counter() - start:.0f} s")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
