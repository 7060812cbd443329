"""Written questions graded by hand: the answers collected for the instructor, their points merged back.

After a run, each written question of the assignment (see :mod:`coursekit.grading.assignment`) is
in the gradebook with status "to grade by hand" and 0 points, and the grader writes:

* ``<out>/written/<question>.md``: the question, the model answer and the rubric, then every
  student's answer, each set as a literal text block (a student's Markdown is shown, never
  rendered: no link, image or HTML in it can do anything);
* ``<out>/manual-scores.csv``: one row per student and written question, with empty ``points``
  and ``comment`` columns to fill in. An existing file is never overwritten: rows for new students
  or questions are added, the instructor's rows are kept as they are.

``coursekit grade ... --manual scores.csv`` reads the filled-in file *before anything is written*
and refuses it, naming the row and the column, if a student or question is unknown, points are
not a number between 0 and the question's maximum, or a pair appears twice. The points (and the
comment, as the question's message) then go into the gradebook and every student's feedback. The
merge is applied to the stored results each time (never accumulated), so running it twice gives
the same files; a row with empty points leaves that answer "to grade by hand".
"""

from __future__ import annotations

import copy
import csv
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path

from .assignment import AssignmentError
from .report import BY_HAND, TO_GRADE, atomic_write, clean, code_block, csv_cell, md

__all__ = ["Score", "read_scores", "apply", "write_collections", "update_template", "TEMPLATE"]

TEMPLATE = "manual-scores.csv"
COLUMNS = ["student", "question", "max_points", "points", "comment"]


@dataclass(frozen=True)
class Score:
    points: float
    comment: str
    row: int


def _student_key(value: str, students: dict[str, list[str]], keys: set[str]) -> str | None:
    """The key of the student named ``value`` (display name or key; a formula-guard quote is ignored)."""
    candidates = [value]
    if value.startswith("'") and value[1:2] in ("=", "+", "-", "@"):
        candidates.append(value[1:])
    for v in candidates:
        if v in keys:
            return v
        if len(students.get(v, [])) == 1:
            return students[v][0]
        if len(students.get(v, [])) > 1:
            raise KeyError(f"{v!r} names {len(students[v])} students; write the key ({', '.join(students[v])})")
    return None


def read_scores(path, assignment, students) -> dict[tuple[str, str], Score]:
    """Validate and read a manual-scores file. ``students``: (display name, key) of every submission.

    Raises :class:`AssignmentError` naming the file, row and column of the first problem."""
    path = Path(path)
    maxima = {w.name: w.points for w in assignment.written}
    if not maxima:
        raise AssignmentError(f"{path}: {assignment.filename} has no written question to grade by hand")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise AssignmentError(f"{path}: cannot be read ({exc})") from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in ("student", "question", "points") if c not in header]
    if missing:
        raise AssignmentError(f"{path}, row 1: the header needs the columns student, question and points "
                              f"(missing: {', '.join(missing)})")
    by_name: dict[str, list[str]] = {}
    for display, key in students:
        by_name.setdefault(display, []).append(key)
    keys = {key for _, key in students}
    scores: dict[tuple[str, str], Score] = {}
    for number, raw in enumerate(reader, 2):
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if isinstance(v, str)}
        where = f"{path}, row {number}"
        if not any(row.values()):
            continue
        try:
            key = _student_key(row.get("student", ""), by_name, keys)
        except KeyError as exc:
            raise AssignmentError(f"{where}, column student: {exc.args[0]}") from None
        if key is None:
            raise AssignmentError(f"{where}, column student: no submission of a student {row.get('student')!r}")
        question = row.get("question", "")
        if question not in maxima:
            raise AssignmentError(f"{where}, column question: {question!r} is not a written question of "
                                  f"{assignment.filename} (they are: {', '.join(maxima)})")
        if not row.get("points"):
            continue                                    # not graded yet
        try:
            points = float(row["points"])
        except ValueError:
            raise AssignmentError(f"{where}, column points: {row['points']!r} is not a number") from None
        if not math.isfinite(points) or not 0 <= points <= maxima[question]:
            raise AssignmentError(f"{where}, column points: {row['points']} is outside 0..{maxima[question]:g}, "
                                  f"the points of {question}")
        if (key, question) in scores:
            raise AssignmentError(f"{where}: {row.get('student')!r} and {question!r} were already given points in "
                                  f"row {scores[key, question].row}")
        scores[key, question] = Score(points, clean(row.get("comment", ""), limit=2000), number)
    return scores


