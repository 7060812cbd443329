"""The re-execution grader on batches of fixture submissions: correct, wrong, partial, blank and hostile.

The main batch grades every fixture once (module-scoped), through the command line, in a process
of its own (so its peak memory is the grader's alone, and a kernel that reads the grader's command
line learns real paths), ``--jobs 2``, 20 s per notebook, 5 s per cell, 1024 MiB. It grades from a
layout like a course checkout: the instructor notebook in ``course/notebooks``, the built site's
``_build/**/_sources`` copy of it and a ``.git/objects`` blob (both holding the solutions), the
private tests in ``course/private``, submissions and grades inside the checkout. Each test then
asserts one class of the batch's outcome. Smaller batches grade a CPU hog beside an honest
neighbour, the fallback launcher, week 0's real notebook, written questions with manual scores,
and the degraded (limits-only) path on a Dask ``LocalCluster``.

The fixtures use a stand-in ``check`` in their first cell: the grader never relies on the notebook's
own ``check`` (it finds answers by name and asks itself), and the real one would import every
chapter's checks in every kernel. Cases that need the full isolation (root: an own uid, namespaces,
bubblewrap, cgroups) to be safe or to hold are skipped, with the reason, where the grader cannot get it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import nbformat
import pytest

import coursekit
from coursekit import optim
from coursekit.datasets import breast_cancer
from coursekit.grading import cgroups, grader, make_student_notebook, registry, submissions
from coursekit.grading.assignment import AssignmentError, read_assignment
from coursekit.grading.files import read_regular, remove_tree, walk
from coursekit.grading.grader import _safe_payload, find_submissions, grade
from coursekit.grading.kernel import Limits, isolation
from coursekit.grading.report import clean, code_block, csv_cell, md

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
WEEK0 = ROOT / "notebooks" / "00-matrix-calculus.ipynb"
NAME = "fixture-assignment"
MARK = uuid.uuid4().hex[:12]
SECRET = f"SECRET-{MARK}"
LIMITS = Limits(notebook_s=20, cell_s=5, memory_mb=1024, processes=64, interrupt_grace_s=2)
CLI_AS_LIMITS = Limits(notebook_s=20.0, cell_s=5.0, memory_mb=1024, processes=64)     # what CLI_LIMITS give
CLI_LIMITS = ["--jobs", "2", "--timeout", "20", "--cell-timeout", "5", "--memory", "1024", "--processes", "64"]
MAX = 7.0          # sigmoid 2 + gradient 3 (cell metadata) + newton 1 + hidden 1
PEAK_MB = 300      # the grader's own memory, whatever the kernels send
FORMULA = ("=", "+", "-", "@", "\t", "\r")
EVIL = ("\x1b[2J\x1b]52;c;ZXZpbA==\x07 [full marks](http://evil.example/) ![t](http://evil.example/t.png) "
        "<img src=x onerror=alert(1)> =HYPERLINK(\"http://evil.example\") \udcff")
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x80-\x9f]")

STUB = "import numpy as np\nfrom coursekit import optim\ncheck = lambda name, answer, points=1: None"
SIG = "def sigmoid(z):\n    ### BEGIN SOLUTION\n    return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))\n" \
      "    ### END SOLUTION\n\ncheck(\"optim.sigmoid\", sigmoid, points=2)"
GRAD = "def logistic_gradient(theta, X, y, lam):\n    ### BEGIN SOLUTION\n" \
       "    return optim._logistic_gradient(theta, X, y, lam)\n    ### END SOLUTION\n\n" \
       "check(\"optim.logistic_gradient\", logistic_gradient)"


def _newton_iterations() -> int:
    X, y, _ = breast_cancer()
    return optim.fit_logistic_newton(X, y, C=1.0, tol=1e-6).n_iter


N_NEWTON = _newton_iterations()


def _notebook(cells, assignment=None):
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}})
    for kind, src, *meta in cells:
        new = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
        nb.cells.append(new(src, metadata=meta[0] if meta else {}))
    if assignment:
        nb.metadata["coursekit"] = {"assignment": assignment, "student": True}
    return nb


def _instructor(n_newton: int):
    return [("md", "# Fixture assignment\n\nA tiny assignment for the grader's tests."), ("code", STUB),
            ("md", "**Exercise 1.** Write the logistic function."), ("code", SIG),
            ("md", "**Exercise 2.** The gradient of the penalised loss."),
            ("code", GRAD, {"coursekit": {"points": 3}}),
            ("md", "**Exercise 3.** How many Newton iterations?"),
            ("code", f"### BEGIN SOLUTION\nn_newton = {n_newton}\n### END SOLUTION\n"
                     "check(\"optim.newton_iterations\", n_newton)"),
            ("md", "The end.")]


# the instructor's own notes, which a student notebook never holds
SOLUTION_NOTE = ("md", f"<!-- BEGIN SOLUTION -->\nNotes for the instructor: {SECRET}\n<!-- END SOLUTION -->")


def _with(cells, position, *extra):
    """The instructor's cells with extra code cells inserted before ``position``."""
    return cells[:position] + [("code", src) for src in extra] + cells[position:]


PRIVATE_TESTS = f'''# {SECRET}: private checks, never shown to students
import numpy as np
from coursekit import optim
from coursekit.grading import close, register

POINTS = {{"fixture.sigmoid_extreme": 1}}
register("fixture.sigmoid_extreme", answer="sigmoid", private=True,
         inputs=lambda rng: {{"z": rng.normal(0, 50, size=20)}},
         ask=lambda f, x: f(x["z"]),
         judge=lambda got, x: close(got, optim.sigmoid(x["z"]), what="sigmoid(z) for large |z|",
                                    rtol=1e-6, atol=1e-12))
'''


def _hostile_escape(subs, out, tests, instructor):
    targets = [f"{subs}/escape-{MARK}.txt", f"{subs}/correct.ipynb", f"{out}/escape-{MARK}.txt",
               f"{out}/gradebook.csv", f"/tmp/escape-{MARK}.txt", f"/dev/shm/escape-{MARK}", f"/var/tmp/escape-{MARK}",
               f"{ROOT}/escape-{MARK}.txt", f"{Path(coursekit.__file__).parent}/escape_{MARK}.py",
               f"{Path(tests).parent}/escape-{MARK}.txt", f"{instructor}"]
    return (f"import os\nwrote = []\nfor t in {targets!r} + [os.path.expanduser('~/../escape-{MARK}.txt'), "
            f"'../escape-{MARK}.txt']:\n    try:\n        with open(t, 'w') as f:\n            f.write('escaped')\n"
            "        wrote.append(t)\n    except OSError:\n        pass\nprint('wrote', wrote)")


