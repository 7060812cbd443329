"""Exercise machinery: solution markers, student notebooks, the registry of checks, ``check()``.

The re-execution grader builds on the same registry: it *asks* in the student's kernel and
*judges* in its own process.
"""

from .check import CheckFailed, check, strict_mode
from .compare import close, number
from .forms import choice_check, function_check, value_check
from .registry import Check, Problem, Verdict, all_checks, ask, get_check, judge, load_checks_file, register

__all__ = ["check", "CheckFailed", "strict_mode", "close", "number", "MarkerError", "make_student_notebook",
           "strip_source", "write_student_notebooks", "Check", "Problem", "Verdict", "all_checks", "ask",
           "get_check", "judge", "load_checks_file", "register", "function_check", "value_check", "choice_check"]

_LAZY = {"MarkerError", "make_student_notebook", "strip_source", "write_student_notebooks"}


def __getattr__(name):
    """The student-notebook maker imports nbformat (and jsonschema), seconds on a slow machine: only
    when asked for, so a notebook's ``from coursekit.grading import check`` and a grading kernel stay quick."""
    if name in _LAZY:
        from . import markers
        return getattr(markers, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
