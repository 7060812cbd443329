"""ipywidgets explorers: each a thin wrapper over a pure function that draws on a fresh figure.

:func:`explorer` builds the controls, shows the figure for the initial values at once (so the
static website shows a sensible picture with no live kernel) and redraws on every change.
"""

from __future__ import annotations

from typing import Callable

import ipywidgets as W
import matplotlib.pyplot as plt

from . import plotting
from ._config import strict_mode

__all__ = ["explorer", "control"]


def control(spec, name: str):
    """A widget from a short spec: (lo, hi, step, value) → slider; list → dropdown; a widget as is.

    Used in: every chapter, notebooks/00-matrix-calculus.ipynb to notebooks/11-low-reynolds.ipynb, through
    :func:`explorer`.
    """
    if isinstance(spec, W.ValueWidget):
        return spec
    style = {"description_width": "initial"}
    if isinstance(spec, (list, tuple)) and spec and all(isinstance(v, str) for v in spec):
        return W.Dropdown(options=list(spec), value=spec[0], description=name, style=style)
    if isinstance(spec, tuple) and len(spec) == 4:
        lo, hi, step, value = spec
        if all(isinstance(v, int) for v in spec):
            return W.IntSlider(min=lo, max=hi, step=step, value=value, description=name,
                               continuous_update=False, style=style)
        return W.FloatSlider(min=lo, max=hi, step=step, value=value, description=name,
                             continuous_update=False, style=style, readout_format=".3g")
    raise TypeError(f"control {name!r}: expected (lo, hi, step, value), a list of strings or a widget; got {spec!r}")


def explorer(draw: Callable, size="single", **controls) -> W.VBox:
    """Controls for each keyword of ``draw(ax, **values)``, and its figure, redrawn on change.

    Make it the last expression of a cell to show it. The figure for the initial values is drawn at
    once into the widget's output, which the static site keeps.

    Used in: every chapter, notebooks/00-matrix-calculus.ipynb to notebooks/11-low-reynolds.ipynb.
    """
    widgets = {name: control(spec, name) for name, spec in controls.items()}
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