def apply(res: dict, scores: dict[tuple[str, str], Score] | None) -> dict:
    """``res`` with the instructor's points in its written questions (a copy; ``res`` is unchanged)."""
    if not scores or not any(q.get("written") for q in res["questions"]):
        return res
    out = copy.deepcopy(res)
    for q in out["questions"]:
        score = scores.get((out["key"], q["name"])) if q.get("written") else None
        if score is not None:
            q.update(status=BY_HAND, points=min(score.points, q["max_points"]),
                     message=score.comment or "Graded by hand.")
    out["total"] = float(sum(q["points"] for q in out["questions"]))
    return out


def _filename(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)[:80] or "question"


def write_collections(out, assignment, results: list[dict]) -> list[Path]:
    """``<out>/written/<question>.md`` for every written question: rubric first, then each answer as data."""
    folder = Path(out) / "written"
    if not assignment.written:
        return []
    folder.mkdir(exist_ok=True, mode=0o700)
    made = []
    for w in assignment.written:
        answered, blank = [], []
        for r in results:
            q = next((q for q in r["questions"] if q["name"] == w.name), None)
            text = (r.get("written_answers") or {}).get(w.name)
            (answered if text else blank).append((r, q, text))
        pending = sum(1 for _, q, _ in answered if q and q["status"] == TO_GRADE)
        lines = [f"# {md(w.name)} ({w.points:g} point{'s' if w.points != 1 else ''})", "",
                 "## Question", "", w.prompt, "", "## Model answer", "", w.model_answer or "(none given)", "",
                 "## Rubric", ""]
        lines += [f"- ({p:g} point{'s' if p != 1 else ''}) {text}" for p, text in w.rubric]
        lines += ["", f"## Answers: {len(answered)} of {len(results)} students answered; {pending} still to grade "
                      "by hand", "",
                  f"Enter points (0 to {w.points:g}) and an optional comment in `{TEMPLATE}`, then run "
                  "`coursekit grade ... --manual <that file>`. Each answer below is the student's text as they "
                  "wrote it (shown, not rendered).", ""]
        for r, q, text in answered:
            state = f"{q['points']:g} / {w.points:g}, {q['status']}" if q else "?"
            lines += [f"### {md(r['student'])} ({state})", "", code_block(text), ""]
        if blank:
            lines += ["## Not attempted", "", ", ".join(md(r["student"]) for r, _, _ in blank), ""]
        path = folder / f"{_filename(w.name)}.md"
        atomic_write(path, "\n".join(lines))
        made.append(path)
    return made


def update_template(out, assignment, results: list[dict]) -> str:
    """Write ``<out>/manual-scores.csv`` (or add the missing rows to it); returns a note for the summary."""
    if not assignment.written:
        return ""
    path = Path(out) / TEMPLATE
    maxima = {w.name: w.points for w in assignment.written}
    wanted = [(r["student"], w.name) for w in assignment.written
              for r in sorted(results, key=lambda r: (r["student"].lower(), r["key"]))]
    rows, present = [], set()
    if path.exists():
        try:
            reader = csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig")))
            rows = list(reader)
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            return f"{path} could not be read ({exc}) and was left as it is"
        if not rows or [h.strip() for h in rows[0][:2]] != ["student", "question"]:
            return f"{path} does not start with the columns student,question and was left as it is"
        for row in rows[1:]:
            if len(row) >= 2:
                student = row[0][1:] if row[0][:1] == "'" and row[0][1:2] in ("=", "+", "-", "@") else row[0]
                present.add((student, row[1]))
    missing = [(s, q) for s, q in wanted if (s, q) not in present]
    if rows and not missing:
        return ""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    if rows:
        w.writerows(rows)
    else:
        w.writerow(COLUMNS)
    for student, question in missing:
        w.writerow([csv_cell(student), question, f"{maxima[question]:g}", "", ""])
    atomic_write(path, buf.getvalue())
    return f"{len(missing)} row{'s' if len(missing) != 1 else ''} added to {path}" if rows else ""
