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
   ``check``, patching NumPy or printing "passed" changes nothing; written questions are collected
   for grading by hand (:mod:`~coursekit.grading.manual`);
4. write ``<out>/<key>.json`` and ``.md`` and, at the end, ``<out>/gradebook.csv`` (atomically).

The batch always finishes, whatever is in the submissions folder: it is read as hostile data
(:mod:`~coursekit.grading.submissions`: an iterative walk with a depth cap, no symbolic link
followed, only regular files opened, never blocking; short output names); a notebook over 8 MB is
parsed by a helper process, so no file sits in the grader's memory whole; and each student's
grading *and writing* runs inside its own error boundary, so an unexpected failure (of this code too)
gives that student a row with status "grader error" and the batch goes on. Submissions are read
once and never written. A rerun skips students whose submission, the instructor notebook, the
private tests and the limits are unchanged (``force=True`` regrades). ``executor`` may be any
:class:`concurrent.futures.Executor` (a Dask ``Client.get_executor()`` for a cluster);
:func:`grade_submission` is the picklable unit of work.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import subprocess
import sys
import time
from concurrent.futures import FIRST_COMPLETED, Executor, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import numpy as np

from .. import __version__
from . import manual as manual_scores
from . import registry
from .assignment import Assignment, AssignmentError, Question, ensure_checks, normalise, read_assignment
from .executor import Ask, AskResult, RunResult, run_submission
from .files import open_regular, read_regular
from .kernel import Limits, isolation
from .report import TO_GRADE, Summary, clean, read_state, write_gradebook, write_state, write_student
from .submissions import MAX_NOTEBOOK_MB, Submission, find_submissions, fingerprint

__all__ = ["grade", "grade_submission", "find_submissions", "Task", "AssignmentError", "Limits", "Summary"]

GRADER_FORMAT = 2             # 2: written questions, resources, short keys
BIG_MB = 8                     # larger notebooks are parsed (and their outputs dropped) in a helper process
ALLOWED_DTYPES = "biufc"
_SURROGATE = re.compile("[\ud800-\udfff]")


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
    size: int = 0                 # of the notebook file
    stripped: bool = False        # content is the notebook without outputs (a large one, parsed by a helper)


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


def _check_assignment(nb, assignment: Assignment) -> None:
    meta = nb.metadata.get("coursekit") if isinstance(nb.metadata.get("coursekit"), dict) else {}
    claimed = meta.get("assignment")
    if isinstance(claimed, str) and claimed and claimed != assignment.name:
        raise _Verdict("wrong assignment", f"this is the notebook of {claimed[:80]!r}, not of {assignment.name!r}")
    if not claimed and not any(normalise(c.source) in assignment.student_cells for c in nb.cells
                               if normalise(c.source)):
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
        elif q.private and v.status == "checker error":
            v.message = "The hidden check itself failed (a problem of the check, not of your answer)."
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
    res["questions"] += _written(assignment, None, res, question_status, message)


def _written(assignment: Assignment, nb, res: dict, blank_status: str = "not attempted",
             blank_message: str = "Write your answer in the question's cell.") -> list[dict]:
    """The written questions' entries (0 points: "to grade by hand", or ``blank_status`` without an
    answer); the answers themselves go into ``res["written_answers"]`` for the instructor's collections."""
    out, answers = [], {}
    for w in assignment.written:
        text, how = w.answer_in(nb) if nb is not None else (None, "")
        if text:
            answers[w.name] = text
            status, message = TO_GRADE, "Your answer will be graded by hand."
        else:
            status, message = blank_status, blank_message
        if how:
            message = f"{message} (The answer was {how}.)" if text else f"{message} ({how[0].upper()}{how[1:]}.)"
        out.append({"name": w.name, "status": status, "points": 0.0, "max_points": w.points, "message": message,
                    "hidden": False, "written": True})
    res["written_answers"] = answers
    return out


