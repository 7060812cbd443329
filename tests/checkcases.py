"""Proof that every check can fail: the cases each check is tested with.

Each ``tests/test_checks_<prefix>.py`` declares, for every check of its chapter,

    CASES = {
        "optim.sigmoid": Cases(
            reference=optim.sigmoid,
            valid=[lambda z: 0.5 * (1 + np.tanh(np.asarray(z) / 2))],          # another correct form
            mistakes=[Mistake(lambda z: 1 / (1 + np.exp(z)), says="opposite sign"),
                      Mistake(lambda z: np.exp(-z), says="sigmoid(z) is not right")],
        ),
    }
    test_case = checkcases.tests(CASES)

and ``tests/test_check_registry.py`` walks the registry: a check without a reference, at least one
other valid form and at least two typical mistakes fails CI. Every answer goes through the same
JSON path as in a notebook (``ask`` then ``judge``), over several fresh seeds: the reference and the
valid forms must pass on every seed, each mistake must be judged wrong on every seed with a message
that names it, and every stub must come back "not attempted" — so a mistake cannot hide behind a
lucky draw, and a blank is never graded as wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from coursekit.grading import ask, get_check, judge


def _placeholder_stub(*args, **kwargs):
    result = None
    ...  # YOUR CODE HERE
    return result


def _empty_stub(*args, **kwargs):
    """A docstring and nothing else."""


def _not_implemented_stub(*args, **kwargs):
    raise NotImplementedError("write this function")


FUNCTION_STUBS = (..., None, _placeholder_stub, _empty_stub, _not_implemented_stub)
VALUE_STUBS = (..., None)


@dataclass
class Mistake:
    answer: Any
    says: str                      # a phrase the verdict's message must contain (case-insensitive)
    status: str = "wrong"          # or "error", for a mistake that makes the student's code raise


@dataclass
class Cases:
    reference: Any                 # a correct answer, usually the notebook's solution
    valid: list = field(default_factory=list)          # other correct forms (≥ 1)
    mistakes: list = field(default_factory=list)       # typical mistakes (≥ 2)
    stubs: tuple | None = None     # default: FUNCTION_STUBS for callables, VALUE_STUBS otherwise
    seeds: int = 4                 # fresh draws per answer

    def all_stubs(self) -> tuple:
        if self.stubs is not None:
            return self.stubs
        return FUNCTION_STUBS if callable(self.reference) else VALUE_STUBS


def verdict(name: str, answer: Any, seed: int):
    return judge(name, ask(name, answer, seed), seed)


def _seeds(n: int) -> range:
    return range(1000, 1000 + n)


def run(name: str, cases: Cases, kind: str, index: int) -> None:
    get_check(name)
    if kind == "stub":
        stub = cases.all_stubs()[index]
        v = verdict(name, stub, 0)
        assert v.status == "not attempted", f"stub {stub!r}: {v.render()}"
        return
    if kind in ("reference", "valid"):
        answer = cases.reference if kind == "reference" else cases.valid[index]
        for seed in _seeds(cases.seeds):
            v = verdict(name, answer, seed)
            assert v.status == "passed", f"{kind} answer failed at seed {seed}: {v.render()}"
        return
    mistake = cases.mistakes[index]
    for seed in _seeds(cases.seeds):
        v = verdict(name, mistake.answer, seed)
        assert v.status == mistake.status, f"mistake {index} ({mistake.says!r}) at seed {seed}: {v.render()}"
        assert mistake.says.lower() in v.message.lower(), \
            f"mistake {index} at seed {seed}: the message does not say {mistake.says!r}: {v.message}"


def _ids(cases: dict[str, Cases]):
    for name, c in cases.items():
        yield name, "reference", 0
        for i in range(len(c.valid)):
            yield name, "valid", i
        for i in range(len(c.mistakes)):
            yield name, "mistake", i
        for i in range(len(c.all_stubs())):
            yield name, "stub", i


def tests(cases: dict[str, Cases]):
    """A parametrised test function over every case of ``cases`` (assign it to a ``test_`` name)."""
    params = [pytest.param(n, k, i, id=f"{n}-{k}{i}") for n, k, i in _ids(cases)]

    @pytest.mark.parametrize("name, kind, index", params)
    def test_case(name, kind, index):
        run(name, cases[name], kind, index)

    return test_case
