"""What an assignment asks: its checks, their points and answers, read from the instructor notebook.

A ``check("optim.sigmoid", sigmoid, points=2)`` call in a code cell declares a question: the check's
name, the answer's expression (``sigmoid``, evaluated by name in the executed notebook, so it does
not matter where the student's cell sits or whether it was retyped), and its points: the
``points=`` argument, else the cell's metadata ``{"coursekit": {"points": 2}}``, else 1.

A markdown cell whose metadata is ``{"coursekit": {"written": "<module>.<short_name>", "points": N}}``
declares a written question, graded by hand: the cell holds the question and, between
``<!-- BEGIN SOLUTION -->`` and ``<!-- END SOLUTION -->``, the model answer, then a line ``**Rubric**``
and items ``- (1 point) names the ...`` whose points add up to N. In the student notebook that
region becomes ``*Write your answer here.*``; the student's answer is the text of the submission's
cell with the same id (or, when ids are missing, the cell that still holds the question's text),
less the question.

A private tests file (``--tests FILE``) adds hidden questions. It is a Python file that calls
``coursekit.grading.register(name, answer="<name in the notebook>", private=True, inputs=..., ask=...,
judge=...)``; it may set ``POINTS = {name: points}`` (default 1 point each). It runs in the grader's
processes only: its ``ask`` too runs there, calling the student's function in the kernel with
plain data (see :mod:`coursekit.grading.remote`), so the file never reaches a student's kernel.
"""

from __future__ import annotations

import ast
import hashlib
import math
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import registry
from .markers import MARKDOWN_PLACEHOLDER, MarkerError, make_student_notebook, solution_regions, strip_source

__all__ = ["AssignmentError", "Question", "Written", "Assignment", "read_assignment", "load_private_checks",
           "ensure_checks", "normalise"]

MAX_ANSWER_CHARS = 20_000            # a written answer longer than this is cut (and says so)


def normalise(source: str) -> str:
    """A cell's source for comparison: no trailing spaces, no leading or trailing blank lines."""
    return "\n".join(line.rstrip() for line in source.strip().splitlines())


class AssignmentError(ValueError):
    """The instructor notebook or private tests file cannot be graded as it is (an instructor's problem)."""


@dataclass(frozen=True)
class Question:
    name: str
    expression: str          # the answer, as an expression in the notebook's namespace
    points: float
    private: bool = False    # from the private tests file: feedback gives the reason only
    via_grader: bool = False  # its ask half runs in the grader (checks that do not ship with coursekit)
    cell: int | None = None  # 1-based cell number in the instructor notebook


@dataclass(frozen=True)
class Written:
    """A written question: graded by hand with its rubric; the grader collects the answers."""
    name: str
    points: float
    cell: int                                   # 1-based cell number in the instructor notebook
    cell_id: str | None
    prompt: str                                 # the question: the cell without its solution region
    model_answer: str
    rubric: tuple[tuple[float, str], ...]
    before: tuple[str, ...] = ()                # the student cell's lines before and after the placeholder
    after: tuple[str, ...] = ()

    def answer_in(self, nb) -> tuple[str | None, str]:
        """(the student's answer or None when blank, a note). Found by cell id, else by the question text."""
        cells = [c for c in nb.cells if c.get("cell_type") == "markdown"]
        cell = next((c for c in cells if self.cell_id and c.get("id") == self.cell_id), None)
        how = ""
        if cell is None:
            head = [ln for ln in self.before if ln.strip()]
            cell = next((c for c in cells if head and
                         [ln for ln in _lines(c.get("source", "")) if ln.strip()][:len(head)] == head), None)
            how = "found by the question's text (the cell's id had changed)" if cell is not None else ""
        if cell is None:
            return None, "the question's cell is not in the notebook"
        lines = _lines(cell.get("source", ""))
        before, after = [ln for ln in self.before], [ln for ln in self.after]
        while before and lines and lines[0] == before[0]:
            lines, before = lines[1:], before[1:]
        while after and lines and lines[-1] == after[-1]:
            lines, after = lines[:-1], after[:-1]
        text = "\n".join(ln for ln in lines if ln.strip() != MARKDOWN_PLACEHOLDER).strip()
        if not text:
            return None, how
        if len(text) > MAX_ANSWER_CHARS:
            text = text[:MAX_ANSWER_CHARS] + "\n[… cut: the answer is longer than 20,000 characters]"
        return text, how


def _lines(source: str) -> list[str]:
    return [ln.rstrip() for ln in normalise(source).splitlines()]


_RUBRIC_ITEM = re.compile(r"^\s*[-*]\s*\((\d+(?:\.\d+)?)\s*points?\)\s*(.+?)\s*$")


