"""What the grader writes: the gradebook, per-student feedback, its own state, the run summary.

Every file is written atomically (a temporary file in the same folder, then ``os.replace``), so a
killed run leaves each file either old or new, never half-written. Feedback for a hidden (private)
check names the check and gives its one-sentence reason, never its inputs or expected values.
Student-controlled text (error messages, names) is truncated, escaped for Markdown tables, and
cells that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``) are quoted in the CSV.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

STATE_DIR = ".coursekit-grade"
FURTHER = "The grade may include further, hidden checks."     # said once, at the end
ICONS = {"passed": "✅", "wrong": "❌", "error": "❌", "not attempted": "⬜", "not graded": "⛔"}


def atomic_write(path: Path, text: str) -> None:
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _md(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())[:limit]
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def _code(text: str, limit: int = 120) -> str:
    return "`" + " ".join(str(text).split())[:limit].replace("`", "'") + "`"


def feedback_markdown(assignment, res: dict) -> str:
    q_rows = ["| Question | Points | Verdict |", "|---|---|---|"]
    notes = []
    for q in res["questions"]:
        label = f"{q['name']} (hidden check)" if q.get("hidden") else q["name"]
        q_rows.append(f"| {_md(label)} | {q['points']:g} / {q['max_points']:g} | "
                      f"{ICONS.get(q['status'], '?')} {_md(q['status'])} |")
        if q.get("message") and q["message"] != FURTHER:
            notes.append(f"- **{_md(label)}**: {_md(q['message'], 600)}")
    lines = [f"# Feedback: {_md(res['assignment'])}, {_md(res['student'])}", "",
             f"**{res['total']:g} / {res['max']:g} points**. Status: **{_md(res['status'])}**."]
    if res.get("reason"):
        lines += ["", _md(res["reason"], 800)]
    lines += ["", *q_rows]
    if notes:
        lines += ["", "## Messages", "", *notes]
    if res.get("first_error"):
        e = res["first_error"]
        lines += ["", "## First error", "",
                  f"Cell {e['cell']} ({_code(e.get('source', ''))}) raised {_code(e['ename'] + ': ' + e['evalue'], 300)}. "
                  "Cells after it still ran; each question is checked on its own."]
    if res.get("incidents"):
        lines += ["", "## What the grader had to stop", ""]
        lines += [f"- {_md(i['where'])}: {_md(i['detail'])}" for i in res["incidents"]]
    sec = res.get("seconds", {})
    lines += ["", f"Your notebook's cells ran for {sec.get('cells', 0):.1f} s (grading took {sec.get('wall', 0):.1f} s)."]
    if res["questions"]:
        lines.append("Passing the checks in your notebook does not guarantee full marks: the grade may include "
                     "further, hidden checks.")
    for n in res.get("notes", []):
        lines.append(f"Note: {_md(n)}.")
    return "\n".join(lines) + "\n"


def write_student(out: Path, assignment, res: dict) -> None:
    atomic_write(Path(out) / f"{res['key']}.json", json.dumps(res, indent=1, ensure_ascii=False) + "\n")
    atomic_write(Path(out) / f"{res['key']}.md", feedback_markdown(assignment, res))


def _cell(x) -> str:
    s = str(x)
    return "'" + s if s[:1] in ("=", "+", "-", "@") else s


def write_gradebook(out: Path, assignment, results: list[dict]) -> Path:
    names = [q.name for q in assignment.questions]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["student", *names, "total", "max", "status", "reason"])
    for r in results:
        pts = {q["name"]: q["points"] for q in r["questions"]}
        w.writerow([_cell(r["student"]), *[f"{pts.get(n, 0):g}" for n in names], f"{r['total']:g}",
                    f"{r['max']:g}", r["status"], _cell(" ".join(r.get("reason", "").split())[:300])])
    path = Path(out) / "gradebook.csv"
    atomic_write(path, buf.getvalue())
    return path


def read_state(out: Path) -> dict[str, dict]:
    """Previous results by student key (for skipping unchanged submissions)."""
    d = Path(out) / STATE_DIR
    state = {}
    if d.is_dir():
        for p in d.glob("*.json"):
            try:
                state[p.stem] = json.loads(p.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
    return state


def write_state(out: Path, key: str, sha256: str, config: str, res: dict) -> None:
    d = Path(out) / STATE_DIR
    d.mkdir(exist_ok=True, mode=0o700)
    atomic_write(d / f"{key}.json", json.dumps({"sha256": sha256, "config": config, "result": res}))


@dataclass
class Summary:
    assignment: str
    out: Path
    results: list[dict]
    graded: int
    unchanged: int
    seconds: float
    isolation: str
    isolation_level: str
    isolation_levels: list[str]
    limits: str
    max_points: float

    @property
    def counts(self) -> Counter:
        return Counter(r["status"] for r in self.results)

    def by_student(self) -> dict[str, dict]:
        return {r["student"]: r for r in self.results}

    def render(self) -> str:
        n = len(self.results)
        counts = " · ".join(f"{status} {k}" for status, k in sorted(self.counts.items(), key=lambda kv: -kv[1]))
        mean = sum(r["total"] for r in self.results) / n if n else 0.0
        lines = [f"{self.assignment}: {n} submission{'s' if n != 1 else ''} in {self.seconds:.1f} s "
                 f"({self.graded} graded now, {self.unchanged} unchanged and skipped); "
                 f"mean {mean:.2f} / {self.max_points:g} points.",
                 f"  status: {counts or 'none'}",
                 f"  gradebook: {Path(self.out) / 'gradebook.csv'}; feedback: {self.out}/<student>.md and .json",
                 f"  limits: {self.limits}",
                 f"  isolation: {self.isolation}"]
        if any(level != self.isolation_level for level in self.isolation_levels):
            lines.append(f"  isolation levels reported by the workers: {', '.join(self.isolation_levels)}")
        return "\n".join(lines)
