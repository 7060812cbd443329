"""The single-page build (``make pdf``) renders every node the multi-page site renders.

Sphinx looks up how to write a node by the builder's name and falls back to its format ("html") only
when no extension registered anything for that name. Some extensions register handlers for
``singlehtml``, so the others' ``html`` handlers (sphinx-design's cards, for one) went missing there:
"unknown node type: PassthroughTextElement". Copy the missing ones over.
"""


def _inherit_html_handlers(app):
    if app.builder.name != "singlehtml":
        return
    handlers = app.registry.translation_handlers
    single = handlers.setdefault("singlehtml", {})
    for node, visitors in handlers.get("html", {}).items():
        single.setdefault(node, visitors)


def setup(app):
    app.connect("builder-inited", _inherit_html_handlers)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
