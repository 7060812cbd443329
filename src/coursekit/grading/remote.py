"""The kernel side of hidden (private) checks: describe an answer, call it on plain data.

A private check's code never enters the student's kernel (its file stays with the grader). The
grader runs the check's ``ask`` in its own process with a stand-in for the student's function; each
call of the stand-in becomes one request to the kernel, which evaluates :func:`call` here on the
arguments (plain data in, plain data out, see :mod:`coursekit.grading.plain`). Whatever the kernel
returns is only data to be judged by the grader.
"""

from __future__ import annotations

from typing import Any

from . import plain
from .registry import is_unanswered


def describe(answer: Any) -> str:
    """What the grader may do with ``answer``: call it, use its value, or nothing (JSON)."""
    if is_unanswered(answer):
        return plain.dumps({"kind": "unanswered"})
    if callable(answer):
        return plain.dumps({"kind": "callable"})
    try:
        return plain.dumps({"kind": "plain", "value": answer})
    except (plain.NotPlainData, ValueError, TypeError):
        return plain.dumps({"kind": "other", "type": type(answer).__name__})


def call(function: Any, arguments: str) -> str:
    """``function(*args, **kwargs)`` with the JSON-encoded ``[args, kwargs]``; the result as JSON."""
    args, kwargs = plain.loads(arguments)
    try:
        result = function(*args, **kwargs)
    except Exception as exc:          # the student's code raised: data for the grader, not a crash
        return plain.dumps({"status": "error", "error": f"{type(exc).__name__}: {exc}"[:500]})
    try:
        return plain.dumps({"status": "ok", "data": result})
    except (plain.NotPlainData, ValueError, TypeError) as exc:
        return plain.dumps({"status": "error", "error": str(exc)[:500]})
