"""``coursekit grade``: grade a folder of submissions by re-executing each one, safely.

    grade("notebooks/03-backprop.ipynb", "submissions/", "grades/", tests="private_tests.py", jobs=2)

For each submission (``submissions/<student>.ipynb`` or ``submissions/<student>/<name>.ipynb``):

1. read it as data, never trusting it: too large, not JSON, JSON but not a notebook, a notebook of
   another assignment, or the untouched student version ("not attempted") are decided here without
   running anything;
2. run its code cells, outputs stripped, in a fresh sandboxed kernel working in a scratch copy
   (:mod:`~coursekit.grading.executor`, :mod:`~coursekit.grading.kernel`), errors allowed;
3. for every question, *ask* in the kernel and *judge* here, in the grader's process, with inputs
   drawn from a seed chosen afresh for this run: what the kernel returns is only data, so redefining
   ``check``, patching NumPy or printing "passed" changes nothing;
4. write ``<out>/<student>.json`` and ``.md`` and, at the end, ``<out>/gradebook.csv`` (atomically).

The batch always finishes: each submission's failure (even of this code) becomes its status and
reason. Submissions are read once and never written. A rerun skips students whose submission, the
instructor notebook, the private tests and the limits are unchanged (``force=True`` regrades).
``executor`` may be any :class:`concurrent.futures.Executor` (a Dask ``Client.get_executor()`` for a
cluster); :func:`grade_submission` is the picklable unit of work.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import sys
import time
from concurrent.futures import Executor, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import numpy as np

from .. import __version__
from . import registry
from .assignment import Assignment, AssignmentError, Question, ensure_checks, read_assignment
from .executor import Ask, AskResult, RunResult, run_submission
from .kernel import Limits, isolation
from .report import Summary, read_state, write_gradebook, write_state, write_student

__all__ = ["grade", "grade_submission", "find_submissions", "Task", "AssignmentError", "Limits", "Summary"]

GRADER_FORMAT = 1
MAX_NOTEBOOK_MB = 100          # larger files are not read at all
MAX_EXTRA_MB = 20              # other files in a student's folder copied to the scratch directory
ALLOWED_DTYPES = "biufc"


# ----------------------------------------------------------------------------------- submissions

@dataclass
class Submission:
    student: str                  # as shown in the gradebook
    key: str                      # safe stem of the student's feedback files
    path: Path
    problem: str = ""             # a reason not to grade it at all
    notes: list[str] = field(default_factory=list)


def _display(name: str) -> tuple[str, bool]:
    """A file name as text: bytes that are not UTF-8 become ``\\xff`` escapes. (text, was it UTF-8)"""
    raw = os.fsencode(name)
    try:
        return raw.decode("utf-8"), True
    except UnicodeDecodeError:
        return raw.decode("utf-8", "backslashreplace"), False


def _key(student: str, taken: set[str]) -> str:
    key = re.sub(r"[^\w.-]", "_", student).lstrip(".") or "student"
    if key != student or key.lower() in taken:
        key = f"{key}-{hashlib.sha256(student.encode('utf-8', 'surrogateescape')).hexdigest()[:8]}"
    taken.add(key.lower())
    return key


def find_submissions(folder, assignment_filename: str, exclude=()) -> list[Submission]:
    """``<student>.ipynb`` files and ``<student>/`` folders in ``folder``; the id comes from the path.

    exclude: paths to pass over (the output folder, when it sits inside the submissions folder)."""
    folder = Path(folder)
    exclude = {Path(p).resolve() for p in exclude}
    if not folder.is_dir():
        raise AssignmentError(f"no submissions folder at {folder}")
    subs, taken = [], set()
    for entry in sorted(os.scandir(folder), key=lambda e: os.fsencode(e.name)):
        if entry.name.startswith(".") or entry.name == "__pycache__" or Path(entry.path).resolve() in exclude:
            continue
        is_dir, is_nb = entry.is_dir(follow_symlinks=False), entry.name.endswith(".ipynb")
        if not is_dir and not is_nb:
            continue
        student, utf8 = _display(entry.name[:-6] if is_nb and not is_dir else entry.name)
        sub = Submission(student, _key(student, taken), Path(entry.path))
        if not utf8:
            sub.notes.append(f"the file name is not valid UTF-8; the student is shown as {student!r}")
        if entry.is_symlink():
            sub.problem = "the submission is a symbolic link, which the grader does not follow"
        elif is_dir:
            notebooks = sorted(p for p in Path(entry.path).rglob("*.ipynb")
                               if ".ipynb_checkpoints" not in p.parts and not p.is_symlink())
            named = [p for p in notebooks if p.name == assignment_filename]
            if len(named) == 1 or len(notebooks) == 1:
                sub.path = (named or notebooks)[0]
            elif not notebooks:
                sub.problem = "the student's folder holds no notebook"
            else:
                sub.problem = (f"the student's folder holds {len(notebooks)} notebooks and none is named "
                               f"{assignment_filename}")
        subs.append(sub)
    return subs


def _read(path: Path, limit: int) -> bytes:
    """The file's bytes (no symlink followed; at most ``limit`` + 1 bytes read)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as f:
        return f.read(limit + 1)


