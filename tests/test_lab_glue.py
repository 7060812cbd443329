"""coursekit-glue (book/lab/coursekit-glue/) formats and finds glued values as myst-nb does.

In JupyterLab the extension writes a `{glue:text}`key:spec`` role as myst-nb's `format_plain_text` writes it
on the site: Python's `ast.literal_eval` of the recorded text/plain, then `format(value, spec)`. Its
JavaScript is run here in Chromium on thousands of (value, spec) pairs — the specs the chapters use, every
presentation type, fills, alignments, signs, zero padding, grouping, precisions, and specs Python rejects —
and each answer compared with myst-nb's own, errors included. Complex numbers are left out: the extension
does not format them (it shows the recorded text, marked as not formatted). Then its reader of markdown
sources finds exactly the glue roles and directives MyST would, on a source written to trip it and on every
chapter. The live behaviour (placeholders, values after a run, updates) is tested in tests/test_lab.py.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "book" / "lab" / "coursekit-glue" / "static" / "remoteEntry.js"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = pytest.mark.slow

VALUES = [0, 1, -1, 7, 42, 65, 1797, -1797, 123456789, 10**20, -10**25, 0.0, -0.0, 0.5, 1.5, 2.5, -2.5, 0.125,
          0.375, 1 / 3, 2 / 3, 0.1, 0.123456, 3.14159, 2.675, 1e-5, 1.23e-7, 9.995, 99.95, 0.9999, 999999.5, 1e16,
          1.5e16, 2e16 + 8, 1e22, 1.7976931348623157e308, 5e-324, 2.2250738585072014e-308, 123.0, 1234.5, 0.000123,
          100.0, 1e100, float("inf"), float("-inf"), float("nan"), True, False, None, "hello", "", "3.5", " 12 ",
          "a'b", 'say "hi"', "1_000", "été", (1, 2), [0.5], b"x"]
# what glue records for things that are not literals, and literals repr() does not write
OTHER_TEXT = ["np.float64(2.5)", "<Figure size 640x480 with 1 Axes>", "array([1, 2])", "inf", "nan", "1e400", "+5",
              "007", "0x1f", "-0o17", "0b101", "1_000.5", "'\\u00e9t\\xe9\\n'", "r'a\\b'"]
SPECS = ["", "s", ".3g", ".2g", ".2f", ".1f", ".0f", ".1%", ".0%", ",", ",.0f", ",.2f", "d", ",d", "_d", "x", "#x", "X",
         "#X", "#b", "_b", "o", "#o", "c", "e", ".2e", "E", "g", "G", ".10g", "#g", "#.3g", "#", "#.3", "n", "%", "F",
         "+.2f", " .2f", "z.1f", "010.2f", "08,", "09,", "010,.1f", "^10", "<10", ">10", "*^12.3f", "0=10", "=+10",
         "010", "05", "_", "_x", ",x", ",n", ".2", ".3", ".2s", "10.3s", "z", "-", "+", "+c", "#c", ".", "1.2.3",
         "xyz", "0<8", "x<08", "<05", ",e", "_.3e", "020,.2%", ".0e", "#.0e", "#.0f", ".0g", "#.0g", ".20f",
         ".17g", ".25e", "#10.0f", "=010.1f", "+,", " ,d", "-^+15,.4f"]


def _random_specs(n: int, seed: int = 20261201) -> list[str]:
    rng = random.Random(seed)
    specs = []
    for _ in range(n):
        align = rng.choice(["", "<", ">", "^", "="])
        fill = rng.choice(["", "*", "0", " ", "x"]) if align else ""
        specs.append(fill + align + rng.choice(["", "+", "-", " "]) + rng.choice(["", "", "z"]) + rng.choice(["", "#"])
                     + rng.choice(["", "0"]) + rng.choice(["", str(rng.randint(1, 20))]) + rng.choice(["", ",", "_"])
                     + rng.choice(["", "." + str(rng.randint(0, 12))])
                     + rng.choice(list("bcdeEfFgGnosxX%") + ["", "", ""]))
    return specs


def _random_floats(n: int, seed: int = 12) -> list[float]:
    rng = random.Random(seed)
    return [rng.choice([rng.uniform(-1e6, 1e6), rng.expovariate(1) * 10 ** rng.randint(-12, 20),
                        round(rng.uniform(-100, 100), rng.randint(0, 4)), -rng.expovariate(1) * 10 ** rng.randint(-8, 8)])
            for _ in range(n)]


@pytest.fixture(scope="module")
def glue_js():
    """An evaluate(expression, arg) running in Chromium with the extension's './format' module as `m`."""
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (apt-get install chromium)")
        pytest.skip("chromium is not installed (apt-get install chromium); CI installs it")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.add_script_tag(content=SCRIPT.read_text(encoding="utf-8"))
        page.evaluate("async () => { window.m = (await window._JUPYTERLAB['coursekit-glue'].get('./format'))(); }")
        # arguments and results cross as JSON text: Playwright's own serialisation of 30,000 pairs takes seconds
        yield lambda body, arg=None: json.loads(page.evaluate(
            f"(s) => JSON.stringify(((arg) => {{ const m = window.m; {body} }})(JSON.parse(s)))", json.dumps(arg)))
        browser.close()


