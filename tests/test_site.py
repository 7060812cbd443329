"""The built website, opened in a real browser: Debian's headless Chromium driven by Playwright.

`make test` builds the site first (`make book`). Every page of the table of contents must load with no
console error and no failed request (so nothing reaches for the internet), every image must have loaded,
MathJax must have typeset the equations, static widgets must render, and every internal link must resolve.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import threading
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlparse

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "_build" / "html"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.slow          # a browser and the built site: not part of `pytest -m "not slow"`

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def toc_pages() -> list[str]:
    """Every page of _toc.yml as a path relative to the site root, e.g. 'book/intro.html'."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        for chapter in part.get("chapters", []):
            files.append(chapter["file"])
            files.extend(s["file"] for s in chapter.get("sections", []))
    return [f"{f}.html" for f in files]


@pytest.fixture(scope="module")
def server():
    if not (SITE / "index.html").exists():
        pytest.fail(f"no built site at {SITE}: run `make book` first (`make test` does)")
    handler = functools.partial(_QuietHandler, directory=str(SITE))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; .ci/run installs Debian's chromium")
        pytest.skip("chromium is not installed (apt-get install chromium); CI installs it")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@functools.lru_cache(maxsize=None)
def _fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            body = r.read().decode("utf-8", "replace") if url.endswith((".html", "/")) else ""
            return r.status, body
    except urllib.error.HTTPError as e:
        return e.code, ""


def _open(browser, url: str):
    """Load a page; return it with the console errors and failed requests seen while loading."""
    page = browser.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"failed request: {r.url} ({r.failure})"))
    page.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
    page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle")
    return page, problems


PAGES = toc_pages()


@pytest.mark.parametrize("path", PAGES)
def test_page_loads_offline_with_images_math_and_links(browser, server, path):
    url = urljoin(server, path)
    page, problems = _open(browser, url)
    try:
        # MathJax: wait for typesetting, then every math element must be rendered and error-free.
        has_math = page.evaluate("document.querySelectorAll('.math, .amsmath').length") > 0
        if has_math:
            page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise",
                                   timeout=20_000)
            page.evaluate("() => MathJax.startup.promise")
            typeset = page.evaluate("document.querySelectorAll('mjx-container').length")
            errors = page.evaluate("document.querySelectorAll('mjx-merror').length")
            assert typeset > 0, f"{path}: MathJax typeset nothing"
            assert errors == 0, f"{path}: {errors} equations failed to typeset"
        # Static widgets: where the page carries widget state, the widget manager must render it.
        if page.evaluate("document.querySelectorAll('script[type=\"application/vnd.jupyter.widget-state+json\"]').length"):
            # (a finished tqdm bar leaves a hidden widget behind, so wait for a *visible* control)
            page.wait_for_function("() => Array.from(document.querySelectorAll('.widget-slider, .widget-dropdown,"
                                   " .widget-toggle-buttons, .widget-checkbox')).some(e => e.offsetWidth > 0)",
                                   timeout=20_000)
            page.wait_for_load_state("networkidle")
        # Images: all loaded (scrolling is not needed: Sphinx does not lazy-load).
        broken = page.evaluate("Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0)"
                               ".map(i => i.src.slice(0, 120))")
        assert not broken, f"{path}: images that did not load: {broken}"
        links = page.evaluate("Array.from(document.querySelectorAll('a[href]')).map(a => a.href)")
    finally:
        page.close()
    assert not problems, f"{path}:\n" + "\n".join(problems)

    # Internal links: the target exists and so does the #fragment in it.
    host = urlparse(server).netloc
    for link in links:
        target, fragment = urldefrag(link)
        if urlparse(target).netloc != host:
            continue
        status, body = _fetch(target)
        assert status == 200, f"{path}: broken link {link} (HTTP {status})"
        if fragment and target.endswith(".html"):
            assert re.search(rf'id="{re.escape(fragment)}"', body), f"{path}: link {link} names a missing anchor"


def test_site_has_search_and_launch_buttons(server):
    status, _ = _fetch(urljoin(server, "search.html"))
    assert status == 200
    _, body = _fetch(urljoin(server, "notebooks/00-matrix-calculus.html"))
    assert "mybinder.org" in body and "colab.research.google.com" in body, "launch buttons missing"
    assert "theme-switch" in body or "theme-switch-button" in body, "dark-mode switch missing"
    assert "00-matrix-calculus.ipynb" in body and "btn-download" in body, "download button missing"