def _extra_files(sub: Submission, folder: Path) -> tuple[dict[str, bytes], list[str]]:
    """Other regular files of a ``<student>/`` folder, for the scratch copy (bounded)."""
    if sub.path.parent == folder or sub.problem:
        return {}, []
    root, files, total, notes = sub.path.parent, {}, 0, []
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root)
        if p == sub.path or p.is_symlink() or not p.is_file() or any(s.startswith(".") for s in rel.parts):
            continue
        size = p.stat().st_size
        if total + size > MAX_EXTRA_MB * 2**20:
            notes.append(f"files beyond {MAX_EXTRA_MB} MB in the student's folder were not copied")
            break
        files[str(rel)] = _read(p, size)
        total += size
    return files, notes


# ------------------------------------------------------------------------------ one submission

@dataclass
class Task:
    """Everything a worker needs to grade one submission (picklable, no open files or paths needed)."""
    student: str
    key: str
    relpath: str
    content: bytes | None
    sha256: str
    extra: dict[str, bytes]
    assignment: Assignment
    limits: Limits
    seeds: dict[str, int]
    hidden_dirs: tuple[str, ...] = ()
    hidden_files: tuple[str, ...] = ()
    isolation: str = "auto"
    problem: str = ""
    notes: list[str] = field(default_factory=list)


