"""``check(name, answer, points=1)``: the one call an exercise cell makes.

In a student's notebook it prints a short verdict (passed / not attempted yet / wrong, and why) and
never raises. With ``COURSEKIT_STRICT=1`` (CI, instructor runs) anything but "passed" raises
:class:`CheckFailed`, so a wrong solution in an instructor notebook fails the build.

The answer is asked and judged through the same plain-data path the grader uses (see
:mod:`coursekit.grading.registry`), so a check behaves the same in a notebook and under grading.
"""

from __future__ import annotations

import secrets
from typing import Any

from .._config import strict_mode
from .registry import ask, get_check, judge

__all__ = ["check", "CheckFailed", "strict_mode"]


class CheckFailed(AssertionError):
    """Raised by :func:`check` in strict mode when an answer does not pass."""


def check(name: str, answer: Any, points: float = 1) -> None:
    """Check ``answer`` to exercise ``name``; print the verdict; raise only in strict mode."""
    strict = strict_mode()
    try:
        get_check(name)
    except Exception as exc:                  # an unknown name, or a chapter's checks that fail to load
        what = exc.args[0] if isinstance(exc, KeyError) else f"the checks of {name!r} could not be loaded " \
            f"({type(exc).__name__}: {exc})"
        message = f"⚠ {what} (this is a problem in the notebook, not in your answer)."
        if strict:
            raise CheckFailed(message) from None
        print(message)
        return None
    seed = secrets.randbits(62)               # fresh inputs every run
    verdict = judge(name, ask(name, answer, seed), seed, points)
    print(verdict.render())
    if strict and not verdict.passed:
        raise CheckFailed(verdict.render())
    return None
