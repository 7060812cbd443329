"""The built website (the public, student edition), opened as its readers open it: Debian's headless
Chromium driven by Playwright, served gzipped as a static host serves it.

`make test` builds the site first (`make book`). For every page of the table of contents:
- it loads with no console error and no failed request (nothing reaches for the internet), every image
  loads, MathJax typesets the equations (and is loaded only where there are any), internal links resolve;
- its first visit stays within the byte budget (≤ 1 MB transferred), with no render-blocking script, no
  Font Awesome and no widget manager (`benchmarks/site_budget.py` reports the time to first text on a
  throttled line);
- axe-core finds no critical or serious violation (and, in dark mode, no contrast violation);
- no display equation is clipped at 1280 px or at 390 px, and at 390 px nothing is cut off;
and on every chapter: its explorers' figures follow their controls, its animations wait to be played,
and the launch buttons open the student notebook.
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlparse

import pytest
import yaml

from sitecheck import CHROMIUM, CHROMIUM_ARGS, DESKTOP, PHONE, serve, toc_pages

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "_build" / "html"
AXE = ROOT / "book" / "vendor" / "node_modules" / "axe-core" / "axe.min.js"
PAGE_BUDGET = 1_000_000                  # bytes transferred on a first visit, gzipped
PAGES = toc_pages()
CHAPTERS = [p for p in PAGES if p.startswith("student/")]
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())


@pytest.fixture(scope="module")
def server():
    if not (SITE / "index.html").exists():
        pytest.fail(f"no built site at {SITE}: run `make book` first (`make test` does)")
    with serve(SITE) as base:
        yield base


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


def _fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            body = r.read().decode("utf-8", "replace") if url.endswith((".html", "/")) else ""
            return r.status, body
    except urllib.error.HTTPError as e:
        return e.code, ""


def _html(path: str) -> str:
    return (SITE / path).read_text(encoding="utf-8")


def _open(browser, url: str, viewport=DESKTOP, color_scheme="light", count_bytes=False):
    """Load a page in a fresh context (empty cache); return it, the console errors and failed requests
    seen while loading, and (count_bytes) the bytes received per request."""
    context = browser.new_context(viewport=viewport, color_scheme=color_scheme)
    page = context.new_page()
    problems: list[str] = []
    sizes, urls = {}, {}
    if count_bytes:
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.on("Network.requestWillBeSent", lambda e: urls.__setitem__(e["requestId"], e["request"]["url"]))
        cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]))
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"failed request: {r.url} ({r.failure})"))
    page.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
    page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle")
    if page.evaluate("!!(window.MathJax && MathJax.startup && MathJax.startup.promise)"):
        page.evaluate("() => MathJax.startup.promise")
    requests = sorted(((urls.get(k, "?"), v) for k, v in sizes.items()), key=lambda r: -r[1])
    return page, problems, requests


def _axe(page, rules=None, within="document") -> list[dict]:
    if not AXE.exists():
        pytest.fail(f"axe-core is not vendored at {AXE}: run `bash book/vendor/fetch.sh` (make book does)")
    page.add_script_tag(path=str(AXE))
    options = {"resultTypes": ["violations"]}
    if rules:
        options["runOnly"] = {"type": "rule", "values": rules}
    result = page.evaluate(f"opts => axe.run({within}, opts)", options)
    return [v for v in result["violations"] if v["impact"] in ("critical", "serious")]


def _describe(violations) -> str:
    return "\n".join(f"  {v['impact']} {v['id']} ({len(v['nodes'])}×): {v['help']} — e.g. "
                     f"{v['nodes'][0]['target']}: {v['nodes'][0].get('failureSummary', '')[:200]}" for v in violations)


# Elements whose box reaches past a clipping ancestor (overflow hidden or clip) with no scrolling
# container in between, or past the window while the page itself does not scroll sideways.
CLIPPED_JS = """(selector) => {
  const vw = document.documentElement.clientWidth, out = [];
  const visible = el => { const r = el.getBoundingClientRect(), cs = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && cs.visibility !== 'hidden' && el.closest('details:not([open]) > :not(summary)') === null; };
  for (const el of document.querySelectorAll(selector)) {
    if (!visible(el)) continue;
    const r = el.getBoundingClientRect();
    let cut = null;
    for (let a = el.parentElement; a && a !== document.documentElement; a = a.parentElement) {
      const ox = getComputedStyle(a).overflowX;
      if (ox === 'auto' || ox === 'scroll') { cut = null; break; }
      if (ox === 'hidden' || ox === 'clip') {
        const ar = a.getBoundingClientRect();
        if (r.right > ar.right + 1 || r.left < ar.left - 1) { cut = a; break; }
      }
    }
    if (!cut && !el.closest('[style*=overflow], .pst-scrollable-table-container') && r.right > vw + 1) {
      let scrolls = false;
      for (let a = el.parentElement; a; a = a.parentElement) {
        const ox = getComputedStyle(a).overflowX; if (ox === 'auto' || ox === 'scroll') { scrolls = true; break; } }
      if (!scrolls) cut = document.documentElement;
    }
    if (cut) out.push(el.tagName.toLowerCase() + '.' + String(el.getAttribute('class') || '').split(' ')[0] + ': '
                      + (el.textContent || el.getAttribute('alt') || '').trim().slice(0, 60));
  }
  return out;
}"""

# A display equation whose content is wider than its box must scroll, and show that it does: a shadow
# on the side that has more (overlay scrollbars stay hidden until touched, so a scrollbar alone is not
# enough; the theme's own equations scrolled invisibly and looked cut off). The box must not be cut.
MATH_JS = """() => Array.from(document.querySelectorAll('div.math mjx-container, div.math')).filter(el => {
    const r = el.getBoundingClientRect(); if (!r.width || el.querySelector('mjx-container')) return false;
    if (el.scrollWidth <= el.clientWidth + 1) return false;
    const cs = getComputedStyle(el), scrolls = cs.overflowX === 'auto' || cs.overflowX === 'scroll';
    return !scrolls || !/gradient/.test(cs.backgroundImage); }).map(el => (el.textContent || '').slice(0, 60))"""



PHONE_SELECTORS = ("main p, main li, main pre, main table, main img, main button, main input, main select, "
                   "main output, main label, main h1, main h2, main h3, main .ck-controls, main .ck-anim-controls, "
                   ".bd-header a, .bd-header button, .header-article button, .header-article a")


class Visits:
    """Each page opened once per way of reading it — a desktop window (1280 px, light), a phone (390 px),
    dark mode — and what was found there, kept for the tests below (one load serves several checks)."""

    def __init__(self, browser, base):
        self.browser, self.base = browser, base
        self._desktop, self._phone, self._dark = {}, {}, {}

    def desktop(self, path: str) -> dict:
        if path not in self._desktop:
            self._desktop[path] = self._visit_desktop(path)
        return self._desktop[path]

    def phone(self, path: str) -> dict:
        if path not in self._phone:
            page, _, _ = _open(self.browser, urljoin(self.base, path), viewport=PHONE)
            try:
                self._phone[path] = {
                    "sideways": page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth"),
                    "cut": page.evaluate(CLIPPED_JS, PHONE_SELECTORS),
                    "math": page.evaluate(MATH_JS) + page.evaluate(CLIPPED_JS, "div.math, div.math mjx-container")}
            finally:
                page.context.close()
        return self._phone[path]

    def dark(self, path: str) -> dict:
        """Colour contrast in dark mode (the theme follows the reader's system setting)."""
        if path not in self._dark:
            context = self.browser.new_context(viewport=DESKTOP, color_scheme="dark")
            page = context.new_page()
            try:
                page.goto(urljoin(self.base, path), wait_until="load")
                # the theme switches to dark by script after load, and colours ease in: measure contrast once
                # the switch is done and no colour transition runs (mid-transition text once measured 1.41:1)
                page.wait_for_function("document.documentElement.dataset.theme === 'dark'", timeout=10_000)
                page.wait_for_function("document.getAnimations().every(a => !(a instanceof CSSTransition)"
                                       " || a.playState !== 'running')", timeout=10_000)
                self._dark[path] = {"theme": page.evaluate("document.documentElement.dataset.theme"),
                                    "axe": _axe(page, rules=["color-contrast"])}
            finally:
                context.close()
        return self._dark[path]

    def _visit_desktop(self, path: str) -> dict:
        page, problems, requests = _open(self.browser, urljoin(self.base, path), count_bytes=True)
        try:
            found = {
                "problems": problems, "requests": requests, "bytes": sum(b for _, b in requests),
                "blocking": page.evaluate("""Array.from(document.head.querySelectorAll('script[src]'))
                    .filter(s => !s.async && !s.defer && s.type !== 'module').map(s => s.getAttribute('src'))"""),
                "has_math": page.evaluate("document.querySelectorAll('.math, .amsmath, div.math').length") > 0,
                "loads_mathjax": page.evaluate("!!document.querySelector('script[src*=\"mathjax\"]')"),
                "typeset": page.evaluate("document.querySelectorAll('mjx-container').length"),
                "math_errors": page.evaluate("document.querySelectorAll('mjx-merror').length"),
                "math": page.evaluate(MATH_JS) + page.evaluate(CLIPPED_JS, "div.math, div.math mjx-container"),
                "axe": _axe(page),
            }

            found["explorers"] = _move_every_control(page, path) if path in CHAPTERS else []
            # every image, lazily loaded ones too (scrolled to, as a reader would)
            page.evaluate("document.querySelectorAll('img[loading=lazy]').forEach(i => i.loading = 'eager')")
            page.wait_for_function("Array.from(document.images).every(i => i.complete)", timeout=30_000)
            found["broken"] = page.evaluate("Array.from(document.images).filter(i => i.naturalWidth === 0)"
                                            ".map(i => i.src.slice(0, 120))")
            found["alts"] = page.evaluate("Array.from(document.querySelectorAll('article img')).map(i => i.getAttribute('alt') || '')")
            found["links"] = page.evaluate("Array.from(document.querySelectorAll('a[href]')).map(a => a.href)")
            found["figure_urls"] = page.evaluate("""Array.from(document.querySelectorAll('.ck-figures, .ck-anim-frames'))
                .flatMap(s => { const d = JSON.parse(s.textContent); return Array.isArray(d) ? d : Object.values(d).map(v => v[0]); })
                .map(u => new URL(u, document.baseURI).href)""")
        finally:
            page.context.close()
        report = ROOT / "_build" / "site-budget"
        report.mkdir(parents=True, exist_ok=True)
        (report / (path.replace("/", "__") + ".json")).write_text(
            json.dumps({"bytes": found["bytes"], "requests": requests}, indent=1))
        return found


@pytest.fixture(scope="module")
def visits(browser, server):
    return Visits(browser, server)


# ---- every page: offline, images, math, links -------------------------------------------------------

@pytest.mark.parametrize("path", PAGES)
def test_page_loads_offline_with_images_math_and_links(visits, server, path):
    v = visits.desktop(path)
    assert not v["problems"], f"{path}:\n" + "\n".join(v["problems"])
    assert v["loads_mathjax"] == v["has_math"], f"{path}: MathJax loaded={v['loads_mathjax']}, page has math={v['has_math']}"
    if v["has_math"]:
        assert v["typeset"] > 0, f"{path}: MathJax typeset nothing"
        assert v["math_errors"] == 0, f"{path}: {v['math_errors']} equations failed to typeset"
    assert not v["broken"], f"{path}: images that did not load: {v['broken']}"
    bad_alt = [a for a in v["alts"] if len(a) < 12 or re.search(r"\.(png|jpe?g|svg|gif)\b|_images/", a)]
    assert not bad_alt, f"{path}: figures whose alt text does not say what they show: {bad_alt[:5]}"
    host = urlparse(server).netloc
    for url in v["figure_urls"]:                # every precomputed figure and animation frame exists
        assert urlparse(url).netloc == host and _fetch(url)[0] == 200, f"{path}: missing figure {url}"
    for link in v["links"]:                     # internal links: the target exists, and its #fragment
        target, fragment = urldefrag(link)
        if urlparse(target).netloc != host:
            continue
        status, body = _fetch(target)
        assert status == 200, f"{path}: broken link {link} (HTTP {status})"
        if fragment and target.endswith(".html"):
            assert re.search(rf'id="{re.escape(fragment)}"', body), f"{path}: link {link} names a missing anchor"


# ---- the page budget --------------------------------------------------------------------------------

@pytest.mark.parametrize("path", PAGES)
def test_first_visit_stays_within_the_budget(visits, path):
    v = visits.desktop(path)
    urls = [u for u, _ in v["requests"]]
    heaviest = ", ".join(f"{u.rsplit('/', 1)[-1][:40]} {b / 1e3:.0f} kB" for u, b in v["requests"][:5])
    assert v["bytes"] <= PAGE_BUDGET, f"{path}: {v['bytes'] / 1e6:.2f} MB on a first visit > 1 MB ({heaviest})"
    assert not v["blocking"], f"{path}: render-blocking scripts {v['blocking']}"
    heavy = [u for u in urls if "fontawesome" in u or "html-manager" in u or "require.js" in u
             or ("searchindex" in u and not path.startswith("search"))]
    assert not heavy, f"{path}: loads {heavy}"


def test_no_page_carries_widgets_progress_bars_or_inline_media():
    for path in sorted(SITE.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        name = path.relative_to(SITE)
        assert "application/vnd.jupyter.widget-" not in text, f"{name}: widget output or state left in the page"
        assert not re.search(r"\b\w+=nan\b|it/s\]", text), f"{name}: a progress bar's text is on the page"
        assert not re.search(r"data:(image/png|image/jpeg|audio/\w+);base64,[A-Za-z0-9+/]{2000}", text), \
            f"{name}: a figure or sound is inlined as base64 instead of being a file"


# ---- accessibility ----------------------------------------------------------------------------------

@pytest.mark.parametrize("path", PAGES)
def test_axe_finds_no_serious_violation(visits, path):
    light, dark = visits.desktop(path)["axe"], visits.dark(path)
    assert not light, f"{path}: axe-core (light):\n{_describe(light)}"
    assert dark["theme"] == "dark", f"{path}: the page did not follow the reader's dark mode"
    assert not dark["axe"], f"{path}: axe-core (dark mode):\n{_describe(dark['axe'])}"


# ---- nothing cut off --------------------------------------------------------------------------------

@pytest.mark.parametrize("width", ["1280px", "390px"])
@pytest.mark.parametrize("path", PAGES)
def test_no_equation_is_clipped(visits, path, width):
    clipped = (visits.desktop(path) if width == "1280px" else visits.phone(path))["math"]
    assert not clipped, f"{path} at {width}: equations cut off or wider than their box without scrolling: {clipped[:3]}"


@pytest.mark.parametrize("path", PAGES)
def test_nothing_is_cut_off_on_a_phone(visits, path):
    v = visits.phone(path)
    assert v["sideways"] <= 1, f"{path}: the page scrolls {v['sideways']} px sideways at 390 px"
    assert not v["cut"], f"{path} at 390 px: cut off: {v['cut'][:5]}"


# ---- chapters: explorers, animations, launch buttons --------------------------------------------------

def _explorer_calls(chapter: str) -> int:
    nb = json.loads((ROOT / chapter.replace(".html", ".ipynb")).read_text())
    return sum("".join(c["source"]).count("widgets.explorer(") for c in nb["cells"] if c["cell_type"] == "code")


SETTINGS_JS = """root => Array.from(root.querySelectorAll('.ck-control')).map(c => {
  const name = c.querySelector('label').textContent, sel = c.querySelector('select'), out = c.querySelector('output');
  return name + ' = ' + (sel ? sel.options[sel.selectedIndex].text : out.textContent); })"""


def _move_every_control(page, path: str) -> list[str]:
    """Move each control of each explorer once; return what went wrong (empty: the figures follow)."""
    errors = []
    explorers = page.locator(".ck-explorer")
    if explorers.count() != _explorer_calls(path):
        return [f"{_explorer_calls(path)} explorers in the notebook, {explorers.count()} static explorers on the page"]
    for k in range(explorers.count()):
        root = explorers.nth(k)
        img = root.locator("img.ck-figure")
        shown, alt = root.evaluate(SETTINGS_JS), img.get_attribute("alt")
        if not all(s in alt for s in shown):
            errors.append(f"explorer {k + 1}: controls say {shown}, figure says {alt!r}")
        controls = root.locator(".ck-controls select, .ck-controls input[type=range]")
        if not controls.count():
            errors.append(f"explorer {k + 1} has no control that moves")
        changed = 0
        for c in range(controls.count()):
            control = controls.nth(c)
            if not control.is_enabled():
                errors.append(f"explorer {k + 1} control {c + 1} is still disabled")
                continue
            src = img.get_attribute("src")
            if control.evaluate("e => e.tagName") == "SELECT":
                n = control.evaluate("e => e.options.length")
                control.select_option(index=(control.evaluate("e => e.selectedIndex") + 1) % n)
            else:
                hi, now = int(control.get_attribute("max")), int(control.input_value())
                control.fill(str(now + 1 if now < hi else now - 1))
            page.wait_for_function("i => i.complete && i.naturalWidth > 0", arg=img.element_handle())
            shown, new_alt = root.evaluate(SETTINGS_JS), img.get_attribute("alt")
            if new_alt == alt or not all(s in new_alt for s in shown):
                errors.append(f"explorer {k + 1}: after a move the controls say {shown}, the figure {new_alt!r}")
            changed += img.get_attribute("src") != src       # (some settings draw the same picture)
            alt = new_alt
        if controls.count() and not changed:
            errors.append(f"explorer {k + 1}: no control changes the figure")
    return errors


@pytest.mark.parametrize("path", CHAPTERS)
def test_explorers_follow_their_controls(visits, path):
    errors = visits.desktop(path)["explorers"]
    assert not errors, f"{path}:\n" + "\n".join(errors)


@pytest.mark.parametrize("path", [p for p in CHAPTERS if (SITE / p).exists() and "ck-anim" in _html(p)])
def test_animations_wait_to_be_played(browser, server, path):
    page, _, _ = _open(browser, urljoin(server, path))
    try:
        player = page.locator(".ck-anim").first
        img = player.locator("img")
        first = img.get_attribute("src")
        page.wait_for_timeout(1000)
        assert img.get_attribute("src") == first, f"{path}: the animation started by itself"
        player.get_by_role("button", name="next frame").click()
        assert img.get_attribute("src") != first and player.locator("output").inner_text().startswith("2 /")
        player.get_by_role("slider", name="frame").fill("0")
        assert img.get_attribute("src") == first
    finally:
        page.context.close()


def test_launch_buttons_and_download_open_the_student_notebooks():
    url = CONFIG["repository"]["url"].rstrip("/")
    branch = CONFIG["repository"]["branch"]
    org_repo = urlparse(url).path.strip("/")
    for path in CHAPTERS:
        html = _html(path)
        notebook = path.replace(".html", ".ipynb")
        assert f"mybinder.org/v2/gh/{org_repo}/{branch}?urlpath=" in html and notebook in html, f"{path}: Binder"
        assert f"colab.research.google.com/github/{org_repo}/blob/{branch}/{notebook}" in html, f"{path}: Colab"
        assert f"_sources/{notebook}" in html, f"{path}: download"
        assert "BEGIN SOLUTION" not in html and "### END SOLUTION" not in html, f"{path}: a solution on the public site"
    students = _html("book/for-students.html")
    assert f"coursekit @ git+{url}@{branch}" in students and "this repository&gt;" not in students
    left = [p for p in PAGES if re.search(r"\{\{ ?(repository_url|repository_branch|pip_install) ?\}\}", _html(p))]
    assert not left, f"substitutions left unreplaced on {left}"


def test_exercises_on_the_public_site_show_not_attempted():
    for path in CHAPTERS:
        text = _html(path)
        assert "☐" in text and "not attempted" in text, f"{path}: no exercise shows '☐ not attempted'"
