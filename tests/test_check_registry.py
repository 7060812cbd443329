"""Walk the registry: every public check has a reference, another valid form and two typical mistakes.

The cases themselves live next to each chapter's other check tests (``tests/test_checks_<prefix>.py``,
see ``tests/checkcases.py``) and run there; this test fails when a check is added without them.
"""

from __future__ import annotations

import importlib.util
import pkgutil
from pathlib import Path

import pytest

from coursekit import checks
from coursekit.grading import all_checks

HERE = Path(__file__).parent
PREFIXES = sorted(m.name for m in pkgutil.iter_modules(checks.__path__))


def _cases(prefix: str) -> dict:
    path = HERE / f"test_checks_{prefix}.py"
    if not path.is_file():
        return {}
    spec = importlib.util.spec_from_file_location(f"_walk_test_checks_{prefix}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, "CASES", {})


@pytest.mark.parametrize("prefix", PREFIXES)
def test_every_check_has_its_cases(prefix):
    names = sorted(n for n in all_checks() if n.split(".")[0] == prefix)
    assert names, f"coursekit/checks/{prefix}.py registers no check"
    cases = _cases(prefix)
    missing = [n for n in names if n not in cases]
    assert not missing, f"tests/test_checks_{prefix}.py has no Cases for {missing}"
    thin = {n: (len(cases[n].valid), len(cases[n].mistakes)) for n in names
            if len(cases[n].valid) < 1 or len(cases[n].mistakes) < 2}
    assert not thin, f"need ≥ 1 other valid form and ≥ 2 mistakes; (valid, mistakes) = {thin}"
    stale = sorted(set(cases) - set(names))
    assert not stale, f"tests/test_checks_{prefix}.py has cases for checks that do not exist: {stale}"
