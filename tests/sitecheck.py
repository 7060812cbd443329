"""What a reader's browser sees of the built site: a static server that gzips as a static host does, and
measurements of one page visit in Chromium (bytes transferred, time to first text on a throttled line).

Used by ``tests/test_site.py`` (bytes asserted) and ``benchmarks/site_budget.py`` (bytes and times printed).
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import http.server
import os
import shutil
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "book" / "_ext"))

from preexecute import toc_files  # noqa: E402   the one reader of _toc.yml
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

# Slow 3G, as the issue measured it: 400 kbit/s both ways, 400 ms round trip.
SLOW_3G = {"offline": False, "latency": 400, "downloadThroughput": 400_000 / 8, "uploadThroughput": 400_000 / 8}
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

# Types a static host (GitHub Pages, Netlify, nginx's usual gzip_types) sends gzipped.
GZIP_TYPES = ("text/", "application/javascript", "application/json", "image/svg+xml", "application/xml")


def toc_pages(toc: Path = ROOT / "_toc.yml") -> list[str]:
    """Every page of the table of contents as a path relative to the site root, e.g. 'book/intro.html'."""
    return [f"{f}.html" for f in toc_files(toc)]


class GzipHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files as a static host does: text types gzipped when the browser accepts it."""

    _cache: dict = {}

    def log_message(self, *args):
        pass

    def end_headers(self):
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def do_GET(self):
        path = self.translate_path(self.path)
        if os.path.isdir(path):
            path = os.path.join(path, "index.html")
        ctype = self.guess_type(path)
        accepts = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (accepts and os.path.isfile(path) and ctype.startswith(GZIP_TYPES)):
            return super().do_GET()
        key = (path, os.path.getmtime(path))
        body = self._cache.get(key)
        if body is None:
            body = self._cache[key] = gzip.compress(Path(path).read_bytes(), compresslevel=6, mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextlib.contextmanager
def serve(site: Path):
    """Serve ``site`` on a free local port; yield its base URL."""
    handler = functools.partial(GzipHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


def first_visit(browser, url: str, *, throttle: dict | None = None, viewport=DESKTOP, timeout_s: float = 300,
                wait_for_load: bool = True) -> dict:
    """Open ``url`` in a fresh browser context (empty cache) and measure the visit.

    Returns ``bytes`` (sum of encoded bytes received, headers included, until the page is loaded and the
    network idle), ``requests`` ([(url, bytes)]), ``first_text_s`` (first contentful paint, seconds
    after navigation) and ``blocking`` (scripts with a src in <head> that are neither async nor defer).
    With ``wait_for_load=False`` it returns as soon as the first text is painted (bytes then partial).
    """
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    try:
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        if throttle:
            cdp.send("Network.emulateNetworkConditions", throttle)
        urls, sizes = {}, {}
        cdp.on("Network.requestWillBeSent", lambda e: urls.__setitem__(e["requestId"], e["request"]["url"]))
        cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]))
        page.set_default_timeout(timeout_s * 1000)
        page.goto(url, wait_until="commit")
        page.wait_for_function("() => performance.getEntriesByName('first-contentful-paint').length > 0",
                               polling=50)
        fcp = page.evaluate("performance.getEntriesByName('first-contentful-paint')[0].startTime") / 1000
        if wait_for_load:
            page.wait_for_load_state("load")
            page.wait_for_load_state("networkidle")
        blocking = page.evaluate("""Array.from(document.head.querySelectorAll('script[src]'))
            .filter(s => !s.async && !s.defer && s.type !== 'module').map(s => s.getAttribute('src'))""")
        requests = sorted(((urls.get(k, "?"), v) for k, v in sizes.items()), key=lambda r: -r[1])
        return {"bytes": int(sum(sizes.values())), "requests": requests, "first_text_s": fcp, "blocking": blocking}
    finally:
        context.close()