def find_written(nb, path: str = "the instructor notebook") -> list[Written]:
    """Every markdown cell with ``{"coursekit": {"written": name, "points": N}}`` metadata, in order."""
    found: list[Written] = []
    for index, cell in enumerate(nb.cells, 1):
        meta = cell.get("metadata", {}).get("coursekit", {})
        if not isinstance(meta, dict) or "written" not in meta:
            continue
        where = f"{path}, cell {index}"
        name = meta["written"]
        if cell.cell_type != "markdown":
            raise AssignmentError(f"{where}: a written question ({name!r}) must be a markdown cell")
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)+", name):
            raise AssignmentError(f"{where}: the written question's name must look like \"module.short_name\", "
                                  f"got {name!r}")
        try:
            regions = solution_regions(cell.source, "markdown", where)
            student = strip_source(cell.source, "markdown", where)
        except MarkerError as exc:
            raise AssignmentError(str(exc)) from None
        if len(regions) != 1:
            raise AssignmentError(f"{where}: written question {name!r} needs exactly one <!-- BEGIN SOLUTION --> "
                                  f"... <!-- END SOLUTION --> region (the model answer and rubric); found {len(regions)}")
        region = regions[0]
        marks = [i for i, ln in enumerate(region) if ln.strip().strip(":").replace(":**", "**") == "**Rubric**"]
        if not marks:
            raise AssignmentError(f"{where}: written question {name!r} has no line **Rubric** in its solution "
                                  "region (after the model answer: items like \"- (1 point) names the ...\")")
        items = [m.groups() for m in map(_RUBRIC_ITEM.match, region[marks[0] + 1:]) if m]
        if not items:
            raise AssignmentError(f"{where}: the rubric of {name!r} has no item like \"- (1 point) names the ...\"")
        rubric = tuple((float(p), text) for p, text in items)
        total = sum(p for p, _ in rubric)
        points = meta.get("points", total)
        if isinstance(points, bool) or not isinstance(points, (int, float)) or not points > 0 \
                or not math.isfinite(points):
            raise AssignmentError(f"{where}: points of written question {name!r} must be a positive number, "
                                  f"got {points!r}")
        if abs(total - points) > 1e-9:
            raise AssignmentError(f"{where}: the rubric of {name!r} adds up to {total:g} points but the cell's "
                                  f"metadata gives {points:g}")
        parts = _lines(student)
        cut = parts.index(MARKDOWN_PLACEHOLDER) if MARKDOWN_PLACEHOLDER in parts else len(parts)
        found.append(Written(name, float(points), index, cell.get("id"),
                             prompt="\n".join(parts[:cut] + parts[cut + 1:]).strip(),
                             model_answer="\n".join(region[:marks[0]]).strip(), rubric=rubric,
                             before=tuple(parts[:cut]), after=tuple(parts[cut + 1:])))
    return found


@dataclass
class Assignment:
    name: str                                   # the instructor notebook's stem, e.g. "03-backprop"
    filename: str                               # e.g. "03-backprop.ipynb"
    questions: list[Question]
    student_code: list[str]                     # code cells of the student version (to spot blanks)
    student_cells: set[str] = field(default_factory=set)   # every student-version cell, normalised
    tests_text: str | None = None
    tests_path: str | None = None
    fingerprint: str = ""                       # changes when anything that affects a grade changes
    written: list[Written] = field(default_factory=list)

    @property
    def max_points(self) -> float:
        return float(sum(q.points for q in self.questions) + sum(w.points for w in self.written))

    @property
    def columns(self) -> list[str]:
        """Every question's name in the notebook's order (checks and written questions; hidden ones last)."""
        order = [((q.cell if q.cell is not None else math.inf), i, q.name) for i, q in enumerate(self.questions)]
        order += [(w.cell, -1, w.name) for w in self.written]
        return [name for *_, name in sorted(order, key=lambda t: (t[0], t[1]))]


def _python(source: str) -> str:
    """Cell source as plain Python (IPython magics become calls)."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager
        return TransformerManager().transform_cell(source)
    except Exception:
        return source


def _arg(call: ast.Call, position: int, keyword: str):
    for kw in call.keywords:
        if kw.arg == keyword:
            return kw.value
    return call.args[position] if len(call.args) > position else None


def _is_check(func: ast.expr) -> bool:
    return (isinstance(func, ast.Name) and func.id == "check") or (isinstance(func, ast.Attribute) and func.attr == "check")


def _points(node, default, where: str) -> float:
    if node is None:
        value = default
    else:
        try:
            value = ast.literal_eval(node)
        except ValueError:
            raise AssignmentError(f"{where}: points must be a number written in the call") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise AssignmentError(f"{where}: points must be a positive number, got {value!r}")
    return float(value)


def find_questions(nb, path: str = "the instructor notebook") -> list[Question]:
    """Every ``check(name, answer, points=...)`` call in the notebook's code cells, in order."""
    questions: list[Question] = []
    seen: dict[str, int] = {}
    for index, cell in enumerate(nb.cells, 1):
        if cell.cell_type != "code":
            continue
        src = _python(cell.source)
        try:
            tree = ast.parse(src)
        except SyntaxError as exc:
            raise AssignmentError(f"{path}, cell {index}: not valid Python ({exc.msg}, line {exc.lineno})") from None
        meta = cell.get("metadata", {}).get("coursekit", {})
        calls = sorted((n for n in ast.walk(tree) if isinstance(n, ast.Call) and _is_check(n.func)),
                       key=lambda n: (n.lineno, n.col_offset))
        for call in calls:
            where = f"{path}, cell {index}, line {call.lineno}"
            name_node, answer = _arg(call, 0, "name"), _arg(call, 1, "answer")
            if not (isinstance(name_node, ast.Constant) and isinstance(name_node.value, str)) or answer is None:
                raise AssignmentError(f"{where}: write check(\"module.exercise\", answer, points=...) with the "
                                      "name as a string")
            name = name_node.value
            if name in seen:
                raise AssignmentError(f"{where}: check {name!r} already appears in cell {seen[name]}; "
                                      "each question needs a check of its own")
            seen[name] = index
            expression = ast.get_source_segment(src, answer) or ast.unparse(answer)
            questions.append(Question(name, expression, _points(_arg(call, 2, "points"), meta.get("points", 1), where),
                                      cell=index))
    return questions


