"""``glue(name, value)``: put a number computed in a notebook into its prose, wherever MyST renders it.

The book (MyST-NB) replaces ``{glue:text}`name:.3g``` in a markdown cell by the value a code cell
glued under ``name``; so does JupyterLab with the course's ``coursekit-glue`` extension (``make lab``).
Where MyST-NB is installed this *is* its ``glue``; elsewhere (Colab, a bare Jupyter) the same output
is written without it, so every chapter runs with ``coursekit`` alone.

Used in: every chapter, notebooks/00-matrix-calculus.ipynb to notebooks/12-deep-networks.ipynb.
"""

from __future__ import annotations

__all__ = ["glue"]

GLUE_PREFIX = "application/papermill.record/"      # MyST-NB's mime prefix for values not displayed


def glue(name: str, value, display: bool = True) -> None:
    """Record ``value`` under ``name`` for the notebook's prose; shown in the cell too unless ``display=False``
    (the same signature as MyST-NB's ``glue``).

    Used in: every chapter, notebooks/00-matrix-calculus.ipynb to notebooks/12-deep-networks.ipynb.
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"name must be a non-empty string, got {name!r}")
    try:
        from myst_nb import glue as myst_glue
    except ImportError:
        from IPython.core.formatters import format_display_data
        from IPython.display import display as ipy_display
        bundle, metadata = format_display_data(value)
        prefix = "" if display else GLUE_PREFIX
        metadata = dict(metadata, scrapbook={"name": name, "mime_prefix": prefix})
        ipy_display({prefix + k: v for k, v in bundle.items()}, raw=True, metadata=metadata)
        return None
    myst_glue(name, value, display)
    return None
