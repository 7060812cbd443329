"""The common shapes of a check, each declared once.

``function_check``: the student's function against the reference on fresh inputs. The argument lists
are written once, in ``calls(rng)``; the student's function and the reference are called with the
same arguments (positionally, so the student may name parameters as they like; arrays are copied,
so an in-place change cannot leak into the reference's inputs), and each pair of results is compared.

    function_check(
        "optim.sigmoid",
        reference=optim.sigmoid,
        calls=lambda rng: [(rng.normal(0, 3, size=12),)],
        what="sigmoid(z)", hint="σ(z) = 1/(1 + e^(−z)); σ(0) should be 0.5.",
    )

``value_check``: a number (or array) the student computed, against the accepted value.

    value_check("optim.newton_iterations", accepted=lambda: fit.n_iter, what="the number of iterations",
                atol=0, hint="count the steps in fit.grad_norms after the first entry")

``choice_check``: a multiple-select question (which of these statements are true?), the letters judged
as a set, with a message that counts the false choices and the true statements left out, never which.

    choice_check("rl.true_statements", true="bde", options="abcdef", doc="...")

Anything else (a build-it problem judged on behaviour) uses :func:`~coursekit.grading.registry.register`
with its own ``ask`` and ``judge``.

"Not attempted", the student's exceptions and the checker's are decided by the registry before and
around these halves (:mod:`coursekit.grading.blame`); no check handles them.
"""

from __future__ import annotations

import copy
from functools import lru_cache
from typing import Any, Callable, Sequence

import numpy as np

from .compare import close
from .registry import Check, Problem, register

__all__ = ["function_check", "value_check", "choice_check", "choice_ask"]

Compare = Callable[[Any, Any, tuple], "Problem | str | None"]


def _closeness(what: str, rtol: float, atol: float, hint: str) -> Compare:
    def compare(got, expected, args):
        return close(got, expected, what=what, rtol=rtol, atol=atol, hint=hint)
    return compare


def function_check(name: str, *, reference: Callable, calls: Callable[[np.random.Generator], Sequence[tuple]],
                   compare: Compare | None = None, what: str = "the result", rtol: float = 1e-7,
                   atol: float = 1e-10, hint: str = "", diagnoses: Sequence[tuple[Callable, str]] = (),
                   doc: str = "", private: bool = False, answer: str | None = None) -> Check:
    """Register a check that calls the student's function and ``reference`` on the same fresh inputs.

    calls: ``rng -> [args, ...]``, the positional argument tuples, drawn afresh for every check.
    compare: ``(got, expected, args) -> None | str | Problem``; by default
        :func:`~coursekit.grading.compare.close` with ``what``, ``rtol``, ``atol`` and ``hint``.
    diagnoses: known mistakes as ``(wrong_function, sentence)``: when a wrong answer matches what
        ``wrong_function`` returns on the same inputs, the verdict names that mistake.
    """
    if not callable(reference):
        raise TypeError(f"reference of check {name!r} must be callable, got {type(reference).__name__}")
    compare = compare or _closeness(what, rtol, atol, hint)

    def inputs(rng):
        drawn = [tuple(args) for args in calls(rng)]
        if not drawn:
            raise ValueError(f"calls of check {name!r} drew no argument lists")
        return {"calls": drawn}

    def ask(fn, x):
        return [fn(*copy.deepcopy(args)) for args in x["calls"]]

    def judge(got, x):
        if not isinstance(got, list) or len(got) != len(x["calls"]):
            return Problem("The answer did not come back as one result per call.")
        for i, (result, args) in enumerate(zip(got, x["calls"])):
            if result is None:
                return Problem("Your function returned None for some inputs: does every path end in `return`?")
            problem = compare(result, reference(*copy.deepcopy(args)), args)
            if problem:
                return _diagnose(problem, got, x["calls"], diagnoses, rtol, atol)
        return None

    return register(name, ask=ask, judge=judge, inputs=inputs, doc=doc, private=private, answer=answer,
                    kind="function", reference=reference)


