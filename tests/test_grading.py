"""Exercise machinery: markers, student notebooks, the check registry (ask and judge apart), check()."""

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

from coursekit import optim
from coursekit.grading import (CheckFailed, MarkerError, ask, check, judge, make_student_notebook,
                               strip_source, write_student_notebooks)
from coursekit.grading import plain
from coursekit.grading.markers import CODE_PLACEHOLDER, MARKDOWN_PLACEHOLDER

ROOT = Path(__file__).resolve().parents[1]


# ---- markers ------------------------------------------------------------------------------------

def test_a_function_body_becomes_a_placeholder_with_its_indentation():
    src = "def f(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION\n\ncheck('a.b', f)"
    out = strip_source(src, "code")
    assert out == f"def f(x):\n    {CODE_PLACEHOLDER}\n\ncheck('a.b', f)"


def test_a_region_that_only_assigns_keeps_the_names():
    src = "### BEGIN SOLUTION\nn = compute()\nm: int = 3\n### END SOLUTION\ncheck('a.b', n)"
    assert strip_source(src, "code") == f"n = {CODE_PLACEHOLDER}\nm = {CODE_PLACEHOLDER}\ncheck('a.b', n)"


def test_a_markdown_answer_becomes_a_prompt():
    src = "Why?\n\n<!-- BEGIN SOLUTION -->\nBecause.\n<!-- END SOLUTION -->"
    assert strip_source(src, "markdown") == f"Why?\n\n{MARKDOWN_PLACEHOLDER}"


@pytest.mark.parametrize("src, message", [
    ("### BEGIN SOLUTION\nx = 1\n", "has no matching"),
    ("x = 1\n### END SOLUTION\n", "without a matching"),
    ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION\n", "cannot be nested"),
    ("## BEGIN SOLUTION\nx = 1\n### END SOLUTION\n", "malformed solution marker"),
])
def test_bad_markers_are_clear_errors_naming_notebook_and_cell(src, message):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# t"), nbformat.v4.new_code_cell(src)])
    with pytest.raises(MarkerError, match=message) as err:
        make_student_notebook(nb, "notebooks/99-broken.ipynb")
    assert "notebooks/99-broken.ipynb, cell 1" in str(err.value)


def test_student_notebook_drops_outputs_and_metadata():
    cell = nbformat.v4.new_code_cell("### BEGIN SOLUTION\nsecret = 42\n### END SOLUTION",
                                     metadata={"tags": ["hide-input"], "solution_note": "42"})
    cell.outputs = [nbformat.v4.new_output("stream", text="42\n")]
    cell.execution_count = 3
    nb = nbformat.v4.new_notebook(cells=[cell], metadata={"kernelspec": {"name": "python3", "display_name": "P",
                                                                         "language": "python"},
                                                          "answers": {"secret": 42}})
    student = make_student_notebook(nb, "x.ipynb")
    text = nbformat.writes(student)
    assert "42" not in text
    assert student.cells[0].metadata == {"tags": ["hide-input"]}
    assert student.cells[0].outputs == [] and student.cells[0].execution_count is None
    assert set(student.metadata) == {"kernelspec", "coursekit"}


def test_cli_writes_nothing_when_a_notebook_has_a_bad_marker(tmp_path):
    good = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    bad = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("### BEGIN SOLUTION\nx = 1")])
    nbformat.write(good, tmp_path / "good.ipynb")
    nbformat.write(bad, tmp_path / "bad.ipynb")
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "coursekit", "student", str(tmp_path / "good.ipynb"),
                           str(tmp_path / "bad.ipynb"), "--out", str(out)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "bad.ipynb, cell 0" in proc.stderr and "has no matching" in proc.stderr
    assert not out.exists()
    with pytest.raises(FileNotFoundError):
        write_student_notebooks([tmp_path / "missing.ipynb"], out)


# ---- plain data ---------------------------------------------------------------------------------