_LOCK = threading.Lock()
_LOADED_FILES: dict[str, list[str]] = {}


def ensure_checks(names, tests_text: str | None, tests_path: str | None) -> None:
    """Load the checks ``names`` need (and the private file) in this process before any thread judges.

    Only the chapters' check modules are imported, not every chapter's. (The registry loads lazily;
    loading under a lock keeps judging threads from racing it; a Dask worker starts with nothing.)"""
    if tests_text:
        load_private_checks(tests_text, tests_path or "private_tests.py")
    with _LOCK:
        for name in names:
            registry.get_check(name)


def load_private_checks(text: str, path: str = "private_tests.py") -> tuple[list[str], dict]:
    """Run a private tests file (once per process, keyed by its content); return (names, POINTS).

    The names are the checks the file registered or replaced. Runs in the grader's process only.
    """
    key = hashlib.sha256(text.encode()).hexdigest()
    with _LOCK:
        before = registry.all_checks()           # public checks first: the file may replace one
        namespace = {"__name__": "coursekit_private_tests", "__file__": path}
        if key not in _LOADED_FILES:
            try:
                exec(compile(text, path, "exec"), namespace)
            except Exception as exc:
                raise AssignmentError(f"{path}: {type(exc).__name__}: {exc}") from None
            names = sorted(n for n, c in registry.all_checks().items() if before.get(n) is not c)
            _LOADED_FILES[key] = [names, namespace.get("POINTS", {})]
        names, points = _LOADED_FILES[key]
        return list(names), dict(points)


def read_assignment(instructor, tests=None) -> Assignment:
    """Read the instructor notebook (and private tests file) into an :class:`Assignment`."""
    path = Path(instructor)
    if not path.is_file():
        raise AssignmentError(f"no instructor notebook at {path}")
    raw = path.read_bytes()
    try:
        nb = nbformat.reads(raw.decode("utf-8"), as_version=4)
    except Exception as exc:
        raise AssignmentError(f"{path} is not a readable notebook: {exc}") from None
    questions = find_questions(nb, str(path))
    for q in questions:                          # get_check imports just the chapter's check module
        try:
            registry.get_check(q.name)
        except KeyError as exc:
            raise AssignmentError(f"{path}, cell {q.cell}: {exc.args[0]}") from None
    tests_text = None
    if tests is not None:
        tests_path = Path(tests)
        if not tests_path.is_file():
            raise AssignmentError(f"no private tests file at {tests_path}")
        tests_text = tests_path.read_text(encoding="utf-8")
        names, points = load_private_checks(tests_text, str(tests_path))
        if not names:
            raise AssignmentError(f"{tests_path} registers no check; call coursekit.grading.register(...)")
        by_name = {q.name: q for q in questions}
        for name in names:
            chk = registry.get_check(name)
            if name in by_name:                   # the file replaces a public check: ask it from the grader
                q = by_name[name]
                questions[questions.index(q)] = Question(q.name, q.expression, q.points, chk.private, True, q.cell)
                continue
            if not chk.answer:
                raise AssignmentError(f"{tests_path}: check {name!r} needs answer=\"<name in the notebook>\"")
            questions.append(Question(name, chk.answer, _points(None, points.get(name, 1), f"{tests_path}: {name}"),
                                      private=chk.private, via_grader=True))
    written = find_written(nb, str(path))
    clash = {q.name for q in questions} & {w.name for w in written}
    if clash:
        raise AssignmentError(f"{path}: {sorted(clash)[0]!r} names both a check and a written question")
    if len({w.name for w in written}) != len(written):
        raise AssignmentError(f"{path}: two written questions have the same name")
    if not questions and not written:
        raise AssignmentError(f"{path} has no check(...) call, written question or private check: nothing to grade")
    student = make_student_notebook(nb, path)
    fingerprint = hashlib.sha256(raw + (tests_text or "").encode()).hexdigest()
    return Assignment(
        name=path.stem, filename=path.name, questions=questions,
        student_code=[c.source.strip() for c in student.cells if c.cell_type == "code"],
        student_cells={normalise(c.source) for c in student.cells if normalise(c.source)},
        tests_text=tests_text, tests_path=str(Path(tests).resolve()) if tests is not None else None,
        fingerprint=fingerprint, written=written)
