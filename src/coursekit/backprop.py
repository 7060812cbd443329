"""Week 3 — backpropagation checked and timed, and the experiments of Rumelhart, Hinton & Williams.

Backpropagation computes ∇_θ C in one forward and one backward pass, O(P) work for P parameters;
central differences need 2P forward passes, O(P²). Here: both gradients of any :mod:`coursekit.nn`
model, the largest relative error between them (the gradient check every layer of the course
passes), the same check for one layer, and their timing. Then the tasks of Rumelhart, Hinton &
Williams (1986), "Learning representations by back-propagating errors": XOR and the symmetry problem
(Fig. 1), learned by many small sigmoid networks side by side (:class:`GroupedDense`,
:func:`sweeps_to_learn`), and the 1 : 2 : 4 weights they find.

Notation (chapter 3): θ the flat vector of all P parameters (:func:`coursekit.nn.get_flat_params`),
C the cost, h the finite-difference step, E = ½ Σ_cases Σ_units (y − d)² the paper's error, η the
learning rate and α the momentum.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ._numerics import binary_vectors, central_differences, relative_error
from ._validate import (Integer, OneOf, Real, Rng, as_array, as_matrix, in_range, positive, positive_int,
                        same_length, validate)
from .nn import (MSE, SGD, Dense, Layer, Sequential, Sigmoid, _check_batch, _initial_weights, flat_grads,
                 train)

__all__ = [
    "backprop_gradient", "finite_difference_gradient", "model_gradient_check", "layer_gradient_check",
    "time_gradient", "time_forward", "GradientTiming", "gradient_timing",
    "GroupedDense", "symmetry_data", "symmetry_converged", "SymmetryWeights", "symmetry_ratios",
    "ParallelRuns", "sweeps_to_learn", "symmetry_sweeps",
]


# --------------------------------------------------------------------------------------------
# Gradients: backprop against finite differences
# --------------------------------------------------------------------------------------------

def backprop_gradient(model: Layer, loss, X, y) -> np.ndarray:
    """∇_θ C by one forward and one backward pass: O(P) work for P parameters.

    Used in: week 3, notebooks/03-backprop.ipynb, by the check of an exercise.
    """
    _, dy = loss(model.forward(np.asarray(X, dtype=float), train=True), y)
    model.backward(dy)
    return flat_grads(model)


def finite_difference_gradient(model: Layer, loss, X, y, h: float = 1e-6) -> np.ndarray:
    """∇_θ C by central differences, [C(θ + h e_k) − C(θ − h e_k)]/2h for each of the P parameters:
    2P forward passes of O(P) each, so O(P²) work. The parameters are restored afterwards.

    Used in: week 3, notebooks/03-backprop.ipynb; week 6, notebooks/06-rnn.ipynb, through
    :func:`model_gradient_check` and :func:`time_gradient`.
    """
    h = positive(h, name="h")
    X = np.asarray(X, dtype=float)
    cost = lambda: loss(model.forward(X, train=True), y)[0]
    parts = [central_differences(cost, p, h).ravel() for p, _ in model.parameters()]
    return np.concatenate(parts) if parts else np.zeros(0)


def model_gradient_check(model: Layer, loss, X, y, h: float = 1e-6) -> float:
    """Largest relative error max_k |g_k − ĝ_k| / max(1, |g_k| + |ĝ_k|) between backprop's gradient g
    and central differences ĝ over all the model's parameters. Near 1e-9 means right; above ~1e-5
    means a bug. (For a function and its gradient, see :func:`coursekit.optim.gradient_check`.)

    Used in: week 3, notebooks/03-backprop.ipynb; week 6, notebooks/06-rnn.ipynb.
    """
    g = backprop_gradient(model, loss, X, y)
    return relative_error(g, finite_difference_gradient(model, loss, X, y, h))


@validate(rng=Rng(), h=Real(0, None, closed="neither"))
def layer_gradient_check(layer: Layer, x, *, rng, h: float = 1e-6) -> dict:
    """Check one layer's backward against central differences, for any layer (also a later chapter's).

    Uses the scalar L = Σ R ⊙ layer(x) with a fixed random R, so ∂L/∂y = R. Returns the largest relative
    error for the input gradient ("x") and for each parameter, keyed like ``layer.params``; all should
    be ≲ 1e-7.

    Used in: week 3, notebooks/03-backprop.ipynb; week 5, notebooks/05-cnn.ipynb; week 6,
    notebooks/06-rnn.ipynb.
    """
    x = np.array(x, dtype=float)
    R = rng.normal(size=np.shape(layer.forward(x, train=True)))
    f = lambda: float(np.sum(R * layer.forward(x, train=True)))
    layer.forward(x, train=True)
    dx = layer.backward(R.copy())
    analytic = {"x": np.array(dx)} | {k: g.copy() for k, g in layer.grads.items()}
    return {name: relative_error(analytic[name], central_differences(f, arr, h))
            for name, arr in [("x", x)] + list(layer.params.items())}


@validate(method=OneOf("backprop", "finite differences"), repeats=Integer(1))
def time_gradient(model: Layer, loss, X, y, *, method: str = "backprop", repeats: int = 3) -> float:
    """Seconds for one full gradient by ``method`` ("backprop" or "finite differences"), best of
    ``repeats`` runs.

    Used in: week 3, notebooks/03-backprop.ipynb.
    """
    fn = backprop_gradient if method == "backprop" else finite_difference_gradient
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn(model, loss, X, y)
        best = min(best, time.perf_counter() - t0)
    return best


@validate(number=Integer(1), repeats=Integer(1))
def time_forward(model: Layer, loss, X, y, number: int = 10, repeats: int = 3) -> float:
    """Seconds for one forward pass and cost evaluation on (X, y) — the unit of cost of finite
    differences, which need 2P of them: the mean over ``number`` calls, best of ``repeats``.

    Used in: week 3, notebooks/03-backprop.ipynb.
    """
    X = np.asarray(X, dtype=float)
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(number):
            loss(model.forward(X, train=True), y)
        best = min(best, (time.perf_counter() - t0) / number)
    return best


@dataclass
class GradientTiming:
    """Seconds for one full gradient of the same model and data by each method.

    Used in: week 3, notebooks/03-backprop.ipynb, through :func:`gradient_timing`.
    """
    backprop: float
    finite_differences: float


def gradient_timing(model: Layer, loss, X, y, repeats: int = 3) -> GradientTiming:
    """Seconds for one full gradient by backpropagation and by central differences, each the best of
    ``repeats``.

    Used in: week 3, notebooks/03-backprop.ipynb.
    """
    return GradientTiming(time_gradient(model, loss, X, y, method="backprop", repeats=repeats),
                          time_gradient(model, loss, X, y, method="finite differences", repeats=repeats))


# --------------------------------------------------------------------------------------------
# Many small networks side by side
# --------------------------------------------------------------------------------------------

class GroupedDense(Layer):
    """G independent Dense layers side by side (a block-diagonal weight matrix):
    x of shape (batch, G·n_in) is split into G groups of n_in, group g maps to n_out outputs with
    W[g] (n_in, n_out) and b[g] (n_out,), and the outputs are concatenated to (batch, G·n_out).

    Training G small networks as one model this way gives each exactly the updates it would get
    alone (the summed loss separates), at the cost of one. ``init`` as for :class:`coursekit.nn.Dense`.

    Used in: week 3, notebooks/03-backprop.ipynb, through :func:`sweeps_to_learn`.
    """

    @validate(n_groups=Integer(1), n_in=Integer(1), n_out=Integer(1), rng=Rng(),
              init=OneOf("he", "xavier", "uniform"), scale=Real(0, None, closed="neither"))
    def __init__(self, n_groups: int, n_in: int, n_out: int, *, rng, init: str = "he", scale: float = 0.3):
        W, b = _initial_weights(rng, init, (n_groups, n_in, n_out), (n_groups, n_out), fan_in=n_in,
                                fan_out=n_out, scale=scale)
        self.n_groups, self.n_in, self.n_out = n_groups, n_in, n_out
        self.params = {"W": W, "b": b}

    def forward(self, x, train: bool = True):
        x = _check_batch(x)
        G, n_in = self.n_groups, self.n_in
        if x.ndim != 2 or x.shape[1] != G * n_in:
            raise ValueError(f"GroupedDense({G}, {n_in}, {self.n_out}) expects x of shape (batch, {G * n_in}); "
                             f"got {x.shape}")
        self._xg = x.reshape(x.shape[0], G, n_in).transpose(1, 0, 2)          # (G, batch, n_in)
        y = self._xg @ self.params["W"] + self.params["b"][:, None, :]          # (G, batch, n_out)
        return y.transpose(1, 0, 2).reshape(x.shape[0], G * self.n_out)

    def backward(self, dy):
        B = dy.shape[0]
        dyg = dy.reshape(B, self.n_groups, self.n_out).transpose(1, 0, 2)     # (G, batch, n_out)
        g = self.grads
        np.matmul(self._xg.transpose(0, 2, 1), dyg, out=g["W"])
        np.add.reduce(dyg, axis=1, out=g["b"])
        dx = dyg @ self.params["W"].transpose(0, 2, 1)                         # (G, batch, n_in)
        return dx.transpose(1, 0, 2).reshape(B, self.n_groups * self.n_in)

    def __repr__(self):
        return f"GroupedDense({self.n_groups}, {self.n_in}, {self.n_out})"


# --------------------------------------------------------------------------------------------
# The tasks of Rumelhart, Hinton & Williams (1986)
# --------------------------------------------------------------------------------------------

def symmetry_data(n: int = 6) -> tuple[np.ndarray, np.ndarray]:
    """All 2ⁿ binary vectors of length n (rows, in binary counting order) and y = 1 iff the vector is
    symmetric about its centre (a palindrome): the task of Rumelhart et al. (1986), Fig. 1, with n = 6.

    Used in: week 3, notebooks/03-backprop.ipynb.
    """
    n = positive_int(n, name="n", minimum=2)
    X = binary_vectors(n)
    return X, np.all(X == X[:, ::-1], axis=1).astype(int)


def symmetry_converged(model: Layer, X, y, tol: float = 0.1) -> bool:
    """Learned: every output is within ``tol`` of its 0/1 target.

    Used in: no notebook yet (week 3's module; tested in tests/test_backprop.py).
    """
    tol = in_range(tol, 0.0, 0.5, name="tol", closed="right")
    out = model.forward(np.asarray(X, dtype=float), train=False).ravel()
    return bool(np.all(np.abs(out - np.asarray(y).ravel()) < tol))


@dataclass
class SymmetryWeights:
    """How the input→hidden weights of a symmetry network look (see :func:`symmetry_ratios`):
    ``antisymmetry`` (n_hidden,) and the sorted mirror-pair ``ratios`` (n_hidden, n_in/2).

    Used in: week 3, notebooks/03-backprop.ipynb, through :func:`symmetry_ratios`.
    """
    antisymmetry: np.ndarray
    ratios: np.ndarray


def symmetry_ratios(W) -> SymmetryWeights:
    """Describe the input→hidden weights W (n_in, n_hidden) of a symmetry network.

    For each hidden unit (a column of W): ``antisymmetry`` = max_i |w_i + w_{n+1−i}| / max_i |w_i|
    (0 when mirror-image inputs have equal and opposite weights), and ``ratios`` = the magnitudes of
    the n/2 mirror pairs (averaged over the pair), sorted and divided by the smallest. Rumelhart et
    al. (1986) found 1 : 2 : 4 — powers of two, so no asymmetric input can balance the sum to zero.

    Used in: week 3, notebooks/03-backprop.ipynb.
    """
    W = as_matrix(W, name="W")
    n = W.shape[0]
    if n % 2:
        raise ValueError(f"W must have an even number of rows (inputs); got {n}")
    half = n // 2
    biggest = np.max(np.abs(W), axis=0)
    anti = np.max(np.abs(W + W[::-1]), axis=0) / np.where(biggest > 0, biggest, 1.0)
    pair = np.sort((np.abs(W[:half]) + np.abs(W[::-1][:half])) / 2, axis=0)     # (half, n_hidden)
    smallest = np.where(pair[0] > 0, pair[0], np.nan)
    return SymmetryWeights(anti, (pair / smallest).T)


@dataclass
class ParallelRuns:
    """``sweeps[k]`` = full-batch sweeps network k needed until every output was within ``tol`` of its
    target (−1 if not within ``max_sweeps``); the final weights ``W_in`` (K, n_in, H), ``b_in`` (K, H),
    ``W_out`` (K, H, 1), ``b_out`` (K, 1); ``loss`` (K, n_sweeps) the error E of each network per sweep.

    Used in: week 3, notebooks/03-backprop.ipynb, through :func:`sweeps_to_learn` and :func:`symmetry_sweeps`.
    """
    sweeps: np.ndarray
    W_in: np.ndarray
    b_in: np.ndarray
    W_out: np.ndarray
    b_out: np.ndarray
    loss: np.ndarray
    tol: float
    max_sweeps: int

    @property
    def converged(self) -> np.ndarray:
        return self.sweeps > 0

    def median_sweeps(self) -> float:
        """Median sweeps over *all* networks, counting the unconverged as ∞ (nan if half failed)."""
        s = np.where(self.converged, self.sweeps, np.inf).astype(float)
        m = float(np.median(s))
        return m if np.isfinite(m) else float("nan")

    def network(self, k: int) -> Sequential:
        """Network k as an ordinary n_in-H-1 sigmoid :class:`~coursekit.nn.Sequential` (a copy of its
        weights)."""
        n_in, H = self.W_in.shape[1:]
        r = np.random.default_rng(0)
        net = Sequential([Dense(n_in, H, rng=r), Sigmoid(), Dense(H, 1, rng=r), Sigmoid()])
        net[0].params["W"], net[0].params["b"] = self.W_in[k], self.b_in[k]
        net[2].params["W"], net[2].params["b"] = self.W_out[k], self.b_out[k]
        return net


@validate(n_nets=Integer(1), n_hidden=Integer(1), rng=Rng(), max_sweeps=Integer(1),
          tol=Real(0.0, 0.5, closed="neither"))
def sweeps_to_learn(X, y, n_nets: int, n_hidden: int, *, rng, eta: float = 0.1, momentum: float = 0.9,
                    scale: float = 0.3, max_sweeps: int = 10_000, tol: float = 0.1) -> ParallelRuns:
    """Train ``n_nets`` n_in-``n_hidden``-1 sigmoid networks from independent random starts, as
    Rumelhart et al. (1986) did: full-batch gradient descent ("sweeps") on E = ½ Σ_cases (y − d)² with
    momentum, Δw(t) = −η ∂E/∂w + α Δw(t−1), weights and biases drawn from U(−scale, scale). A network
    has learned when every output is within ``tol`` of its 0/1 target.

    The networks train side by side as one model — their hidden layers are one Dense (its columns are
    independent), their output layers a :class:`GroupedDense` — so each gets exactly its own gradient.

    Used in: week 3, notebooks/03-backprop.ipynb.
    """
    X = as_matrix(X, name="X")
    y = as_array(y, name="y", ndim=1)
    same_length(X, y, names=("X", "y"))
    K, H = n_nets, n_hidden
    n, n_in = X.shape
    Yk = np.repeat(y[:, None], K, axis=1)                     # (n, K): the same targets for every network
    model = Sequential([Dense(n_in, K * H, rng=rng, init="uniform", scale=scale), Sigmoid(),
                        GroupedDense(K, H, 1, rng=rng, init="uniform", scale=scale), Sigmoid()])
    opt = SGD(model.parameters(), eta=eta, momentum=momentum)
    sweeps = np.full(K, -1)
    losses = []

    def record(history):
        # the outputs computed during this sweep (before its weight change) are all within tol:
        # the network has learned the task by this sweep
        err = model[3]._a - Yk
        losses.append(0.5 * np.sum(err * err, axis=0))
        done = np.all(np.abs(err) < tol, axis=0)
        sweeps[done & (sweeps < 0)] = history.epochs
        return bool(np.all(sweeps > 0))

    train(model, MSE("sum"), opt, X, Yk, epochs=max_sweeps, batch_size=n, rng=rng, progress=False,
          stop_when=record)
    W1 = model[0].params["W"].reshape(n_in, K, H).transpose(1, 0, 2).copy()
    b1 = model[0].params["b"].reshape(K, H).copy()
    W2, b2 = model[2].params["W"].copy(), model[2].params["b"].copy()
    return ParallelRuns(sweeps, W1, b1, W2, b2, np.array(losses).T, tol, max_sweeps)


def symmetry_sweeps(n_nets: int, *, rng, eta: float = 0.1, momentum: float = 0.9, scale: float = 0.3,
                    max_sweeps: int = 10_000, tol: float = 0.1) -> ParallelRuns:
    """The symmetry task of Rumelhart et al. (1986), Fig. 1: 6-2-1 networks, all 64 patterns, with the
    paper's η = 0.1 and α = 0.9 (see :func:`sweeps_to_learn`).

    Used in: week 3, notebooks/03-backprop.ipynb.
    """
    X, y = symmetry_data(6)
    return sweeps_to_learn(X, y, n_nets, 2, rng=rng, eta=eta, momentum=momentum, scale=scale,
                           max_sweeps=max_sweeps, tol=tol)