def test_plain_data_round_trips_arrays_and_refuses_objects():
    data = {"a": np.arange(6).reshape(2, 3), "b": [1.5, np.float32(2.0), True, None, "s"], "c": 1 + 2j}
    back = plain.loads(plain.dumps(data))
    np.testing.assert_array_equal(back["a"], data["a"])
    assert back["a"].dtype == data["a"].dtype and back["b"] == [1.5, 2.0, True, None, "s"] and back["c"] == 1 + 2j
    with pytest.raises(plain.NotPlainData, match="cannot be checked"):
        plain.dumps({"f": lambda: 0})
    with pytest.raises(plain.NotPlainData, match="more than"):
        plain.dumps(np.zeros(plain.MAX_ELEMENTS + 1))


# ---- ask and judge, in two processes --------------------------------------------------------------

ASK_IN_CHILD = """
import sys, numpy as np
from coursekit.grading import ask
def sigmoid(z):
    return {body}
print(ask("optim.sigmoid", sigmoid, int(sys.argv[1])))
"""


def _ask_in_another_process(body: str, seed: int) -> str:
    proc = subprocess.run([sys.executable, "-c", ASK_IN_CHILD.format(body=body), str(seed)],
                          capture_output=True, text=True, check=True)
    return proc.stdout.strip().splitlines()[-1]


def test_ask_in_one_process_and_judge_in_another():
    right = _ask_in_another_process("1 / (1 + np.exp(-z))", seed=11)
    assert judge("optim.sigmoid", right, seed=11, points=2).points == 2
    wrong = judge("optim.sigmoid", _ask_in_another_process("1 / (1 + np.exp(z))", seed=11), seed=11)
    assert wrong.status == "wrong" and "sigmoid(z) is not right" in wrong.message


def test_data_asked_with_one_seed_does_not_pass_under_another():
    payload = ask("optim.sigmoid", optim.sigmoid, seed=1)
    assert judge("optim.sigmoid", payload, seed=1).passed
    assert not judge("optim.sigmoid", payload, seed=2).passed


def test_judge_survives_garbage_from_the_kernel():
    for payload in ["not json", json.dumps({"nope": 1}), json.dumps({"status": "answered", "data": "text"})]:
        v = judge("optim.sigmoid", payload, seed=0)
        assert v.status in {"error", "wrong"} and v.points == 0


# ---- check() ------------------------------------------------------------------------------------

def test_check_explains_a_wrong_answer_and_never_raises_for_a_student(capsys, monkeypatch):
    monkeypatch.delenv("COURSEKIT_STRICT", raising=False)
    check("optim.logistic_gradient", lambda t, X, y, lam: -optim._logistic_gradient(t, X, y, lam))
    out = capsys.readouterr().out
    assert "wrong" in out and "opposite sign" in out
    check("optim.sigmoid", lambda z: 1 / 0)
    assert "ZeroDivisionError" in capsys.readouterr().out
    check("optim.sigmoid", ...)
    assert "not attempted" in capsys.readouterr().out
    check("optim.no_such_exercise", 1)
    assert "no check named" in capsys.readouterr().out


def test_check_passes_and_mentions_hidden_checks(capsys):
    check("optim.sigmoid", optim.sigmoid, points=2)
    out = capsys.readouterr().out
    assert "passed (2/2 points)" in out and "further, hidden checks" in out


def test_strict_mode_raises_on_anything_but_passed(monkeypatch):
    monkeypatch.setenv("COURSEKIT_STRICT", "1")
    check("optim.sigmoid", optim.sigmoid)
    for answer in (..., lambda z: z):
        with pytest.raises(CheckFailed):
            check("optim.sigmoid", answer)


def test_hidden_check_feedback_gives_the_reason_but_not_the_values():
    from coursekit.grading import close, register
    register("test.hidden_double", private=True, answer="double",
             inputs=lambda rng: {"x": rng.normal(size=3)},
             ask=lambda f, x: f(x["x"]),
             judge=lambda got, x: close(got, 2 * x["x"], what="double(x)"))
    seed = 5
    verdict = judge("test.hidden_double", ask("test.hidden_double", lambda x: 3 * x, seed), seed)
    assert verdict.status == "wrong" and "double(x) is not right" in verdict.message
    assert "expected" not in verdict.message.lower() and "index" not in verdict.message


