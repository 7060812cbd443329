"""ipywidgets explorers: each a thin wrapper over a pure function that draws on a fresh figure.

``explorer(draw, size=..., **controls)`` gives one control per keyword of ``draw(ax, **values)``:
``(lo, hi, step, value)`` makes a slider, a list of strings a dropdown.

* In a live kernel it is an ipywidget: the figure is redrawn whenever a control moves.
* When the website is built (``make book`` sets ``COURSEKIT_STATIC_EXPLORERS=1``), there is no kernel
  behind the page. The explorer then draws its figure for every combination of a coarse *grid* of
  settings and returns static HTML: real form controls that offer only the grid's values, and a few
  lines of script that swap in the figure drawn for them, so a control never shows a state its figure
  does not. Only the default figure is loaded with the page; the others load when asked for.

The grid is derived from the controls — each slider's lowest, initial and highest value, every
dropdown option — and kept to at most :data:`MAX_FIGURES` figures by fixing the largest sliders at their
initial value. A chapter overrides it with ``grid={"eta": [0.002, 0.004], ...}`` for the settings its
text names (controls it does not mention keep their automatic values).
"""

from __future__ import annotations

import html
import io
import itertools
import json
import multiprocessing
import os
import warnings
import uuid
from typing import Callable

import ipywidgets as W
import matplotlib.pyplot as plt

from . import plotting
from ._config import strict_mode
from .webfigures import compress_png, data_uri, describe_axes, png_size

__all__ = ["explorer", "control", "static_build", "explorer_grid", "control_values", "settings_text",
           "StaticExplorer", "MAX_FIGURES", "STATIC_ENV"]

STATIC_ENV = "COURSEKIT_STATIC_EXPLORERS"
MAX_FIGURES = 36          # figures an explorer precomputes by default (build time, not page weight)
MAX_GRID = 64             # and at most, with an explicit grid


def static_build() -> bool:
    """True while the website is being built (``COURSEKIT_STATIC_EXPLORERS=1``).

    Used in: every chapter, through :func:`explorer` while the website is built.
    """
    return os.environ.get(STATIC_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def control(spec, name: str):
    """A widget from a short spec: (lo, hi, step, value) → slider; list → dropdown; a widget as is.

    Used in: every chapter, notebooks/00-matrix-calculus.ipynb to notebooks/12-deep-networks.ipynb, through
    :func:`explorer`.
    """
    if isinstance(spec, W.ValueWidget):
        return spec
    style = {"description_width": "initial"}
    if _is_dropdown(spec):
        return W.Dropdown(options=list(spec), value=spec[0], description=name, style=style)
    if _is_slider(spec):
        lo, hi, step, value = spec
        if all(isinstance(v, int) for v in spec):
            return W.IntSlider(min=lo, max=hi, step=step, value=value, description=name,
                               continuous_update=False, style=style)
        return W.FloatSlider(min=lo, max=hi, step=step, value=value, description=name,
                             continuous_update=False, style=style, readout_format=".3g")
    raise TypeError(f"control {name!r}: expected (lo, hi, step, value), a list of strings or a widget; got {spec!r}")


def _is_dropdown(spec) -> bool:
    return isinstance(spec, (list, tuple)) and bool(spec) and all(isinstance(v, str) for v in spec)


def _is_slider(spec) -> bool:
    return (isinstance(spec, tuple) and len(spec) == 4
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in spec))


def _default(spec):
    """The value a control starts at."""
    if isinstance(spec, W.ValueWidget):
        return spec.value
    return spec[0] if _is_dropdown(spec) else spec[3]


def control_values(spec, name: str = "control") -> list:
    """The values the static page offers for one control: a slider's lowest, initial and highest value;
    every option of a dropdown; a widget's options (or its value alone).

    Used in: every chapter, through :func:`explorer` while the website is built.
    """
    if _is_dropdown(spec):
        return list(dict.fromkeys(spec))
    if _is_slider(spec):
        lo, hi, _, value = spec
        return sorted({lo, value, hi})
    if isinstance(spec, W.ValueWidget):
        options = getattr(spec, "options", None)
        if options:
            return [o[1] if isinstance(o, tuple) else o for o in options]
        if hasattr(spec, "min") and hasattr(spec, "max"):
            return sorted({spec.min, spec.value, spec.max})
        return [spec.value]
    raise TypeError(f"control {name!r}: expected (lo, hi, step, value), a list of strings or a widget; got {spec!r}")


