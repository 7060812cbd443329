"""Solution markers and the student-notebook maker.

In an instructor notebook, code solutions sit between ``### BEGIN SOLUTION`` and
``### END SOLUTION`` lines; written answers in markdown cells between ``<!-- BEGIN SOLUTION -->`` and
``<!-- END SOLUTION -->``. :func:`make_student_notebook` replaces each region with a placeholder
(``...  # YOUR CODE HERE``, or ``name = ...  # YOUR CODE HERE`` where the solution assigns names, so
that ``check(..., name)`` still runs and reports "not attempted"), clears every output and keeps
no metadata that could carry a solution.

A student notebook opens with one more code cell (:func:`install_cell`): on Colab, or any machine
without ``coursekit``, it installs the course's package from the course's repository, quietly;
where ``coursekit`` is installed it does nothing. The repository is the one ``_config.yml`` names
(``repository: url`` and ``branch``), found next to the instructor notebooks or above them, so a
course that forks the repository points everything at its fork by changing that one setting.
"""

from __future__ import annotations

import ast
import json
import re
import textwrap
from pathlib import Path

import nbformat

__all__ = ["MarkerError", "strip_source", "solution_regions", "make_student_notebook", "write_student_notebooks",
           "CODE_PLACEHOLDER", "MARKDOWN_PLACEHOLDER", "install_cell", "find_repository", "INSTALL_CELL_ID"]

CODE_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")
MARKDOWN_MARKERS = ("<!-- BEGIN SOLUTION -->", "<!-- END SOLUTION -->")
CODE_PLACEHOLDER = "...  # YOUR CODE HERE"
MARKDOWN_PLACEHOLDER = "*Write your answer here.*"
_ANY_MARKER = re.compile(r"(BEGIN|END)\s+SOLUTION", re.IGNORECASE)

KEEP_NOTEBOOK_METADATA = ("kernelspec", "language_info")
KEEP_CELL_METADATA = ("tags", "mystnb")     # tags and MyST-NB display options (a figure's alt text)
INSTALL_CELL_ID = "coursekit-install"


class MarkerError(ValueError):
    """A solution marker is unbalanced, nested or malformed."""


def _placeholder(region: list[str], indent: str) -> list[str]:
    """``name = ...`` for a region that only assigns names; ``...`` otherwise."""
    try:
        tree = ast.parse(textwrap.dedent("\n".join(region)))
    except SyntaxError:
        tree = None
    names: list[str] = []
    if tree is not None and tree.body and all(isinstance(s, (ast.Assign, ast.AnnAssign)) for s in tree.body):
        for stmt in tree.body:
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for t in targets:
                if not isinstance(t, ast.Name):
                    names = []
                    break
                if t.id not in names:
                    names.append(t.id)
            else:
                continue
            break
    if names:
        return [f"{indent}{n} = {CODE_PLACEHOLDER}" for n in names]
    return [f"{indent}{CODE_PLACEHOLDER}"]


def _scan(source: str, markers: tuple[str, str], where: str):
    """Yield (kind, payload) with kind 'line' (outside) or 'region' (list of lines, begin line)."""
    begin, end = markers
    lines = source.split("\n")
    region: list[str] | None = None
    start = 0
    for lineno, line in enumerate(lines, 1):
        stripped = line.strip()
        if stripped == begin:
            if region is not None:
                raise MarkerError(f"{where}, line {lineno}: {begin!r} inside another solution "
                                  f"(opened at line {start}); solutions cannot be nested")
            region, start = [], lineno
            begin_line = line
        elif stripped == end:
            if region is None:
                raise MarkerError(f"{where}, line {lineno}: {end!r} without a matching {begin!r}")
            yield "region", (region, begin_line)
            region = None
        elif _ANY_MARKER.search(stripped) and stripped.lstrip("#<!- ").upper().startswith(("BEGIN", "END")):
            raise MarkerError(f"{where}, line {lineno}: malformed solution marker {stripped!r}; "
                              f"write exactly {begin!r} or {end!r}")
        elif region is not None:
            region.append(line)
        else:
            yield "line", line
    if region is not None:
        raise MarkerError(f"{where}, line {start}: {begin!r} has no matching {end!r}")


def strip_source(source: str, cell_type: str, where: str = "cell") -> str:
    """Return ``source`` with every solution region replaced by its placeholder."""
    markers = CODE_MARKERS if cell_type == "code" else MARKDOWN_MARKERS
    out: list[str] = []
    for kind, payload in _scan(source, markers, where):
        if kind == "line":
            out.append(payload)
        else:
            region, begin_line = payload
            indent = begin_line[: len(begin_line) - len(begin_line.lstrip())]
            out.extend(_placeholder(region, indent) if cell_type == "code" else [MARKDOWN_PLACEHOLDER])
    return "\n".join(out)


