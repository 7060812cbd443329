"""Week 12 — what depth buys: Telgarsky's sawtooth.

The tent map m(x) = 2σ(x) − 4σ(x − ½), σ the ReLU, is 2x on [0, ½] and 2(1 − x) on [½, 1]: two ReLU
units. Composed k times, m^k is a sawtooth of 2^{k−1} teeth, with 2^k linear pieces on [0, 1] — from
a network of k hidden layers of 2 units each (Telgarsky 2016, whose construction and separation
theorem build on it). A network with one hidden layer of n ReLUs, x ↦ b + Σ_j c_j σ(w_j x + b_j), has
a kink only where some w_j x + b_j = 0, so at most n kinks and n + 1 linear pieces: representing
m^k exactly needs n ≥ 2^k − 1 units, exponentially many, against the deep network's 2k.

Chapter: ``notebooks/12-deep-networks.ipynb`` (section 5). Networks are lists of (W, b) evaluated by
:func:`coursekit.deep.forward`.
"""

from __future__ import annotations

import numpy as np

from dataclasses import dataclass

from ._validate import as_vector, positive_int

__all__ = ["tent", "sawtooth", "tent_network", "count_pieces", "KnotFit", "uniform_knot_fit"]


def _relu(x):
    return np.maximum(x, 0.0)


def tent(x):
    """m(x) = 2σ(x) − 4σ(x − ½): 2x on [0, ½], 2(1 − x) on [½, 1] (and 0 left of 0).

    Used in: week 12, notebooks/12-deep-networks.ipynb, through sawtooth.
    """
    x = np.asarray(x, dtype=float)
    return 2 * _relu(x) - 4 * _relu(x - 0.5)


def sawtooth(x, k: int):
    """m^k(x), the tent map composed k times (k = 0: the identity).

    Used in: week 12, notebooks/12-deep-networks.ipynb.
    """
    k = positive_int(k, name="k", minimum=0)
    x = np.asarray(x, dtype=float)
    for _ in range(k):
        x = tent(x)
    return x


def tent_network(k: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """The (W, b) of a ReLU network computing m^k on [0, 1]: k hidden layers of 2 units
    (σ(u), σ(u − ½)) with u the previous tent's output 2σ(·) − 4σ(· − ½), and one linear output.

    Used in: week 12, notebooks/12-deep-networks.ipynb.
    """
    k = positive_int(k, name="k")
    first = (np.array([[1.0, 1.0]]), np.array([0.0, -0.5]))
    middle = (np.array([[2.0, 2.0], [-4.0, -4.0]]), np.array([0.0, -0.5]))
    out = (np.array([[2.0], [-4.0]]), np.array([0.0]))
    return [first] + [middle] * (k - 1) + [out]


def count_pieces(x, f, rtol: float = 1e-6) -> int:
    """The number of linear pieces of a continuous piecewise-linear function sampled as f(x) on an
    increasing grid x. A kink at a grid point changes the slope once; a kink strictly between two
    points changes it twice in a row: a run of consecutive changes counts as one kink. Exact when
    every piece spans at least three grid intervals.

    Used in: week 12, notebooks/12-deep-networks.ipynb.
    """
    x = as_vector(x, name="x")
    f = as_vector(f, name="f", size=x.size)
    if np.any(np.diff(x) <= 0):
        raise ValueError("x must be strictly increasing")
    slope = np.diff(f) / np.diff(x)
    scale = max(1.0, float(np.max(np.abs(slope))))
    change = np.abs(np.diff(slope)) > rtol * scale
    runs = np.count_nonzero(change[1:] & ~change[:-1]) + int(change[:1].sum())
    return int(runs) + 1


@dataclass
class KnotFit:
    """A least-squares fit on a grid: the fitted ``values`` and their ``rms`` error.

    Used in: week 12, notebooks/12-deep-networks.ipynb, through uniform_knot_fit.
    """
    values: np.ndarray
    rms: float


def uniform_knot_fit(k: int, n_units: int, n_points: int = 4097) -> KnotFit:
    """The least-squares fit of m^k on [0, 1] by a network with one hidden layer of ``n_units``
    ReLUs: one unit σ(x + 1) supplies the linear term and the other ``n_units`` − 1 have their kinks
    at the evenly spaced points j/n_units. Returns the fitted values on the grid and the RMS error. The error
    is zero exactly when the kinks include all 2^k − 1 interior breakpoints j/2^k of m^k, first at
    ``n_units`` = 2^k.

    Used in: week 12, notebooks/12-deep-networks.ipynb.
    """
    k = positive_int(k, name="k")
    n = positive_int(n_units, name="n_units")
    x = np.linspace(0.0, 1.0, positive_int(n_points, name="n_points", minimum=3))
    knots = np.arange(1, n) / n                                   # n − 1 kinks inside (0, 1)
    A = np.column_stack([np.ones_like(x), x + 1.0] + [_relu(x - t) for t in knots])
    target = sawtooth(x, k)
    coef, *_ = np.linalg.lstsq(A, target, rcond=None)
    fit = A @ coef
    return KnotFit(fit, float(np.sqrt(np.mean((fit - target) ** 2))))