# ---- not attempted, the student's errors and the checker's -----------------------------------------

def _placeholder_sigmoid(z):
    z = np.asarray(z)
    ...  # YOUR CODE HERE
    return z


def _docstring_only(z):
    """σ(z)"""


def test_every_form_of_a_blank_is_not_attempted_before_any_check_runs():
    from coursekit.grading.registry import judge as judge_
    for blank in (..., None, _placeholder_sigmoid, _docstring_only):
        v = judge_("optim.sigmoid", ask("optim.sigmoid", blank, 3), 3)
        assert v.status == "not attempted", (blank, v.render())

    def not_yet(z):
        raise NotImplementedError
    v = judge("optim.sigmoid", ask("optim.sigmoid", not_yet, 3), 3)
    assert v.status == "not attempted" and "NotImplementedError" in v.message


def test_a_function_that_returns_nothing_is_wrong_not_blank():
    def in_place(z):
        z[:] = 1 / (1 + np.exp(-z))
    v = judge("optim.sigmoid", ask("optim.sigmoid", in_place, 3), 3)
    assert v.status == "wrong" and "return" in v.message


def test_errors_are_blamed_on_whoever_raised_them():
    from coursekit.grading import register
    v = judge("optim.sigmoid", ask("optim.sigmoid", lambda z: np.dot(z, np.ones(3)), 3), 3)
    assert v.status == "error" and "Your code raised" in v.message and "ValueError" in v.message
    register("test.broken_checker", inputs=lambda rng: {"z": 1.0},
             ask=lambda f, x: f(x["z"]) + undefined_name,  # noqa: F821 - the checker's own bug
             judge=lambda got, x: None)
    v = judge("test.broken_checker", ask("test.broken_checker", lambda z: z, 3), 3)
    assert v.status == "checker error" and "not in your answer" in v.message and "Your code" not in v.message
    register("test.broken_judge", inputs=lambda rng: {}, ask=lambda f, x: 1.0, judge=lambda got, x: 1 / 0)
    v = judge("test.broken_judge", ask("test.broken_judge", lambda: 0, 3), 3)
    assert v.status == "checker error"


def test_an_answer_that_is_not_data_is_wrong_with_a_reason():
    v = judge("optim.sigmoid", ask("optim.sigmoid", lambda z: (v for v in z), 3), 3)
    assert v.status == "wrong" and "generator" in v.message


def test_student_notebook_keeps_a_figures_alt_text():
    cell = nbformat.v4.new_code_cell("plot()", metadata={"mystnb": {"image": {"alt": "A falling curve"}}})
    student = make_student_notebook(nbformat.v4.new_notebook(cells=[cell]), "x.ipynb")
    assert student.cells[0].metadata == {"mystnb": {"image": {"alt": "A falling curve"}}}


def test_choice_check_judges_letters_as_a_set_and_never_names_them():
    from coursekit.grading import choice_check
    from coursekit.grading.registry import _REGISTRY
    name = "testing.choice_set"
    try:
        judge_ = choice_check(name, true="bd", options="abcd").judge
        assert judge_(["d", "b"], {}) is None and judge_("bd", {}) is None
        # a set crosses from the kernel to the grader (which carries no sets) as a sorted list
        for answer in ({"B", "D"}, frozenset("db"), "b, d"):
            assert judge(name, ask(name, answer, seed=1), seed=1).status == "passed", answer
        assert judge(name, ask(name, {"b"}, seed=1), seed=1).status == "wrong"
        wrong = str(judge_(["b", "c"], {}))
        assert "1 of your choices is false" in wrong and "left out 1" in wrong
        assert "'d'" not in wrong and "'c'" not in wrong
        assert "no statement 'e'" in str(judge_("be", {}))
        assert "letters" in str(judge_(3, {}))
    finally:
        _REGISTRY.pop(name, None)
    with pytest.raises(ValueError, match="among the options"):
        choice_check("testing.choice_bad", true="bz", options="abc")
