"""The re-execution grader on a batch of fixture submissions: correct, wrong, partial, blank and hostile.

One batch grades every fixture once (module-scoped, ``--jobs 2``, 20 s per notebook, 5 s per cell);
each test then asserts one submission's outcome. The fixtures are generated here (the large one too).
They use a stand-in ``check`` in their first cell: the grader never relies on the notebook's own
``check`` (it finds answers by name and asks itself), and the real one would import every chapter's
checks in every kernel. Week 0's real notebook is graded separately, as is a small batch on a Dask
``LocalCluster`` with the degraded (limits-only) isolation.

Cases that need the full isolation (root: own uid, namespaces) to be safe or to hold — writes outside
the folder, reading the private tests — are skipped, with the reason, when the grader cannot get it.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import uuid
from pathlib import Path

import nbformat
import pytest

import coursekit
from coursekit import optim
from coursekit.datasets import breast_cancer
from coursekit.grading import make_student_notebook, registry
from coursekit.grading.assignment import AssignmentError, read_assignment
from coursekit.grading.grader import _safe_payload, find_submissions, grade
from coursekit.grading.kernel import Limits, isolation

ROOT = Path(__file__).resolve().parents[1]
WEEK0 = ROOT / "notebooks" / "00-matrix-calculus.ipynb"
NAME = "fixture-assignment"
MARK = uuid.uuid4().hex[:12]
SECRET = f"SECRET-{MARK}"
LIMITS = Limits(notebook_s=20, cell_s=5, memory_mb=1024, processes=64, interrupt_grace_s=2)
MAX = 7.0          # sigmoid 2 + gradient 3 (cell metadata) + newton 1 + hidden 1

STUB = "import numpy as np\nfrom coursekit import optim\ncheck = lambda name, answer, points=1: None"
SIG = "def sigmoid(z):\n    ### BEGIN SOLUTION\n    return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))\n" \
      "    ### END SOLUTION\n\ncheck(\"optim.sigmoid\", sigmoid, points=2)"
GRAD = "def logistic_gradient(theta, X, y, lam):\n    ### BEGIN SOLUTION\n" \
       "    return optim._logistic_gradient(theta, X, y, lam)\n    ### END SOLUTION\n\n" \
       "check(\"optim.logistic_gradient\", logistic_gradient)"


def _newton_iterations() -> int:
    X, y, _ = breast_cancer()
    return optim.fit_logistic_newton(X, y, C=1.0, tol=1e-6).n_iter


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


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write(path: Path, nb) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    base = tmp_path_factory.mktemp("grading")
    instructor, tests, subs, out = base / f"{NAME}.ipynb", base / "private_tests.py", base / "subs", base / "grades"
    subs.mkdir()
    n = _newton_iterations()
    cells = _instructor(n)
    _write(instructor, _notebook(cells))
    tests.write_text(PRIVATE_TESTS)
    isolated = isolation([subs, out, base], [instructor, tests]).level == "isolated"

    wrong = [("code", STUB), ("code", "def sigmoid(z):\n    return np.asarray(z, dtype=float)"),
             ("code", "def logistic_gradient(theta, X, y, lam):\n    return -optim._logistic_gradient(theta, X, y, lam)"),
             ("code", "n_newton = 99")] + cells[:1]
    partial = [cells[0], ("code", STUB),                               # moved, retyped, one answer deleted
               ("code", "def logistic_gradient(theta, X, y, lam):\n    return -optim._logistic_gradient(theta, X, y, lam)"),
               ("code", "def sigmoid(z):\n    z = np.asarray(z, dtype=float)\n    return np.exp(-np.logaddexp(0, -z))")]
    fixtures = {
        "correct": cells, "wrong": wrong, "partial": partial,
        "loop": _with(cells, 5, "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass"),
        "membomb": _with(cells, 5, "hog = []\nfor _ in range(80):\n    hog.append(b'x' * 100_000_000)"),
        "sysexit": _with(cells, 5, "import sys\nsys.exit(3)"),
        "osexit": _with(cells, 5, "import os\nos._exit(1)"),
        "crash": _with(cells, 5, "import ctypes\nctypes.string_at(0)"),
        "flood": _with(cells, 5, "for _ in range(30):\n    print('x' * 1_000_000)"),
    }
    if isolated or os.getuid() != 0:       # root ignores RLIMIT_NPROC: only with a uid of its own
        fixtures["forkbomb"] = _with(cells, 5, "import os, time\nfor _ in range(2000):\n    if os.fork() == 0:\n"
                                               "        time.sleep(60)\n        os._exit(0)")
    if isolated:               # only safe (and only expected to hold) with a uid and namespaces of its own
        fixtures["escape"] = _with(cells, 5, _hostile_escape(subs, out, tests, instructor))
        fixtures["tamper"] = cells[:2] + [("code", _hostile_tamper(out, tests, instructor))] + cells[8:]
    for student, c in fixtures.items():
        _write(subs / f"{student}.ipynb", _notebook(c))
    _write(subs / "blank.ipynb", make_student_notebook(_notebook(cells), instructor))
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
        ("code", f"import os\nn_newton = {n} if not any('GRADER_SECRET' in k for k in os.environ) else -1")]  # env is clean
    _write(subs / "dora" / f"{NAME}.ipynb", _notebook(dora))
    (subs / "dora" / "helper.py").write_text("import numpy as np\n\ndef sigmoid(z):\n"
                                             "    return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))\n")

    files = [p for p in subs.rglob("*") if p.is_file()] + [instructor, tests]
    before = {p: _sha(p) for p in files}
    # only this process's scratch directories: another test process may be grading at the same time
    tmp_before = set(Path(tempfile.gettempdir()).glob(f"coursekit-grade-{os.getpid()}-*"))
    os.environ["COURSEKIT_GRADER_SECRET_TOKEN"] = MARK          # must not reach any kernel
    try:
        summary = grade(instructor, subs, out, tests=tests, jobs=2, limits=LIMITS, progress=False, echo=None)
    finally:
        os.environ.pop("COURSEKIT_GRADER_SECRET_TOKEN", None)
    tmp_after = set(Path(tempfile.gettempdir()).glob(f"coursekit-grade-{os.getpid()}-*"))
    yield {"summary": summary, "r": summary.by_student(), "out": out, "subs": subs, "instructor": instructor,
           "tests": tests, "before": before, "isolated": isolated, "base": base, "tmp_left": tmp_after - tmp_before}
    registry._REGISTRY.pop("fixture.sigmoid_extreme", None)     # keep this worker's registry as it was


def _q(res, name):
    return next(q for q in res["questions"] if q["name"] == name)


def test_the_batch_finishes_with_every_submission_in_the_gradebook(batch):
    rows = (batch["out"] / "gradebook.csv").read_text().splitlines()
    assert rows[0] == ("student,optim.sigmoid,optim.logistic_gradient,optim.newton_iterations,"
                       "fixture.sigmoid_extreme,total,max,status,reason")
    assert len(rows) - 1 == len(batch["r"]) == len(find_submissions(batch["subs"], f"{NAME}.ipynb"))
    for res in batch["r"].values():
        assert (batch["out"] / f"{res['key']}.json").is_file() and (batch["out"] / f"{res['key']}.md").is_file()
        assert res["max"] == MAX and res["status"]
        assert res["status"] in {"graded", "not attempted"} or res["reason"], res["student"]


def test_submission_files_are_never_modified(batch):
    for path, digest in batch["before"].items():
        assert _sha(path) == digest, path


def test_no_kernel_process_or_scratch_directory_is_left(batch):
    assert not batch["tmp_left"], batch["tmp_left"]
    leftovers = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if f"coursekit-grade-{os.getpid()}-".encode() in cmdline and b"ipykernel" in cmdline:
            leftovers.append(pid)
    assert not leftovers


def test_correct_earns_full_marks_and_says_hidden_checks_may_follow(batch):
    res = batch["r"]["correct"]
    assert (res["status"], res["total"]) == ("graded", MAX)
    assert "hidden checks" in _q(res, "optim.sigmoid")["message"]
    assert _q(res, "fixture.sigmoid_extreme")["hidden"]


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
    assert res["total"] == MAX and res["first_error"]["ename"] == "MemoryError"
    assert "1024 MiB" in res["reason"]


def test_fork_bomb_hits_the_process_limit(batch):
    if "forkbomb" not in batch["r"]:
        pytest.skip("the grader runs as root without a uid of its own for kernels: " + isolation().why)
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


def test_writes_outside_the_folder_do_not_land(batch):
    if not batch["isolated"]:
        pytest.skip("needs the isolated level (root): " + isolation().why)
    res = batch["r"]["escape"]
    assert (res["status"], res["total"]) == ("graded", MAX)
    for folder in [batch["subs"], batch["out"], batch["base"], ROOT, Path(coursekit.__file__).parent,
                   Path("/tmp"), Path("/dev/shm"), Path("/var/tmp"), Path(os.path.expanduser("~")).parent]:
        assert not [p for p in folder.glob(f"*{MARK}*")], folder


def test_tampering_earns_only_what_the_answers_earn(batch):
    if not batch["isolated"]:
        pytest.skip("needs the isolated level (root): " + isolation().why)
    res = batch["r"]["tamper"]
    assert (res["status"], res["total"]) == ("graded", 0)
    assert [q["status"] for q in res["questions"]] == ["wrong", "wrong", "wrong", "error"]   # forged data: wrong
    for p in batch["out"].rglob("*"):
        if p.is_file():
            assert SECRET not in p.read_text(errors="replace"), p
    assert "tamper,0," in (batch["out"] / "gradebook.csv").read_text()
    assert not list(batch["out"].glob("forged-*"))


def test_rerun_skips_unchanged_submissions(batch):
    again = grade(batch["instructor"], batch["subs"], batch["out"], tests=batch["tests"], jobs=2, limits=LIMITS,
                  progress=False, echo=None)
    assert (again.graded, again.unchanged) == (0, len(batch["r"]))
    assert {s: r["total"] for s, r in again.by_student().items()} == {s: r["total"] for s, r in batch["r"].items()}


def test_week0_instructor_full_marks_and_student_version_not_attempted(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "instructor.ipynb").write_bytes(WEEK0.read_bytes())
    nbformat.write(make_student_notebook(nbformat.read(WEEK0, as_version=4), WEEK0), subs / "student.ipynb")
    summary = grade(WEEK0, subs, tmp_path / "grades", jobs=2, progress=False, echo=None,
                    limits=Limits(notebook_s=240, cell_s=120))
    r = summary.by_student()
    maximum = read_assignment(WEEK0).max_points
    assert (r["instructor"]["status"], r["instructor"]["total"]) == ("graded", maximum), r["instructor"]
    assert (r["student"]["status"], r["student"]["total"]) == ("not attempted", 0)


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