def _hostile_tamper(out, tests, instructor):
    return f'''import sys, json, importlib.abc, importlib.machinery
def check(name, answer, points=1):
    print(f"✅ {{name}}: passed ({{points}}/{{points}} points)")
print("✅ optim.sigmoid: passed (2/2 points)\\nAll tests passed! 7/7")
np.allclose = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
np.isclose = lambda a, b, *args, **k: np.ones(np.shape(a), bool)

class _Loader(importlib.abc.Loader):
    def create_module(self, spec):
        return None
    def exec_module(self, module):
        module.ask = lambda name, answer, seed: json.dumps({{"status": "passed", "points": 99}})
        module.judge = lambda *a, **k: "passed"
class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name == "coursekit.grading.registry":
            return importlib.machinery.ModuleSpec(name, _Loader())
sys.meta_path.insert(0, _Finder())
sys.modules["coursekit.grading.registry"] = type(sys)("forged")

secret = ""
for p in [{str(tests)!r}, {str(instructor)!r}]:
    try:
        secret += open(p).read()[:2000]
    except OSError as e:
        secret += f"unreadable {{p}}: {{e}}"
try:
    open({str(out)!r} + "/gradebook.csv", "w").write("student,total\\ntamper,999\\n")
    open({str(out)!r} + "/forged-{MARK}.json", "w").write("{{}}")
except OSError as e:
    print("cannot write the output folder:", e)

def sigmoid(z):
    print(secret)
    return np.full(np.shape(z), 0.5)

def logistic_gradient(theta, X, y, lam):
    raise ValueError(secret[:400])

n_newton = 3
'''


def _snoop(course: Path, subs: Path, out: Path, known: list[Path]):
    """Look everywhere for the solutions (the grader's command line, the checkout around it, guesses)
    and for anywhere to write; remember what worked. The last cell turns any success into a wrong
    answer and an error message that carries the loot (so a leak would show in the feedback)."""
    allowed = ["/tmp", "/dev/shm", "/proc", "/dev", "/sys"]
    return f'''import os
loot, wrote, exposed = [], [], []
def grab(path):
    try:
        with open(path, "rb") as f:
            data = f.read(4_000_000)
    except OSError:
        return
    if b"{SECRET}" in data:
        loot.append(data.decode("utf-8", "replace")[:3000])
for pid in [p for p in os.listdir("/proc") if p.isdigit()]:       # what other processes say
    for what in ("cmdline", "environ"):
        try:
            raw = open(f"/proc/{{pid}}/{{what}}", "rb").read()
        except OSError:
            continue
        for token in raw.replace(b"\\0", b" ").replace(b"=", b" ").split():
            path = token.decode("utf-8", "replace")
            if path.startswith("/") and os.path.isfile(path):
                grab(path)
            elif path.startswith("/") and os.path.isdir(path) and not path.startswith(("/tmp", "/proc", "/dev")):
                for d, dirs, files in os.walk(path):
                    dirs[:] = [x for x in dirs if x not in (".venv", "site-packages")][:20]
                    for name in files[:200]:
                        grab(os.path.join(d, name))
for path in {[str(p) for p in known]!r}:                           # what a student could guess
    grab(path)
    if os.path.exists(path):
        exposed.append(path)
for d, dirs, files in os.walk({str(course)!r}):
    for name in files:
        grab(os.path.join(d, name))
if os.path.isdir({str(ROOT)!r}) and set(os.listdir({str(ROOT)!r})) - {{".venv", "src"}}:
    exposed.append({str(ROOT)!r} + ": " + str(sorted(os.listdir({str(ROOT)!r}))))
for d, dirs, files in os.walk("/"):                                # anywhere writable
    dirs[:] = [x for x in dirs if os.path.join(d, x) not in {allowed!r}]
    if d.count("/") > 4:
        dirs[:] = []
    if os.access(d, os.W_OK):
        try:
            with open(os.path.join(d, "snoop-{MARK}"), "w") as f:
                f.write("x")
            wrote.append(d)
        except OSError:
            pass
sockets = os.path.dirname(get_ipython().kernel.connection_file)
try:
    with open(os.path.join(sockets, "fill-{MARK}"), "wb") as f:
        f.write(b"x" * 1_000_000)
    wrote.append(sockets)
except OSError:
    pass
st = os.statvfs("/tmp")
big_tmp = st.f_blocks * st.f_frsize > 600 * 2**20
'''


SNOOP_VERDICT = ("if loot or wrote or exposed or big_tmp:\n    n_newton = -1\n    print(loot)\n"
                 "    raise RuntimeError(repr((loot, wrote, exposed, big_tmp))[:20000])")

INJECT = ("# \ud800 a lone surrogate in the source\n"
          "def logistic_gradient(theta, X, y, lam):\n"
          f"    raise ValueError({chr(0xD800) + EVIL!r})\n"           # reaches the grader as a lone surrogate
          f"raise ValueError({EVIL!r})")

MEMKIDS = ("import os, time\nkids = []\nfor _ in range(4):\n    pid = os.fork()\n    if pid == 0:\n"
           "        try:\n            hold = b'x' * 350_000_000\n            time.sleep(6)\n        finally:\n"
           "            os._exit(0)\n    kids.append(pid)\ntime.sleep(3)")

FLOOD_ASK = ("import sys\ndef sigmoid(z):\n    for i in range(8):\n        print('x' * 30_000_000)\n"
             "        if i < 4:\n            sys.stdout.flush()      # one message each; the rest merge\n"
             "    return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write(path: Path, nb) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)


def _write_raw(path: Path, nb) -> None:
    """Write a notebook whose text may hold lone surrogates (JSON escapes them; UTF-8 could not)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb, ensure_ascii=True))


def _deep(path: Path, depth: int, leaf: bytes | None = None) -> None:
    """``path/d/d/.../d`` ``depth`` levels deep (made with directory fds: no path grows too long)."""
    path.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    for _ in range(depth):
        os.mkdir("d", dir_fd=fd)
        nxt = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
        os.close(fd)
        fd = nxt
    if leaf is not None:
        with open(os.open(f"{NAME}.ipynb", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd), "wb") as f:
            f.write(leaf)
    os.close(fd)


def _snapshot(base: Path, skip: Path) -> dict[str, str]:
    """Every file below ``base`` except ``skip``: its digest (or its type for what is not a file)."""
    seen = {}
    for e in walk(base, max_depth=2000, max_entries=200_000, skip_hidden=False).entries:
        p = Path(base, *e.rel)
        if p == skip or skip in p.parents:
            continue
        seen[str(p)] = _sha(p) if e.is_regular else stat.filemode(e.mode)[0]
    return seen


def _results(out: Path) -> dict[str, dict]:
    found = {}
    for p in out.glob("*.json"):
        r = json.loads(p.read_text(encoding="utf-8"))
        found[r["student"]] = r
    return found


def _kernel_leftovers(grader_pid: int) -> list[str]:
    """Processes of this grader's kernels: by their command line, or by the cgroup they are in (which
    every process a kernel starts inherits, in whatever session, under whatever name)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            groups = Path(f"/proc/{pid}/cgroup").read_text()
        except OSError:
            continue
        if f"coursekit-grade-{grader_pid}-".encode() in cmdline or f"{cgroups.PREFIX}{grader_pid}-" in groups:
            found.append(f"{pid}: {cmdline[:200]!r}")
    return found


