"""Point MathJax and the ipywidgets manager at the copies vendored from npm, when they are there.

``book/vendor/fetch.sh`` (run by ``make book``) copies them into ``book/_static/vendor``. Without
them, Sphinx's and MyST-NB's CDN defaults stay, and ``fetch.sh`` has already printed a warning.
"""

from pathlib import Path

VENDOR = Path(__file__).resolve().parent.parent / "_static" / "vendor"


def _use_vendored(app, config):
    if not (VENDOR / ".stamp").exists():
        return
    config.mathjax_path = "vendor/mathjax/tex-mml-chtml.js"
    config.nb_ipywidgets_js = {
        "vendor/require.js": {},
        "widgets-compat.js": {},                # fonts path and a MathJax 2 shim for the widgets
        "vendor/html-manager/embed-amd.js": {},
    }


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
    app.connect("html-page-context", _dedupe_scripts, priority=100)   # early: a later handler may end the event
    return {"parallel_read_safe": True, "parallel_write_safe": True}
