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
        # Each column carries a class (col-quantity, col-the-paper, col-here) that the site's CSS styles
        # in both light and dark mode, so nothing depends on a column's position.
        names = ("quantity", "the paper", "here")
        cls = [f' class="col-{n.replace(" ", "-")}"' for n in names]
        head = "".join(f'<th scope="col"{c}>{escape(h)}</th>' for c, h in zip(cls, (self.title, "the paper", "here")))
        body = "".join("<tr>" + "".join(f"<td{c}>{escape(v)}</td>" for c, v in zip(cls, row)) + "</tr>"
                       for row in self.rows)
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


def animation_html(anim, dpi: int = 72, fps: float | None = None, alt: str | None = None):
    """An animation as a small, self-contained HTML player that works offline; closes its figure.

    The player shows the first frame as a still figure (which is also what prints), with labelled
    buttons (first, previous, play/pause, next, last) and a frame slider; it never starts by itself,
    and frames after the first load only when asked for. ``dpi`` sets the frames' resolution (keep it
    low: every frame is an embedded PNG, which the website moves into an image file); ``alt`` says what
    the animation shows (default: read off the figure's titles and axis labels; on the website the
    caption after the figure replaces it). Returns an ``IPython.display.HTML``; make it the last
    expression of a cell.
    """
    import html as _html
    import json
    import re
    import uuid

    from IPython.display import HTML

    from .webfigures import compress_png, describe_axes, png_size

    what = alt or describe_axes(anim._fig) or "an animation"
    saved = mpl.rcParams["savefig.dpi"]
    mpl.rcParams["savefig.dpi"] = dpi   # not rc_context: leaving one can switch the inline backend off
    try:
        jshtml = anim.to_jshtml(fps=fps, default_mode="once")
    finally:
        mpl.rcParams["savefig.dpi"] = saved
        plt.close(anim._fig)
    import base64
    frames = []
    for kind, data in re.findall(r'frames\[\d+\] = "data:image/(\w+);base64,([^"]*)"', jshtml):
        raw = base64.b64decode(re.sub(r"[\\\s]", "", data))
        if kind == "png":
            raw = compress_png(raw)
        frames.append(f"data:image/{kind};base64," + base64.b64encode(raw).decode("ascii"))
    if not frames:
        raise ValueError("the animation has no frames")
    interval = 1000.0 / fps if fps else float(getattr(anim, "_interval", 200))
    uid = f"ck-anim-{uuid.uuid4().hex[:8]}"
    n = len(frames)
    try:
        size = 'width="{}" height="{}" '.format(*png_size(base64.b64decode(frames[0].split(",", 1)[1])))
    except ValueError:
        size = ""
    label = _html.escape(f"{what} (animation, {n} frames)")

    def button(act, glyph, name):
        return (f'<button type="button" data-act="{act}"><span aria-hidden="true">{glyph}</span>'
                f'<span class="ck-sr">{name}</span></button>')

    buttons = "".join(button(*b) for b in [("first", "«", "first frame"), ("prev", "◀❙", "previous frame"),
                                           ("play", "▶", "play"), ("next", "❙▶", "next frame"),
                                           ("last", "»", "last frame")])
    frames_json = json.dumps(frames).replace("</", "<\\/")
    return HTML(
        f'<div class="ck-anim" id="{uid}" data-interval="{interval:g}">'
        f'<img class="ck-anim-frame" src="{frames[0]}" alt="{label}" data-ck-auto-alt {size}decoding="async">'
        f'<div class="ck-anim-controls" role="group" aria-label="animation controls">{buttons}'
        f'<label class="ck-anim-slider"><span>frame</span><input type="range" min="0" max="{n - 1}" value="0" '
        f'step="1"></label><output class="ck-anim-count" aria-live="off">1 / {n}</output></div>'
        f'<style>{_PLAYER_CSS}</style>'
        f'<script type="application/json" class="ck-anim-frames">{frames_json}</script>'
        f'<script>{_PLAYER_JS}</script></div>'
    )


# Styles the website also has (book/_static/course.css); repeated here so the player looks right in
# Jupyter. Controls wrap on a narrow screen.
_PLAYER_CSS = (".ck-anim{max-width:100%}.ck-anim img{max-width:100%;height:auto;display:block}"
               ".ck-anim-controls{display:flex;flex-wrap:wrap;align-items:center;gap:.3em;margin:.3em 0}"
               ".ck-anim-controls button{min-width:2.4em;min-height:2em}"
               ".ck-sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}")

# Plays, pauses and steps; loads the other frames only when first asked for; never starts by itself.
_PLAYER_JS = """(function(root){if(!root)return;
var src=JSON.parse(root.querySelector('.ck-anim-frames').textContent),img=root.querySelector('.ck-anim-frame');
var slider=root.querySelector('input[type=range]'),count=root.querySelector('.ck-anim-count');
var play=root.querySelector('[data-act=play]'),k=0,timer=null,cache=null,base=img.alt;
function preload(){if(!cache){cache=src.map(function(s){var i=new Image();i.src=s;return i;});}}
function show(j){k=(j+src.length)%src.length;img.src=src[k];slider.value=k;
count.textContent=(k+1)+' / '+src.length;slider.setAttribute('aria-valuetext','frame '+(k+1)+' of '+src.length);}
function stop(){if(timer){clearInterval(timer);timer=null;}play.firstChild.textContent='\u25B6';play.lastChild.textContent='play';}
function start(){preload();timer=setInterval(function(){show(k+1);},+root.dataset.interval||200);
play.firstChild.textContent='\u275A\u275A';play.lastChild.textContent='pause';}
root.querySelector('.ck-anim-controls').addEventListener('click',function(e){var b=e.target.closest('button');if(!b)return;
var a=b.dataset.act;if(a==='play'){timer?stop():start();return;}stop();preload();
show(a==='first'?0:a==='last'?src.length-1:a==='next'?k+1:k-1);});
slider.setAttribute('aria-label','frame');slider.addEventListener('input',function(){stop();preload();show(+slider.value);});
show(0);})(document.currentScript&&document.currentScript.parentNode);"""
