"""A chapter in a live JupyterLab, as `make lab` sets it up, driven in Debian's headless Chromium.

Starts JupyterLab from this virtualenv on 127.0.0.1 (free port, random token, throwaway config, runtime,
settings and workspace folders) serving a temporary copy of one chapter, so that nothing is ever saved
into notebooks/. Opens it, runs all cells and checks what a student sees: no output is an error; the
markdown is rendered by jupyterlab-myst (no raw role or directive text, every citation labelled from
book/references.bib, dropdowns as <details>, math typeset); the explorer's figure changes when its slider
is dragged. Beside it, a small notebook written here glues numbers, a string and a figure with myst-nb:
before its cells run, every glue role shows coursekit-glue's placeholder; after, the value myst-nb would
print (format_plain_text of the recorded output), and the new one after a cell re-runs with other numbers.
Then shuts the server down (which stops the kernels) and checks that no process is left.

The chapter is the quickest one with an explorer (02, about 16 s under nbval on a busy 2-core machine).
Screenshots: _build/test-lab/<chapter>-top.png (the title cell and its citations, after the run),
_build/test-lab/<chapter>.png (the final state: the explorer after its slider moved) and
_build/test-lab/glue-before.png, glue.png (the glue notebook before its cells ran and at the end).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = "02-hopfield-boltzmann.ipynb"
SCREENSHOT = ROOT / "_build" / "test-lab" / CHAPTER.replace(".ipynb", ".png")   # the explorer, at the end
SCREENSHOT_TOP = SCREENSHOT.with_name(CHAPTER.replace(".ipynb", "-top.png"))     # title and citations
JUPYTER_LAB = Path(sys.executable).with_name("jupyter-lab")
CITATIONS = Path(sys.prefix) / "share" / "jupyter" / "labextensions" / "coursekit-citations"
GLUE_EXTENSION = CITATIONS.with_name("coursekit-glue")
GLUE_NOTEBOOK = "glue.ipynb"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
# MyST that should never reach the reader as text.
RAW_MYST = re.compile(r"\{(cite|glue|ref|numref|eq|doc|download|term|abbr|math|dropdown|admonition|note|tip|"
                      r"hint|important|warning|caution|attention|danger|error|seealso|figure|list-table|exercise|"
                      r"solution|prf:[a-z]+)[:}]|```|:::")
# A widget extension built against a newer JupyterLab than the one installed says so, and may then break.
VERSION_WARNING = re.compile(r"Unsatisfied version|No satisfying version")
# Known and harmless: jupyterlab-myst 2.7 draws a markdown cell without the `renderedInput` widget that
# JupyterLab's cell toolbar measures to decide whether it overlaps the text, so that check throws (the
# toolbar of a selected markdown cell may then cover the end of its first line).
KNOWN_PAGE_ERROR = "_markdownOverlapsToolbar"

pytestmark = pytest.mark.slow


def _need(condition: bool, why: str):
    if not condition:
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _api(base: str, token: str, path: str, method: str = "GET"):
    req = urllib.request.Request(f"{base}{path}", method=method, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(req, timeout=5) as r:
        body = r.read()
        return json.loads(body) if body else None


def _alive(procs: list[psutil.Process]) -> list[str]:
    left = []
    for p in procs:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                left.append(f"{p.pid} {' '.join(p.cmdline())[:120]}")
        except psutil.NoSuchProcess:
            pass
    return left


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab serving a copy of the chapter; yields (base url, token). Teardown: nothing left running."""
    _need(JUPYTER_LAB.exists(), f"JupyterLab is not installed in {sys.prefix}: `make env` installs the lab extra")
    _need((CITATIONS / "static" / "references.json").exists(),
          "coursekit-citations is not installed: `make env` (or `make lab`) runs book/lab/install.py")
    _need((GLUE_EXTENSION / "static" / "remoteEntry.js").exists(),
          "coursekit-glue is not installed: `make env` (or `make lab`) runs book/lab/install.py")
    tmp = tmp_path_factory.mktemp("lab")
    root = tmp / "notebooks"
    root.mkdir()
    shutil.copy(ROOT / "notebooks" / CHAPTER, root / CHAPTER)
    _write_glue_notebook(root / GLUE_NOTEBOOK)
    port, token = _free_port(), secrets.token_urlsafe(24)
    env = {k: v for k, v in os.environ.items() if k not in ("MPLBACKEND", "COURSEKIT_STRICT")}
    env.update({name: str(tmp / sub) for name, sub in [
        ("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data"), ("JUPYTER_RUNTIME_DIR", "runtime"),
        ("JUPYTERLAB_SETTINGS_DIR", "settings"), ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"),
        ("IPYTHONDIR", "ipython")]})
    args = [str(JUPYTER_LAB), "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
            "--LabApp.expose_app_in_browser=True"]
    if os.geteuid() == 0:
        args.append("--allow-root")
    log = (tmp / "server.log").open("w")
    server = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    spawned: list[psutil.Process] = []
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                pytest.fail(f"JupyterLab exited with {server.returncode}:\n{(tmp / 'server.log').read_text()[-3000:]}")
            try:
                _api(base, token, "/api/status")
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    pytest.fail("JupyterLab did not answer within 60 s")
                time.sleep(0.2)
        yield base, token
        spawned = psutil.Process(server.pid).children(recursive=True)
        assert spawned, "no kernel was started"
        _api(base, token, "/api/shutdown", method="POST")   # stops the kernels, then the server
        server.wait(timeout=30)
        deadline = time.monotonic() + 10
        while _alive(spawned) and time.monotonic() < deadline:
            time.sleep(0.2)
        left = _alive(spawned)
        assert not left, "processes left after the server shut down:\n" + "\n".join(left)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
        for p in spawned:
            try:
                p.kill()
            except psutil.NoSuchProcess:
                pass
        log.close()