def _check_override(name: str, spec, values) -> list:
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise TypeError(f"grid[{name!r}] must be a list of values; got {values!r}")
    values = list(dict.fromkeys(values))
    if not values:
        raise ValueError(f"grid[{name!r}] is empty: give at least one value")
    if _is_dropdown(spec):
        bad = [v for v in values if v not in spec]
        if bad:
            raise ValueError(f"grid[{name!r}]: {bad!r} are not options of the dropdown {list(spec)!r}")
    elif _is_slider(spec):
        lo, hi, step, _ = spec
        bad = [v for v in values if not isinstance(v, (int, float)) or not lo <= v <= hi]
        if bad:
            raise ValueError(f"grid[{name!r}]: {bad!r} lie outside the slider's range [{lo}, {hi}]")
        # a live slider can only stop on lo + k·step: a grid value between steps is a setting no student sees
        off = [v for v in values if step and abs((v - lo) / step - round((v - lo) / step)) > 1e-6 and v != hi]
        if off:
            raise ValueError(f"grid[{name!r}]: {off!r} are not on the slider's steps (from {lo} in steps of {step})")
        values = sorted(values)
    return values


def explorer_grid(controls: dict, grid: dict | None = None, max_figures: int = MAX_FIGURES) -> dict:
    """The values each control offers on the static page: ``{name: [values]}``, in the controls' order.

    Every combination of them gets a figure, so their product is at most ``max_figures``: beyond it the
    automatic grid fixes sliders (those with most values first, the last one on ties) at their initial
    value. An explicit ``grid`` entry is kept as given (and must lie on its control).

    Used in: every chapter, through :func:`explorer` while the website is built.
    """
    grid = dict(grid or {})
    unknown = set(grid) - set(controls)
    if unknown:
        raise ValueError(f"grid names {sorted(unknown)} that are not controls of this explorer "
                         f"(controls: {list(controls)})")
    values = {name: (_check_override(name, spec, grid[name]) if name in grid else control_values(spec, name))
              for name, spec in controls.items()}
    for name, spec in controls.items():            # the initial setting always has a figure
        if _default(spec) not in values[name]:
            values[name] = _sorted_like(spec, values[name] + [_default(spec)])

    def size():
        n = 1
        for v in values.values():
            n *= len(v)
        return n

    order = list(controls)
    while size() > max_figures:
        reducible = [n for n in order if n not in grid and len(values[n]) > 1]
        sliders = [n for n in reducible if not _is_dropdown(controls[n])]
        pool = sliders or reducible
        if not pool:
            limit = MAX_GRID if grid else max_figures
            if size() <= limit:
                break
            raise ValueError(f"the explorer's grid has {size()} combinations, more than {limit}: "
                             f"give fewer values in grid= ({ {n: len(v) for n, v in values.items()} })")
        widest = max(pool, key=lambda n: (len(values[n]), order.index(n)))
        values[widest] = [_default(controls[widest])]
    if grid and size() > MAX_GRID:
        raise ValueError(f"the explorer's grid has {size()} combinations, more than {MAX_GRID}: give fewer values")
    return values


def _sorted_like(spec, values):
    return sorted(values) if _is_slider(spec) else values


def format_value(value) -> str:
    """A value as the controls show it: floats with 3 significant digits, like the live slider."""
    if isinstance(value, float):
        return format(value, ".3g")
    return str(value)


def settings_text(values: dict) -> str:
    """``{"eta": 0.004, "method": "Newton"}`` → ``'eta = 0.004, method = Newton'``.

    Used in: every chapter, through :func:`explorer` while the website is built.
    """
    return ", ".join(f"{name} = {format_value(v)}" for name, v in values.items())


def render_png(draw: Callable, size, values: dict) -> tuple[bytes, str]:
    """Draw ``draw(ax, **values)`` on a fresh course-style figure; return (PNG bytes, what it shows)."""
    fig, ax = plotting.figure(size=size)
    try:
        draw(ax, **values)
        shows = describe_axes(fig)
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
    finally:
        plt.close(fig)
    return compress_png(buf.getvalue()), shows