DRIVER = '''import json, os, sys
from coursekit.cli import main
code = main(sys.argv[1:])
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM"))
print("DRIVER", json.dumps({"code": code, "peak_mb": peak / 1024, "pid": os.getpid()}))
sys.exit(code)
'''


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    base = tmp_path_factory.mktemp("grading")
    course = base / "course"
    instructor, tests = course / "notebooks" / f"{NAME}.ipynb", course / "private" / "private_tests.py"
    subs, out = course / "submissions", course / "grades"
    cells = _instructor(N_NEWTON)
    _write(instructor, _notebook(cells + [SOLUTION_NOTE]))
    tests.parent.mkdir(parents=True)
    tests.write_text(PRIVATE_TESTS)
    # the checkout around it: the built site's copy of the notebook and a git object, both with solutions
    built = [course / "_build" / "html" / "_sources" / "notebooks" / f"{NAME}.ipynb",
             course / "_build" / "jupyter_execute" / "notebooks" / f"{NAME}.ipynb"]
    for p in built:
        p.parent.mkdir(parents=True)
        shutil.copy(instructor, p)
    blob = course / ".git" / "objects" / "ab" / ("c" * 38)
    blob.parent.mkdir(parents=True)
    blob.write_bytes(instructor.read_bytes())
    subs.mkdir()
    iso = isolation([subs, out, instructor.parent, tests.parent], [instructor, tests])
    isolated = iso.level in ("bubblewrap", "isolated")

    wrong = [("code", STUB), ("code", "def sigmoid(z):\n    return np.asarray(z, dtype=float)"),
             ("code", "def logistic_gradient(theta, X, y, lam):\n    return -optim._logistic_gradient(theta, X, y, lam)"),
             ("code", "n_newton = 99")] + cells[:1]
    partial = [cells[0], ("code", STUB),                               # moved, retyped, one answer deleted
               ("code", "def logistic_gradient(theta, X, y, lam):\n    return -optim._logistic_gradient(theta, X, y, lam)"),
               ("code", "def sigmoid(z):\n    z = np.asarray(z, dtype=float)\n    return np.exp(-np.logaddexp(0, -z))")]
    fixtures = {
        "correct": cells, "wrong": wrong, "partial": partial,
        "loop": _with(cells, 5, "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass"),
        # the bomb lets go of its memory when the allocation fails, as a function's locals would
        "membomb": _with(cells, 5, "try:\n    hog = []\n    for _ in range(80):\n        hog.append(b'x' * 100_000_000)\n"
                                   "finally:\n    hog = None"),
        "sysexit": _with(cells, 5, "import sys\nsys.exit(3)"),
        "osexit": _with(cells, 5, "import os\nos._exit(1)"),
        "crash": _with(cells, 5, "import ctypes\nctypes.string_at(0)"),
        "flood": _with(cells, 5, "for _ in range(30):\n    print('x' * 1_000_000)"),
        "iopubflood": cells[:3] + [("code", FLOOD_ASK)] + cells[4:],
        "inject": cells + [("code", INJECT)],
        "L" * 240: cells,                                  # a 246-byte file name, legal on Linux
    }
    if isolated or os.getuid() != 0:       # root ignores RLIMIT_NPROC: only with a uid of its own
        fixtures["forkbomb"] = _with(cells, 5, "import os, time\nfor _ in range(2000):\n    if os.fork() == 0:\n"
                                               "        time.sleep(60)\n        os._exit(0)")
    if iso.cgroups.version:
        fixtures["memkids"] = _with(cells, 5, MEMKIDS)
    if isolated:               # only safe (and only expected to hold) with a uid and namespaces of its own
        fixtures["escape"] = _with(cells, 5, _hostile_escape(subs, out, tests, instructor))
        fixtures["tamper"] = cells[:2] + [("code", _hostile_tamper(out, tests, instructor))] + cells[8:]
    if iso.level == "bubblewrap":
        known = [instructor, tests, *built, blob, ROOT / "notebooks" / WEEK0.name, ROOT / ".git",
                 subs / "correct.ipynb", out / "gradebook.csv"]
        fixtures["snoop"] = _with(cells, 5, _snoop(course, subs, out, known)) + [("code", SNOOP_VERDICT)]
    for student, c in fixtures.items():
        _write_raw(subs / f"{student}.ipynb", _notebook(c))
    _write(subs / "blank.ipynb", make_student_notebook(_notebook(cells + [SOLUTION_NOTE]), instructor))
    other = make_student_notebook(_notebook(cells), base / "99-other.ipynb")
    _write(subs / "otherassignment.ipynb", other)
    (subs / "notjson.ipynb").write_bytes(b'{"cells": [ this is not json')
    (subs / "notnotebook.ipynb").write_text('{"name": "a JSON file", "cells": "no"}')
    huge = _notebook(cells)
    huge.cells[1].outputs = [nbformat.v4.new_output("display_data", {"image/png": "A" * 50_000_000})]
    _write(subs / "huge.ipynb", huge)
    with open(os.path.join(os.fsencode(subs), b"st\xffudent.ipynb"), "w") as f:
        nbformat.write(_notebook(cells), f)
    dora = [cells[0], ("code", STUB + "\nfrom helper import sigmoid")] + cells[4:7] + [   # full marks only if
        ("code", f"import os\nn_newton = {N_NEWTON} if not any('GRADER_SECRET' in k for k in os.environ) else -1")]
    _write(subs / "dora" / f"{NAME}.ipynb", _notebook(dora))
    (subs / "dora" / "helper.py").write_text("import numpy as np\n\ndef sigmoid(z):\n"
                                             "    return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))\n")
    # entries that stopped or hung whole batches: a FIFO, a link loop, a folder a thousand deep,
    # file names with terminal escapes or spreadsheet formulas
    os.mkfifo(subs / "fifo.ipynb")
    os.symlink("loopb.ipynb", subs / "loopa.ipynb")
    os.symlink("loopa.ipynb", subs / "loopb.ipynb")
    _deep(subs / "deep", 1000, leaf=json.dumps(_notebook(cells)).encode())
    _write(subs / "eve" / f"{NAME}.ipynb", _notebook(cells))
    _deep(subs / "eve" / "junk", 1000)
    os.symlink(".", subs / "eve" / "self")
    os.symlink("/", subs / "eve" / "root")
    odd_names = ["\x1b]52;c;ZXZpbA==\x07mallory", "\x1b[2Jclear", "=HYPERLINK(1)", "\t=1+1", "\r-2", "@SUM(A1)",
                 "+1", " =3"]
    for name in odd_names:
        (subs / f"{name}.ipynb").write_bytes(b"not json")

    driver = base / "driver.py"
    driver.write_text(DRIVER)
    before = _snapshot(base, out)
    env = dict(os.environ, COURSEKIT_GRADER_SECRET_TOKEN=MARK)           # must not reach any kernel
    proc = subprocess.run([sys.executable, str(driver), "grade", str(instructor), str(subs), "--out", str(out),
                           "--tests", str(tests), *CLI_LIMITS], capture_output=True, env=env, timeout=900)
    lines = [ln for ln in proc.stdout.decode("utf-8", "replace").splitlines() if ln.startswith("DRIVER ")]
    assert proc.returncode == 0 and lines, proc.stderr.decode("utf-8", "replace")[-3000:]
    run = json.loads(lines[-1][len("DRIVER "):])
    after = _snapshot(base, out)
    (base / "driver-run.json").write_text(json.dumps(run))            # (for a person reading the run)
    r = _results(out)
    yield {"r": r, "out": out, "subs": subs, "instructor": instructor, "tests": tests, "base": base,
           "course": course, "before": before, "after": after, "isolated": isolated, "iso": iso,
           "run": run, "stdout": proc.stdout, "stderr": proc.stderr, "odd_names": odd_names,
           "leftovers": _kernel_leftovers(run["pid"]),
           "tmp_left": list(Path(tempfile.gettempdir()).glob(f"coursekit-grade-{run['pid']}-*"))}
    registry._REGISTRY.pop("fixture.sigmoid_extreme", None)     # keep this worker's registry as it was
    for deep in (subs / "deep", subs / "eve" / "junk"):            # (recursive removers would overflow)
        remove_tree(deep)