@pytest.fixture(scope="module")
def browser():
    _need(CHROMIUM is not None, "chromium is not installed (apt-get install chromium); CI installs it")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def _open(browser, lab, notebook: str):
    """A page with `notebook` open in JupyterLab and its kernel ready; returns (page, console problems)."""
    base, token = lab
    pg = browser.new_page(viewport={"width": 1400, "height": 1000})
    problems: list[str] = []
    pg.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
          if m.type == "error" or VERSION_WARNING.search(m.text) else None)
    pg.on("pageerror", lambda e: None if KNOWN_PAGE_ERROR in (e.stack or "")
          else problems.append(f"page error: {e}\n{(e.stack or '')[:1500]}"))
    pg.goto(f"{base}/lab/tree/{notebook}?token={token}")
    pg.wait_for_function("() => window.jupyterapp && jupyterapp.shell.currentWidget"
                         " && jupyterapp.shell.currentWidget.sessionContext", timeout=60_000)
    pg.evaluate("() => jupyterapp.shell.currentWidget.sessionContext.ready")
    return pg, problems


RUN_ALL_S = 180     # the chapter runs in about 20 s; a cell that hangs fails the tests instead of the CI run


def _run_all(pg):
    # Run All Cells, as from the Run menu; the command resolves when the last cell has run.
    pg.evaluate("""(ms) => Promise.race([
        jupyterapp.commands.execute('notebook:run-all-cells'),
        new Promise((_, reject) => setTimeout(() => reject(new Error(
            `Run All did not finish within ${ms / 1000} s: a cell hangs`)), ms))])""", RUN_ALL_S * 1000)


@pytest.fixture(scope="module")
def page(lab, browser):
    """The chapter open in JupyterLab with all cells run; yields (page, console problems)."""
    pg, problems = _open(browser, lab, CHAPTER)
    _run_all(pg)
    try:
        yield pg, problems
    finally:
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        pg.screenshot(path=str(SCREENSHOT))
        pg.close()


def _source(cell_type: str) -> str:
    nb = json.loads((ROOT / "notebooks" / CHAPTER).read_text())
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == cell_type)


def test_every_cell_runs_without_an_error_output(page):
    pg, _ = page
    cells = pg.evaluate("""() => Array.from(jupyterapp.shell.currentWidget.content.model.cells)
        .filter(c => c.type === 'code')
        .map(c => ({source: c.sharedModel.getSource(), count: c.executionCount,
                    outputs: c.outputs.toJSON()}))""")
    assert cells, "the notebook has no code cell"
    errors = [f"cell {c['source'][:60]!r}: {o['ename']}: {o['evalue']}"
              for c in cells for o in c["outputs"] if o["output_type"] == "error"]
    assert not errors, "error outputs:\n" + "\n".join(errors)
    unrun = [c["source"][:60] for c in cells if c["source"].strip() and c["count"] is None]
    assert not unrun, f"cells that did not run: {unrun}"