_JOB: tuple | None = None          # (draw, size, settings) for the forked workers of render_all


def _render_job(i: int):
    draw, size, settings = _JOB
    return render_png(draw, size, settings[i])


def explorer_jobs() -> int:
    """Processes that draw an explorer's figures (``COURSEKIT_EXPLORER_JOBS``; default: up to 2 cores,
    which a book build has to itself: Jupyter Book runs one notebook at a time)."""
    try:
        return max(1, int(os.environ.get("COURSEKIT_EXPLORER_JOBS", "")))
    except ValueError:
        return max(1, min(2, os.cpu_count() or 1))


def render_all(draw: Callable, size, settings: list[dict]) -> list[tuple[bytes, str]]:
    """:func:`render_png` for each setting, in forked worker processes when there are several cores
    (the draw function is a notebook's closure: forking shares it without pickling it). Figures come
    back in order, and any error is raised here."""
    global _JOB
    jobs = min(explorer_jobs(), len(settings))
    if jobs > 1 and "fork" in multiprocessing.get_all_start_methods():
        _JOB = (draw, size, settings)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)      # "fork in a multi-threaded process"
                with multiprocessing.get_context("fork").Pool(jobs) as pool:
                    return pool.map(_render_job, range(len(settings)), chunksize=1)
        finally:
            _JOB = None
    return [render_png(draw, size, values) for values in settings]


class StaticExplorer:
    """The static-site form of an explorer: its figures for every setting of its grid, and the HTML that
    shows them. ``figures`` maps a tuple of indices into ``grid``'s value lists to (PNG bytes, alt text).

    Used in: every chapter, through :func:`explorer` while the website is built.
    """


    def __init__(self, draw: Callable, size="single", controls: dict | None = None, grid: dict | None = None):
        controls = dict(controls or {})
        if not controls:
            raise ValueError("an explorer needs at least one control")
        self.controls = controls
        self.grid = explorer_grid(controls, grid)
        self.default = {name: _default(spec) for name, spec in controls.items()}
        names = list(self.grid)
        indices = list(itertools.product(*(range(len(self.grid[n])) for n in names)))
        settings = [{n: self.grid[n][i] for n, i in zip(names, index)} for index in indices]
        rendered = render_all(draw, size, settings)
        self.figures: dict[tuple, tuple[bytes, str]] = {}
        for index, values, (png, shows) in zip(indices, settings, rendered):
            self.figures[index] = (png, f"Figure for {settings_text(values)}" + (f": {shows}." if shows else "."))
        self.uid = f"ck-explorer-{uuid.uuid4().hex[:8]}"

    @property
    def default_index(self) -> tuple:
        return tuple(self.grid[n].index(self.default[n]) for n in self.grid)

    def _control_html(self, name: str, values: list) -> str:
        cid = f"{self.uid}-{name}"
        label = f'<label for="{cid}">{html.escape(name)}</label>'
        start = values.index(self.default[name])
        if len(values) == 1:
            return (f'<div class="ck-control ck-fixed">{label}<output id="{cid}" data-index="0">'
                    f'{html.escape(format_value(values[0]))}</output>'
                    f'<span class="ck-fixed-note">(fixed on this page)</span></div>')
        if _is_dropdown(self.controls[name]):
            opts = "".join(f'<option value="{i}"{" selected" if i == start else ""}>{html.escape(str(v))}</option>'
                           for i, v in enumerate(values))
            return f'<div class="ck-control">{label}<select id="{cid}" disabled>{opts}</select></div>'
        shown = [format_value(v) for v in values]
        return (f'<div class="ck-control">{label}<input type="range" id="{cid}" min="0" max="{len(values) - 1}" '
                f'step="1" value="{start}" aria-valuetext="{html.escape(shown[start])}" '
                f'data-values="{html.escape(json.dumps(shown))}" disabled>'
                f'<output for="{cid}">{html.escape(shown[start])}</output></div>')

    def _repr_html_(self) -> str:
        figures = {",".join(map(str, k)): [data_uri(png), alt] for k, (png, alt) in self.figures.items()}
        png, alt = self.figures[self.default_index]
        width, height = png_size(png)
        controls = "".join(self._control_html(n, v) for n, v in self.grid.items())
        n = len(self.figures)
        return (
            f'<div class="ck-explorer" id="{self.uid}">'
            f'<form class="ck-controls" autocomplete="off" aria-label="explorer settings">{controls}</form>'
            f'<img class="ck-figure" src="{data_uri(png)}" alt="{html.escape(alt)}" width="{width}" '
            f'height="{height}" decoding="async">'
            f'<p class="ck-note">Precomputed when this page was built, for the {n} setting'
            f'{"s" if n != 1 else ""} the controls offer. Run the notebook (launch buttons at the top of the '
            f'page) to explore every value.</p>'
            f'<script type="application/json" class="ck-figures">{_json_for_script(figures)}</script>'
            f'<script>{_EXPLORER_JS}</script></div>'
        )

    def __repr__(self) -> str:
        grid = ", ".join(f"{n} in {{{', '.join(map(format_value, v))}}}" for n, v in self.grid.items())
        return f"<static explorer: {len(self.figures)} figures for {grid}>"