def _q(res, name):
    return next(q for q in res["questions"] if q["name"] == name)


def _live_markup(text: str) -> list[str]:
    """Links, images or HTML that a Markdown renderer would make live (code spans and blocks are inert)."""
    text = re.sub(r"(?ms)^(~{4,})text\n.*?\n\1$", "", text)
    text = re.sub(r"(`+) .*? \1", "", text)
    return re.findall(r"(?<!\\)\]\(|(?<!\\)!\[|(?<!\\)<[A-Za-z]|https?://", text)


# ------------------------------------------------------------------------------ the batch itself

def test_the_batch_finishes_with_every_submission_in_the_gradebook(batch):
    rows = (batch["out"] / "gradebook.csv").read_text().splitlines()
    assert rows[0] == ("student,optim.sigmoid,optim.logistic_gradient,optim.newton_iterations,"
                       "fixture.sigmoid_extreme,total,max,status,reason")
    with_rows = list(csv.reader(io.StringIO((batch["out"] / "gradebook.csv").read_text())))
    assert len(with_rows) - 1 == len(batch["r"]) == len(find_submissions(batch["subs"], f"{NAME}.ipynb"))
    for res in batch["r"].values():
        assert (batch["out"] / f"{res['key']}.json").is_file() and (batch["out"] / f"{res['key']}.md").is_file()
        assert res["max"] == MAX and res["status"]
        assert res["status"] in {"graded", "not attempted"} or res["reason"], res["student"]
    assert "isolation: " + batch["iso"].level in batch["stdout"].decode("utf-8", "replace")


def test_submission_files_are_never_modified_and_nothing_outside_the_output_folder_changes(batch):
    assert batch["after"] == batch["before"]


def test_no_kernel_process_scratch_directory_or_cgroup_is_left(batch):
    assert not batch["tmp_left"], batch["tmp_left"]
    assert not batch["leftovers"], batch["leftovers"]
    sup = batch["iso"].cgroups
    for parent in set(sup.parents.values()):
        assert not list(Path(parent).glob(f"coursekit-{batch['run']['pid']}-*")), parent


def test_the_grader_s_own_memory_stays_bounded_whatever_the_kernels_send(batch):
    """Among them: a kernel printing 8 x 30 MB while the grader waits for its answer, 30 MB at once
    from another, a 50 MB notebook. The grader's peak resident memory (VmHWM) stays below 300 MB."""
    assert batch["run"]["peak_mb"] < PEAK_MB, batch["run"]
    flood = batch["r"]["iopubflood"]           # messages under the size limit counted, the rest dropped
    assert flood["output_bytes"] >= 100 * 2**20, flood["output_bytes"]
    assert any("dropped unread" in n for n in flood["notes"]), flood["notes"]


def test_correct_earns_full_marks_and_says_hidden_checks_may_follow(batch):
    res = batch["r"]["correct"]
    assert (res["status"], res["total"]) == ("graded", MAX)
    assert "hidden checks" in _q(res, "optim.sigmoid")["message"]
    assert _q(res, "fixture.sigmoid_extreme")["hidden"]
    assert res["isolation"] == batch["iso"].level


def test_wrong_earns_nothing_and_hidden_feedback_reveals_no_values(batch):
    res = batch["r"]["wrong"]
    assert (res["status"], res["total"]) == ("graded", 0)
    assert [q["status"] for q in res["questions"]] == ["wrong"] * 4
    assert "opposite sign" in _q(res, "optim.logistic_gradient")["message"]
    assert "expected" in _q(res, "optim.sigmoid")["message"]          # public: the numbers help
    hidden = _q(res, "fixture.sigmoid_extreme")["message"]
    assert "expected" not in hidden.lower() and "got" not in hidden and not any(ch.isdigit() for ch in hidden)


def test_partial_credit_finds_answers_by_name_wherever_they_are(batch):
    res = batch["r"]["partial"]
    assert res["total"] == 2 + 1
    assert _q(res, "optim.sigmoid")["status"] == "passed"
    assert _q(res, "optim.logistic_gradient")["status"] == "wrong"
    newton = _q(res, "optim.newton_iterations")
    assert newton["status"] == "not attempted" and "not defined" in newton["message"]


def test_blank_student_version_is_not_attempted(batch):
    res = batch["r"]["blank"]
    assert (res["status"], res["total"]) == ("not attempted", 0)
    assert all(q["status"] == "not attempted" for q in res["questions"])