def test_format_plain_text_matches_myst_nb(glue_js):
    from myst_nb.core.variables import format_plain_text
    texts = [repr(v) for v in VALUES + _random_floats(60) + [random.Random(3).randint(-10**9, 10**9) for _ in range(5)]]
    texts += OTHER_TEXT
    cases = []
    for text in texts:
        for spec in SPECS + _random_specs(150):
            try:
                cases.append([text, spec, format_plain_text(text, spec)])
            except Exception:                          # myst-nb warns and shows nothing: the extension throws
                cases.append([text, spec, None])
    assert sum(c[2] is not None for c in cases) > len(cases) // 2
    got = glue_js("""return arg.map(([text, spec]) => {
        try { return m.formatPlainText(text, spec); }
        catch (e) { return e.name === 'FormatError' ? null : 'JS ERROR ' + e.stack; } });""", cases)
    wrong = [(text, spec, want, have) for (text, spec, want), have in zip(cases, got) if want != have]
    assert not wrong, f"{len(wrong)} of {len(cases)} differ from myst-nb, e.g. (text, spec, myst-nb, extension):\n" + \
        "\n".join(map(repr, wrong[:20]))


TRICKY = """\
A {glue:text}`a:.3f` and {glue}`b`, {glue:}`c`, {glue:any}`d`, {glue:md}`e`, \\`{glue}`f`.
Code is text: `{glue:text}` then ``{glue}`g` `` and {cite:t}`hopfield1982` is no glue.

```python
glue("h", 1)  # {glue}`h`
```

````{note}
In a note {glue:text}`i:,`

```{glue:figure} j
:name: fig-j
:alt: A figure

Caption with {glue:text}`k:.1%`.
```
````

:::{glue:math} l
:::

~~~
{glue}`m`
~~~
{glue:text}`n`
"""


def test_finds_the_roles_and_directives_myst_does(glue_js):
    found = glue_js("return m.parseGlue(arg);", TRICKY)
    assert found["roles"] == [{"kind": k, "content": c} for k, c in [
        ("text", "a:.3f"), ("any", "b"), ("any", "c"), ("any", "d"), ("md", "e"), ("any", "f"), ("text", "i:,"),
        ("text", "n")]]
    assert found["directives"] == [
        {"kind": "figure", "arg": "j", "options": {"name": "fig-j", "alt": "A figure"},
         "caption": "Caption with {glue:text}`k:.1%`."},
        {"kind": "math", "arg": "l", "options": {}, "caption": ""}]


def test_finds_every_glue_role_of_the_chapters(glue_js):
    sources = []
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for i, cell in enumerate(json.loads(nb.read_text(encoding="utf-8"))["cells"]):
            if cell["cell_type"] == "markdown":
                sources.append([f"{nb.name} cell {i}", "".join(cell["source"])])
    found = glue_js("return arg.map(([where, src]) => m.parseGlue(src).roles.map(r => r.content));", sources)
    expected = [re.findall(r"\{glue(?::[a-z]*)?\}`([^`]+)`", src) for _, src in sources]
    assert sum(map(len, expected)) > 0, "no chapter glues anything"
    differ = [(where, e, f) for (where, _), e, f in zip(sources, expected, found) if e != f]
    assert not differ, differ
