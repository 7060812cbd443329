"""Every week, graded as an instructor grades it: ``coursekit grade`` on three submissions.

* the instructor notebook itself: full marks on every auto-graded question, no cell raises, and its
  cells run in at most 60 s (this replaces running the instructor notebooks under nbval: the grader
  runs every cell in a fresh sandboxed kernel and judges every check in its own process, which is
  stricter than ``COURSEKIT_STRICT=1``);
* the untouched student notebook (as committed in ``student/``): runs top to bottom without an error,
  0 points, every question "not attempted", written questions waiting for the instructor (with the
  instructor notebook's run, this replaces nbval on ``notebooks/`` and ``student/``);
* a typical wrong submission: the student notebook's first code cell (its imports) and one cell that
  gives every answer the first typical mistake of that check's cases (``tests/test_checks_<prefix>.py``,
  the same mistakes the registry walk demands): every auto-graded question is judged as the case says,
  with the message that names the mistake.

One class per week, so pytest-xdist (``--dist loadscope``) spreads the weeks over its workers.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import nbformat
import pytest

from coursekit.grading.grader import grade
from coursekit.grading.assignment import find_questions

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).parent
CHAPTERS = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
BUDGET_S = 60.0

# The cases' module, made runnable in a student's kernel: ``checkcases`` is the test helper, which a
# kernel does not have; Cases and Mistake are plain records there.
CASES_PRELUDE = '''
from dataclasses import dataclass, field
from typing import Any

@dataclass
class Mistake:
    answer: Any
    says: str
    status: str = "wrong"

@dataclass
class Cases:
    reference: Any
    valid: list = field(default_factory=list)
    mistakes: list = field(default_factory=list)
    stubs: tuple = None
    seeds: int = 4
'''


def _cases_source(prefix: str) -> str:
    """tests/test_checks_<prefix>.py without its pytest machinery, to run in a kernel."""
    src = (HERE / f"test_checks_{prefix}.py").read_text()
    tree = ast.parse(src)
    keep = []
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = {a.name.split(".")[0] for a in node.names} | {getattr(node, "module", "") or ""}
            if names & {"pytest", "checkcases"}:
                continue
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id.startswith("test_")
                                                for t in node.targets):
            continue
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name.startswith(("test_", "Test")):
            continue
        keep.append(ast.get_source_segment(src, node, padded=False))
    return CASES_PRELUDE + "\n\n".join(keep)


def _wrong_submission(chapter: str, questions) -> tuple[nbformat.NotebookNode, dict]:
    """The student notebook's imports, then each answer set to its check's first mistake."""
    student = nbformat.read(ROOT / "student" / chapter, as_version=4)
    code = [c for c in student.cells if c.cell_type == "code"]
    imports = next(c for c in code if "import" in c.source and "coursekit" in c.source)
    expected, lines = {}, []
    for prefix in sorted({q.name.split(".")[0] for q in questions}):   # in a namespace of its own, so
        lines.append(f"_cases_{prefix} = {{}}\n"                         # its names cannot clash with answers
                     f"exec(compile({_cases_source(prefix)!r}, 'test_checks_{prefix}.py', 'exec'), _cases_{prefix})")
    for q in questions:
        if not q.expression.isidentifier():
            continue
        prefix = q.name.split(".")[0]
        lines.append(f"{q.expression} = _cases_{prefix}['CASES'][{q.name!r}].mistakes[0].answer")
        expected[q.name] = q
    nb = nbformat.v4.new_notebook(metadata=student.metadata)
    nb.cells = [nbformat.v4.new_code_cell(imports.source), nbformat.v4.new_code_cell("\n\n".join(lines))]
    return nb, expected


def _first_mistakes(questions) -> dict:
    import importlib.util
    out = {}
    for prefix in sorted({q.name.split(".")[0] for q in questions}):
        spec = importlib.util.spec_from_file_location(f"_grade_weeks_{prefix}", HERE / f"test_checks_{prefix}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        out.update({name: cases.mistakes[0] for name, cases in module.CASES.items()})
    return out


def _grade_week(chapter: str, tmp: Path) -> dict:
    instructor = ROOT / "notebooks" / chapter
    nb = nbformat.read(instructor, as_version=4)
    questions = find_questions(nb, chapter)
    subs = tmp / "submissions"
    subs.mkdir()
    (subs / "instructor.ipynb").write_text(instructor.read_text())
    (subs / "blank.ipynb").write_text((ROOT / "student" / chapter).read_text())
    wrong, expected = _wrong_submission(chapter, questions)
    nbformat.write(wrong, subs / "wrong.ipynb")
    summary = grade(instructor, subs, tmp / "grades", jobs=2, progress=False, echo=None)
    return {"results": summary.by_student(), "questions": questions, "expected": expected,
            "mistakes": _first_mistakes(questions), "out": tmp / "grades"}


def _auto(res: dict) -> list[dict]:
    return [q for q in res["questions"] if not q.get("written")]


_GRADED: dict[str, dict] = {}


class _Week:
    chapter: str = ""

    @pytest.fixture
    def graded(self, tmp_path_factory):
        if self.chapter not in _GRADED:               # once per week (the class's tests share it)
            _GRADED[self.chapter] = _grade_week(self.chapter, tmp_path_factory.mktemp(self.chapter[:2]))
        return _GRADED[self.chapter]

    def test_the_instructor_notebook_earns_full_marks(self, graded):
        res = graded["results"]["instructor"]
        assert res["first_error"] is None, res["first_error"]
        wrong = [(q["name"], q["status"], q["message"]) for q in _auto(res) if q["status"] != "passed"]
        assert not wrong, wrong
        assert res["seconds"]["cells"] <= BUDGET_S, f"the notebook's cells ran {res['seconds']['cells']:.0f} s"

    def test_the_untouched_student_notebook_is_not_attempted(self, graded):
        res = graded["results"]["blank"]
        assert res["first_error"] is None, res["first_error"]      # it runs top to bottom as handed out
        assert res["total"] == 0 and res["status"] == "not attempted", (res["status"], res["reason"])
        assert {q["status"] for q in _auto(res)} == {"not attempted"}

    def test_typical_mistakes_are_named(self, graded):
        res = graded["results"]["wrong"]
        assert res["total"] == 0, [(q["name"], q["status"]) for q in _auto(res) if q["points"]]
        by_name = {q["name"]: q for q in _auto(res)}
        problems = []
        for name in graded["expected"]:
            mistake, got = graded["mistakes"][name], by_name[name]
            if got["status"] != mistake.status or mistake.says.lower() not in got["message"].lower():
                problems.append(f"{name}: expected {mistake.status} saying {mistake.says!r}; "
                                f"got {got['status']}: {got['message']}")
        assert not problems, "\n".join(problems)

    def test_the_gradebook_has_a_row_for_each(self, graded):
        book = (graded["out"] / "gradebook.csv").read_text()
        assert all(re.search(rf"^{s},", book, re.M) for s in ("instructor", "blank", "wrong")), book
        feedback = json.loads((graded["out"] / "wrong.json").read_text())
        assert feedback["student"] == "wrong"


for _chapter in CHAPTERS:
    _name = "TestWeek" + _chapter[:2]
    globals()[_name] = type(_name, (_Week,), {"chapter": _chapter})
del _chapter, _name