def test_endless_cell_that_ignores_interrupts_is_killed_and_the_rest_graded(batch):
    res = batch["r"]["loop"]
    assert res["status"] == "timeout" and res["total"] == MAX
    assert res["restarts"] >= 1 and "ran longer than 5 s" in res["reason"]


def test_memory_bomb_hits_the_memory_limit(batch):
    res = batch["r"]["membomb"]
    assert res["total"] == MAX and res["first_error"]["ename"] == "MemoryError", res
    assert "1024 MiB" in res["reason"]


def test_children_of_a_kernel_share_one_memory_budget(batch):
    """Four children holding 350 MB each (1.4 GB) under --memory 1024: together they stay within
    1024 MiB (the largest are killed); the kernel and every answer survive."""
    if "memkids" not in batch["r"]:
        pytest.skip("no cgroups here: " + batch["iso"].cgroups.why)
    res = batch["r"]["memkids"]
    assert res["total"] == MAX, res
    used = res["resources"]
    assert used["oom_kills"] >= 1 and 700 < used["peak_memory_mb"] <= 1024, used


def test_fork_bomb_hits_the_process_limit(batch):
    if "forkbomb" not in batch["r"]:
        pytest.skip("the grader runs as root without a uid of its own for kernels: " + batch["iso"].why)
    res = batch["r"]["forkbomb"]
    assert res["total"] == MAX and res["first_error"]["ename"] == "BlockingIOError"
    assert "processes" in res["reason"]


def test_sys_exit_is_an_error_in_its_cell_only(batch):
    res = batch["r"]["sysexit"]
    assert (res["status"], res["total"]) == ("graded", MAX) and res["first_error"]["ename"] == "SystemExit"


@pytest.mark.parametrize("student, how", [("osexit", "exit code 1"), ("crash", "SIGSEGV")])
def test_a_killed_kernel_costs_only_the_cell_that_killed_it(batch, student, how):
    res = batch["r"][student]
    assert (res["status"], res["total"]) == ("kernel died", MAX)
    assert how in res["reason"] and "skipped" in res["reason"]


def test_output_flood_is_counted_not_kept(batch):
    res = batch["r"]["flood"]
    assert (res["status"], res["total"]) == ("graded", MAX)
    assert res["output_bytes"] >= 30_000_000 and any("MB of output" in n for n in res["notes"])


def test_invalid_files_get_a_clear_reason(batch):
    r = batch["r"]
    assert (r["notjson"]["status"], r["notnotebook"]["status"]) == ("invalid", "invalid")
    assert "not valid JSON" in r["notjson"]["reason"]
    assert "not a Jupyter notebook" in r["notnotebook"]["reason"]
    assert r["otherassignment"]["status"] == "wrong assignment" and "99-other" in r["otherassignment"]["reason"]
    assert all(x["total"] == 0 for x in (r["notjson"], r["notnotebook"], r["otherassignment"]))


def test_huge_notebook_is_graded_without_its_outputs(batch):
    res = batch["r"]["huge"]
    assert (res["status"], res["total"]) == ("graded", MAX)
    assert any("outputs were ignored" in n for n in res["notes"])


def test_non_utf8_file_name_folder_layout_and_clean_environment(batch):
    odd = batch["r"]["st\\xffudent"]
    assert (odd["status"], odd["total"]) == ("graded", MAX) and "UTF-8" in odd["notes"][0]
    assert odd["key"].isascii() and (batch["out"] / f"{odd['key']}.md").is_file()
    dora = batch["r"]["dora"]       # dora/<name>.ipynb imports dora/helper.py and checks os.environ
    assert (dora["status"], dora["total"]) == ("graded", MAX)


def test_no_entry_of_the_submissions_folder_stops_the_batch(batch):
    r = batch["r"]
    assert r["fifo"]["status"] == "invalid" and "not a regular file" in r["fifo"]["reason"]
    for link in ("loopa", "loopb"):
        assert r[link]["status"] == "invalid" and "symbolic link" in r[link]["reason"]
    assert r["deep"]["status"] == "invalid" and "no notebook" in r["deep"]["reason"]
    eve = r["eve"]               # a notebook beside a 1000-deep folder and links to '.' and '/'
    assert (eve["status"], eve["total"]) == ("graded", MAX) and any("levels deep" in n for n in eve["notes"])
    long = r["L" * 240]
    assert (long["status"], long["total"]) == ("graded", MAX)
    assert len(long["key"]) <= 60
    for p in batch["out"].iterdir():
        assert len(p.name.encode()) <= 100, p.name


def test_student_text_is_data_in_every_output_and_on_the_terminal(batch):
    """File names with terminal escapes and formulas, an error message with escapes, links, an
    image, HTML and a surrogate, a cell whose source holds a lone surrogate: every output file is
    valid UTF-8 without control characters, no Markdown link or image comes alive, no CSV cell
    starts a formula, and nothing reaches the terminal but text."""
    r, out = batch["r"], batch["out"]
    inject = r["inject"]
    assert inject["total"] == MAX - 3 and inject["first_error"]["ename"] == "ValueError"
    assert "full marks" in inject["first_error"]["evalue"] and "Your code raised" in _q(
        inject, "optim.logistic_gradient")["message"]
    for name in batch["odd_names"]:
        assert r[submissions._display(name)[0]]["status"] == "invalid"
    for p in [q for q in out.rglob("*") if q.is_file()]:
        text = p.read_bytes().decode("utf-8")                    # valid UTF-8 (no surrogate survived)
        assert not CONTROL.search(text), (p, CONTROL.search(text))
        if p.suffix == ".md":
            assert not _live_markup(text), (p, _live_markup(text))
    for row in csv.reader(io.StringIO((out / "gradebook.csv").read_text())):
        for cell in row:
            assert not cell.startswith(FORMULA) and not cell.lstrip().startswith(FORMULA), row
    terminal = batch["stdout"] + batch["stderr"]
    assert b"\x1b" not in terminal and b"\x07" not in terminal


def test_writes_outside_the_folder_do_not_land(batch):
    if not batch["isolated"]:
        pytest.skip("needs an isolated level (root): " + batch["iso"].why)
    res = batch["r"]["escape"]
    assert (res["status"], res["total"]) == ("graded", MAX)
    for folder in [batch["subs"], batch["out"], batch["base"], ROOT, Path(coursekit.__file__).parent,
                   Path("/tmp"), Path("/dev/shm"), Path("/var/tmp"), Path(os.path.expanduser("~")).parent]:
        assert not [p for p in folder.glob(f"*{MARK}*")], folder