def _json_for_script(obj) -> str:
    return json.dumps(obj, ensure_ascii=False).replace("</", "<\\/")


# Swaps the figure when a control moves. Controls stay disabled until this runs, so without script a
# control cannot move away from the figure shown; on load (and after the browser restores a form) the
# figure is set from the controls.
_EXPLORER_JS = """(function(root){if(!root)return;
var figs=JSON.parse(root.querySelector('.ck-figures').textContent),img=root.querySelector('.ck-figure');
var ctl=Array.prototype.slice.call(root.querySelectorAll('.ck-controls input,.ck-controls select,.ck-controls output[data-index]'));
function idx(c){return c.tagName==='SELECT'?c.selectedIndex:c.tagName==='OUTPUT'?0:+c.value;}
function show(){var key=ctl.map(idx).join(','),f=figs[key];if(!f)return;
ctl.forEach(function(c){if(c.type==='range'){var v=JSON.parse(c.dataset.values)[+c.value];c.setAttribute('aria-valuetext',v);
var o=c.parentNode.querySelector('output');if(o)o.textContent=v;}});
if(img.getAttribute('src')!==f[0]){img.src=f[0];}img.alt=f[1];}
ctl.forEach(function(c){c.disabled=false;c.addEventListener('input',show);c.addEventListener('change',show);});
show();})(document.currentScript&&document.currentScript.parentNode);"""


def explorer(draw: Callable, size="single", *, grid: dict | None = None, **controls):
    """Controls for each keyword of ``draw(ax, **values)``, and its figure, redrawn on change.

    Make it the last expression of a cell to show it. ``grid`` (optional) names the values each control
    offers on the static website, e.g. ``grid={"eta": [0.002, 0.004]}``; see the module docstring.
    In a live kernel the figure for the initial values is drawn at once and redrawn on every change;
    while the website is built (:func:`static_build`) a :class:`StaticExplorer` is returned instead.

    Used in: every chapter, notebooks/00-matrix-calculus.ipynb to notebooks/12-deep-networks.ipynb.
    """
    if not controls:
        raise ValueError("explorer needs at least one control, e.g. eta=(0.001, 0.01, 0.001, 0.005)")
    widgets = {name: control(spec, name) for name, spec in controls.items()}
    explorer_grid(controls, grid)                 # a bad grid fails in every run, not only on the website
    if static_build():
        return StaticExplorer(draw, size, controls, grid)
    if strict_mode():
        # ipywidgets shows an exception inside the widget's output instead of raising it, so a broken
        # draw would pass unnoticed under nbval: in strict runs (CI), draw once directly first.
        fig, ax = plotting.figure(size=size)
        draw(ax, **{name: w.value for name, w in widgets.items()})
        plt.close(fig)

    def redraw(**values):
        fig, ax = plotting.figure(size=size)
        draw(ax, **values)
        plt.show()

    out = W.interactive_output(redraw, widgets)
    box = W.VBox([W.HBox(list(widgets.values()), layout=W.Layout(flex_flow="row wrap")), out])
    return box
