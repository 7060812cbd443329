"""Notebook runs under nbval: instructor notebooks strict, student notebooks not; a 60 s budget each;
every notebook cell is a ``slow`` test, so that ``pytest -m "not slow"`` is a quick run.

Lives at the top level because nbval collects ``notebooks/`` and ``_student/``, outside ``tests/``.
"""

import os
from collections import defaultdict
from pathlib import Path

import pytest

NOTEBOOK_BUDGET_S = 60.0
_durations: dict[str, float] = defaultdict(float)


def pytest_collection_modifyitems(items):
    """Mark every cell of every notebook (nbval's items) slow."""
    for item in items:
        if Path(str(item.fspath)).suffix == ".ipynb":
            item.add_marker(pytest.mark.slow)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Set COURSEKIT_STRICT before nbval starts the notebook's kernel (at its first cell's setup)."""
    path = Path(str(item.fspath))
    if path.suffix == ".ipynb":
        if path.parent.name == "notebooks":
            os.environ["COURSEKIT_STRICT"] = "1"
        else:
            os.environ.pop("COURSEKIT_STRICT", None)
        os.environ.setdefault("MPLBACKEND", "Agg")


def pytest_runtest_logreport(report):
    path = report.nodeid.split("::")[0]
    if path.endswith(".ipynb"):
        _durations[path] += report.duration


def pytest_terminal_summary(terminalreporter):
    if not _durations:
        return
    slowest = sorted(_durations.items(), key=lambda kv: -kv[1])
    tr = terminalreporter
    tr.section("notebook execution time")
    for path, seconds in slowest[:3]:
        tr.write_line(f"{seconds:6.1f} s  {path}")
    tr.write_line(f"{sum(_durations.values()):6.1f} s  total over {len(_durations)} notebooks")
    over = [(p, s) for p, s in slowest if s > NOTEBOOK_BUDGET_S]
    for path, seconds in over:
        tr.write_line(f"FAILED budget: {path} took {seconds:.1f} s > {NOTEBOOK_BUDGET_S:.0f} s", red=True)


def pytest_sessionfinish(session, exitstatus):
    if any(s > NOTEBOOK_BUDGET_S for s in _durations.values()) and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
