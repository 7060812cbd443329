"""One figure style for the whole course, and the few helpers every chapter uses.

Call :func:`figure` instead of ``plt.subplots``: it applies the style, sizes the figure for the
book's column and returns ``(fig, ax)`` exactly like ``plt.subplots``. Label every axis with its
unit; the caption goes in the markdown cell after the figure.
"""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

__all__ = ["COLORS", "STYLE", "apply_style", "figure", "image_grid", "log_error", "beside_paper", "animation_html"]

# Colour-blind-safe palette (Okabe & Ito 2008), in the order lines are drawn.
COLORS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]

STYLE = {
    "figure.figsize": (6.4, 4.0),
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "figure.constrained_layout.use": True,
    "axes.prop_cycle": mpl.cycler(color=COLORS),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "legend.frameon": False,
    "legend.fontsize": 9,
    "lines.linewidth": 1.8,
    "lines.markersize": 5,
    "image.cmap": "viridis",
}

SIZES = {"single": (6.4, 4.0), "wide": (9.6, 3.6), "square": (4.8, 4.8), "tall": (6.4, 6.4)}


def apply_style() -> None:
    """Apply the course style to matplotlib's global rcParams (idempotent)."""
    mpl.rcParams.update(STYLE)


def figure(nrows: int = 1, ncols: int = 1, size: str | tuple[float, float] = "single", **kw):
    """``plt.subplots`` with the course style; ``size`` is 'single', 'wide', 'square', 'tall' or (w, h)."""
    apply_style()
    figsize = SIZES[size] if isinstance(size, str) else size
    return plt.subplots(nrows, ncols, figsize=figsize, **kw)


def image_grid(images: np.ndarray, ncols: int = 8, titles=None, cmap: str = "gray_r", size=None):
    """Show a stack of 2-D images (n, h, w) in a grid without axes; returns ``(fig, axes)``."""
    images = np.asarray(images)
    if images.ndim != 3:
        raise ValueError(f"images must be 3-D (n, height, width); got shape {images.shape}")
    n = images.shape[0]
    ncols = min(ncols, n)
    nrows = int(np.ceil(n / ncols))
    fig, axes = figure(nrows, ncols, size=size or (1.2 * ncols, 1.2 * nrows + 0.2), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < n:
            ax.imshow(images[i], cmap=cmap, interpolation="nearest")
            if titles is not None:
                ax.set_title(str(titles[i]), fontsize=8)
    return fig, axes


def log_error(ax, errors: dict, xlabel: str = "iteration k", ylabel: str = "error"):
    """Plot several error sequences on a log scale (zeros are drawn at machine epsilon)."""
    for label, err in errors.items():
        err = np.maximum(np.abs(np.asarray(err, dtype=float)), np.finfo(float).eps / 4)
        ax.semilogy(np.arange(err.size), err, "o-", label=label, markersize=3)
    ax.set(xlabel=xlabel, ylabel=ylabel)
    ax.legend()
    return ax


class PaperTable:
    """Rows of (quantity, the paper's number, ours), shown as an HTML table in notebooks and on the site,
    as Markdown or plain text elsewhere."""

    def __init__(self, rows, title: str):
        self.rows = [tuple(str(c) for c in row) for row in rows]
        self.title = str(title)
        for row in self.rows:
            if len(row) != 3:
                raise ValueError(f"each row must be (quantity, paper, here); got {row!r}")

    def _repr_html_(self) -> str:
        from html import escape
        head = "".join(f"<th>{escape(h)}</th>" for h in (self.title, "the paper", "here"))
        body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in self.rows)
        return f'<table class="beside-paper"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'

    def _repr_markdown_(self) -> str:
        lines = [f"| {self.title} | the paper | here |", "|---|---|---|"]
        lines += [f"| {q} | {p} | {h} |" for q, p, h in self.rows]
        return "\n".join(lines)

    def __repr__(self) -> str:
        table = [(self.title, "the paper", "here")] + self.rows
        widths = [max(len(row[i]) for row in table) for i in range(3)]
        return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in table)


def beside_paper(rows, title: str = "Reproduced") -> PaperTable:
    """A table setting each measured number beside the paper's: rows of (quantity, paper, here).

    Make it the last expression of a cell.
    """
    return PaperTable(rows, title)


# matplotlib's animation player draws its buttons with Font Awesome 4 from a CDN, which breaks offline
# (and on the offline website). Plain Unicode symbols need nothing.
_PLAYER_ICONS = {
    "fa fa-play fa-flip-horizontal": "◀", "fa fa-play": "▶", "fa fa-pause": "❚❚",
    "fa fa-fast-backward": "«", "fa fa-step-backward": "◀❙", "fa fa-step-forward": "❙▶",
    "fa fa-fast-forward": "»", "fa fa-minus": "−", "fa fa-plus": "+",
}


def animation_html(anim, dpi: int = 72, fps: float | None = None):
    """An animation as a self-contained HTML player that works offline; closes its figure.

    ``dpi`` sets the frames' resolution (keep it low: every frame is an embedded PNG). Returns an
    ``IPython.display.HTML``; make it the last expression of a cell.
    """
    import re

    from IPython.display import HTML

    saved = mpl.rcParams["savefig.dpi"]
    mpl.rcParams["savefig.dpi"] = dpi   # not rc_context: leaving one can switch the inline backend off
    try:
        html = anim.to_jshtml(fps=fps, default_mode="loop")
    finally:
        mpl.rcParams["savefig.dpi"] = saved
        plt.close(anim._fig)
    html = re.sub(r'<link rel="stylesheet"\s+href="[^"]*font-awesome[^"]*">', "", html)
    html = re.sub(r'<i class="(fa [^"]*)"></i>', lambda m: _PLAYER_ICONS.get(m.group(1), "•"), html)
    return HTML(html)
