"""The registry of named checks, split into an *ask* half and a *judge* half.

A check answers one question: is this answer to exercise ``name`` right, and if not, why not?

* ``inputs(rng) -> dict`` draws the test inputs. It runs on **both** sides from the same seed, so
  the judge never has to trust inputs reported by the student's kernel, and a fresh seed per run
  means returned data cannot be forged without solving the exercise.
* ``ask(answer, inputs) -> data`` runs where the answer lives (the notebook's kernel): it calls the
  student's function or reads their number and returns plain data (numbers, arrays, strings).
* ``judge(data, inputs) -> None | str | Problem`` runs in the grader's own process: it compares the
  data with the reference and returns ``None`` when right, otherwise one sentence a student
  understands.

:func:`ask` and :func:`judge` below wrap the halves with the bookkeeping (not attempted, errors,
serialisation); the JSON string that :func:`ask` returns is all that crosses between processes.
"""

from __future__ import annotations

import importlib
import pkgutil
import runpy
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from . import plain

__all__ = ["Check", "Problem", "Verdict", "register", "get_check", "all_checks", "load_checks_file",
           "ask", "judge", "is_unanswered"]


@dataclass(frozen=True)
class Problem:
    """Why an answer is wrong: ``reason`` is safe to show for a hidden check (no inputs, no expected
    values); ``detail`` adds the numbers, shown only for public checks."""
    reason: str
    detail: str = ""

    def message(self, reveal: bool = True) -> str:
        return f"{self.reason} {self.detail}".strip() if reveal else self.reason


@dataclass(frozen=True)
class Check:
    name: str
    ask: Callable[[Any, dict], Any]
    judge: Callable[[Any, dict], "None | str | Problem"]
    inputs: Callable[[np.random.Generator], dict] = field(default=lambda rng: {})
    answer: str | None = None      # the answer's name in the notebook, for checks the notebook does not call
    private: bool = False          # a hidden (instructor) check: feedback never shows its inputs or values
    doc: str = ""


@dataclass
class Verdict:
    name: str
    status: str                    # "passed" | "wrong" | "not attempted" | "error"
    points: float
    max_points: float
    message: str = ""

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    def render(self) -> str:
        icon = {"passed": "✅", "wrong": "❌", "not attempted": "⬜", "error": "❌"}.get(self.status, "?")
        pts = f"{self.points:g}/{self.max_points:g} point{'s' if self.max_points != 1 else ''}"
        text = f"{icon} {self.name}: {self.status} ({pts})"
        return f"{text}. {self.message}" if self.message else text

    def as_dict(self) -> dict:
        return {"name": self.name, "status": self.status, "points": self.points,
                "max_points": self.max_points, "message": self.message}


_REGISTRY: dict[str, Check] = {}


def register(name: str, *, ask: Callable, judge: Callable, inputs: Callable | None = None,
             answer: str | None = None, private: bool = False, doc: str = "") -> Check:
    """Add a check to the registry (a later registration of the same name replaces the earlier)."""
    if not isinstance(name, str) or not name:
        raise TypeError("name must be a non-empty string such as 'optim.sigmoid'")
    for label, f in (("ask", ask), ("judge", judge)):
        if not callable(f):
            raise TypeError(f"{label} of check {name!r} must be callable")
    chk = Check(name=name, ask=ask, judge=judge, inputs=inputs or (lambda rng: {}),
                answer=answer, private=private, doc=doc)
    _REGISTRY[name] = chk
    return chk


def _load_public_module(name: str) -> None:
    """Import ``coursekit.checks.<prefix>`` for a check named ``<prefix>.<exercise>``.

    Only the chapter's own module is imported, so a problem in another chapter's checks cannot
    break this one.
    """
    prefix = name.split(".")[0]
    from .. import checks
    if prefix in {m.name for m in pkgutil.iter_modules(checks.__path__)}:
        importlib.import_module(f"{checks.__name__}.{prefix}")


def load_checks_file(path) -> list[str]:
    """Run an instructor's private-checks file (it calls :func:`register`); return the new names."""
    before = set(_REGISTRY)
    runpy.run_path(str(path))
    return sorted(set(_REGISTRY) - before)


def get_check(name: str) -> Check:
    if name not in _REGISTRY:
        _load_public_module(str(name))
    try:
        return _REGISTRY[name]
    except KeyError:
        close = [n for n in _REGISTRY if n.split(".")[-1] == str(name).split(".")[-1]]
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise KeyError(f"no check named {name!r}{hint}") from None


def all_checks() -> dict[str, Check]:
    """Every public check (all of :mod:`coursekit.checks` imported) and any registered since."""
    from .. import checks
    for mod in pkgutil.iter_modules(checks.__path__):
        importlib.import_module(f"{checks.__name__}.{mod.name}")
    return dict(_REGISTRY)


def is_unanswered(x: Any) -> bool:
    """``...`` (the student notebook's placeholder) and ``None`` mean 'not attempted yet'."""
    return x is Ellipsis or x is None


def ask(name: str, answer: Any, seed: int) -> str:
    """The half that runs where the answer lives. Returns a JSON string; never raises for the answer."""
    chk = get_check(name)
    if is_unanswered(answer):
        return plain.dumps({"status": "not attempted"})
    inputs = chk.inputs(np.random.default_rng(seed))
    try:
        data = chk.ask(answer, inputs)
    except Exception as exc:            # the student's code raised: that is a verdict, not a crash
        return plain.dumps({"status": "error", "error": f"{type(exc).__name__}: {exc}"[:500]})
    if is_unanswered(data) or (isinstance(data, (list, tuple)) and data and all(map(is_unanswered, data))):
        return plain.dumps({"status": "not attempted"})
    try:
        return plain.dumps({"status": "answered", "data": data})
    except (plain.NotPlainData, ValueError) as exc:
        return plain.dumps({"status": "error", "error": str(exc)})


def judge(name: str, payload: str, seed: int, points: float = 1, reveal: bool | None = None) -> Verdict:
    """The half that runs in the grader: decode what :func:`ask` returned and compare it."""
    chk = get_check(name)
    reveal = (not chk.private) if reveal is None else reveal
    try:
        got = plain.loads(payload)
        status = got["status"]
    except Exception:
        return Verdict(name, "error", 0, points, "the answer could not be read back from the notebook.")
    if status == "not attempted":
        return Verdict(name, "not attempted", 0, points, "Replace the `...` with your answer and run the cell.")
    if status == "error":
        error = str(got.get("error", ""))
        if not reveal:                  # a hidden check's inputs can appear in the exception's text
            error = error.split(":")[0]
        return Verdict(name, "error", 0, points, f"Your code raised an error: {error}")
    inputs = chk.inputs(np.random.default_rng(seed))
    try:
        problem = chk.judge(got.get("data"), inputs)
    except Exception as exc:            # e.g. the answer has a shape the comparison cannot use
        problem = Problem("The answer could not be compared with the reference.", f"({type(exc).__name__}: {exc})")
    if problem is None:
        note = "" if chk.private else "The grade may include further, hidden checks."
        return Verdict(name, "passed", points, points, note)
    if isinstance(problem, str):
        problem = Problem(problem)
    return Verdict(name, "wrong", 0, points, problem.message(reveal))
