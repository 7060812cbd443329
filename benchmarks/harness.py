"""Side-by-side benchmarks: coursekit and a reference library, timed in one process, as ratios.

Each ``benchmarks/bench_*.py`` defines ``cases()`` returning a list of :class:`Case`. The runner times
``ours`` and ``reference`` alternately (so both see the same machine state), takes the median of
``repeats`` runs, and prints one table row per case: the two medians, their ratio, the target, and
an accuracy comparison computed from the two results.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass
class Case:
    name: str
    ours: Callable[[], Any]
    reference: Callable[[], Any]
    compare: Callable[[Any, Any], str] = field(default=lambda a, b: "")
    target: float | None = None          # the ratio ours/reference must not exceed this
    repeats: int = 5
    reference_name: str = ""


@dataclass
class Result:
    case: Case
    ours_s: float
    reference_s: float
    accuracy: str

    @property
    def ratio(self) -> float:
        return self.ours_s / self.reference_s

    @property
    def meets_target(self) -> bool | None:
        return None if self.case.target is None else self.ratio <= self.case.target


def measure(case: Case) -> Result:
    ours_result = case.ours()              # warm-up, and the results to compare
    ref_result = case.reference()
    t_ours, t_ref = [], []
    for _ in range(case.repeats):
        t0 = time.perf_counter()
        case.ours()
        t1 = time.perf_counter()
        case.reference()
        t2 = time.perf_counter()
        t_ours.append(t1 - t0)
        t_ref.append(t2 - t1)
    return Result(case, statistics.median(t_ours), statistics.median(t_ref),
                  case.compare(ours_result, ref_result))


def _ms(s: float) -> str:
    return f"{s * 1e3:.2f} ms" if s < 10 else f"{s:.1f} s"


def table(results: list[Result]) -> str:
    head = ["case", "reference", "coursekit", "reference time", "ratio", "target", "accuracy"]
    rows = [head]
    for r in results:
        verdict = "" if r.meets_target is None else (" ok" if r.meets_target else " MISSED")
        target = "—" if r.case.target is None else f"≤ {r.case.target:g}{verdict}"
        rows.append([r.case.name, r.case.reference_name, _ms(r.ours_s), _ms(r.reference_s),
                     f"{r.ratio:.2f}", target, r.accuracy])
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    fmt = lambda row: "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths)) + " |"
    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([fmt(rows[0]), sep] + [fmt(r) for r in rows[1:]])


def fit_quietly(estimator, X, y):
    """Fit a scikit-learn estimator for the fixed number of epochs asked for: its ConvergenceWarning only
    says that it ran them all."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y)


def accuracy_gap(acc: dict[str, list[float]], within: float) -> str:
    """The accuracy column of a training benchmark: mean test accuracy of ours against scikit-learn's over the
    seeds run, and whether they agree within ``within`` percentage points."""
    a, b = 100 * statistics.mean(acc["ours"]), 100 * statistics.mean(acc["sklearn"])
    verdict = "ok" if abs(a - b) <= within else "MISSED"
    return (f"test accuracy {a:.2f}% vs {b:.2f}% (mean of {len(acc['ours'])} seeds each; "
            f"difference {a - b:+.2f} points, target within {within:g}: {verdict})")