def test_tampering_earns_only_what_the_answers_earn(batch):
    if not batch["isolated"]:
        pytest.skip("needs an isolated level (root): " + batch["iso"].why)
    res = batch["r"]["tamper"]
    assert (res["status"], res["total"]) == ("graded", 0)
    # forged replies ("passed" from a replaced registry) cannot be read back: errors, never points
    assert [q["status"] for q in res["questions"]] == ["error", "error", "error", "error"]
    assert all(q["points"] == 0 for q in res["questions"])
    assert "tamper,0," in (batch["out"] / "gradebook.csv").read_text()
    assert not list(batch["out"].glob("forged-*"))


def test_no_solution_or_private_test_text_reaches_any_output(batch):
    """A kernel that reads /proc, guesses the checkout's layout (the built site's _sources, .git
    objects, the private tests), walks what it can see and tries to write anywhere finds nothing:
    under bubblewrap only the Python installation exists for it, and only its private /tmp is
    writable."""
    for p in [q for q in batch["out"].rglob("*") if q.is_file()]:
        assert SECRET not in p.read_text(errors="replace"), p
    assert SECRET.encode() not in batch["stdout"] + batch["stderr"]
    if "snoop" not in batch["r"]:
        pytest.skip("needs the bubblewrap level: " + batch["iso"].describe())
    res = batch["r"]["snoop"]
    assert (res["status"], res["total"]) == ("graded", MAX), (res["reason"], res["first_error"])


def test_rerun_skips_unchanged_submissions(batch):
    again = grade(batch["instructor"], batch["subs"], batch["out"], tests=batch["tests"], jobs=2,
                  limits=CLI_AS_LIMITS, progress=False, echo=None)
    assert again.unchanged == len(batch["r"]) and again.graded == 0
    assert {s: r["total"] for s, r in again.by_student().items()} == {s: r["total"] for s, r in batch["r"].items()}


# ------------------------------------------------------------------------------ smaller batches

def _honest_work(n=3):
    return [("code", "total = 0\nfor i in range(6_000_000):\n    total += i * i") for _ in range(n)]


def test_an_honest_kernel_keeps_its_cpu_share_beside_a_hog(batch, tmp_path):
    """Thirty busy children in sessions of their own, beside an honest kernel doing a few seconds of
    pure-Python work per cell under a 5 s cell limit (at 2 cores, without a CPU budget per kernel it
    would get about a fifteenth of a core): the honest one gets full marks."""
    if not batch["iso"].cgroups.version:
        pytest.skip("no cgroups here: " + batch["iso"].cgroups.why)
    cells = _instructor(N_NEWTON)
    hog = _with(cells, 5, "import os, time\nfor _ in range(30):\n    if os.fork() == 0:\n        os.setsid()\n"
                          "        end = time.time() + 8\n        while time.time() < end:\n            pass\n"
                          "        os._exit(0)", "import time\ntime.sleep(3)", "import time\ntime.sleep(3)")
    honest = cells[:5] + _honest_work() + cells[5:]
    subs = tmp_path / "subs"
    _write(subs / "hog.ipynb", _notebook(hog))
    _write(subs / "honest.ipynb", _notebook(honest))
    summary = grade(batch["instructor"], subs, tmp_path / "grades", tests=batch["tests"], jobs=2, limits=LIMITS,
                    progress=False, echo=None)
    r = summary.by_student()
    assert (r["honest"]["status"], r["honest"]["total"]) == ("graded", MAX), r["honest"]
    assert r["hog"]["resources"]["cpu_seconds"] > r["honest"]["resources"]["cpu_seconds"] / 2, r["hog"]["resources"]
    assert not _kernel_leftovers(os.getpid())


def test_the_fallback_launcher_still_isolates(batch, tmp_path):
    if os.getuid() != 0:
        pytest.skip("the fallback launcher needs root")
    cells = _instructor(N_NEWTON)
    subs, out = tmp_path / "subs", tmp_path / "grades"
    _write(subs / "correct.ipynb", _notebook(cells))
    _write(subs / "escape.ipynb", _notebook(_with(cells, 5, _hostile_escape(subs, out, batch["tests"],
                                                                            batch["instructor"]))))
    summary = grade(batch["instructor"], subs, out, tests=batch["tests"], jobs=2, limits=LIMITS,
                    isolation_mode="launcher", progress=False, echo=None)
    assert summary.isolation_level == "isolated" and "fallback launcher" in summary.render()
    assert {s: r["total"] for s, r in summary.by_student().items()} == {"correct": MAX, "escape": MAX}
    assert not [p for p in subs.glob(f"*{MARK}*")] and not [p for p in Path("/tmp").glob(f"escape-{MARK}*")]


def test_dask_cluster_and_limits_only_isolation_grade_the_same(tmp_path, batch):
    distributed = pytest.importorskip("distributed")
    subs = tmp_path / "subs"
    subs.mkdir()
    for student in ("correct", "wrong"):
        (subs / f"{student}.ipynb").write_bytes((batch["subs"] / f"{student}.ipynb").read_bytes())
    out = tmp_path / "grades"
    first = grade(batch["instructor"], subs, out, tests=batch["tests"], jobs=2, limits=LIMITS,
                  isolation_mode="limits-only", progress=False, echo=None)
    assert {s: r["total"] for s, r in first.by_student().items()} == {"correct": MAX, "wrong": 0}
    assert "DEGRADED" in first.isolation
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, host="127.0.0.1", dashboard_address=":0",
                                  processes=True) as cluster, distributed.Client(cluster) as client:
        again = grade(batch["instructor"], subs, out, tests=batch["tests"], executor=client.get_executor(),
                      force=True, limits=LIMITS, isolation_mode="limits-only", progress=False, echo=None)
    assert again.graded == 2
    assert {s: r["total"] for s, r in again.by_student().items()} == {"correct": MAX, "wrong": 0}


# ------------------------------------------------------------------------------ written questions

WRITTEN_Q1 = ("**Question 1.** Why does Newton's method need so few iterations here?\n\n"
              "<!-- BEGIN SOLUTION -->\nThe loss is smooth and strictly convex, so near the optimum Newton's "
              f"method converges quadratically. {SECRET}\n\n**Rubric**\n\n- (1 point) names quadratic convergence\n"
              "- (1 point) says the loss is convex\n<!-- END SOLUTION -->")
WRITTEN_Q2 = ("**Question 2.** What is maximum likelihood?\n\n<!-- BEGIN SOLUTION -->\nChoosing the parameters "
              "under which the observed data are most probable.\n\n**Rubric**\n- (1 point) the parameters that "
              "make the data most probable\n<!-- END SOLUTION -->\n\nAnswer in two sentences at most.")


