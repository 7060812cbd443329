"""Keep every page light enough for a slow connection (the browser test's budget: a chapter's first visit
≤ 1 MB transferred, gzipped).

* No Font Awesome: its 1.5-MB script only drew a dozen icons, which ``course.css`` now draws (the
  theme's ``static/webpack-macros.html`` is overridden in ``templates/``).
* Sphinx's search scripts and index only on the search page (the theme loads them everywhere for a
  search-as-you-type this site does not use; overridden in ``templates/layout.html``).
* No render-blocking script: every script file is deferred; ``documentation_options.js``, which inline
  scripts need at once, is inlined. sphinx-thebe (live code cells, not used here) is dropped.
* MathJax only on pages with math (Sphinx counts the root page's whole toctree as its math), and
  sphinx-design's stylesheet only on pages with its cards or tabs.
* ``data:`` URIs in notebook outputs — explorer figures, animation frames, audio — become files that
  the page loads when needed; notebook figures load lazily, with their size given, and PNGs are
  re-encoded with a palette when that is smaller and looks the same.
* The theme's stylesheet, which blocks the first paint, loses Font Awesome's 1,900 icon rules (20 kB
  gzipped) that nothing uses any more.
* Widget outputs are dropped: the explorers render as static HTML at build time
  (``coursekit.widgets``), so what is left are progress bars, finished and hidden, which would only
  leave blank gaps. The ipywidgets manager is then never needed.
"""

from __future__ import annotations

import base64
import hashlib
import re
import shutil
from pathlib import Path

from docutils import nodes
from sphinx.util import logging

HERE = Path(__file__).resolve().parent
logger = logging.getLogger(__name__)

_DATA_URI = re.compile(r"data:(image/png|image/jpeg|image/gif|audio/wav|audio/x-wav|audio/mpeg|audio/ogg);base64,"
                       r"([A-Za-z0-9+/=]{1000,})")
_EXT = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "audio/wav": "wav", "audio/x-wav": "wav",
        "audio/mpeg": "mp3", "audio/ogg": "ogg"}
_MATH = ('class="math', "\\(", "\\[", "$$", "<mjx-", 'class="amsmath')
_WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
_WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def _configure(app, config):
    config.templates_path = [str(HERE / "templates")] + list(config.templates_path)
    config.nb_ipywidgets_js = {}                   # no widget manager: see the module docstring
    config.html_theme_options = dict(config.html_theme_options or {})
    config.html_theme_options.setdefault("search_as_you_type", False)


def _drop_widget_outputs(app, doctree, docname):
    """Remove widget views (progress bars) from the page, and outputs left empty by that."""
    dropped = 0
    for raw in list(doctree.findall(nodes.raw)):
        if _WIDGET_VIEW in raw.astext():
            parent = raw.parent
            parent.remove(raw)
            dropped += 1
            while parent is not None and not parent.children and parent.parent is not None \
                    and isinstance(parent, nodes.container):
                grand = parent.parent
                grand.remove(parent)
                parent = grand
    if dropped:
        logger.info(f"{docname}: dropped {dropped} widget output(s) (progress bars)")


def _inline_documentation_options(app, context, scripts):
    for i, js in enumerate(scripts):
        if str(getattr(js, "filename", "") or "").endswith("documentation_options.js"):
            template = _documentation_options_template()
            if template is None:
                return
            body = app.builder.templates.render_string(template, context)
            scripts[i] = type(js)("", priority=js.priority, body=body)
            return


def _documentation_options_template() -> str | None:
    import sphinx
    path = Path(sphinx.__file__).parent / "themes" / "basic" / "static" / "documentation_options.js.jinja"
    return path.read_text() if path.exists() else None