def solution_regions(source: str, cell_type: str, where: str = "cell") -> list[list[str]]:
    """The solution regions of a cell (used by tests to prove none survives)."""
    markers = CODE_MARKERS if cell_type == "code" else MARKDOWN_MARKERS
    return [payload[0] for kind, payload in _scan(source, markers, where) if kind == "region"]


def _where(path: str | Path, index: int, cell) -> str:
    cid = cell.get("id")
    return f"{path}, cell {index}" + (f" (id {cid})" if cid else "")


def find_repository(start: str | Path) -> tuple[str, str] | None:
    """(url, branch) of the course repository, from the first ``_config.yml`` at or above ``start``
    (an existing notebook or folder) that names one (``repository: url``); None if there is none."""
    here = Path(start).resolve()
    if not here.exists():
        return None
    for folder in [here, *here.parents] if here.is_dir() else here.parents:
        config = folder / "_config.yml"
        if config.is_file():
            found = _repository_in(config.read_text(encoding="utf-8"))
            if found:
                return found
    return None


def _repository_in(text: str) -> tuple[str, str] | None:
    try:
        import yaml
    except ImportError:                              # PyYAML comes with the book extras; read it plainly
        yaml = None
    if yaml is not None:
        repo = (yaml.safe_load(text) or {}).get("repository") or {}
        url, branch = repo.get("url"), repo.get("branch")
    else:
        block = re.search(r"^repository:[ \t]*\n((?:[ \t]+.*(?:\n|$))*)", text, re.M)
        block = block.group(1) if block else ""
        url, branch = (_value(block, key) for key in ("url", "branch"))
    if not url or not str(url).startswith(("https://", "http://")):
        return None
    return str(url).rstrip("/"), str(branch or "main")


def _value(block: str, key: str) -> str | None:
    m = re.search(rf"^[ \t]+{key}:[ \t]*[\"']?([^\"'\s#]+)", block, re.M)
    return m.group(1) if m else None


def install_cell(url: str, branch: str = "main") -> nbformat.NotebookNode:
    """The first cell of a student notebook: installs coursekit where it is missing (Colab), quietly.

    Tagged ``remove-cell``, so the website does not show it.
    """
    spec = f"coursekit @ git+{url}@{branch}"
    source = "\n".join([
        "# On Colab (or wherever coursekit is missing) this installs the course's package; elsewhere it does nothing.",
        "import importlib, importlib.util, subprocess, sys",
        "if importlib.util.find_spec(\"coursekit\") is None:",
        f"    subprocess.run([sys.executable, \"-m\", \"pip\", \"install\", \"--quiet\", {json.dumps(spec)}], check=True)",
        "    importlib.invalidate_caches()",
    ])
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": ["remove-cell"]})
    cell["id"] = INSTALL_CELL_ID
    return cell


def make_student_notebook(nb: nbformat.NotebookNode, path: str | Path = "notebook",
                          repository: tuple[str, str] | None = None) -> nbformat.NotebookNode:
    """A student version of instructor notebook ``nb`` (which is not modified).

    ``repository`` is (url, branch) for the install cell; by default it is found from ``path``
    (:func:`find_repository`), and without one the notebook has no install cell.
    """
    student = nbformat.v4.new_notebook()
    student.metadata = {k: nb.metadata[k] for k in KEEP_NOTEBOOK_METADATA if k in nb.metadata}
    student.metadata["coursekit"] = {"assignment": Path(str(path)).stem, "student": True}
    if repository is None:
        repository = find_repository(path)
    if repository is not None:
        student.cells.append(install_cell(*repository))
    for index, cell in enumerate(nb.cells):
        where = _where(path, index, cell)
        source = strip_source(cell.source, cell.cell_type, where) if cell.cell_type in ("code", "markdown") \
            else cell.source
        meta = {k: cell.metadata[k] for k in KEEP_CELL_METADATA if k in cell.get("metadata", {})}
        if cell.cell_type == "code":
            new = nbformat.v4.new_code_cell(source, metadata=meta)
        elif cell.cell_type == "markdown":
            new = nbformat.v4.new_markdown_cell(source, metadata=meta)
        else:
            new = nbformat.v4.new_raw_cell(source, metadata=meta)
        new["id"] = cell.get("id") or f"cell-{index}"     # stable ids: regenerating changes nothing
        student.cells.append(new)
    nbformat.validate(student)
    return student


def write_student_notebooks(paths, out_dir) -> list[Path]:
    """Write the student version of each instructor notebook into ``out_dir``; return the paths.

    Every notebook is checked before anything is written, so a marker error leaves ``out_dir`` as it was.
    """
    out = Path(out_dir)
    made = []
    for p in map(Path, paths):
        if not p.is_file():
            raise FileNotFoundError(f"no notebook at {p}")
        nb = nbformat.read(p, as_version=4)
        made.append((out / p.name, make_student_notebook(nb, p)))
    out.mkdir(parents=True, exist_ok=True)
    for target, nb in made:
        tmp = target.with_suffix(".ipynb.tmp")
        nbformat.write(nb, tmp)
        tmp.replace(target)
    return [t for t, _ in made]
