"""The bibliography parses and every citation in the book names an entry in it.

A bad merge of ``book/references.bib`` once dropped closing braces; Sphinx then failed four minutes into the
build. This test says so in a second, and names the line."""
import json
import re
from pathlib import Path

import pytest

pybtex = pytest.importorskip("pybtex.database")

ROOT = Path(__file__).resolve().parents[1]
BIB = ROOT / "book" / "references.bib"
CITE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]+)`")


def _sources():
    for path in sorted((ROOT / "book").rglob("*.md")):
        if "_build" not in path.parts:
            yield path, path.read_text(encoding="utf-8")
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        yield path, "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


def test_bibliography_parses_with_unique_keys():
    text = BIB.read_text(encoding="utf-8")
    database = pybtex.parse_string(text, "bibtex")          # raises with the line on a missing brace
    keys = re.findall(r"(?m)^@\w+\{([^,\s]+),", text)
    assert len(keys) == len(set(keys)) == len(database.entries)


def test_every_citation_is_in_the_bibliography():
    keys = set(pybtex.parse_file(str(BIB)).entries.keys())
    missing = {}
    for path, text in _sources():
        for group in CITE.findall(text):
            for key in (k.strip() for k in group.split(",")):
                if key not in keys:
                    missing.setdefault(key, []).append(path.name)
    assert not missing, f"cited but not in references.bib: {missing}"
