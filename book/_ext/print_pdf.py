"""Print the single-page build of the book to one PDF with Chromium (the browser the tests use; no LaTeX).

    python book/_ext/print_pdf.py _build/singlehtml/index.html _build/pdf/course.pdf

`make pdf` builds the single page (Jupyter Book's ``singlehtml`` builder, student edition) and runs this.
The page is served locally (fonts and MathJax load as on the site), every lazily loaded image is loaded,
and MathJax finishes typesetting; then Chromium prints it with the theme's print layout (which opens
with a table of contents of every page, by part) and the print stylesheet of ``book/_static/course.css``:
code wraps instead of being cut, explorers and animations print as their still figure, navigation and
controls are left out. The PDF has numbered pages and an outline (bookmarks) of the headings; the
bibliography is its last chapter.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import re
import shutil
import sys
import threading
from pathlib import Path

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]

FOOTER = ('<div style="font-size:8px; width:100%; text-align:center; color:#555;">'
          '<span class="pageNumber"></span> / <span class="totalPages"></span></div>')


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def whole_book_page(index: Path) -> Path:
    """The page holding the whole book. Jupyter Book writes the root document (book/intro.html) and an
    index.html that redirects to it, but the singlehtml builder links its assets as if that page were
    at the top: put a copy there."""
    text = index.read_text(encoding="utf-8")
    target = re.search(r'http-equiv="Refresh" content="0; url=([^"]+)"', text)
    if not target:
        return index
    page = index.parent / "whole-book.html"
    shutil.copyfile(index.parent / target.group(1), page)
    return page


def print_pdf(index: Path, out: Path, chromium: str) -> dict:
    from playwright.sync_api import sync_playwright
    index = whole_book_page(index)
    handler = functools.partial(_Quiet, directory=str(index.parent))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/{index.name}"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1000, "height": 1400})
            page.set_default_timeout(300_000)
            page.goto(url, wait_until="load")
            page.evaluate("document.querySelectorAll('img[loading=lazy]').forEach(i => i.loading = 'eager')")
            page.wait_for_function("Array.from(document.images).every(i => i.complete)")
            if page.evaluate("!!(window.MathJax && MathJax.startup)"):
                page.evaluate("() => MathJax.startup.promise")
            # the theme's print-only table of contents (#jb-print-toc), with the parts of _toc.yml
            chapters = page.evaluate("document.querySelectorAll('#jb-print-toc a.reference').length")
            page.emulate_media(media="print")
            out.parent.mkdir(parents=True, exist_ok=True)
            page.pdf(path=str(out), format="A4", print_background=True, outline=True, tagged=True,
                     display_header_footer=True, header_template="<span></span>", footer_template=FOOTER,
                     margin={"top": "16mm", "bottom": "16mm", "left": "14mm", "right": "14mm"})
            browser.close()
    finally:
        httpd.shutdown()
        httpd.server_close()
    data = out.read_bytes()
    return {"pages": data.count(b"/Type /Page") - data.count(b"/Type /Pages"), "bytes": len(data),
            "chapters": chapters}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("index", type=Path, help="the single-page build's index.html")
    parser.add_argument("out", type=Path, help="the PDF to write")
    args = parser.parse_args(argv)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("print_pdf: chromium is not installed (apt-get install chromium)", file=sys.stderr)
        return 2
    if not args.index.is_file():
        print(f"print_pdf: no {args.index}: build the single page first (make pdf does)", file=sys.stderr)
        return 2
    info = print_pdf(args.index, args.out, chromium)
    print(f"wrote {args.out}: {info['pages']} pages, {info['bytes'] / 1e6:.1f} MB, "
          f"{info['chapters']} pages in its table of contents")
    if not info["chapters"]:
        print("print_pdf: the PDF has no table of contents (#jb-print-toc is missing)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
