"""Point MathJax at the copy vendored from npm, when it is there.

``book/vendor/fetch.sh`` (run by ``make book``) copies it into ``book/_static/vendor``. Without it,
Sphinx's CDN default stays, and ``fetch.sh`` has already printed a warning. (The site needs no other
JavaScript from npm: its explorers are static HTML, see ``page_weight.py``; axe-core, also vendored by
``fetch.sh``, is only for the browser test.)
"""

from pathlib import Path

VENDOR = Path(__file__).resolve().parent.parent / "_static" / "vendor"
MATHJAX = "vendor/mathjax/tex-chtml.js"        # TeX input only: the pages have no MathML


def _use_vendored(app, config):
    if not (VENDOR / ".stamp").exists():
        return
    config.mathjax_path = MATHJAX


def _dedupe_scripts(app, pagename, templatename, context, doctree):
    """Drop repeated <script> entries (sphinx-thebe registers its inline config twice, which makes the
    browser throw "Identifier 'THEBE_JS_URL' has already been declared" on every page)."""
    seen, unique = set(), []
    for js in context.get("script_files", []):
        key = (getattr(js, "filename", None) or "", tuple(sorted((k, str(v)) for k, v in getattr(js, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            unique.append(js)
    context["script_files"][:] = unique       # in place: later handlers still add to the same list


def setup(app):
    app.connect("config-inited", _use_vendored, priority=100)
    app.connect("html-page-context", _dedupe_scripts, priority=100)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
