"""One figure style for the whole course, the few helpers every chapter uses, and the chapters'
drawings: the model modules compute, this module draws.

Call :func:`figure` instead of ``plt.subplots``: it applies the style, sizes the figure for the
book's column and returns ``(fig, ax)`` exactly like ``plt.subplots``. Label every axis with its
unit; the caption goes in the markdown cell after the figure. Animations are light, offline HTML
players (:func:`animation_html`): tracks of walkers (:func:`animate_tracks`, weeks 9 and 10) and a
swimmer (:func:`animate_swimmer`, week 11). Grid worlds are drawn by :func:`grid_values` and
:func:`grid_paths` (week 7), swimmers' poses by :func:`draw_swimmer` (week 11).
"""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

from ._validate import as_array, positive_int

__all__ = ["COLORS", "STYLE", "apply_style", "figure", "image_grid", "log_error", "beside_paper", "animation_html",
           "animate_tracks", "animate_swimmer", "draw_swimmer", "grid_values", "grid_paths"]

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
    """Apply the course style to matplotlib's global rcParams (idempotent).

    Used in: every chapter, notebooks/00-matrix-calculus.ipynb to notebooks/11-low-reynolds.ipynb.
    """
    mpl.rcParams.update(STYLE)


def figure(nrows: int = 1, ncols: int = 1, size: str | tuple[float, float] = "single", **kw):
    """``plt.subplots`` with the course style; ``size`` is 'single', 'wide', 'square', 'tall' or (w, h).

    Used in: every chapter, notebooks/00-matrix-calculus.ipynb to notebooks/11-low-reynolds.ipynb.
    """
    apply_style()
    figsize = SIZES[size] if isinstance(size, str) else size
    return plt.subplots(nrows, ncols, figsize=figsize, **kw)


def image_grid(images: np.ndarray, ncols: int = 8, titles=None, cmap: str = "gray_r", size=None):
    """Show a stack of 2-D images (n, h, w) in a grid without axes; returns ``(fig, axes)``.

    Used in: week 2, notebooks/02-hopfield-boltzmann.ipynb; week 3, notebooks/03-backprop.ipynb; week 4,
    notebooks/04-ica.ipynb.
    """
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
    """Plot several error sequences on a log scale (zeros are drawn at machine epsilon).

    Used in: week 0, notebooks/00-matrix-calculus.ipynb.
    """
    for label, err in errors.items():
        err = np.maximum(np.abs(np.asarray(err, dtype=float)), np.finfo(float).eps / 4)
        ax.semilogy(np.arange(err.size), err, "o-", label=label, markersize=3)
    ax.set(xlabel=xlabel, ylabel=ylabel)
    ax.legend()
    return ax


class PaperTable:
    """Rows of (quantity, what the paper states and where, ours[, the course's target and tolerance]),
    shown as an HTML table in notebooks and on the site, as Markdown or plain text elsewhere."""

    HEADERS = ("the paper (where)", "here", "ours: target and tolerance")

    def __init__(self, rows, title: str):
        self.rows = [tuple(str(c) for c in row) for row in rows]
        self.title = str(title)
        if not self.rows:
            raise ValueError("rows is empty: give at least one (quantity, paper, here) row")
        widths = {len(row) for row in self.rows}
        if not widths <= {3, 4} or len(widths) != 1:
            raise ValueError("every row must be (quantity, paper, here) or (quantity, paper, here, target); "
                             f"got rows of {sorted(widths)} cells")
        self.headers = (self.title, *self.HEADERS[: widths.pop() - 1])

    def _repr_html_(self) -> str:
        from html import escape
        # Each column carries a class (col-quantity, col-the-paper, col-here, col-target) that the site's
        # CSS styles in both light and dark mode, so nothing depends on a column's position.
        names = ("quantity", "the paper", "here", "target")[: len(self.headers)]
        cls = [f' class="col-{n.replace(" ", "-")}"' for n in names]
        head = "".join(f'<th scope="col"{c}>{escape(h)}</th>' for c, h in zip(cls, self.headers))
        body = "".join("<tr>" + "".join(f"<td{c}>{escape(v)}</td>" for c, v in zip(cls, row)) + "</tr>"
                       for row in self.rows)
        return f'<table class="beside-paper"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'

    def _repr_markdown_(self) -> str:
        lines = ["| " + " | ".join(self.headers) + " |", "|" + "---|" * len(self.headers)]
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        return "\n".join(lines)

    def __repr__(self) -> str:
        table = [self.headers] + self.rows
        widths = [max(len(row[i]) for row in table) for i in range(len(self.headers))]
        return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in table)