def _result_skeleton(task: Task) -> dict:
    a = task.assignment
    return {"student": task.student, "key": task.key, "assignment": a.name, "submission": task.relpath,
            "sha256": task.sha256, "status": "", "reason": "", "total": 0.0, "max": a.max_points, "questions": [],
            "first_error": None, "incidents": [], "notes": list(task.notes), "seconds": {"cells": 0.0, "wall": 0.0},
            "output_bytes": 0, "restarts": 0, "isolation": "", "resources": {}, "written_answers": {},
            "graded_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "coursekit": __version__}


def _grade(task: Task, res: dict) -> None:
    a, limits = task.assignment, task.limits
    if task.problem:
        raise _Verdict("invalid", task.problem)
    size = max(task.size, len(task.content or b""))
    if task.content is None or size > MAX_NOTEBOOK_MB * 2**20:
        raise _Verdict("invalid", f"the file is larger than {MAX_NOTEBOOK_MB} MB and was not read")
    nb = _parse(task.content)
    task.content = None                              # the bytes are not needed any more (a huge file)
    _check_assignment(nb, a)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    code = [c.source.strip() for c in nb.cells if c.cell_type == "code"]
    if code == a.student_code:
        _not_graded(res, a, "not attempted", "the submission is the student version, unchanged", "not attempted")
        written = _written(a, nb, res)
        res["questions"] = res["questions"][:len(a.questions)] + written
        if any(q["status"] == TO_GRADE for q in written):
            res["status"] = "graded"
            res["reason"] = "the code is the student version, unchanged; written answers to grade by hand"
        return
    if size > 5 * 2**20:
        res["notes"].append(f"the file is {size / 2**20:.0f} MB; its outputs were ignored")
    written = _written(a, nb, res)
    ensure_checks([q.name for q in a.questions], a.tests_text, a.tests_path)
    files = dict(task.extra)
    files[a.filename] = json.dumps(nb).encode("ascii")          # no outputs; \u escapes hold any character
    iso = isolation(task.hidden_dirs, task.hidden_files, task.isolation)
    res["isolation"] = iso.level
    cells = [(i, _SURROGATE.sub("\ufffd", c.source)) for i, c in enumerate(nb.cells, 1)     # (unencodable)
             if c.cell_type == "code" and c.source.strip()]
    asks = [Ask(q.name, q.expression, task.seeds[q.name], private=q.via_grader) for q in a.questions]
    run = run_submission(cells, asks, limits, iso, files) if (cells or asks) else RunResult()
    res["questions"] = [_verdict(q, run.answers.get(q.name), task.seeds[q.name], limits) for q in a.questions]
    res["questions"] += written
    res.update(first_error=run.first_error, incidents=[i.as_dict() for i in run.incidents],
               output_bytes=run.output_bytes, restarts=run.restarts, resources=run.resources)
    res["seconds"]["cells"] = round(run.cell_seconds, 3)
    if run.output_bytes > 10 * 2**20:
        res["notes"].append(f"it printed {run.output_bytes / 2**20:.0f} MB of output (counted, not kept)")
    if run.dropped_outputs:
        res["notes"].append(f"{run.dropped_outputs} of its output messages were larger than 32 MiB and were "
                            "dropped unread")
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


_STRIPPER = r"""
import json, sys
def fail(why):
    sys.stdout.write(json.dumps({"__coursekit_error__": why}))
    sys.exit(0)
try:
    nb = json.load(sys.stdin.buffer)
except UnicodeDecodeError:
    fail("not valid JSON: the file is not UTF-8 text")
except ValueError as exc:
    fail("not valid JSON (%s at line %s, column %s)" % (getattr(exc, "msg", exc), getattr(exc, "lineno", "?"),
                                                        getattr(exc, "colno", "?")))
except RecursionError:
    fail("not valid JSON (nested too deeply)")
if isinstance(nb, dict):
    for holder in [nb] + [w for w in nb.get("worksheets") or [] if isinstance(w, dict)]:
        for cell in holder.get("cells") if isinstance(holder.get("cells"), list) else []:
            if isinstance(cell, dict) and "outputs" in cell:
                cell["outputs"] = []
sys.stdout.write(json.dumps(nb))
"""


def _strip_in_helper(path) -> bytes:
    """A large notebook without its outputs, parsed by a short-lived helper process (the grader itself
    never holds a huge file or its decoded copies): its JSON text, or raises :class:`_Verdict`."""
    fd = open_regular(path)
    try:
        proc = subprocess.run([sys.executable, "-I", "-S", "-c", _STRIPPER], stdin=fd, capture_output=True,
                              timeout=300, env={"PATH": "/usr/bin:/bin"})
    finally:
        os.close(fd)
    if proc.returncode != 0:
        raise _Verdict("invalid", "a notebook that cannot be read (it is too large or too deeply nested)")
    if proc.stdout.startswith(b'{"__coursekit_error__"'):
        raise _Verdict("invalid", json.loads(proc.stdout)["__coursekit_error__"])
    return proc.stdout


def _task(sub: Submission, folder: Path, assignment: Assignment, limits: Limits, hidden, mode: str,
          local: bool = False) -> Task:
    """Everything a worker needs. ``local``: built in the worker thread, which may pass a large notebook
    to a helper process; otherwise (a remote executor) the notebook travels as its bytes."""
    sha256, size, extra, notes, problem = fingerprint(sub)
    content, stripped = None, False
    if not problem and size <= MAX_NOTEBOOK_MB * 2**20:
        try:
            if local and size > BIG_MB * 2**20:
                content, stripped = _strip_in_helper(sub.path), True
            else:
                content = read_regular(sub.path, size)
        except _Verdict as v:
            problem = v.reason
        except (OSError, subprocess.SubprocessError) as exc:
            problem = f"the file could not be read ({getattr(exc, 'strerror', None) or exc})"
    rel = os.fsencode(os.path.relpath(sub.path, folder)).decode("utf-8", "backslashreplace")
    return Task(sub.student, sub.key, clean(rel), content, sha256, extra, assignment, limits,
                {q.name: secrets.randbits(62) for q in assignment.questions}, hidden[0], hidden[1], mode,
                problem, list(sub.notes) + notes, size=size, stripped=stripped)


def _grader_error(sub: Submission, assignment: Assignment, why: str) -> dict:
    """The row of a student whose grading or writing failed in an unexpected way."""
    task = Task(sub.student, sub.key, "", None, "", {}, assignment, Limits(), {})
    res = _result_skeleton(task)
    _not_graded(res, assignment, "grader error", clean(why, limit=400))
    return res


def _local_unit(sub: Submission, folder: Path, assignment: Assignment, limits: Limits, hidden, mode: str):
    """Read and grade in the worker thread: at most ``jobs`` notebooks are in memory at once."""
    task = _task(sub, folder, assignment, limits, hidden, mode, local=True)
    return task.sha256, grade_submission(task)


def _remote_unit(task: Task):
    return task.sha256, grade_submission(task)


def grade(instructor, submissions, out, *, tests=None, jobs: int = 1, executor: Executor | None = None,
          force: bool = False, limits: Limits | None = None, isolation_mode: str = "auto",
          manual=None, progress: bool = True, echo=print) -> Summary:
    """Grade every submission in ``submissions`` against ``instructor``; write the results into ``out``.

    manual: a filled-in ``manual-scores.csv`` whose points for written questions are merged into the
    gradebook and the feedback (validated first: a bad row stops the run before anything is written).
    Raises :class:`AssignmentError` only for the instructor's inputs (notebook, tests file, folders,
    manual scores).
    """
    t0 = time.monotonic()
    limits = limits or Limits()
    if jobs < 1:
        raise AssignmentError("jobs must be at least 1")
    assignment = read_assignment(instructor, tests)
    folder, out = Path(submissions), Path(out)
    subs = find_submissions(folder, assignment.filename, exclude=[out])
    scores = manual_scores.read_scores(manual, assignment, [(s.student, s.key) for s in subs]) if manual else None
    out.mkdir(parents=True, exist_ok=True, mode=0o700)
    hidden = (tuple(os.path.realpath(p) for p in [folder, out, Path(instructor).parent]
                    + ([Path(tests).parent] if tests else [])),
              tuple(os.path.realpath(p) for p in [instructor] + ([tests] if tests else [])))
    iso = isolation(hidden[0], hidden[1], isolation_mode)
    config = _config_key(assignment, limits, isolation_mode)
    state = read_state(out)
    results: list[dict] = []
    todo: list[Submission] = []

    def finish(sub: Submission, sha256: str, res: dict, save: bool = True) -> None:
        """Write one student's files inside an error boundary of their own."""
        try:
            write_student(out, assignment, manual_scores.apply(res, scores))
            if save:
                write_state(out, sub.key, sha256, config, res)
        except Exception as exc:
            res = _grader_error(sub, assignment, f"the feedback could not be written ({type(exc).__name__}: {exc})")
            try:
                write_student(out, assignment, res)
            except Exception:
                pass
        results.append(res)

    unchanged = 0
    for sub in subs:
        try:
            sha256 = fingerprint(sub)[0]
        except Exception:
            sha256 = ""
        prev = state.get(sub.key)
        if not force and sha256 and prev and prev.get("sha256") == sha256 and prev.get("config") == config:
            finish(sub, sha256, prev["result"], save=False)         # restore the files if they were edited
            unchanged += 1
        else:
            todo.append(sub)
    pool = executor or ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="coursekit-grade")
    window = 2 * jobs if executor is None else max(16, 2 * jobs)
    bar = _progress(len(todo), progress)
    running: dict = {}
    queue = list(todo)
    try:
        while queue or running:
            while queue and len(running) < window:
                sub = queue.pop(0)
                try:
                    if executor is None:
                        fut = pool.submit(_local_unit, sub, folder, assignment, limits, hidden, isolation_mode)
                    else:
                        fut = pool.submit(_remote_unit, _task(sub, folder, assignment, limits, hidden, isolation_mode))
                except Exception as exc:
                    finish(sub, "", _grader_error(sub, assignment, f"{type(exc).__name__}: {exc}"), save=False)
                    bar.update(1)
                    continue
                running[fut] = sub
            if not running:
                continue
            done, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for fut in done:
                sub = running.pop(fut)
                try:
                    sha256, res = fut.result()
                    save = True
                except Exception as exc:                # a worker was lost (e.g. a cluster node), or a bug
                    sha256, save = "", False
                    res = _grader_error(sub, assignment, f"the grading worker failed: {type(exc).__name__}: {exc}")
                finish(sub, sha256, res, save)
                bar.update(1)
                bar.set_postfix_str(f"{clean(sub.student, limit=20)}: {clean(results[-1]['status'])}")
    except KeyboardInterrupt:          # Ctrl-C: no new kernels; the running ones finish and clean up
        for fut in running:
            fut.cancel()
        if echo:
            echo(f"interrupted: the gradebook in {out} lists the {len(results)} submissions graded so far")
        write_gradebook(out, assignment, _sorted([manual_scores.apply(r, scores) for r in results]))
        raise
    finally:
        bar.close()
        if executor is None:
            pool.shutdown(wait=True, cancel_futures=True)
    results = _sorted(results)
    shown = [manual_scores.apply(r, scores) for r in results]
    write_gradebook(out, assignment, shown)
    written = _written_outputs(out, assignment, shown, scores, manual)
    levels = sorted({r["isolation"] for r in results if r.get("isolation")})
    summary = Summary(assignment.name, out, shown, graded=len(todo), unchanged=unchanged,
                      seconds=time.monotonic() - t0, isolation=iso.describe(), isolation_level=iso.level,
                      isolation_levels=levels, limits=limits.describe(), max_points=assignment.max_points,
                      budget=iso.cgroups.describe(), written=written)
    if echo:
        echo(summary.render())
    return summary


def _sorted(results: list[dict]) -> list[dict]:
    return sorted(results, key=lambda r: (r["student"].lower(), r["key"]))


def _written_outputs(out: Path, assignment: Assignment, shown: list[dict], scores, manual) -> str:
    if not assignment.written:
        return ""
    manual_scores.write_collections(out, assignment, shown)
    note = manual_scores.update_template(out, assignment, shown)
    pending = sum(q["status"] == TO_GRADE for r in shown for q in r["questions"])
    text = (f"{pending} to grade by hand (answers and rubrics in {out / 'written'}; points go in "
            f"{out / manual_scores.TEMPLATE}, then rerun with --manual)")
    if scores is not None:
        text = f"{len(scores)} scores merged from {manual}; " + text
    return text + (f"; {note}" if note else "")


def _progress(total: int, enabled: bool):
    from tqdm import tqdm
    return tqdm(total=total, desc="grading", unit="notebook", file=sys.stderr, disable=not enabled or total == 0,
                dynamic_ncols=True)
