"""What the grader writes: the gradebook, per-student feedback, its own state, the run summary.

Every file is written atomically (a temporary file in the same folder, then ``os.replace``), so a
killed run leaves each file either old or new, never half-written. Feedback for a hidden (private)
check names the check and gives its one-sentence reason, never its inputs or expected values.

Everything that comes from a submission (file names, error messages, outputs, written answers) is
data, never markup or a command:

* :func:`clean` replaces lone surrogates (an exception message can hold one; UTF-8 cannot encode
  it) and drops control characters (ESC, BEL, … and the bidirectional overrides), so nothing
  reaches a file or the instructor's terminal that could clear a screen or write a clipboard;
* :func:`md` escapes text for Markdown (no link, image, HTML, emphasis, table cell or autolink can
  come out of it) and :func:`code_span` / :func:`code_block` set it in code;
* :func:`csv_cell` quotes a cell that a spreadsheet would run as a formula (a leading ``=``, ``+``,
  ``-``, ``@``, tab or carriage return, also after spaces).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

STATE_DIR = ".coursekit-grade"
FURTHER = "The grade may include further, hidden checks."     # said once, at the end
TO_GRADE, BY_HAND = "to grade by hand", "graded by hand"
ICONS = {"passed": "✅", "wrong": "❌", "error": "❌", "not attempted": "⬜", "not graded": "⛔",
         "checker error": "⚠️", TO_GRADE: "📝", BY_HAND: "✍️"}

_SURROGATES = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_MD_ESCAPE = re.compile(r"([\\`*_\[\]<>!|~&$#@])")
_AUTOLINK = re.compile(r"(://|www\.)", re.IGNORECASE)
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def clean(text, *, limit: int | None = None, lines: bool = False) -> str:
    """``text`` as safe text: no lone surrogates, no control characters; one line unless ``lines``."""
    s = _SURROGATES.sub("\ufffd", str(text))
    if lines:                                  # newlines and tabs stay (the control class spares them)
        s = _CONTROL.sub("", s.replace("\r\n", "\n").replace("\r", "\n"))
    else:
        s = _CONTROL.sub("", " ".join(s.split()))
    if limit is not None and len(s) > limit:
        s = s[:limit - 1] + "…"
    return s


def printable(text) -> str:
    """Text for the terminal, spacing kept: no lone surrogates, no control characters."""
    return _CONTROL.sub("", _SURROGATES.sub("\ufffd", str(text)).replace("\n", " "))


def md(text, limit: int = 300) -> str:
    """One line of text for Markdown: every character that could start markup is backslash-escaped."""
    s = _MD_ESCAPE.sub(r"\\\1", clean(text, limit=limit))
    s = _AUTOLINK.sub(lambda m: ":\\/\\/" if m.group(0) == "://" else m.group(0)[:3] + "\\.", s)
    if re.match(r"[-+=>]", s):                             # would start a list, heading or quote
        s = "\\" + s
    elif re.match(r"\d+[.)]", s):                          # an ordered list: escape its delimiter
        s = re.sub(r"^(\d+)([.)])", r"\1\\\2", s)
    return s


def code_span(text, limit: int = 120) -> str:
    s = clean(text, limit=limit)
    ticks = "`" * (max((len(m) for m in re.findall(r"`+", s)), default=0) + 1)
    return f"{ticks} {s} {ticks}"


def code_block(text, limit: int = 20_000) -> str:
    s = clean(text, limit=limit, lines=True)
    fence = "~" * max(4, max((len(m) for m in re.findall(r"~+", s)), default=0) + 1)
    return f"{fence}text\n{s}\n{fence}"


def csv_cell(x) -> str:
    s = clean(x)
    return "'" + s if s[:1] in _FORMULA or s.lstrip()[:1] in _FORMULA else s


def clean_data(obj):
    """A JSON-ready structure with every string (and key) passed through :func:`clean` (lines kept)."""
    if isinstance(obj, str):
        return clean(obj, lines=True)
    if isinstance(obj, dict):
        return {clean(k): clean_data(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [clean_data(v) for v in obj]
    return obj


def atomic_write(path: Path, text: str) -> None:
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".ck-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="replace", newline="") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


# ----------------------------------------------------------------------------------- feedback

def feedback_markdown(assignment, res: dict) -> str:
    q_rows = ["| Question | Points | Verdict |", "|---|---|---|"]
    notes = []
    for q in res["questions"]:
        label = f"{q['name']} (hidden check)" if q.get("hidden") else \
            f"{q['name']} (written)" if q.get("written") else q["name"]
        q_rows.append(f"| {md(label)} | {q['points']:g} / {q['max_points']:g} | "
                      f"{ICONS.get(q['status'], '?')} {md(q['status'])} |")
        if q.get("message") and q["message"] != FURTHER:
            notes.append(f"- **{md(label)}**: {md(q['message'], 600)}")
    lines = [f"# Feedback: {md(res['assignment'])}, {md(res['student'])}", "",
             f"**{res['total']:g} / {res['max']:g} points**. Status: **{md(res['status'])}**."]
    pending = [q["name"] for q in res["questions"] if q["status"] == TO_GRADE]
    if pending:
        lines += ["", f"Written answers still to be graded by hand: {md(', '.join(pending))}."]
    if res.get("reason"):
        lines += ["", md(res["reason"], 800)]
    lines += ["", *q_rows]
    if notes:
        lines += ["", "## Messages", "", *notes]
    if res.get("first_error"):
        e = res["first_error"]
        lines += ["", "## First error", "",
                  f"Cell {e['cell']} ({code_span(e.get('source', ''))}) raised "
                  f"{code_span(str(e['ename']) + ': ' + str(e['evalue']), 300)}. "
                  "Cells after it still ran; each question is checked on its own."]
    if res.get("incidents"):
        lines += ["", "## What the grader had to stop", ""]
        lines += [f"- {md(i['where'])}: {md(i['detail'])}" for i in res["incidents"]]
    sec = res.get("seconds", {})
    lines += ["", f"Your notebook's cells ran for {sec.get('cells', 0):.1f} s (grading took {sec.get('wall', 0):.1f} s)."]
    if any(not q.get("written") for q in res["questions"]):
        lines.append("Passing the checks in your notebook does not guarantee full marks: the grade may include "
                     "further, hidden checks.")
    for n in res.get("notes", []):
        lines.append(f"Note: {md(n)}.")
    return "\n".join(lines) + "\n"


def write_student(out: Path, assignment, res: dict) -> None:
    safe = clean_data(res)
    atomic_write(Path(out) / f"{res['key']}.json", json.dumps(safe, indent=1, ensure_ascii=False) + "\n")
    atomic_write(Path(out) / f"{res['key']}.md", feedback_markdown(assignment, safe))


# ----------------------------------------------------------------------------------- gradebook

def write_gradebook(out: Path, assignment, results: list[dict]) -> Path:
    names = assignment.columns
    written = [w.name for w in getattr(assignment, "written", [])]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["student", *names, "total", "max", "status", "reason"] + ([TO_GRADE] if written else []))
    for r in results:
        pts = {q["name"]: q["points"] for q in r["questions"]}
        pending = [q["name"] for q in r["questions"] if q["status"] == TO_GRADE]
        w.writerow([csv_cell(r["student"]), *[f"{pts.get(n, 0):g}" for n in names], f"{r['total']:g}",
                    f"{r['max']:g}", csv_cell(r["status"]), csv_cell(clean(r.get("reason", ""), limit=300))]
                   + ([csv_cell("; ".join(pending))] if written else []))
    path = Path(out) / "gradebook.csv"
    atomic_write(path, buf.getvalue())
    return path


# ----------------------------------------------------------------------------------- state

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
    atomic_write(d / f"{key}.json", json.dumps({"sha256": sha256, "config": config, "result": clean_data(res)}))


# ----------------------------------------------------------------------------------- summary

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
    budget: str = ""                      # the cgroup budget per kernel, or why there is none
    written: str = ""                     # what is still to grade by hand, and where

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
        if self.budget:
            lines.append(f"  resources: {self.budget}")
        if any(level != self.isolation_level for level in self.isolation_levels):
            lines.append(f"  isolation levels reported by the workers: {', '.join(self.isolation_levels)}")
        if self.written:
            lines.append(f"  written answers: {self.written}")
        return "\n".join(printable(line) for line in lines)
