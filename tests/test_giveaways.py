"""No accepted answer appears in a student notebook: not in its text, its code or its executed outputs.

For every value check a chapter asks (``value_check``: a number the student computes), the accepted
value is searched for, in its usual printed forms (``9``, ``9.0``, ``0.0437``, ``4.37e-02``, ``1,425``),
in the committed student notebook and in the outputs of its execution by the website build
(``_build/jupyter_execute/student/``, where glued numbers are outputs too). A number that shows up
there is given away: the exercise must ask for something the page does not print.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

from coursekit.grading import get_check
from coursekit.grading.assignment import find_questions

pytestmark = pytest.mark.slow            # reads the built site's executed notebooks (make book)

ROOT = Path(__file__).resolve().parents[1]
EXECUTED = ROOT / "_build" / "jupyter_execute" / "student"
CHAPTERS = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))


def printed_forms(value) -> set[str]:
    """How a number is usually printed: integers plainly and with thousands separators, floats with
    2 to 6 significant digits, in fixed and in exponent notation."""
    v = float(value)
    if not np.isfinite(v):
        return set()
    if v == int(v) and abs(v) < 1e15:
        n = int(v)
        return {str(n), f"{n:,}", f"{n}.0"}
    forms = set()
    for k in range(2, 7):
        forms |= {f"{v:.{k}g}", f"{v:.{k}e}".replace("e-0", "e-").replace("e+0", "e+"), f"{v:.{k}e}"}
        if abs(v) >= 1e-3:
            forms.add(f"{v:.{k}f}".rstrip("0").rstrip(".") if "." in f"{v:.{k}f}" else f"{v:.{k}f}")
    return {f for f in forms if len(f.strip("-0.")) >= 2}      # "0.5" alone is too common to mean anything


def _texts(nb) -> list[tuple[str, str]]:
    """(where, text) for every cell source and every output of a notebook."""
    out = []
    for i, cell in enumerate(nb.cells, 1):
        out.append((f"cell {i} ({cell.cell_type})", cell.source))
        for o in cell.get("outputs", []):
            if "text" in o:
                out.append((f"cell {i} output", o["text"]))
            for mime, data in o.get("data", {}).items():
                if mime.startswith(("text/", "application/papermill.record/text")):
                    out.append((f"cell {i} output {mime}", data if isinstance(data, str) else json.dumps(data)))
    return out


def _value_questions(chapter: str):
    nb = nbformat.read(ROOT / "notebooks" / chapter, as_version=4)
    for q in find_questions(nb, chapter):
        chk = get_check(q.name)
        if chk.kind == "value" and chk.accepted is not None:
            accepted = np.asarray(chk.accepted())
            if accepted.size == 1 and accepted.dtype.kind in "biuf":
                yield q.name, float(accepted.reshape(()))


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_no_accepted_value_is_printed_in_the_student_notebook(chapter):
    questions = list(_value_questions(chapter))
    if not questions:
        pytest.skip(f"{chapter} has no value check")
    student = nbformat.read(ROOT / "student" / chapter, as_version=4)
    executed_path = EXECUTED / chapter
    assert executed_path.is_file(), f"{executed_path} is missing: run `make book` first"
    executed = nbformat.read(executed_path, as_version=4)
    found = []
    for name, value in questions:
        pattern = re.compile("|".join(rf"(?<![\w.]){re.escape(f)}(?![\w])" for f in sorted(printed_forms(value))))
        for where, text in _texts(student) + _texts(executed):
            m = pattern.search(text)
            if m:
                found.append(f"{name}: its accepted value {value:g} appears as {m.group(0)!r} in {where}: "
                             f"…{text[max(0, m.start() - 60):m.end() + 60]}…")
                break
    assert not found, "\n".join(found)


def test_printed_forms_cover_the_usual_formats():
    assert {"9", "9.0"} <= printed_forms(9) and "1,425" in printed_forms(1425)
    forms = printed_forms(0.04374)
    assert {"0.044", "0.0437", "4.37e-2", "4.37e-02"} <= forms
    assert "0.5" not in printed_forms(0.5)