def test_myst_renders_as_on_the_site(page):
    pg, problems = page
    n_cites = len(re.findall(r"\{cite:[a-z]+\}`[^`]*`", _source("markdown")))
    n_dropdowns = len(re.findall(r"^\s*(?:```+|:::+)\s*\{dropdown\}", _source("markdown"), re.M))
    assert n_cites > 0, f"{CHAPTER} cites nothing: pick a chapter that does"
    # every citation labelled from the bibliography (the extension labels after a rendering frame)
    pg.wait_for_function(f"() => document.querySelectorAll('.cite-group > [data-coursekit-cite]').length >= {n_cites}",
                         timeout=15_000)
    rendered = pg.evaluate("""() => {
        const cells = Array.from(document.querySelectorAll('.jp-MarkdownCell'));
        const myst = cells.map(c => c.querySelector('.myst')).filter(Boolean);
        // textContent, not innerText: JupyterLab skips laying out cells off screen (content-visibility);
        // without the TeX source that KaTeX keeps in <annotation>
        const text = myst.map(m => { const c = m.cloneNode(true);
                                     c.querySelectorAll('annotation').forEach(a => a.remove());
                                     return c.textContent; });
        return {cells: cells.length, myst: myst.length, text: text.join('\\n'),
                warnings: document.querySelectorAll('[title="Citation Not Found"]').length,
                cites: Array.from(document.querySelectorAll('[data-coursekit-cite]')).map(e => e.textContent),
                details: document.querySelectorAll('.jp-MarkdownCell .myst details').length,
                math: document.querySelectorAll('.jp-MarkdownCell .myst .katex').length,
                mathErrors: document.querySelectorAll('.jp-MarkdownCell .myst .katex-error').length};
    }""")
    assert rendered["myst"] == rendered["cells"] > 0, f"{rendered['myst']} of {rendered['cells']} markdown cells rendered by MyST"
    raw = sorted(set(RAW_MYST.findall(rendered["text"])))
    assert not raw, f"raw MyST in the rendered markdown: {raw}"
    assert rendered["warnings"] == 0, f"{rendered['warnings']} citations not found in book/references.bib"
    assert all(re.fullmatch(r".+ \[\d{4}\]|.+, \d{4}", c) for c in rendered["cites"]), rendered["cites"]
    assert rendered["details"] == n_dropdowns, f"{rendered['details']} <details> for {n_dropdowns} dropdowns"
    assert rendered["math"] > 0 and rendered["mathErrors"] == 0, rendered
    pg.locator(".jp-MarkdownCell").first.scroll_into_view_if_needed()
    SCREENSHOT_TOP.parent.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(SCREENSHOT_TOP))
    assert not problems, "browser console:\n" + "\n".join(problems)


def test_explorer_slider_changes_its_figure(page):
    pg, problems = page
    box = pg.locator(".jp-OutputArea-output .widget-vbox", has=pg.locator(".widget-slider")).filter(
        has=pg.locator(".widget-output img")).first
    box.scroll_into_view_if_needed()
    before = box.locator(".widget-output img").first.get_attribute("src")
    slider = box.locator(".widget-slider").first
    readout = slider.locator(".widget-readout")
    pg.wait_for_function("el => el.textContent.trim() !== ''", arg=readout.element_handle())
    value = readout.text_content()
    # drag the handle four fifths of the way along its track, as a student would
    handle = slider.locator(".noUi-handle").first
    handle.hover()
    pg.mouse.down()
    track = slider.locator(".noUi-target").first.bounding_box()
    pg.mouse.move(track["x"] + 0.8 * track["width"], track["y"] + track["height"] / 2, steps=5)
    pg.mouse.up()
    assert readout.text_content() != value, f"the slider did not move from {value}"
    # interactive_output clears its output and shows the redrawn figure: wait for an image with other pixels
    pg.wait_for_function("([box, before]) => { const img = box.querySelector('.widget-output img');"
                         " return img !== null && img.src !== before; }",
                         arg=[box.element_handle(), before], timeout=30_000)
    errors = box.locator(".widget-output [data-mime-type='application/vnd.jupyter.stderr']").count()
    assert errors == 0, "the explorer printed an error"
    box.scroll_into_view_if_needed()
    assert not problems, "browser console:\n" + "\n".join(problems)


