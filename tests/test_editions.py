"""The two editions of the book and the repository URL they derive from, without building them.

The public site is the student edition, built from the committed student notebooks (`student/`), which
Binder and Colab open from the repository: they must be what `make student` makes of `notebooks/` now.
The instructor edition (`make book EDITION=instructor`) is built from `notebooks/` with a table of
contents derived from `_toc.yml`; its transformation of the notebooks is tested here, and its build is
left to the instructor (CI builds the student edition only, to stay within its time).
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
import yaml

from coursekit.grading import make_student_notebook
from coursekit.grading.markers import INSTALL_CELL_ID, find_repository, install_cell

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
URL, BRANCH = CONFIG["repository"]["url"].rstrip("/"), CONFIG["repository"]["branch"]


def _extension(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "book" / "_ext" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _toc_files(toc: dict) -> list[str]:
    return [c["file"] for part in toc["parts"] for c in part["chapters"]]


# ---- the committed student notebooks ----------------------------------------------------------------

@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_student_notebook_is_current(path):
    committed = ROOT / "student" / path.name
    assert committed.exists(), f"student/{path.name} is missing: run `make student` and commit student/"
    expected = make_student_notebook(nbformat.read(path, as_version=4), path)
    assert nbformat.read(committed, as_version=4) == expected, \
        f"student/{path.name} is stale (notebooks/{path.name} changed): run `make student` and commit student/"


def test_no_student_notebook_without_its_instructor_notebook():
    orphans = {p.name for p in (ROOT / "student").glob("*.ipynb")} - {p.name for p in NOTEBOOKS}
    assert not orphans, f"student notebooks with no instructor notebook: {sorted(orphans)}"


def test_student_notebooks_open_with_a_quiet_install_cell_that_does_nothing_where_coursekit_is():
    for path in (ROOT / "student").glob("*.ipynb"):
        first = nbformat.read(path, as_version=4).cells[0]
        assert first["id"] == INSTALL_CELL_ID and first.metadata["tags"] == ["remove-cell"], path.name
        assert f'"coursekit @ git+{URL}@{BRANCH}"' in first.source and "--quiet" in first.source, path.name
    calls = []
    fake = SimpleNamespace(run=lambda *a, **k: calls.append(a))
    source = install_cell(URL, BRANCH).source.replace("import importlib, importlib.util, subprocess, sys",
                                                      "import importlib, importlib.util, sys")
    exec(source, {"subprocess": fake})                     # coursekit is installed here: nothing happens
    assert calls == []
    exec(source.replace('find_spec("coursekit")', 'find_spec("coursekit_not_installed")'), {"subprocess": fake})
    assert calls and calls[0][0][-1] == f"coursekit @ git+{URL}@{BRANCH}"     # on Colab: pip installs it


def test_the_repository_is_read_from_the_config_next_to_the_notebooks(tmp_path):
    assert find_repository(NOTEBOOKS[0]) == (URL, BRANCH)
    (tmp_path / "_config.yml").write_text("title: x\nrepository:\n  url: https://example.org/fork/course/\n"
                                          "  branch: spring\n")
    (tmp_path / "notebooks").mkdir()
    nb = tmp_path / "notebooks" / "00-x.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")]), nb)
    assert find_repository(nb) == ("https://example.org/fork/course", "spring")
    student = make_student_notebook(nbformat.read(nb, as_version=4), nb)
    assert "coursekit @ git+https://example.org/fork/course@spring" in student.cells[0].source
    assert find_repository(tmp_path / "nowhere.ipynb") is None


# ---- the table of contents of each edition ------------------------------------------------------------

def test_public_toc_lists_the_student_notebook_of_every_chapter_and_no_instructor_notebook():
    files = _toc_files(yaml.safe_load((ROOT / "_toc.yml").read_text()))
    chapters = [f for f in files if f.startswith(("student/", "notebooks/"))]
    assert chapters == [f"student/{p.stem}" for p in NOTEBOOKS], \
        "_toc.yml must list student/<name> for each notebooks/<name>.ipynb, in order (the public site is the student edition)"


def test_instructor_toc_derived_by_make_lists_the_instructor_notebooks(tmp_path):
    recipe = re.search(r"^\tsed (.+) _toc\.yml > \$\(INSTRUCTOR_TOC\)$", (ROOT / "Makefile").read_text(), re.M)
    assert recipe, "the Makefile derives the instructor table of contents with sed"
    out = subprocess.run(f"sed {recipe.group(1)} _toc.yml", shell=True, cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    files = _toc_files(yaml.safe_load(out))
    assert [f for f in files if f.startswith(("student/", "notebooks/"))] == [f"notebooks/{p.stem}" for p in NOTEBOOKS]


def test_an_edition_refuses_the_other_editions_notebooks(monkeypatch):
    from sphinx.errors import ConfigError
    edition = _extension("edition")
    env = SimpleNamespace(found_docs={"book/intro", "notebooks/00-matrix-calculus"})
    monkeypatch.setenv("COURSEKIT_EDITION", "student")
    with pytest.raises(ConfigError, match="must not include notebooks/"):
        edition._check_toc(None, env, [])
    monkeypatch.setenv("COURSEKIT_EDITION", "instructor")
    edition._check_toc(None, env, [])
    monkeypatch.setenv("COURSEKIT_EDITION", "teacher")
    with pytest.raises(ConfigError, match="must be one of"):
        edition.edition()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_instructor_edition_collapses_solutions_and_model_answers(path):
    edition = _extension("edition")
    raw = path.read_text()
    nb = json.loads(edition.model_answers_collapsed(raw))
    before = json.loads(raw)
    for old, new in zip(before["cells"], nb["cells"]):
        source = "".join(new["source"])
        if new["cell_type"] == "code" and "### BEGIN SOLUTION" in source:
            assert {"hide-input", "remove-input"} & set(new["metadata"].get("tags", [])), source[:80]
        if new["cell_type"] == "markdown" and "BEGIN SOLUTION" in "".join(old["source"]):
            answer = edition.SOLUTION_MD.search("".join(old["source"])).group(1).strip()
            assert "BEGIN SOLUTION" not in source and answer in source, "the model answer must be kept"
            assert re.match(r"(:{3,}|`{3,})\{dropdown\}", answer) or f":class: dropdown model-answer\n{answer}" in source, \
                "the model answer must be in a collapsed box"
    assert len(nb["cells"]) == len(before["cells"])


def test_a_model_answer_is_collapsed_once():
    edition = _extension("edition")
    plain = edition._collapsed("It converges because ...\n::: {note}\nx\n:::")
    assert plain.strip().startswith("::::{admonition} Model answer\n:class: dropdown") and plain.strip().endswith("::::")
    boxed = ":::{dropdown} A model answer\nIt converges.\n:::"
    assert edition._collapsed(boxed).strip() == boxed


def test_pages_write_the_repository_as_a_substitution():
    edition = _extension("edition")
    text = edition.substitute("pip: {{ pip_install }} | {{ repository_url }}@{{ repository_branch }}", URL, BRANCH)
    assert text == f'pip: pip install "coursekit @ git+{URL}@{BRANCH}" | {URL}@{BRANCH}'
    students = (ROOT / "book" / "for-students.md").read_text()
    assert "{{ pip_install }}" in students and "<this repository>" not in students


def test_the_repository_url_is_written_only_in_config():
    """Set once: every other file derives it (the generated student notebooks are written from it)."""
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    host_path = URL.split("://", 1)[1]
    holders = [f for f in tracked if f not in ("_config.yml",) and not f.startswith("student/")
               and (ROOT / f).is_file() and host_path in (ROOT / f).read_text(errors="ignore")]
    assert holders == [], f"the repository URL is written out in {holders}: derive it from _config.yml"
