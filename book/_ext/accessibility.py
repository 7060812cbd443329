"""Accessibility of the pages (axe-core finds no critical or serious violation; see tests/test_site.py).

**Alt text** for every notebook figure that says what it shows, instead of its file path.

A chapter's figure is followed by its caption: an italic paragraph, the first thing in the markdown
cell after the figure's code cell. That caption becomes the figure's alt text. A figure without one
gets the title set in its code (``ax.set_title(...)``, ``title=...``, ``suptitle``), and failing that
the name of its section, and the build says which figures these are. Animations
(``plotting.animation_html``, marked ``data-ck-auto-alt``) get the caption too.

**Names that match what is shown.** A control whose accessible name differs from its visible text
confuses speech input ("click Show code cell source" must find it): MyST-NB's "Show code cell source"
toggles carry the label "Toggle hidden content", so it is dropped and their text names them (the
theme's search button is fixed in ``templates/search-button-field.html``). The bibliography's entries get the
``listitem`` role that its ``role="list"`` requires (docutils gives them ``doc-biblioentry``, which
ARIA has deprecated).
"""

from __future__ import annotations

import ast
import html
import re

from docutils import nodes
from sphinx.util import logging

logger = logging.getLogger(__name__)
MAX_ALT = 400


def _text(node) -> str:
    """A node's text with its math as plain Unicode (η, not \\eta)."""
    from coursekit.webfigures import plain_text
    parts = []
    for n in node.findall(lambda x: isinstance(x, (nodes.Text, nodes.math))):
        if isinstance(n, nodes.math):
            parts.append(plain_text(n.astext()))
        elif not any(isinstance(a, nodes.math) for a in _ancestors(n)):
            parts.append(n.astext())
    return re.sub(r"\s+", " ", "".join(parts)).strip()


def _ancestors(node):
    node = node.parent
    while node is not None:
        yield node
        node = node.parent


def _shorten(text: str) -> str:
    if len(text) <= MAX_ALT:
        return text
    cut = text[:MAX_ALT]
    end = max(cut.rfind(". "), cut.rfind("; "))
    return (cut[: end + 1] if end > 80 else cut.rsplit(" ", 1)[0] + " …").strip()


def _is_cell(node) -> bool:
    return isinstance(node, nodes.container) and node.get("nb_element") == "cell_code"


def caption_after(cell) -> str | None:
    """The italic paragraph right after a code cell (its caption), as plain text."""
    parent = cell.parent
    if parent is None:
        return None
    index = parent.index(cell)
    for sibling in parent.children[index + 1:]:
        if isinstance(sibling, (nodes.target, nodes.comment)):
            continue
        if isinstance(sibling, nodes.paragraph):
            children = [c for c in sibling.children if not (isinstance(c, nodes.Text) and not c.strip())]
            if children and all(isinstance(c, nodes.emphasis) for c in children):
                return _text(sibling)
        return None
    return None


_TITLE_CALL = re.compile(r"\b(?:set_title|suptitle|title)\s*\(|\btitle\s*=")


def title_in_code(source: str) -> str | None:
    """The first string given as a title in a cell's code (f-string fields dropped)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        value = None
        if isinstance(node, ast.Call):
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            if name in ("set_title", "suptitle", "title") and node.args:
                value = node.args[0]
            for kw in node.keywords:
                if kw.arg == "title":
                    value = kw.value
        if value is not None:
            text = _literal(value)
            if text:
                from coursekit.webfigures import plain_text
                return plain_text(text)
    return None


def _literal(value) -> str | None:
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return value.value
    if isinstance(value, ast.JoinedStr):
        parts = [v.value if isinstance(v, ast.Constant) else "…" for v in value.values]
        return "".join(parts)
    return None


def _section_title(node) -> str | None:
    for a in _ancestors(node):
        if isinstance(a, nodes.section) and a.children and isinstance(a[0], nodes.title):
            return a[0].astext()
    return None


def _cell_source(cell) -> str:
    for child in cell.findall(nodes.literal_block):
        return child.astext()
    return ""


def add_alt_text(app, doctree, docname):
    fallbacks = []
    for cell in list(doctree.findall(_is_cell)):
        images = [i for i in cell.findall(nodes.image)]
        raws = [r for r in cell.findall(nodes.raw) if "data-ck-auto-alt" in r.astext()]
        if not images and not raws:
            continue
        alt = caption_after(cell)
        if alt is None:
            title = title_in_code(_cell_source(cell))
            section = _section_title(cell)
            alt = title or (f"Figure in the section “{section}”" if section else "Figure")
            fallbacks.append(alt)
        alt = _shorten(alt)
        for k, image in enumerate(images):
            image["alt"] = alt if len(images) == 1 else f"{alt} (figure {k + 1} of {len(images)})"
        for raw in raws:
            text = re.sub(r'alt="([^"]*)" data-ck-auto-alt',
                          lambda m: f'alt="{html.escape(alt)} (animation; the first frame shown)" data-ck-auto-alt',
                          raw.astext())
            raw.replace_self(nodes.raw(text, text, format=raw.get("format", "html")))
    if fallbacks:
        logger.info(f"{docname}: {len(fallbacks)} figure(s) without a caption; alt text from title or "
                    f"section: {fallbacks}")


def name_controls_by_their_text(body: str) -> str:
    body = body.replace('<summary aria-label="Toggle hidden content">', "<summary>")
    return body.replace('role="doc-biblioentry"', 'role="listitem"')


def _page_context(app, pagename, templatename, context, doctree):
    if context.get("body"):
        context["body"] = name_controls_by_their_text(context["body"])


def setup(app):
    app.connect("doctree-resolved", add_alt_text)
    app.connect("html-page-context", _page_context)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