# --- glued values (coursekit-glue) -------------------------------------------------------------------

# A chapter in miniature: numbers, a string and a figure glued by a code cell, then used in the prose with
# the format specs the chapters use. `scale` lets the test re-run the cells with other values.
GLUE_CODE = '''\
import matplotlib.pyplot as plt
glue("glue_ratio", 0.123456789 * scale, display=False)
glue("glue_count", 1797 * scale, display=False)
glue("glue_mass", 1234567.891 * scale, display=False)
glue("glue_tiny", 3.3e-7 * scale, display=False)
glue("glue_half", 2.5 * scale, display=False)           # a tie: Python rounds half to even
glue("glue_name", "orthogonal" if scale == 1 else "Gaussian", display=False)
fig, ax = plt.subplots(figsize=(2, 1.5))
ax.plot([0, 1], [0, scale])
glue("glue_fig", fig, display=False)
plt.close(fig)'''
GLUE_PROSE = [
    "The ratio is {glue:text}`glue_ratio:.3g`, or {glue:text}`glue_ratio:.1%`, from {glue:text}`glue_count:,` "
    "digits ({glue:text}`glue_count:,.0f` as a float); {glue:text}`glue_mass:,.0f` g in {glue:text}`glue_tiny:.2e` s; "
    "half rounds to {glue:text}`glue_half:.0f`; the {glue:text}`glue_name` draw; as output {glue}`glue_ratio`, "
    "{glue:any}`glue_count`.",
    "```{note}\nIn a note: {glue:text}`glue_ratio:.2f`.\n```\n\n- in a list: {glue:text}`glue_count:d`",
    "```{glue:figure} glue_fig\n:name: fig-glue\n\nThe figure, for a ratio of {glue:text}`glue_ratio:.2f`.\n```",
]
GLUE_ROLE = re.compile(r"\{glue(:[a-z]*)?\}`([^`]+)`")


def _write_glue_notebook(path: Path):
    import nbformat
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}})
    nb.cells = [nbformat.v4.new_code_cell("from myst_nb import glue\nscale = 1"),
                nbformat.v4.new_code_cell(GLUE_CODE)] + [nbformat.v4.new_markdown_cell(md) for md in GLUE_PROSE]
    nbformat.write(nb, path)


def _glue_expected(pg) -> list[tuple[str, str]]:
    """(role content, what myst-nb writes for it) for each glue role of the prose, in order, from the
    glue outputs the notebook's model holds now."""
    from myst_nb.core.variables import format_plain_text
    outputs = pg.evaluate("""() => Array.from(jupyterapp.shell.currentWidget.content.model.cells)
        .filter(c => c.type === 'code').flatMap(c => c.outputs.toJSON())""")
    recorded = {}
    for out in outputs:
        scrap = out.get("metadata", {}).get("scrapbook")
        if scrap:
            prefix = scrap.get("mime_prefix", "")
            recorded[scrap["name"]] = {k[len(prefix):]: v for k, v in out["data"].items()}
    expected = []
    for role, content in GLUE_ROLE.findall("\n".join(GLUE_PROSE).split("```{glue:figure}")[0]):
        if role == ":text":
            key, _, spec = content.rpartition(":") if ":" in content else (content, "", "s")
            expected.append((content, format_plain_text(recorded[key]["text/plain"], spec)))
        else:
            expected.append((content, recorded[content]["text/plain"]))
    return expected


_GLUE_SHOWN = """() => {
    const nb = jupyterapp.shell.currentWidget.content.node;
    const myst = Array.from(nb.querySelectorAll('.jp-MarkdownCell .myst'));
    // what a reader sees: the rendered text without the directive boxes the extension hid
    const text = myst.map(m => { const c = m.cloneNode(true);
        c.querySelectorAll('[data-coursekit-glue-hidden], annotation').forEach(e => e.remove());
        return c.textContent; }).join('\\n');
    const spans = Array.from(nb.querySelectorAll('.myst [data-coursekit-glue]'));
    const fig = nb.querySelector('figure[data-coursekit-glue-figure="glue_fig"]');
    return {text, roles: spans.map(s => [s.getAttribute('data-coursekit-glue'), s.textContent,
                                         s.classList.contains('coursekit-glue-pending'), s.title]),
            figure: fig && {img: (fig.querySelector('img') || {}).src || null,
                            caption: (fig.querySelector('figcaption') || {}).textContent || ''},
            hidden: nb.querySelectorAll('[data-coursekit-glue-hidden]').length};
}"""


