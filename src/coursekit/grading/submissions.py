"""The submissions folder, read as hostile data: who handed in what, found without being stopped.

``<student>.ipynb`` files and ``<student>/`` folders (a notebook with helper files beside it). The
folder is walked iteratively with a depth cap (:func:`coursekit.grading.files.walk`), no symbolic
link is followed and only regular files are opened, never blocking; a FIFO, a link loop, a folder
a thousand deep or an unreadable entry becomes that student's "invalid" status, never the batch's
failure. File names are shown as text a person can read (bytes that are not UTF-8 and control
characters become ``\\x..`` escapes) and each student's output files get a short, safe stem
(a slug of at most ``MAX_KEY`` characters plus a hash).
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from .assignment import AssignmentError
from .files import Entry, hash_regular, read_regular, walk

__all__ = ["Submission", "find_submissions", "fingerprint", "MAX_NOTEBOOK_MB"]

MAX_NOTEBOOK_MB = 100          # larger files are not read at all
MAX_EXTRA_MB = 20              # other files in a student's folder copied to the scratch directory
MAX_DEPTH = 8                  # folders below a student's folder searched this deep
MAX_ENTRIES = 2000             # entries of a student's folder looked at
MAX_KEY = 40                   # characters of a student's name kept in their file names
_CONTROL_CHARS = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@dataclass
class Submission:
    student: str                  # as shown in the gradebook
    key: str                      # safe stem of the student's feedback files
    path: Path
    problem: str = ""             # a reason not to grade it at all
    notes: list[str] = field(default_factory=list)
    folder: Path | None = None    # a <student>/ folder: its other regular files go to the scratch copy
    files: list[Entry] = field(default_factory=list)


def _display(name: str) -> tuple[str, list[str]]:
    """A file name as text a person can read: bytes that are not UTF-8 and control characters become
    ``\\xff`` escapes. (text, notes)"""
    raw, notes = os.fsencode(name), []
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("utf-8", "backslashreplace")
        notes.append(f"the file name is not valid UTF-8; the student is shown as {text!r}")
    if _CONTROL_CHARS.search(text):
        text = _CONTROL_CHARS.sub(lambda m: f"\\x{ord(m.group(0)):02x}" if ord(m.group(0)) < 256
                                  else f"\\u{ord(m.group(0)):04x}", text)
        notes.append(f"the file name holds control characters; the student is shown as {text!r}")
    return text, notes


def _key(student: str, taken: set[str]) -> str:
    """A short, safe, unique file stem: the name's slug (at most ``MAX_KEY`` characters), plus a hash of
    the whole name whenever the slug differs from it or is taken."""
    key = re.sub(r"[^\w.-]", "_", student, flags=re.ASCII).lstrip(".")[:MAX_KEY] or "student"
    if key != student or key.lower() in taken:
        key = f"{key}-{hashlib.sha256(student.encode('utf-8', 'surrogateescape')).hexdigest()[:10]}"
    taken.add(key.lower())
    return key


def _identity(path) -> tuple[int, int] | None:
    try:
        st = os.lstat(path)
        return st.st_dev, st.st_ino
    except OSError:
        return None


def _student_folder(sub: Submission, assignment_filename: str) -> None:
    """Find the notebook in a ``<student>/`` folder (bounded walk, no links, regular files only)."""
    found = walk(sub.path, max_depth=MAX_DEPTH, max_entries=MAX_ENTRIES)
    sub.folder, sub.files = sub.path, [e for e in found.entries if e.is_regular]
    notebooks = [e for e in sub.files if e.name.endswith(".ipynb") and ".ipynb_checkpoints" not in e.rel]
    named = [e for e in notebooks if e.name == assignment_filename]
    if found.too_deep:
        sub.notes.append(f"folders more than {MAX_DEPTH} levels deep in the student's folder were not searched")
    if found.too_many:
        sub.notes.append(f"only the first {MAX_ENTRIES} entries of the student's folder were looked at")
    if len(named) == 1 or len(notebooks) == 1:
        sub.path = Path(sub.folder, *(named or notebooks)[0].rel)
    elif not notebooks:
        sub.problem = "the student's folder holds no notebook" + (
            f" (within {MAX_DEPTH} levels)" if found.too_deep else "")
    else:
        sub.problem = (f"the student's folder holds {len(notebooks)} notebooks and none is named "
                       f"{assignment_filename}")


def find_submissions(folder, assignment_filename: str, exclude=()) -> list[Submission]:
    """``<student>.ipynb`` files and ``<student>/`` folders in ``folder``; the id comes from the path.

    exclude: paths to pass over (the output folder, when it sits inside the submissions folder).
    No entry can stop this: odd ones (a FIFO, a link, an unreadable folder) get a problem of their own."""
    folder = Path(folder)
    if not folder.is_dir():
        raise AssignmentError(f"no submissions folder at {folder}")
    excluded = {i for i in map(_identity, exclude) if i is not None}
    subs, taken = [], set()
    top = walk(folder, max_depth=1, max_entries=100_000)
    for entry in top.entries:
        name = entry.name
        path = Path(folder, name)
        if name == "__pycache__" or _identity(path) in excluded:
            continue
        is_dir, is_nb = stat.S_ISDIR(entry.mode), name.endswith(".ipynb")
        if not is_dir and not is_nb:
            continue
        student, notes = _display(name[:-6] if is_nb and not is_dir else name)
        sub = Submission(student, _key(student, taken), path, notes=notes)
        if stat.S_ISLNK(entry.mode):
            sub.problem = "the submission is a symbolic link, which the grader does not follow"
        elif is_dir:
            _student_folder(sub, assignment_filename)
        elif not entry.is_regular:
            sub.problem = "the submission is not a regular file (a pipe, socket or device), so it was not opened"
        subs.append(sub)
    if top.too_many:
        raise AssignmentError(f"{folder} holds more than 100,000 entries; split the batch")
    return subs


def extra_files(sub: Submission) -> tuple[dict[str, bytes], list[str]]:
    """Other regular files of a ``<student>/`` folder, for the scratch copy (bounded)."""
    if sub.folder is None or sub.problem:
        return {}, []
    files, total, notes = {}, 0, []
    for e in sub.files:
        rel = "/".join(e.rel)
        if Path(sub.folder, *e.rel) == sub.path:
            continue
        if total + e.size > MAX_EXTRA_MB * 2**20:
            notes.append(f"files beyond {MAX_EXTRA_MB} MB in the student's folder were not copied")
            break
        try:
            data = read_regular(Path(sub.folder, *e.rel), e.size)
        except OSError:
            continue
        files[os.fsencode(rel).decode("utf-8", "surrogateescape")] = data[:e.size]
        total += len(data)
    return files, notes


def fingerprint(sub: Submission) -> tuple[str, int, dict[str, bytes], list[str], str]:
    """(sha256, notebook size, extra files, notes, problem): the notebook is hashed in chunks, never
    held in memory whole; the extra files (at most MAX_EXTRA_MB) are read."""
    digest, size, extra, notes, problem = hashlib.sha256(), 0, {}, [], sub.problem
    if not problem:
        try:
            size = hash_regular(sub.path, digest, MAX_NOTEBOOK_MB * 2**20)
            extra, notes = extra_files(sub)
        except OSError as exc:
            problem = f"the file could not be read ({exc.strerror or exc})"
    if problem:
        digest = hashlib.sha256(problem.encode())
    for name in sorted(extra):
        digest.update(name.encode("utf-8", "surrogateescape") + extra[name])
    return digest.hexdigest(), size, extra, notes, problem
