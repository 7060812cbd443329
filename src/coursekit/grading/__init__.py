"""Exercise machinery: solution markers, student notebooks, the registry of checks, ``check()``.

The re-execution grader builds on the same registry: it *asks* in the student's kernel and
*judges* in its own process.
"""

from .check import CheckFailed, check, strict_mode
from .compare import close, number
from .forms import function_check, value_check
from .markers import MarkerError, make_student_notebook, strip_source, write_student_notebooks
from .registry import Check, Problem, Verdict, all_checks, ask, get_check, judge, load_checks_file, register

__all__ = ["check", "CheckFailed", "strict_mode", "close", "number", "MarkerError", "make_student_notebook",
           "strip_source", "write_student_notebooks", "Check", "Problem", "Verdict", "all_checks", "ask",
           "get_check", "judge", "load_checks_file", "register", "function_check", "value_check"]