# the figure's caption, rendered after its image, shows the same ratio as the prose (glued twice)
_CAPTION_READY = ("s.figure.caption.includes('ratio of') && s.roles.some(r => r[0] === 'glue_ratio:.2f' "
                  "&& s.figure.caption.includes(r[1] + '.'))")


def _wait_glue(pg, done: str, timeout: float = 30_000):
    pg.wait_for_function(f"() => {{ const s = ({_GLUE_SHOWN})(); return {done}; }}", timeout=timeout)
    return pg.evaluate(_GLUE_SHOWN)


def _check_no_raw_glue(shown):
    assert "{glue" not in shown["text"], shown["text"]
    keys = sorted({c.split(":")[0] for _, c in GLUE_ROLE.findall("\n".join(GLUE_PROSE))} | {"glue_fig"})
    visible = [k for k in keys if k in shown["text"]]
    assert not visible, f"glue keys visible as text: {visible}\n{shown['text']}"


def _check_values(pg, shown):
    expected = _glue_expected(pg)
    assert [(c, t) for c, t, _, _ in shown["roles"]] == expected
    assert shown["figure"]["img"] and shown["figure"]["img"].startswith("data:image/png;base64,"), shown["figure"]
    ratio = dict(expected)["glue_ratio:.2f"]
    assert shown["figure"]["caption"].strip() == f"The figure, for a ratio of {ratio}.", shown["figure"]


def test_glued_values_show_as_on_the_site_and_follow_the_outputs(lab, browser):
    n_roles = len(GLUE_ROLE.findall("\n".join(GLUE_PROSE).split("```{glue:figure}")[0]))
    pg, problems = _open(browser, lab, GLUE_NOTEBOOK)
    shot = SCREENSHOT.with_name("glue.png")
    shot.parent.mkdir(parents=True, exist_ok=True)
    try:
        # before the cells run: a placeholder for each role (the key only in its tooltip), and for the figure
        before = _wait_glue(pg, f"s.roles.length === {n_roles} && s.figure !== null")
        assert all(pending and text == "[run the cells above]" and content.split(":")[0] in title
                   for content, text, pending, title in before["roles"]), before["roles"]
        assert before["figure"]["img"] is None and before["hidden"] == 1, before
        _check_no_raw_glue(before)
        pg.screenshot(path=str(shot.with_name("glue-before.png")))

        # after Run All: the values myst-nb would write, from the outputs the cells recorded
        _run_all(pg)
        after = _wait_glue(pg, f"s.roles.every(r => !r[2]) && s.figure && s.figure.img && {_CAPTION_READY}")
        _check_no_raw_glue(after)
        _check_values(pg, after)
        shown = dict((c, t) for c, t, _, _ in after["roles"])
        assert (shown["glue_ratio:.3g"], shown["glue_ratio:.1%"], shown["glue_count:,"], shown["glue_half:.0f"]) \
            == ("0.123", "12.3%", "1,797", "2"), shown   # what Python's format() writes, spelled out

        # a re-run with other numbers replaces every value, and the figure
        pg.evaluate("""() => jupyterapp.shell.currentWidget.content.model.cells.get(0).sharedModel
                               .setSource('from myst_nb import glue\\nscale = 2')""")
        _run_all(pg)
        again = _wait_glue(pg, "s.roles.some(r => r[1] === '3,594') && s.roles.every(r => !r[2])"
                               f" && s.figure && s.figure.img && s.figure.img !== {json.dumps(after['figure']['img'])}"
                               f" && {_CAPTION_READY}")
        _check_no_raw_glue(again)
        _check_values(pg, again)
        assert not problems, "browser console:\n" + "\n".join(problems)
    finally:
        pg.screenshot(path=str(shot))
        pg.close()
