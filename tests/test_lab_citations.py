"""Citation labels in JupyterLab (book/lab/install.py) are the ones the website prints.

The site's labels come from sphinxcontrib-bibtex; JupyterLab's from our own formatter over the same
book/references.bib. Every citation on the built site (`make test` builds it first) must read exactly
as the formatter writes it, with the same full reference as its tooltip.
"""

from __future__ import annotations

import html
import importlib.util
import os
import re
from pathlib import Path

import pytest
from sitecheck import toc_pages

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "_build" / "html"
CHAPTERS = [p for p in toc_pages() if p.startswith("student/")]      # the chapters' pages on the site
_spec = importlib.util.spec_from_file_location("lab_install", ROOT / "book" / "lab" / "install.py")
lab_install = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(lab_install)


def _site_citations() -> list[tuple[str, str, str]]:
    """(page, text, tooltip) of every single-reference citation on the built site's chapters."""
    found = []
    for name in CHAPTERS:
        page = SITE / name
        for inner in re.findall(r'<span class="bibtex-citation"[^>]*>(.*?)</span>', page.read_text(encoding="utf-8"),
                                re.S):
            titles = re.findall(r'title="([^"]*)"', inner)
            if len(titles) == 1:
                found.append((page.name, html.unescape(re.sub(r"<[^>]+>", "", inner)), html.unescape(titles[0])))
    return found


def test_labels_and_tooltips_match_the_site():
    missing = [p for p in CHAPTERS if not (SITE / p).exists()]
    assert not missing, f"no built page for {missing[:3]}: run `make book` first (`make test` does)"
    refs = lab_install.references()
    by_title = {ref["title"]: ref for ref in refs.values()}
    citations = _site_citations()
    assert citations, "no citation found on the site's chapters"
    for page, text, title in citations:
        assert title in by_title, f"{page}: the site's reference {title!r} is not one the formatter writes"
        ref = by_title[title]
        expected = {lab_install.label(ref, "t"), f"[{lab_install.label(ref, 'p')}]"}
        assert text in expected, f"{page}: the site prints {text!r}, JupyterLab would print one of {expected}"


def test_label_forms():
    ref = {"author": "Minsky and Papert", "year": "1969", "title": "…"}
    assert lab_install.label(ref, "t") == "Minsky and Papert [1969]"
    assert lab_install.label(ref, "p") == "Minsky and Papert, 1969"
    with pytest.raises(ValueError, match="kind"):
        lab_install.label(ref, "x")


def test_author_labels(tmp_path):
    bib = tmp_path / "refs.bib"
    bib.write_text("""
@article{one, author = {Hopfield, John J.}, title = {T}, journal = {J}, year = {1982}}
@article{two, author = {Hyv{\\"a}rinen, Aapo and Oja, Erkki}, title = {T}, journal = {J}, year = {1997}}
@article{three, author = {LeCun, Yann and Bottou, L{\\'e}on and Bengio, Yoshua}, title = {T}, journal = {J}, year = {1998}}
@book{von, author = {von Neumann, John}, title = {T}, publisher = {P}, year = {1932}}
""")
    refs = lab_install.references(bib)
    assert {k: r["author"] for k, r in refs.items()} == {
        "one": "Hopfield", "two": "Hyvärinen and Oja", "three": "LeCun et al.", "von": "von Neumann"}


def test_install_writes_the_extension_and_the_settings(tmp_path):
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").touch()
    target = lab_install.install(venv)
    assert (target / "package.json").exists() and (target / "static" / "remoteEntry.js").exists()
    glue = target.parent / "coursekit-glue"
    assert (glue / "package.json").exists() and (glue / "static" / "remoteEntry.js").exists()
    import json
    labels = json.loads((target / "static" / "references.json").read_text(encoding="utf-8"))
    assert labels["nocedal2006"]["t"] == "Nocedal and Wright [2006]"
    assert labels["nocedal2006"]["p"] == "Nocedal and Wright, 2006"
    settings = json.loads((venv / "share" / "jupyter" / "lab" / "settings" / "overrides.json").read_text())
    assert settings["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"
    with pytest.raises(ValueError, match="venv"):
        lab_install.install(tmp_path / "nowhere")


def test_binder_post_build_installs_the_additions_into_the_environment(tmp_path):
    """Binder runs ./postBuild with its environment's python first on PATH; a fresh venv stands in for it
    (a .pth file lends it this venv's packages), and the extensions must land in that venv, not ours."""
    import site
    import subprocess
    import venv
    env = tmp_path / "env"
    venv.create(env, with_pip=False)
    lib = next((env / "lib").glob("python*")) / "site-packages"
    (lib / "course.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    done = subprocess.run(["bash", "postBuild"], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PATH": f"{env / 'bin'}{os.pathsep}{os.environ['PATH']}"})
    assert done.returncode == 0, done.stderr
    installed = env / "share" / "jupyter" / "labextensions"
    assert (installed / "coursekit-citations" / "static" / "references.json").exists()
    assert (installed / "coursekit-glue" / "package.json").exists()
    assert (env / "share" / "jupyter" / "lab" / "settings" / "overrides.json").exists()
    assert os.access(ROOT / "postBuild", os.X_OK), "repo2docker runs postBuild only if it is executable"
