"""Print the single-page build of the book to one PDF with Chromium (the browser the tests use; no LaTeX).

    python book/_ext/print_pdf.py _build/singlehtml/index.html _build/pdf/course.pdf

`make pdf` builds the single page (Jupyter Book's ``singlehtml`` builder, student edition) and runs this.
The page is served locally (fonts and MathJax load as on the site), every lazily loaded image is loaded,
MathJax finishes typesetting, and a table of contents is put in front; then Chromium prints it with the
print stylesheet of ``book/_static/course.css``: code wraps instead of being cut, explorers and
animations print as their still figure, navigation and controls are left out. The PDF carries an
outline (bookmarks) of the chapters and numbered pages.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import shutil
import sys
import threading
from pathlib import Path

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]

# A contents list made from the book's own navigation (chapter titles and their anchors on the page).
TOC_JS = """() => {
  const main = document.querySelector('main#main-content article, article.bd-article, main');
  const links = Array.from(document.querySelectorAll('nav.bd-docs-nav a.reference.internal, .bd-sidebar-primary nav a.reference'));
  const seen = new Set(), items = [];
  for (const a of links) {
    const href = a.getAttribute('href') || '';
    const text = a.textContent.trim();
    if (!href.includes('#') || seen.has(href) || !text) continue;
    seen.add(href);
    const caption = a.closest('ul') && a.closest('ul').previousElementSibling;
    items.push({href: href.slice(href.indexOf('#')), text,
                part: caption && caption.matches('p.caption, p[role=heading]') ? caption.textContent.trim() : ''});
  }
  if (!main || !items.length) return 0;
  const nav = document.createElement('nav');
  nav.className = 'ck-print-toc';
  nav.setAttribute('aria-label', 'Contents');
  let html = '<h1>Contents</h1>', part = null;
  for (const it of items) {
    if (it.part !== part) { if (part !== null) html += '</ol>'; html += (it.part ? '<h2>' + it.part + '</h2>' : '') + '<ol>'; part = it.part; }
    html += '<li><a href="' + it.href + '">' + it.text.replace(/</g, '&lt;') + '</a></li>';
  }
  nav.innerHTML = html + '</ol>';
  nav.style.breakAfter = 'page';
  main.insertBefore(nav, main.firstChild);
  return items.length;
}"""

FOOTER = ('<div style="font-size:8px; width:100%; text-align:center; color:#555;">'
          '<span class="pageNumber"></span> / <span class="totalPages"></span></div>')


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def print_pdf(index: Path, out: Path, chromium: str) -> dict:
    from playwright.sync_api import sync_playwright
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
            chapters = page.evaluate(TOC_JS)
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
          f"contents of {info['chapters']} entries")
    return 0


if __name__ == "__main__":
    sys.exit(main())
