"""Set up the course's JupyterLab inside a virtualenv; `make lab` (and `make test`) run it.

    python book/lab/install.py .venv

jupyterlab-myst renders the chapters' MyST in JupyterLab, but it has no bibliography: it shows every
{cite:t} and {cite:p} role as its bare key ("nocedal2006") behind a yellow "Citation Not Found" icon.
This script

* installs ``coursekit-citations`` (``book/lab/coursekit-citations/``, a few lines of JavaScript with no
  build step) into ``<venv>/share/jupyter/labextensions/``, with ``references.json`` generated from
  ``book/references.bib``: in JupyterLab the extension replaces each key by the label the website
  prints — "Nocedal and Wright [2006]" for {cite:t}, "[Bell and Sejnowski, 1995]" for {cite:p} — and
  gives it the full reference as its tooltip. A key that is not in the bibliography keeps its warning.
* installs ``coursekit-glue`` (``book/lab/coursekit-glue/``, the same kind of file): jupyterlab-myst knows no
  myst-nb glue, and renders ``{glue:text}`key:.3g` `` as the bare "key:.3g". The extension shows instead
  the value the notebook's own outputs hold for that key, formatted as myst-nb formats it, and updates
  it when the cell that glues it runs again; before that cell has run, a grey "[run the cells above]"
  with the key in its tooltip. ``{glue}`` roles and the ``{glue:figure}`` (and other glue) directives
  too; ``tests/test_lab_glue.py`` compares its formatting with myst-nb's.
* writes ``<venv>/share/jupyter/lab/settings/overrides.json`` so that JupyterLab neither fetches news
  nor checks for updates (both reach for the internet, which the course never needs) and does not
  ask about it.

Labels follow sphinxcontrib-bibtex's author_year style as configured in ``_config.yml`` (one author:
"Hopfield"; two: "Minsky and Papert"; more: "Amit et al."), and tooltips its default "plain" entry
style; ``tests/test_lab_citations.py`` compares both with the built site.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pybtex.plugin
from pybtex.database import parse_file
from pybtex.richtext import Text

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
EXTENSION = HERE / "coursekit-citations"
GLUE = HERE / "coursekit-glue"
BIB = ROOT / "book" / "references.bib"
SETTINGS = {"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False}}


def _plain(rich) -> str:
    return rich.render(pybtex.plugin.find_plugin("pybtex.backends", "plaintext")())


def _names(entry) -> str:
    people = entry.persons.get("author") or entry.persons.get("editor") or []
    last = [_plain(Text(*p.rich_prelast_names, " ", *p.rich_last_names) if p.prelast_names
                   else Text(*p.rich_last_names)) for p in people]
    if not last:
        return _plain(Text.from_latex(entry.fields.get("title", "?")))
    if len(last) == 1:
        return last[0]
    if len(last) == 2:
        return f"{last[0]} and {last[1]}"
    return f"{last[0]} et al."


def references(bib: Path = BIB) -> dict[str, dict[str, str]]:
    """key → {"author", "year", "title"}: the in-text author label, the year and the full reference."""
    data = parse_file(str(bib))
    style = pybtex.plugin.find_plugin("pybtex.style.formatting", "plain")()
    formatted = {e.key: _plain(e.text) for e in style.format_entries(data.entries.values())}
    return {key: {"author": _names(entry), "year": entry.fields.get("year", "n.d."), "title": formatted[key]}
            for key, entry in data.entries.items()}


def label(ref: dict[str, str], kind: str) -> str:
    """The site's in-text label: 'Author [year]' for {cite:t}; 'Author, year' for {cite:p}, which the
    group encloses in brackets ('[Author, year]'; several keys: '[A, 1995; B, 1996]')."""
    if kind == "t":
        return f"{ref['author']} [{ref['year']}]"
    if kind == "p":
        return f"{ref['author']}, {ref['year']}"
    raise ValueError(f"kind: expected 't' or 'p', got {kind!r}")


def install(venv: Path) -> Path:
    """Copy the extensions into ``venv``, write the citations' references.json and the settings overrides;
    return the citations extension's folder."""
    if not (venv / "bin" / "python").exists() and not (venv / "Scripts" / "python.exe").exists():
        raise ValueError(f"venv: {venv} is not a virtualenv (no bin/python)")
    extensions = venv / "share" / "jupyter" / "labextensions"
    glue = extensions / GLUE.name
    shutil.rmtree(glue, ignore_errors=True)
    shutil.copytree(GLUE, glue)
    target = extensions / EXTENSION.name
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(EXTENSION, target)
    labels = {key: {"t": label(ref, "t"), "p": label(ref, "p"), "title": ref["title"]}
              for key, ref in references().items()}
    (target / "static" / "references.json").write_text(
        json.dumps(labels, ensure_ascii=False, indent=0, sort_keys=True), encoding="utf-8")
    settings = venv / "share" / "jupyter" / "lab" / "settings"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "overrides.json").write_text(json.dumps(SETTINGS, indent=2) + "\n", encoding="utf-8")
    return target


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python book/lab/install.py VENV")
    installed = install(Path(sys.argv[1]))
    print(f"coursekit-citations and coursekit-glue installed in {installed.parent}")
