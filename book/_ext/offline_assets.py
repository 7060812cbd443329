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
        "vendor/html-manager/embed-amd.js": {},
    }


def setup(app):
    app.connect("config-inited", _use_vendored, priority=100)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