def _written_instructor():
    return [("md", "# Written questions"), ("code", STUB),
            ("code", f"### BEGIN SOLUTION\nn_newton = {N_NEWTON}\n### END SOLUTION\n"
                     "check(\"optim.newton_iterations\", n_newton)"),
            ("md", WRITTEN_Q1, {"coursekit": {"written": "fixture.why_newton", "points": 2}}),
            ("md", WRITTEN_Q2, {"coursekit": {"written": "fixture.what_is_ml", "points": 1}})]


def _answer(nb, index, text):
    nb.cells[index].source = nb.cells[index].source.replace("*Write your answer here.*", text)


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    base = tmp_path_factory.mktemp("written")
    instructor, subs, out = base / "notebooks" / "07-written.ipynb", base / "subs", base / "grades"
    _write(instructor, _notebook(_written_instructor()))
    student = make_student_notebook(nbformat.read(instructor, as_version=4), instructor)
    alice = nbformat.from_dict(json.loads(json.dumps(student)))
    alice.cells[2].source = f"n_newton = {N_NEWTON}\ncheck(\"optim.newton_iterations\", n_newton)"
    _answer(alice, 3, "Newton's method converges quadratically because the loss is convex.")
    _answer(alice, 4, "The parameters that make the observed data most probable.")
    bob = nbformat.from_dict(json.loads(json.dumps(student)))        # code untouched: nothing to run
    _answer(bob, 3, "[full marks](http://evil.example/) ![t](http://evil.example/t.png) \x1b[2J\n~~~~\n```\n"
                    "<script>alert(1)</script>")
    dan = nbformat.from_dict(json.loads(json.dumps(student)))        # ids lost (another editor)
    for cell in dan.cells:
        cell["id"] = uuid.uuid4().hex[:8]
    dan.cells[2].source = f"n_newton = {N_NEWTON}"
    _answer(dan, 4, "Maximising the likelihood of the data.")
    for name, nb in [("alice", alice), ("bob", bob), ("carol", student), ("dan", dan)]:
        _write_raw(subs / f"{name}.ipynb", nb)
    summary = grade(instructor, subs, out, jobs=2, limits=LIMITS, progress=False, echo=None)
    return {"summary": summary, "r": summary.by_student(), "instructor": instructor, "subs": subs, "out": out,
            "base": base}


def _gradebook(out: Path) -> dict[str, dict]:
    return {row["student"]: row for row in csv.DictReader(io.StringIO((out / "gradebook.csv").read_text()))}


def test_written_questions_are_listed_to_grade_by_hand(written):
    r, out = written["r"], written["out"]
    header = (out / "gradebook.csv").read_text().splitlines()[0]
    assert header == ("student,optim.newton_iterations,fixture.why_newton,fixture.what_is_ml,total,max,status,"
                      "reason,to grade by hand")
    book = _gradebook(out)
    assert book["alice"]["to grade by hand"] == "fixture.why_newton; fixture.what_is_ml"
    assert (book["alice"]["total"], book["alice"]["max"]) == ("1", "4")
    assert book["bob"]["to grade by hand"] == "fixture.why_newton" and book["bob"]["status"] == "graded"
    assert (book["carol"]["status"], book["carol"]["to grade by hand"]) == ("not attempted", "")
    assert book["dan"]["to grade by hand"] == "fixture.what_is_ml"
    assert "question's text" in _q(r["dan"], "fixture.what_is_ml")["message"]
    assert _q(r["alice"], "fixture.why_newton")["status"] == "to grade by hand"
    assert "to grade by hand" in (out / "alice.md").read_text()
    assert "written answers: 4 to grade by hand" in written["summary"].render()


def test_answers_are_collected_per_question_with_the_rubric_as_data(written):
    out = written["out"]
    page = (out / "written" / "fixture.why_newton.md").read_text()
    assert "names quadratic convergence" in page and "Newton's method converges quadratically" in page
    assert "2 of 4 students answered" in page and "carol" in page.split("## Not attempted")[1]
    fence = re.search(r"### bob.*?\n\n(~{4,})text\n(.*?)\n\1", page, re.S)     # bob's text, verbatim, fenced
    assert fence and "[full marks](http://evil.example/)" in fence.group(2) and "\x1b" not in page
    assert len(fence.group(1)) > 4                                               # longer than bob's ~~~~
    template = list(csv.DictReader(io.StringIO((out / "manual-scores.csv").read_text())))
    assert len(template) == 8 and all(row["points"] == "" for row in template)
    assert {(row["student"], row["question"], row["max_points"]) for row in template} >= {
        ("alice", "fixture.why_newton", "2"), ("dan", "fixture.what_is_ml", "1")}


def test_manual_scores_are_merged_into_gradebook_and_feedback_idempotently(written, tmp_path):
    out = written["out"]
    scores = tmp_path / "scores.csv"
    scores.write_text("student,question,max_points,points,comment\n"
                      "alice,fixture.why_newton,2,2,Clear and complete.\n"
                      "alice,fixture.what_is_ml,1,1,\n"
                      "bob,fixture.why_newton,2,0.5,\"Only a link; =not a formula\"\n"
                      "dan,fixture.what_is_ml,1,,\n")
    kw = dict(jobs=2, limits=LIMITS, progress=False, echo=None)
    first = grade(written["instructor"], written["subs"], out, manual=scores, **kw)
    assert first.graded == 0                                       # nothing re-run: only merged
    book = _gradebook(out)
    assert (book["alice"]["total"], book["alice"]["fixture.why_newton"], book["alice"]["to grade by hand"]) == \
        ("4", "2", "")
    assert (book["bob"]["total"], book["bob"]["to grade by hand"]) == ("0.5", "")
    assert book["dan"]["to grade by hand"] == "fixture.what_is_ml"          # empty points: still pending
    alice = json.loads((out / "alice.json").read_text())
    assert _q(alice, "fixture.why_newton")["status"] == "graded by hand"
    assert "Clear and complete." in (out / "alice.md").read_text()
    files = {p: p.read_bytes() for p in out.rglob("*") if p.is_file() and ".coursekit-grade" not in p.parts}
    grade(written["instructor"], written["subs"], out, manual=scores, **kw)
    assert {p: p.read_bytes() for p in files} == files                      # the same, byte for byte