def _page_context(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    body = context.get("body", "")
    if scripts is None:
        return
    has_math = any(marker in body for marker in _MATH)
    keep = []
    for js in scripts:
        name = str(getattr(js, "filename", "") or "")
        attrs = getattr(js, "attributes", {})
        text = attrs.get("body", "") or ""
        if "sphinx-thebe" in name or "THEBE_JS_URL" in text:
            continue
        if attrs.get("type") == _WIDGET_STATE:
            continue
        if not has_math and ("mathjax" in name.lower() or text.startswith("window.MathJax")):
            continue
        if "design-tabs.js" in name and "sd-tab" not in body:
            continue
        if name and "async" not in attrs and "defer" not in attrs:
            js = type(js)(name, priority=js.priority, **{**attrs, "defer": "defer"})
        keep.append(js)
    scripts[:] = keep
    _inline_documentation_options(app, context, scripts)
    css = context.get("css_files")
    if css is not None:               # stylesheets block the first paint: only those the page uses
        uses_design = 'class="sd-' in body or ' sd-' in body
        css[:] = [c for c in css if "sphinx-thebe" not in str(getattr(c, "filename", ""))
                  and (uses_design or "sphinx-design" not in str(getattr(c, "filename", "")))]
    if body:
        context["body"] = _lighten_body(app, body, context["pathto"])


def _lighten_body(app, body: str, pathto) -> str:
    outdir = Path(app.outdir) / "_images"

    def to_file(m):
        mime, data = m.group(1), m.group(2)
        raw = base64.b64decode(data)
        if mime == "image/png":
            raw = _compress(raw)
        name = f"ck-{hashlib.sha1(raw).hexdigest()[:16]}.{_EXT[mime]}"
        target = outdir / name
        if not target.exists():
            outdir.mkdir(parents=True, exist_ok=True)
            target.write_bytes(raw)
        return pathto(f"_images/{name}", 1)

    body = _DATA_URI.sub(to_file, body)
    body = re.sub(r"<audio(?![^>]*preload)", '<audio preload="none"', body)
    sources = {dest: src for src, dest in getattr(app.builder, "images", {}).items()}

    def lazy(m):
        tag = m.group(0)
        if "loading=" in tag:
            return tag
        extra = ' loading="lazy" decoding="async"'
        src = re.search(r'src="([^"]+)"', tag)
        if src and "width=" not in tag:
            name = src.group(1).rsplit("/", 1)[-1].split("?")[0]
            size = _image_size(Path(app.srcdir) / sources[name]) if name in sources else None
            if size:
                extra += f' width="{size[0]}" height="{size[1]}"'
        return tag[:-2].rstrip() + extra + " />" if tag.endswith("/>") else tag[:-1] + extra + ">"

    # Notebook figures (Sphinx writes <img ... />); the explorers' and players' own images keep eager
    # loading: only their first figure is in the page, and it is what the controls show.
    return re.sub(r'<img (?![^>]*class="ck-)[^>]*?/?>', lazy, body)


def _image_size(path: Path):
    try:
        head = path.read_bytes()[:24]
    except OSError:
        return None
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
    return None


def _compress(png: bytes) -> bytes:
    try:
        from coursekit.webfigures import compress_png
    except ImportError:
        return png
    return compress_png(png)


def _compress_images(app, exception):
    """Re-encode the notebook figures Sphinx copied into _images (cached by content)."""
    if exception is not None or app.builder.format != "html":
        return
    images = Path(app.outdir) / "_images"
    cache = Path(app.doctreedir).parent / ".ck-png-cache"
    cache.mkdir(parents=True, exist_ok=True)
    before = after = 0
    for path in images.glob("*.png"):
        if path.name.startswith("ck-"):
            continue                                 # already compressed when written
        data = path.read_bytes()
        key = cache / (hashlib.sha1(data).hexdigest() + ".png")
        if not key.exists():
            small = _compress(data)
            key.write_bytes(small)
            if small != data:                        # a compressed file maps to itself
                (cache / (hashlib.sha1(small).hexdigest() + ".png")).write_bytes(small)
        small = key.read_bytes()
        before, after = before + len(data), after + len(small)
        if small != data:
            shutil.copyfile(key, path)
    if before:
        logger.info(f"notebook figures: {before / 1e6:.2f} MB → {after / 1e6:.2f} MB")


_FA_ICON_RULES = re.compile(r'(?:\.fa-[a-z0-9-]+:(?:before|after),?)+\{content:"[^"]*"\}')


def strip_icon_font_rules(css: str) -> str:
    """The theme's CSS without Font Awesome's ``.fa-…:before{content:"\\f…"}`` rules (idempotent)."""
    return _FA_ICON_RULES.sub("", css)


def _slim_theme_css(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    path = Path(app.outdir) / "_static" / "styles" / "pydata-sphinx-theme.css"
    if path.exists():
        css = path.read_text(encoding="utf-8")
        slim = strip_icon_font_rules(css)
        if slim != css:
            path.write_text(slim, encoding="utf-8")


def setup(app):
    app.connect("config-inited", _configure, priority=900)
    app.connect("build-finished", _slim_theme_css)
    app.connect("doctree-resolved", _drop_widget_outputs)
    app.connect("html-page-context", _page_context, priority=900)
    app.connect("build-finished", _compress_images)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
