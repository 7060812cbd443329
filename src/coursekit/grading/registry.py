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

from . import blame, plain

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
    kind: str = "custom"           # "function" | "value" (declared with coursekit.grading.forms) | "custom"
    reference: Callable | None = None   # function checks: the reference the student's function is compared with
    accepted: Callable | None = None    # value checks: () -> the accepted value


# Glyphs that common system fonts have (DejaVu, Segoe UI Symbol, Apple Symbols), unlike the emoji
# ✅ ❌ ⬜, which show as empty boxes where no emoji font is installed.
ICONS = {"passed": "✓", "wrong": "✗", "error": "✗", "not attempted": "☐", "checker error": "⚠"}


@dataclass
class Verdict:
    name: str
    status: str                    # "passed" | "wrong" | "not attempted" | "error" | "checker error"
    points: float
    max_points: float
    message: str = ""

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    def render(self) -> str:
        icon = ICONS.get(self.status, "?")
        pts = f"{self.points:g}/{self.max_points:g} point{'s' if self.max_points != 1 else ''}"
        text = f"{icon} {self.name}: {self.status} ({pts})"
        return f"{text}. {self.message}" if self.message else text

    def as_dict(self) -> dict:
        return {"name": self.name, "status": self.status, "points": self.points,
                "max_points": self.max_points, "message": self.message}


_REGISTRY: dict[str, Check] = {}


def register(name: str, *, ask: Callable, judge: Callable, inputs: Callable | None = None,
             answer: str | None = None, private: bool = False, doc: str = "", kind: str = "custom",
             reference: Callable | None = None, accepted: Callable | None = None) -> Check:
    """Add a check to the registry (a later registration of the same name replaces the earlier)."""
    if not isinstance(name, str) or not name:
        raise TypeError("name must be a non-empty string such as 'optim.sigmoid'")
    for label, f in (("ask", ask), ("judge", judge)):
        if not callable(f):
            raise TypeError(f"{label} of check {name!r} must be callable")
    if kind not in ("function", "value", "custom"):
        raise ValueError(f"kind of check {name!r} must be 'function', 'value' or 'custom', got {kind!r}")
    chk = Check(name=name, ask=ask, judge=judge, inputs=inputs or (lambda rng: {}),
                answer=answer, private=private, doc=doc, kind=kind, reference=reference, accepted=accepted)
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
    """The answer is still the student notebook's stub (see :mod:`coursekit.grading.blame`)."""
    return blame.is_stub(x)


def _student_error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]


def _checker_error(name: str, exc: BaseException) -> str:
    return (f"The check {name!r} itself failed ({type(exc).__name__}: {str(exc)[:200]}). This is a problem in "
            "coursekit, not in your answer: tell your instructor.")


def ask(name: str, answer: Any, seed: int) -> str:
    """The half that runs where the answer lives. Returns a JSON string; never raises for the answer.

    Statuses: ``not attempted`` (the answer is still the stub, decided before the check runs, or the
    student's code raised ``NotImplementedError``), ``error`` (the student's code raised),
    ``checker error`` (the check's own code raised), ``answered`` (with the data to judge).
    """
    chk = get_check(name)
    reason = blame.stub_reason(answer)
    if reason:
        return plain.dumps({"status": "not attempted", "reason": reason})
    try:
        data = chk.ask(answer, chk.inputs(np.random.default_rng(seed)))
    except NotImplementedError as exc:
        if blame.raised_by_student(exc, (chk.ask, chk.inputs)):
            return plain.dumps({"status": "not attempted",
                                "reason": "Your code raises NotImplementedError: replace it with your answer."})
        return plain.dumps({"status": "checker error", "error": _checker_error(name, exc)})
    except Exception as exc:
        if blame.raised_by_student(exc, (chk.ask, chk.inputs)):      # the student's code raised: that is a verdict, not a crash
            return plain.dumps({"status": "error", "error": _student_error(exc)})
        return plain.dumps({"status": "checker error", "error": _checker_error(name, exc)})
    try:
        return plain.dumps({"status": "answered", "data": data})
    except (plain.NotPlainData, ValueError) as exc:
        return plain.dumps({"status": "answered", "unreadable": str(exc)[:300]})


NOT_ATTEMPTED = "Replace the `...` with your answer and run the cell."


def _returned_nothing(data: Any) -> bool:
    if data is None:
        return True
    return isinstance(data, list) and bool(data) and all(d is None for d in data)


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
        return Verdict(name, "not attempted", 0, points, str(got.get("reason") or NOT_ATTEMPTED)[:300])
    if status == "checker error":
        return Verdict(name, "checker error", 0, points, str(got.get("error", ""))[:400] if reveal else
                       f"The check {name!r} itself failed: a problem in coursekit, not in your answer.")
    if status == "error":
        error = str(got.get("error", ""))
        if not reveal:                  # a hidden check's inputs can appear in the exception's text
            error = error.split(":")[0]
        return Verdict(name, "error", 0, points, f"Your code raised an error: {error}")
    if status != "answered":
        return Verdict(name, "error", 0, points, "the answer could not be read back from the notebook.")
    if "unreadable" in got:
        return Verdict(name, "wrong", 0, points, f"Your answer cannot be checked: {got['unreadable']}"
                       if reveal else "Your answer holds something other than numbers, arrays or strings.")
    data = got.get("data")
    if _returned_nothing(data):
        return Verdict(name, "wrong", 0, points, "Your answer returned None: did the function forget to "
                       "`return` its result (an update made in place returns nothing)?")
    try:
        problem = chk.judge(data, chk.inputs(np.random.default_rng(seed)))
    except Exception as exc:            # a judge must explain a bad answer, not crash on it
        return Verdict(name, "checker error", 0, points, _checker_error(name, exc) if reveal else
                       f"The check {name!r} itself failed: a problem in coursekit, not in your answer.")
    if problem is None:
        note = "" if chk.private else "The grade may include further, hidden checks."
        return Verdict(name, "passed", points, points, note)
    if isinstance(problem, str):
        problem = Problem(problem)
    return Verdict(name, "wrong", 0, points, problem.message(reveal))