@pytest.mark.parametrize("row, message", [
    ("mallory,fixture.why_newton,2,1,", "row 2, column student"),
    ("alice,fixture.nope,2,1,", "row 2, column question"),
    ("alice,fixture.why_newton,2,3,", "row 2, column points: 3 is outside 0..2"),
    ("alice,fixture.why_newton,2,-1,", "row 2, column points"),
    ("alice,fixture.why_newton,2,many,", "row 2, column points: 'many' is not a number"),
    ("alice,fixture.why_newton,2,1,\nalice,fixture.why_newton,2,2,", "row 3: 'alice' and 'fixture.why_newton'"),
])
def test_bad_manual_scores_stop_the_run_before_anything_is_written(written, tmp_path, row, message):
    out = written["out"]
    scores = tmp_path / "scores.csv"
    scores.write_text("student,question,max_points,points,comment\n" + row + "\n")
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    with pytest.raises(AssignmentError, match=re.escape(message)):
        grade(written["instructor"], written["subs"], out, manual=scores, progress=False, echo=None)
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_cli_and_makefile_pass_manual_scores(written, tmp_path, capsys):
    from coursekit.cli import main
    bad = tmp_path / "bad.csv"
    bad.write_text("student,question,points\nnobody,fixture.why_newton,1\n")
    assert main(["grade", str(written["instructor"]), str(written["subs"]), "--out", str(written["out"]),
                 "--manual", str(bad), "--no-progress"]) == 2
    assert "row 2, column student" in capsys.readouterr().err
    if shutil.which("make"):
        dry = subprocess.run(["make", "-n", "grade", "MANUAL=grades/scores.csv"], cwd=ROOT, capture_output=True,
                             text=True)
        assert "--manual grades/scores.csv" in dry.stdout, dry.stdout + dry.stderr


def test_written_question_format_is_checked(tmp_path):
    bad = [("no rubric", WRITTEN_Q2.replace("**Rubric**", "Rubric"), 1, "no line **Rubric**"),
           ("wrong sum", WRITTEN_Q1, 3, "adds up to 2 points but the cell's metadata gives 3"),
           ("no region", "What is it?", 1, "exactly one <!-- BEGIN SOLUTION -->")]
    for label, source, points, message in bad:
        path = tmp_path / f"{label.replace(' ', '-')}.ipynb"
        nbformat.write(_notebook([("md", source, {"coursekit": {"written": "fixture.q", "points": points}})]), path)
        with pytest.raises(AssignmentError, match=re.escape(message)):
            read_assignment(path)
    path = tmp_path / "ok.ipynb"
    nbformat.write(_notebook(_written_instructor()), path)
    a = read_assignment(path)
    assert [(w.name, w.points, len(w.rubric)) for w in a.written] == [("fixture.why_newton", 2, 2),
                                                                     ("fixture.what_is_ml", 1, 1)]
    assert a.max_points == 4 and SECRET not in a.written[0].prompt and "quadratically" in a.written[0].model_answer


# ------------------------------------------------------------------------------ no kernels needed

def test_assignment_reads_points_and_rejects_unknown_or_duplicate_checks(batch, tmp_path):
    a = read_assignment(batch["instructor"], batch["tests"])
    assert [(q.name, q.points, q.private) for q in a.questions] == [
        ("optim.sigmoid", 2, False), ("optim.logistic_gradient", 3, False), ("optim.newton_iterations", 1, False),
        ("fixture.sigmoid_extreme", 1, True)]
    for bad, message in [("check(\"optim.nope\", f)", "no check named"),
                         ("check(\"optim.sigmoid\", f)\ncheck(\"optim.sigmoid\", g)", "already appears")]:
        path = tmp_path / "bad.ipynb"
        nbformat.write(_notebook([("code", bad)]), path)
        with pytest.raises(AssignmentError, match=message):
            read_assignment(path)


def test_returned_data_with_exotic_dtypes_is_refused_before_decoding():
    evil = json.dumps({"status": "answered", "data": {"__ndarray__": [0], "dtype": "V2000000000", "shape": [1]}})
    assert json.loads(_safe_payload(evil))["status"] == "error"
    fine = json.dumps({"status": "answered", "data": {"__ndarray__": [1.0], "dtype": "float64", "shape": [1]}})
    assert _safe_payload(fine) == fine


def test_cli_exit_codes(batch, tmp_path, capsys):
    from coursekit.cli import main
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "x.ipynb").write_text("not json")
    assert main(["grade", str(batch["instructor"]), str(subs), "--out", str(tmp_path / "g"), "--no-progress"]) == 0
    assert "invalid" in (tmp_path / "g" / "gradebook.csv").read_text()
    assert main(["grade", str(tmp_path / "missing.ipynb"), str(subs), "--out", str(tmp_path / "g")]) == 2
    assert "no instructor notebook" in capsys.readouterr().err


def test_an_unexpected_failure_is_one_student_s_grader_error_row(batch, tmp_path, monkeypatch):
    subs, out = tmp_path / "subs", tmp_path / "grades"
    subs.mkdir()
    for name in ("ann", "boom", "cat"):
        (subs / f"{name}.ipynb").write_text("not json")
    real = grader.write_student

    def failing(out_dir, assignment, res):
        if res["student"] == "boom" and res["status"] != "grader error":
            raise UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed")
        return real(out_dir, assignment, res)

    monkeypatch.setattr(grader, "write_student", failing)
    summary = grade(batch["instructor"], subs, out, tests=batch["tests"], limits=LIMITS, progress=False, echo=None)
    r = summary.by_student()
    assert [r[s]["status"] for s in ("ann", "boom", "cat")] == ["invalid", "grader error", "invalid"]
    assert "feedback could not be written" in r["boom"]["reason"]
    assert len(_gradebook(out)) == 3


def test_files_walk_reads_and_removes_without_following_or_blocking(tmp_path):
    _deep(tmp_path / "t", 1500)
    os.mkfifo(tmp_path / "t" / "fifo")
    os.symlink("/etc/passwd", tmp_path / "t" / "link")
    os.chmod(tmp_path / "t" / "d" / "d", 0)                  # what a kernel could leave behind
    found = walk(tmp_path / "t", max_depth=5)
    assert found.too_deep and len(found.entries) == 7
    with pytest.raises(OSError):
        read_regular(tmp_path / "t" / "fifo", 10)             # neither blocks nor reads
    with pytest.raises(OSError):
        read_regular(tmp_path / "t" / "link", 10)
    assert remove_tree(tmp_path / "t") and not (tmp_path / "t").exists() and Path("/etc/passwd").exists()


def test_markdown_csv_and_terminal_escaping():
    assert md("[x](http://e.example) ![i](y) <b>") == "\\[x\\](http:\\/\\/e.example) \\!\\[i\\](y) \\<b\\>"
    assert md("- item") == "\\- item" and md("1. item") == "1\\. item" and md("a|b") == "a\\|b"
    assert clean("a\x1b[2Jb\x07c\ud800\u202e") == "a[2Jbc\ufffd"
    assert [csv_cell(x) for x in ("=1", "\t=1", "\r-1", " @x", "ok")] == ["'=1", "'=1", "'-1", "'@x", "ok"]
    block = code_block("x\n~~~~~~\ny")
    assert block.startswith("~~~~~~~text\n") and block.endswith("\n~~~~~~~")
