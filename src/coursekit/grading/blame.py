"""Two questions the check machinery answers once, for every check: is this answer still the stub,
and whose code raised this exception?

*Not attempted* is decided here, before any check looks at the answer, so no check has to handle a
blank: ``...`` or ``None``; a function or class whose code still holds the student notebook's
placeholder line (``...  # YOUR CODE HERE``); a function whose body is empty (only ``...``, ``pass``
or a docstring); and, while the check runs, a ``NotImplementedError`` raised by the student's code.

*Whose fault* is read from the traceback: walking from the frame that raised outwards, the first
frame that is either the student's code (anything outside the installed libraries and coursekit) or
the checker's code (``coursekit.grading`` and ``coursekit.checks``) decides. Library frames (NumPy,
coursekit's models) belong to whoever called them. So ``np.dot`` on mismatched shapes inside a
student's function is the student's error, and a bug in a check is the checker's, never the student's.
"""

from __future__ import annotations

import dis
import inspect
import os
import site
import sys
import sysconfig
from functools import lru_cache
from types import FunctionType, TracebackType
from typing import Any, Iterable

__all__ = ["PLACEHOLDER", "is_stub", "stub_reason", "raised_by_student"]

PLACEHOLDER = "...  # YOUR CODE HERE"          # what `coursekit student` leaves in place of a solution


def _empty_body(fn: FunctionType) -> bool:
    """The body does nothing and returns None: only ``...``, ``pass`` or a docstring."""
    ops = [(i.opname, i.argval) for i in dis.get_instructions(fn)
           if i.opname not in ("RESUME", "NOP", "CACHE")]
    return ops in ([("LOAD_CONST", None), ("RETURN_VALUE", None)], [("RETURN_CONST", None)])


def _source(obj: Any) -> str:
    try:
        return inspect.getsource(obj)
    except (OSError, TypeError):
        return ""


def _holds_placeholder(obj: Any) -> bool:
    return any(line.strip() == PLACEHOLDER for line in _source(obj).splitlines())


def stub_reason(answer: Any) -> str | None:
    """Why ``answer`` counts as not attempted, or ``None`` if it is an attempt."""
    if answer is Ellipsis or answer is None:
        return "Replace the `...` with your answer and run the cell."
    if isinstance(answer, (FunctionType, type)) or inspect.ismethod(answer):
        if _holds_placeholder(answer):
            name = getattr(answer, "__name__", "your answer")
            return f"`{name}` still holds the `{PLACEHOLDER}` line: replace it with your code and run the cell."
        fn = answer.__func__ if inspect.ismethod(answer) else answer
        if isinstance(fn, FunctionType) and _empty_body(fn):
            return f"`{fn.__name__}` has an empty body: write the code that computes the answer."
    return None


def is_stub(answer: Any) -> bool:
    return stub_reason(answer) is not None


@lru_cache(maxsize=1)
def _library_roots() -> tuple[str, ...]:
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
             *(sysconfig.get_paths().get(k, "") for k in ("stdlib", "platstdlib", "purelib", "platlib"))}
    try:
        roots.update(site.getsitepackages())
    except AttributeError:                                    # some virtualenv tools lack it
        pass
    roots.add(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))   # the coursekit package
    return tuple(sorted(os.path.realpath(r) for r in roots if r))


@lru_cache(maxsize=1)
def _checker_roots() -> tuple[str, ...]:
    pkg = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return tuple(os.path.realpath(os.path.join(pkg, d)) for d in ("grading", "checks"))


def _under(path: str, roots: tuple[str, ...]) -> bool:
    return any(path == r or path.startswith(r + os.sep) for r in roots)


def _whose(filename: str) -> str:
    """'checker', 'library' or 'student' for a frame's file."""
    if not filename or filename.startswith("<frozen"):
        return "library"
    path = os.path.realpath(filename)
    if _under(path, _checker_roots()):
        return "checker"
    if _under(path, _library_roots()):
        return "library"
    return "student"                 # a notebook cell (ipykernel's temporary file), a student's module, <string>


def raised_by_student(exc: BaseException, checker_code: Iterable = ()) -> bool:
    """True when the innermost student-or-checker frame of ``exc``'s traceback is the student's.

    checker_code: functions (or code objects) that belong to the checker wherever they are defined,
    e.g. a check's own ``ask`` and ``inputs`` (an instructor's private tests file lives outside coursekit).
    """
    own = {getattr(f, "__code__", f) for f in checker_code}
    frames: list[TracebackType] = []
    tb = exc.__traceback__
    while tb is not None:
        frames.append(tb)
        tb = tb.tb_next
    for tb in reversed(frames):
        if tb.tb_frame.f_code in own:
            return False
        owner = _whose(tb.tb_frame.f_code.co_filename)
        if owner != "library":
            return owner == "student"
    return False