def beside_paper(rows, title: str = "Reproduced") -> PaperTable:
    """A table setting each measured number beside the paper's: rows of (quantity, what the paper states
    and where — table, figure, page or equation — or that it gives no number, ours), with an optional
    fourth cell, the course's own target and tolerance (labelled as ours).

    Make it the last expression of a cell.

    Used in: every chapter, notebooks/00-matrix-calculus.ipynb to notebooks/12-deep-networks.ipynb.
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

    Used in: week 9, notebooks/09-diffusion.ipynb; week 10, notebooks/10-anomalous-diffusion.ipynb; week 11,
    notebooks/11-low-reynolds.ipynb, through :func:`animate_swimmer` and :func:`animate_tracks`.
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


# --------------------------------------------------------------------------------------------
# Animations of tracks and swimmers (weeks 9–11)
# --------------------------------------------------------------------------------------------

def animate_tracks(tracks, *, n_frames: int = 30, size: float = 3.0, dpi: int = 60, tail: int = 10,
                   unit: str = "µm", title: str = ""):
    """A light HTML animation (``matplotlib.animation`` → ``to_jshtml``) of 2-D tracks.

    tracks: (walkers, T, 2). Shows at most ``n_frames`` (≤ 60) evenly spaced frames of a small square
    figure (``size`` inches at ``dpi``), each walker's last ``tail`` frames as a line, and a scale bar
    in ``unit`` instead of tick labels (redrawing text dominates the cost of a frame). Returns an
    ``IPython.display.HTML``; make it the last expression of a cell.

    Used in: week 9, notebooks/09-diffusion.ipynb; week 10, notebooks/10-anomalous-diffusion.ipynb.
    """
    from matplotlib import animation

    x = as_array(tracks, name="tracks", ndim=3)
    if x.shape[2] != 2:
        raise ValueError(f"tracks must have shape (walkers, T, 2); got {x.shape}")
    n_frames = positive_int(n_frames, name="n_frames", minimum=2)
    if n_frames > 60:
        raise ValueError(f"n_frames must be <= 60 to keep the page light; got {n_frames}")
    frames = np.unique(np.linspace(0, x.shape[1] - 1, n_frames).round().astype(int))
    sub = x[:, frames]
    apply_style()
    # no rc_context here: leaving one restores rcParams["backend"] and can switch an inline backend off
    fig = plt.figure(figsize=(size, size), dpi=dpi, layout="none")
    ax = fig.add_subplot()
    fig.subplots_adjust(left=0.02, right=0.98, bottom=0.02, top=0.9 if title else 0.98)
    lim = np.max(np.abs(sub)) * 1.05 or 1.0
    ax.set(xlim=(-lim, lim), ylim=(-lim, lim), aspect="equal", xticks=[], yticks=[])
    bar = float(10 ** np.floor(np.log10(lim)))              # a scale bar instead of tick labels:
    if bar < 0.4 * lim:                                      # text is what costs time per frame
        bar *= 2 if 2 * bar < 0.8 * lim else 1
    _scale_bar(ax, (-0.9 * lim, -0.9 * lim), bar, f"{bar:g} {unit}", (-0.9 * lim, -0.85 * lim), fontsize=7)
    if title:
        ax.set_title(title, fontsize=8)
    colors = [COLORS[i % len(COLORS)] for i in range(sub.shape[0])]
    lines = [ax.plot([], [], lw=1, color=c, antialiased=False)[0] for c in colors]   # PNGs 2× smaller
    dots = ax.scatter(sub[:, 0, 0], sub[:, 0, 1], s=10, c=colors, zorder=3)

    def update(i):
        lo = max(0, i - tail)
        for line, track in zip(lines, sub):
            line.set_data(track[lo:i + 1, 0], track[lo:i + 1, 1])
        dots.set_offsets(sub[:, i])
        return lines + [dots]

    anim = animation.FuncAnimation(fig, update, frames=len(frames), interval=100, blit=False)
    return animation_html(anim, dpi=dpi)


def animate_swimmer(swimmer, result, *, n_frames: int = 30, dpi: int = 72, fps: float = 10):
    """A light HTML animation of a swimmer of :mod:`coursekit.stokes` (its first stroke of ``result``,
    a :class:`~coursekit.stokes.SwimResult`): the links at ``n_frames`` evenly spaced times and the
    path of the pose point so far, with a scale bar of ½ body length instead of axes (fast frames).
    Returns an ``IPython.display.HTML``; make it the last expression of a cell.

    Used in: week 11, notebooks/11-low-reynolds.ipynb.
    """
    from matplotlib import animation

    from .stokes import link_points

    n_frames = positive_int(n_frames, name="n_frames", minimum=2)
    idx = np.linspace(0, result.t.size - 1, n_frames).astype(int)
    pts = link_points(swimmer, result.x[0, idx], result.y[0, idx], result.theta[0, idx], result.alpha[0, idx])
    fig, ax = figure(size=(5.0, 2.2))
    lo, hi = pts.min(axis=(0, 1)) - 0.15, pts.max(axis=(0, 1)) + 0.1
    ax.set(xlim=(lo[0], hi[0]), ylim=(lo[1], hi[1]), aspect="equal")
    ax.set_axis_off()                            # no ticks to redraw: a scale bar instead, and fast frames
    _scale_bar(ax, (lo[0] + 0.05, lo[1] + 0.05), 0.5, "½ body length", (lo[0] + 0.3, lo[1] + 0.1),
               ha="center", fontsize=8)
    trail, = ax.plot([], [], color="0.6", lw=1)
    body, = ax.plot([], [], "o-", color=COLORS[1], lw=3, ms=4)

    def draw(k):
        body.set_data(pts[k, :, 0], pts[k, :, 1])
        trail.set_data(result.x[0, : idx[k] + 1], result.y[0, : idx[k] + 1])
        return body, trail

    anim = animation.FuncAnimation(fig, draw, frames=n_frames, interval=80, blit=True)
    return animation_html(anim, dpi=dpi, fps=fps)    # small frames keep the page light


def draw_swimmer(ax, swimmer, result, *, every: int = 20):
    """Draw a swimmer of :mod:`coursekit.stokes` every ``every`` integration steps of ``result`` (its
    first stroke), darker as time goes on, and the path of its pose point.

    Used in: week 11, notebooks/11-low-reynolds.ipynb.
    """
    from .stokes import link_points

    idx = np.arange(0, result.t.size, positive_int(every, name="every"))
    pts = link_points(swimmer, result.x[0, idx], result.y[0, idx], result.theta[0, idx], result.alpha[0, idx])
    for j, p in enumerate(pts):
        ax.plot(p[:, 0], p[:, 1], "-", color=plt.cm.Blues(0.25 + 0.75 * j / (len(pts) - 1)), lw=2)
    ax.plot(result.x[0], result.y[0], color=COLORS[1], lw=1, label="middle of the body")
    return ax


def _scale_bar(ax, start, length: float, label: str, label_at, **text_kw) -> None:
    """A horizontal black bar of ``length`` data units from ``start``, labelled at ``label_at``: drawn
    instead of tick labels in animations, where redrawing text dominates the cost of a frame."""
    x0, y0 = start
    ax.plot([x0, x0 + length], [y0, y0], "k-", lw=2)
    ax.text(*label_at, label, **text_kw)


# --------------------------------------------------------------------------------------------
# Grid worlds (week 7)
# --------------------------------------------------------------------------------------------

def grid_values(ax, env, v, fmt: str = "{:.1f}", cmap: str = "viridis", title: str = "",
                vmin: float | None = None, vmax: float | None = None):
    """Draw state values ``v`` on the grid of a :class:`coursekit.rl.TabularEnv`, each cell annotated with
    its value (colour range vmin…vmax, by default the range of ``v``).

    Used in: week 7, notebooks/07-reinforcement-learning.ipynb.
    """
    grid = np.asarray(v, dtype=float).reshape(env.shape)
    lo = grid.min() if vmin is None else vmin
    hi = grid.max() if vmax is None else vmax
    if hi <= lo:
        lo, hi = lo - 1, hi + 1
    ax.imshow(grid, cmap=cmap, vmin=lo, vmax=hi)
    for (i, j), value in np.ndenumerate(grid):
        dark = (value - lo) / (hi - lo) < 0.5                 # white text on the dark half of the map
        ax.text(j, i, fmt.format(value).replace("-", "−"), ha="center", va="center", fontsize=8,
                color="white" if dark else "black")
    ax.set(xticks=range(env.shape[1]), yticks=range(env.shape[0]), xlabel="column", ylabel="row", title=title)
    ax.grid(False)
    return ax


def grid_paths(ax, env, paths: dict, colors=None):
    """Draw the grid of a :class:`coursekit.rl.TabularEnv` (the cliff of cliff walking shaded) and
    state sequences ``{label: states}`` on it.

    Used in: week 7, notebooks/07-reinforcement-learning.ipynb.
    """
    rows, cols = env.shape
    cliff = getattr(env, "cliff", np.zeros(env.n_states, bool)).reshape(env.shape)
    ax.imshow(cliff, cmap="Greys", vmin=0, vmax=1.5, extent=(-0.5, cols - 0.5, rows - 0.5, -0.5))
    for k, (label, states) in enumerate(paths.items()):
        r, c = env.coords(states)
        offset = 0.12 * (k - (len(paths) - 1) / 2)
        kw = {} if colors is None else {"color": colors[k]}
        ax.plot(c + offset, r + offset, "o-", ms=3, label=f"{label} ({len(states) - 1} steps)", **kw)
    r0, c0 = env.coords(env.start)
    ax.text(c0, r0 + 0.3, "S", ha="center", fontsize=10, weight="bold")
    if hasattr(env, "goal"):
        rg, cg = env.coords(env.goal)
        ax.text(cg, rg + 0.3, "G", ha="center", fontsize=10, weight="bold")
    ax.set(xticks=range(cols), yticks=range(rows), xlabel="column", ylabel="row",
           xlim=(-0.5, cols - 0.5), ylim=(rows - 0.5, -0.5))
    ax.set_aspect("equal")
    return ax
