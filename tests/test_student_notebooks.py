"""Every chapter's student notebook: no solution survives, every check is still called, nothing is left over.

That each student notebook also runs top to bottom is tested by nbval on `_student/` (`make test`).
"""

import ast
import json
from pathlib import Path

import nbformat
import pytest

from coursekit.grading import make_student_notebook
from coursekit.grading.markers import solution_regions

pytestmark = pytest.mark.slow          # every chapter, notebook by notebook: not part of `pytest -m "not slow"`

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def _check_calls(nb) -> list[str]:
    names = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:           # IPython magics: not used in the chapters
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "check" and node.args:
                if isinstance(node.args[0], ast.Constant):
                    names.append(node.args[0].value)
    return names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_student_notebook_keeps_no_solution(path):
    nb = nbformat.read(path, as_version=4)
    student = make_student_notebook(nb, path)
    text = json.dumps(student)                # source, outputs and metadata alike

    solution_lines, other_lines = set(), set()
    for i, cell in enumerate(nb.cells):
        if cell.cell_type not in ("code", "markdown"):
            continue
        regions = solution_regions(cell.source, cell.cell_type, f"{path}, cell {i}")
        inside = {line.strip() for region in regions for line in region if line.strip()}
        solution_lines |= inside
        other_lines |= {line.strip() for line in cell.source.splitlines()} - inside
    leaked = [line for line in solution_lines - other_lines if json.dumps(line)[1:-1] in text]
    assert solution_lines, f"{path.name} has no exercises"
    assert not leaked, f"{path.name}: solution lines in the student notebook: {leaked[:3]}"
    assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text
    assert all(c.get("outputs", []) == [] for c in student.cells)
    assert _check_calls(student) == _check_calls(nb), "a check() call was lost"
    assert _check_calls(nb), f"{path.name} has no checked exercise"