class _Verdict(Exception):
    """The notebook is decided without running it."""

    def __init__(self, status: str, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


def _parse(content: bytes) -> nbformat.NotebookNode:
    try:
        obj = json.loads(content)
    except UnicodeDecodeError:
        raise _Verdict("invalid", "not valid JSON: the file is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise _Verdict("invalid", f"not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:
        raise _Verdict("invalid", "not valid JSON (nested too deeply)") from None
    if not (isinstance(obj, dict) and isinstance(obj.get("nbformat"), int)
            and isinstance(obj.get("cells", obj.get("worksheets")), list)):
        raise _Verdict("invalid", "valid JSON, but not a Jupyter notebook (it has no nbformat version and cells)")
    try:
        nb = nbformat.convert(nbformat.from_dict(obj), 4)
        for cell in nb.cells:
            if isinstance(cell.get("source"), list):
                cell["source"] = "".join(cell["source"])
            if cell.get("cell_type") not in ("code", "markdown", "raw") or not isinstance(cell.get("source"), str):
                raise ValueError("a cell has no type or no source")
    except Exception as exc:
        raise _Verdict("invalid", f"a notebook that cannot be read ({type(exc).__name__}: {str(exc)[:120]})") from None
    return nb


def _norm(source: str) -> str:
    return "\n".join(line.rstrip() for line in source.strip().splitlines())


def _check_assignment(nb, assignment: Assignment) -> None:
    meta = nb.metadata.get("coursekit") if isinstance(nb.metadata.get("coursekit"), dict) else {}
    claimed = meta.get("assignment")
    if isinstance(claimed, str) and claimed and claimed != assignment.name:
        raise _Verdict("wrong assignment", f"this is the notebook of {claimed[:80]!r}, not of {assignment.name!r}")
    if not claimed and not any(_norm(c.source) in assignment.student_cells for c in nb.cells if _norm(c.source)):
        raise _Verdict("wrong assignment", f"none of its cells comes from {assignment.filename}")


def _safe_payload(payload: str) -> str:
    """Refuse returned data the grader should not even decode (exotic dtypes, absurd shapes)."""
    def ok(x, depth=0) -> bool:
        if depth > 50:
            return False
        if isinstance(x, list):
            return all(ok(v, depth + 1) for v in x)
        if isinstance(x, dict):
            if "__ndarray__" in x:
                try:
                    dt = np.dtype(x.get("dtype"))
                    shape = [int(s) for s in x.get("shape", [])]
                except (TypeError, ValueError):
                    return False
                return (dt.kind in ALLOWED_DTYPES and dt.itemsize <= 16 and all(s >= 0 for s in shape)
                        and float(np.prod(shape, dtype=float)) <= 1e7)
            return all(ok(v, depth + 1) for v in x.values())
        return True
    try:
        good = ok(json.loads(payload))
    except (ValueError, RecursionError):
        return payload                       # judge() says it could not be read back
    return payload if good else json.dumps({"status": "error", "error": "the answer holds data that cannot be checked"})


def _verdict(q: Question, r: AskResult | None, seed: int, limits: Limits) -> dict:
    reveal = not q.private
    name, pts = q.name, q.points
    if r is not None and r.kind == "answered":
        v = registry.judge(name, _safe_payload(r.payload), seed, pts, reveal=reveal)
        if q.private and v.status == "error":          # its message could carry the hidden inputs
            v.message = "Your code raised an error on this hidden check."
    elif r is not None and r.kind == "undefined":
        v = registry.Verdict(name, "not attempted", 0, pts, f"`{q.expression}` is not defined after your notebook "
                             "ran (answers are found by name, wherever the cell is).")
    else:
        why = {"timeout": f"checking your answer took longer than {limits.cell_s:g} s",
               "died": "checking your answer stopped the kernel",
               "error": (r.detail if r and reveal else "your answer could not be checked"),
               "skipped": f"not checked: {r.detail if r else 'the kernel was not available'}"}
        v = registry.Verdict(name, "error", 0, pts, why.get(r.kind if r else "skipped", "not checked") + ".")
    out = v.as_dict()
    out["hidden"] = q.private
    return out


def _hint(ename: str, evalue: str, limits: Limits) -> str:
    if ename == "MemoryError":
        return f" (a submission may use at most {limits.memory_mb} MiB)"
    if ename == "BlockingIOError" or "Resource temporarily unavailable" in evalue:
        return f" (a submission may run at most {limits.processes} processes)"
    if ename in ("PermissionError", "OSError") and ("denied" in evalue or "Read-only" in evalue):
        return " (a submission may write only in its own folder)"
    return ""


def _summarise(res: dict, run: RunResult, limits: Limits) -> None:
    """Status and a one-line reason from what happened while running."""
    incidents = run.incidents
    parts = []
    for inc in incidents[:3]:
        tail = "; it was skipped and the cells before it re-run" if inc.kind == "died" and inc.where.startswith("cell") \
            else ""
        parts.append(f"{inc.where}: {inc.detail}{tail}")
    if run.kernel_failure and not run.cells_run:
        parts.append(f"the kernel could not start: {run.kernel_failure}")
    if run.first_error:
        e = run.first_error
        what = f"{e['ename']}: {e['evalue'][:150]}" if e["evalue"] else e["ename"]
        parts.append(f"first error in cell {e['cell']}: {what}{_hint(e['ename'], e['evalue'], limits)}")
    statuses = [q["status"] for q in res["questions"]]
    if any(i.kind == "died" for i in incidents) or (run.kernel_failure and not run.cells_run):
        res["status"] = "kernel died"
    elif any(i.kind in ("timeout", "notebook timeout") for i in incidents):
        res["status"] = "timeout"
    elif statuses and all(s == "not attempted" for s in statuses):
        res["status"] = "not attempted"
    else:
        res["status"] = "graded"
    res["reason"] = "; ".join(parts)


def _not_graded(res: dict, assignment: Assignment, status: str, reason: str, question_status: str = "not graded"):
    res["status"], res["reason"] = status, reason
    message = "Replace the `...` with your answer and run the cell." if question_status == "not attempted" else reason
    res["questions"] = [{"name": q.name, "status": question_status, "points": 0.0, "max_points": q.points,
                         "message": message, "hidden": q.private} for q in assignment.questions]


def _result_skeleton(task: Task) -> dict:
    a = task.assignment
    return {"student": task.student, "key": task.key, "assignment": a.name, "submission": task.relpath,
            "sha256": task.sha256, "status": "", "reason": "", "total": 0.0, "max": a.max_points, "questions": [],
            "first_error": None, "incidents": [], "notes": list(task.notes), "seconds": {"cells": 0.0, "wall": 0.0},
            "output_bytes": 0, "restarts": 0, "isolation": "", "graded_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "coursekit": __version__}


def _grade(task: Task, res: dict) -> None:
    a, limits = task.assignment, task.limits
    if task.problem:
        raise _Verdict("invalid", task.problem)
    if task.content is None or len(task.content) > MAX_NOTEBOOK_MB * 2**20:
        raise _Verdict("invalid", f"the file is larger than {MAX_NOTEBOOK_MB} MB and was not read")
    nb = _parse(task.content)
    _check_assignment(nb, a)
    code = [c.source.strip() for c in nb.cells if c.cell_type == "code"]
    if code == a.student_code:
        _not_graded(res, a, "not attempted", "the submission is the student version, unchanged", "not attempted")
        return
    if len(task.content) > 5 * 2**20:
        res["notes"].append(f"the file is {len(task.content) / 2**20:.0f} MB; its outputs were ignored")
    ensure_checks([q.name for q in a.questions], a.tests_text, a.tests_path)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    files = dict(task.extra)
    files[a.filename] = json.dumps(nb, ensure_ascii=False).encode("utf-8")     # the scratch copy, no outputs
    iso = isolation(task.hidden_dirs, task.hidden_files, task.isolation)
    res["isolation"] = iso.level
    cells = [(i, c.source) for i, c in enumerate(nb.cells, 1) if c.cell_type == "code" and c.source.strip()]
    asks = [Ask(q.name, q.expression, task.seeds[q.name], private=q.via_grader) for q in a.questions]
    run = run_submission(cells, asks, limits, iso, files)
    res["questions"] = [_verdict(q, run.answers.get(q.name), task.seeds[q.name], limits) for q in a.questions]
    res.update(first_error=run.first_error, incidents=[i.as_dict() for i in run.incidents],
               output_bytes=run.output_bytes, restarts=run.restarts)
    res["seconds"]["cells"] = round(run.cell_seconds, 3)
    if run.output_bytes > 10 * 2**20:
        res["notes"].append(f"it printed {run.output_bytes / 2**20:.0f} MB of output (counted, not kept)")
    _summarise(res, run, limits)


def grade_submission(task: Task) -> dict:
    """Grade one submission; always returns its result (a JSON-ready dict), never raises."""
    t0 = time.monotonic()
    res = _result_skeleton(task)
    try:
        _grade(task, res)
    except _Verdict as v:
        _not_graded(res, task.assignment, v.status, v.reason)
    except Exception as exc:                       # a bug or an OS failure: this submission only
        _not_graded(res, task.assignment, "grader error", f"{type(exc).__name__}: {str(exc)[:300]}")
    res["total"] = float(sum(q["points"] for q in res["questions"]))
    res["seconds"]["wall"] = round(time.monotonic() - t0, 3)
    return res


# ------------------------------------------------------------------------------------ the batch

def _config_key(assignment: Assignment, limits: Limits, mode: str) -> str:
    blob = json.dumps([assignment.fingerprint, repr(limits), mode, GRADER_FORMAT, __version__])
    return hashlib.sha256(blob.encode()).hexdigest()


def _task(sub: Submission, folder: Path, assignment: Assignment, limits: Limits, hidden, mode: str) -> Task:
    content, extra, notes, problem = None, {}, list(sub.notes), sub.problem
    if not problem:
        try:
            content = _read(sub.path, MAX_NOTEBOOK_MB * 2**20)
            extra, more = _extra_files(sub, folder)
            notes += more
        except OSError as exc:
            problem = f"the file could not be read ({exc.strerror or exc})"
    digest = hashlib.sha256(content or problem.encode())
    for name in sorted(extra):
        digest.update(name.encode("utf-8", "surrogateescape") + extra[name])
    rel = os.fsencode(os.path.relpath(sub.path, folder)).decode("utf-8", "backslashreplace")
    return Task(sub.student, sub.key, rel, content, digest.hexdigest(), extra, assignment, limits,
                {q.name: secrets.randbits(62) for q in assignment.questions}, hidden[0], hidden[1], mode, problem, notes)


def grade(instructor, submissions, out, *, tests=None, jobs: int = 1, executor: Executor | None = None,
          force: bool = False, limits: Limits | None = None, isolation_mode: str = "auto",
          progress: bool = True, echo=print) -> Summary:
    """Grade every submission in ``submissions`` against ``instructor``; write the results into ``out``.

    Raises :class:`AssignmentError` only for the instructor's inputs (notebook, tests file, folders).
    """
    t0 = time.monotonic()
    limits = limits or Limits()
    if jobs < 1:
        raise AssignmentError("jobs must be at least 1")
    assignment = read_assignment(instructor, tests)
    folder, out = Path(submissions), Path(out)
    subs = find_submissions(folder, assignment.filename, exclude=[out])
    out.mkdir(parents=True, exist_ok=True, mode=0o700)
    hidden = (tuple(str(Path(p).resolve()) for p in [folder, out, Path(instructor).parent]
                    + ([Path(tests).parent] if tests else [])),
              tuple(str(Path(p).resolve()) for p in [instructor] + ([tests] if tests else [])))
    iso = isolation(hidden[0], hidden[1], isolation_mode)
    config = _config_key(assignment, limits, isolation_mode)
    state = read_state(out)
    results, tasks, unchanged = [], [], 0
    for sub in subs:
        task = _task(sub, folder, assignment, limits, hidden, isolation_mode)
        prev = state.get(task.key)
        if not force and prev and prev.get("sha256") == task.sha256 and prev.get("config") == config:
            results.append(prev["result"])
            write_student(out, assignment, prev["result"])      # restore the files if they were edited
            unchanged += 1
        else:
            tasks.append(task)
    pool = executor or ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="coursekit-grade")
    futures = {pool.submit(grade_submission, t): t for t in tasks}
    bar = _progress(len(tasks), progress)
    try:
        for fut in as_completed(futures):
            task = futures[fut]
            try:
                res = fut.result()
            except Exception as exc:                               # a worker was lost (e.g. a cluster node)
                res = _result_skeleton(task)
                _not_graded(res, assignment, "grader error", f"the grading worker failed: {type(exc).__name__}: {exc}")
            write_student(out, assignment, res)
            write_state(out, task.key, task.sha256, config, res)
            results.append(res)
            bar.update(1)
            bar.set_postfix_str(f"{task.student[:20]}: {res['status']}")
    except KeyboardInterrupt:          # Ctrl-C: no new kernels; the running ones finish and clean up
        for fut in futures:
            fut.cancel()
        if echo:
            echo(f"interrupted: the gradebook in {out} lists the {len(results)} submissions graded so far")
        write_gradebook(out, assignment, sorted(results, key=lambda r: (r["student"].lower(), r["key"])))
        raise
    finally:
        bar.close()
        if executor is None:
            pool.shutdown(wait=True, cancel_futures=True)
    results.sort(key=lambda r: (r["student"].lower(), r["key"]))
    write_gradebook(out, assignment, results)
    levels = sorted({r["isolation"] for r in results if r.get("isolation")})
    summary = Summary(assignment.name, out, results, graded=len(tasks), unchanged=unchanged,
                      seconds=time.monotonic() - t0, isolation=iso.describe(), isolation_level=iso.level,
                      isolation_levels=levels,
                      limits=limits.describe(), max_points=assignment.max_points)
    if echo:
        echo(summary.render())
    return summary


def _progress(total: int, enabled: bool):
    from tqdm import tqdm
    return tqdm(total=total, desc="grading", unit="notebook", file=sys.stderr, disable=not enabled or total == 0,
                dynamic_ncols=True)