def _diagnose(problem, got, calls, diagnoses, rtol, atol):
    """The sentence of the first known mistake that reproduces the results of every call; else the general
    problem. (Matching only the call that failed named the wrong mistake when two mistakes happened to agree
    on it: a draw in forty did so in week 5's receptive fields.)"""
    for wrong, sentence in diagnoses:
        try:
            if all(close(result, wrong(*copy.deepcopy(args)), what="", rtol=max(rtol, 1e-9), atol=atol) is None
                   for result, args in zip(got, calls)):
                detail = problem.message() if isinstance(problem, Problem) else str(problem)
                return Problem(sentence, detail)
        except (ValueError, TypeError, ArithmeticError, np.linalg.LinAlgError):
            continue
    return problem


def value_check(name: str, *, accepted: Callable[[], Any] | Any, compare: Callable[[Any, Any], Any] | None = None,
                what: str = "the value", rtol: float = 1e-6, atol: float = 1e-12, hint: str = "",
                doc: str = "", private: bool = False, answer: str | None = None) -> Check:
    """Register a check of a value the student computed against ``accepted`` (a value, or a function
    computing it, called once, when first needed)."""
    expected = lru_cache(maxsize=1)(accepted if callable(accepted) else (lambda: accepted))

    def judge(got, x):
        if compare is not None:
            return compare(got, expected())
        return close(got, expected(), what=what, rtol=rtol, atol=atol, hint=hint)

    return register(name, ask=lambda value, x: value, judge=judge, doc=doc, private=private, answer=answer,
                    kind="value", accepted=expected)


def choice_ask(answer, x):
    """The kernel's half of a multiple-select question: a set of letters travels as a sorted list (the
    channel to the grader carries no sets); anything else as it is, for the judge to read or refuse."""
    return sorted(str(a) for a in answer) if isinstance(answer, (set, frozenset)) else answer


def _judge_choice(got, true: str, options: str):
    """A multiple-select answer: a list (or string) of letters, judged as a set against ``true``."""
    if isinstance(got, str):
        got = list(got.replace(",", " ").split()) if " " in got or "," in got else list(got)
    if not isinstance(got, list) or not all(isinstance(g, str) and len(g.strip()) == 1 for g in got):
        return Problem('Give the letters of the true statements as a list, such as ["a", "b"].')
    chosen = {g.strip().lower() for g in got}
    unknown = sorted(chosen - set(options))
    if unknown:
        return Problem(f"There is no statement {unknown[0]!r}: choose among {', '.join(options)}.")
    false, missed = len(chosen - set(true)), len(set(true) - chosen)
    if false or missed:
        parts = ([f"{false} of your choices {'is' if false == 1 else 'are'} false"] if false else []) + \
                ([f"you left out {missed} true statement{'s' if missed > 1 else ''}"] if missed else [])
        return Problem(f"Not quite: {' and '.join(parts)}.")
    return None


def choice_check(name: str, *, true: str, options: str = "abcdef", doc: str = "", private: bool = False,
                 answer: str | None = None) -> Check:
    """Register a multiple-select question: the student gives the letters of the true statements (a list
    such as ``["a", "c"]``, a set, or a string such as ``"ac"``), judged as a set against ``true``.

    Used in: week 6, notebooks/06-rnn.ipynb; week 7, notebooks/07-reinforcement-learning.ipynb; week 8,
    notebooks/08-information-control.ipynb.
    """
    true, options = true.lower(), options.lower()
    if not true or set(true) - set(options):
        raise ValueError(f"choice_check {name!r}: the true letters {true!r} must be among the options {options!r}")
    return register(name, ask=choice_ask, judge=lambda got, x: _judge_choice(got, true, options),
                    doc=doc, private=private, answer=answer)
