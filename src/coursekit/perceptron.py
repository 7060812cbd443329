"""Week 1 — the perceptron: the error-correction rule, Novikoff's mistake bound, Cover's capacity.

Rosenblatt (1958) introduced the perceptron (a fixed random layer of association units feeding
adaptive threshold units, trained by reinforcement); the error-correction rule used here and its
convergence theorem are Rosenblatt (1962) and Block (1962), with Novikoff's (1962) bound.

Notation (chapter 1): inputs ``X`` (P × N, one pattern per row), labels ``y ∈ {−1, +1}ᴾ``, weights
``w``, bias ``b``, learning rate ``eta``. With ``bias=True`` a constant input 1 is appended, so the
augmented pattern is ``x̃ = (x, 1)`` and the augmented weight ``w̃ = (w, b)``; everything below
(margins, the mistake bound) is then about the augmented vectors. ``R = maxᵢ ‖x̃ᵢ‖`` and the margin
``γ = max_{‖u‖=1} minᵢ yᵢ u·x̃ᵢ``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._numerics import scalar_or_array
from ._validate import Rng, as_array, as_matrix, as_spins, as_vector, positive, positive_int, validate

__all__ = [
    "augment", "predict", "PerceptronFit", "train", "ManyFits", "train_many",
    "separable_data", "MaxMargin", "max_margin", "mistake_bound",
    "is_separable", "separable_many", "cover_fraction", "separable_fraction",
]


# --------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------

def augment(X, bias: bool = True) -> np.ndarray:
    """x̃ = (x, 1): the bias becomes the weight of a constant input (works on (…, P, N) arrays).

    Used in: week 1, notebooks/01-perceptrons.ipynb, through :func:`mistake_bound`, :func:`train` and
    :func:`train_many`.
    """
    X = np.asarray(X, dtype=float)
    if not bias:
        return X
    return np.concatenate([X, np.ones(X.shape[:-1] + (1,))], axis=-1)


def _check_xy(X, y, ndim=2):
    X = as_array(X, name="X", ndim=ndim)
    y = as_spins(y, name="y", ndim=ndim - 1)
    if X.shape[:-1] != y.shape:
        raise ValueError(f"X and y must have the same number of patterns; got X of shape {X.shape} "
                         f"and y of shape {y.shape}")
    return X, y


@validate(rng=Rng())
def separable_data(n_points: int, n_dims: int, *, rng, margin: float = 0.1, n_sets: int | None = None):
    """Random data labelled by a teacher perceptron through the origin, with a guaranteed margin.

    Inputs are standard normal in ``n_dims`` dimensions; the teacher ``w*`` is a random unit vector,
    ``y = sign(w*·x)``, and points with ``|w*·x| < margin`` are redrawn, so ``y w*·x ≥ margin``.
    Returns ``(X, y, w_star)``, with a leading axis of length ``n_sets`` when it is given (many
    independent data sets at once, each with its own teacher).

    Used in: week 1, notebooks/01-perceptrons.ipynb.
    """
    n_points = positive_int(n_points, name="n_points")
    n_dims = positive_int(n_dims, name="n_dims")
    margin = positive(margin, name="margin")
    D = 1 if n_sets is None else positive_int(n_sets, name="n_sets")
    w_star = rng.normal(size=(D, n_dims))
    w_star /= np.linalg.norm(w_star, axis=1, keepdims=True)
    X = rng.normal(size=(D, n_points, n_dims))
    for _ in range(1000):
        proj = np.einsum("dpn,dn->dp", X, w_star)
        bad = np.abs(proj) < margin
        if not bad.any():
            break
        X[bad] = rng.normal(size=(int(bad.sum()), n_dims))
    else:  # pragma: no cover - needs an absurd margin
        raise ValueError(f"margin={margin:g} is too large for standard-normal inputs")
    y = np.sign(np.einsum("dpn,dn->dp", X, w_star))
    if n_sets is None:
        return X[0], y[0], w_star[0]
    return X, y, w_star


# --------------------------------------------------------------------------------------------
# The learning rule
# --------------------------------------------------------------------------------------------

def predict(w, b, X) -> np.ndarray:
    """ŷ = sign(w·x + b), with sign(0) = −1 (a point on the boundary counts as a mistake for y = +1).

    Used in: week 1, notebooks/01-perceptrons.ipynb, through :func:`train`.
    """
    X = as_matrix(X, name="X")
    w = as_vector(w, name="w", size=X.shape[1])
    return np.where(X @ w + float(b) > 0, 1.0, -1.0)


@dataclass
class PerceptronFit:
    """Result of :func:`train`: weights ``w``, bias ``b`` (0 without bias), total ``mistakes``.

    ``mistakes_per_epoch[k]`` counts the updates in epoch k; ``path`` holds the augmented weights
    after every update (row 0 is the start), for drawing how the boundary moved.

    Used in: week 1, notebooks/01-perceptrons.ipynb, through :func:`train`.
    """
    w: np.ndarray
    b: float
    mistakes: int
    epochs: int
    converged: bool
    mistakes_per_epoch: np.ndarray = field(repr=False)
    path: np.ndarray = field(repr=False)

    def predict(self, X) -> np.ndarray:
        return predict(self.w, self.b, X)


@validate(rng=Rng(optional=True))
def train(X, y, *, eta: float = 1.0, max_epochs: int = 1000, bias: bool = True, rng=None,
          record_path: bool = False) -> PerceptronFit:
    """The error-correction rule from w̃ = 0: for each pattern in turn, if yᵢ w̃·x̃ᵢ ≤ 0 then w̃ ← w̃ + η yᵢ x̃ᵢ.

    Rosenblatt (1962) and Block (1962); Novikoff (1962) proved that on data with margin γ it makes at
    most (R/γ)² updates, whatever the order. Patterns are visited in order (``rng=None``: no randomness), or in a
    fresh random order each epoch drawn with ``rng`` (a seed or a Generator). Stops after the first epoch without a mistake (converged) or after
    ``max_epochs``.

    Exactly the sequential rule, vectorised: instead of testing one pattern per Python step, the
    margins of the next block of patterns are computed at once and the rule jumps to the first
    mistake among them, so the Python loop runs once per *update*, not once per pattern.

    Used in: week 1, notebooks/01-perceptrons.ipynb.
    """
    X, y = _check_xy(X, y)
    eta = positive(eta, name="eta")
    max_epochs = positive_int(max_epochs, name="max_epochs")
    Z = augment(X, bias) * y[:, None]                     # zᵢ = yᵢ x̃ᵢ: a mistake is w̃·zᵢ ≤ 0
    P = Z.shape[0]
    w = np.zeros(Z.shape[1])
    per_epoch, path = [], [w.copy()] if record_path else None
    converged = False
    for epoch in range(max_epochs):
        Zo = Z if rng is None else Z[rng.permutation(P)]
        count, i, block = 0, 0, 32
        while i < P:
            wrong = Zo[i:i + block] @ w <= 0
            k = int(wrong.argmax())                       # the first mistake in the block, if any
            if not wrong[k]:
                i += block
                block *= 2                                # no mistake: look further ahead next time
                continue
            w += eta * Zo[i + k]
            count += 1
            if record_path:
                path.append(w.copy())
            i, block = i + k + 1, 32
        per_epoch.append(count)
        if count == 0:
            converged = True
            break
    w_out, b_out = (w[:-1], float(w[-1])) if bias else (w, 0.0)
    return PerceptronFit(w_out.copy(), b_out, int(sum(per_epoch)), len(per_epoch), converged,
                         np.array(per_epoch), np.array(path) if record_path else np.empty((0, w.size)))


@dataclass
class ManyFits:
    """Result of :func:`train_many` for D data sets: augmented weights ``W`` (D × N[+1]), and per set
    the number of ``mistakes``, ``epochs`` run and whether it ``converged``.

    Used in: week 1, notebooks/01-perceptrons.ipynb, through :func:`train_many`.
    """
    W: np.ndarray
    mistakes: np.ndarray
    epochs: np.ndarray
    converged: np.ndarray


def train_many(X, y, *, eta: float = 1.0, max_epochs: int = 1000, bias: bool = False) -> ManyFits:
    """The perceptron rule on D data sets at once: X of shape (D, P, N), y of shape (D, P).

    The same sequential rule as :func:`train` (patterns in order, w̃ = 0 at the start), with each step
    vectorised across the data sets; a data set stops counting epochs after its first epoch without
    a mistake. Used to test Novikoff's bound on hundreds of random data sets in one go.

    Used in: week 1, notebooks/01-perceptrons.ipynb.
    """
    X, y = _check_xy(X, y, ndim=3)
    eta = positive(eta, name="eta")
    max_epochs = positive_int(max_epochs, name="max_epochs")
    Z = augment(X, bias) * y[..., None]
    D, P, M = Z.shape
    W = np.zeros((D, M))
    mistakes = np.zeros(D, dtype=int)
    epochs = np.zeros(D, dtype=int)
    active = np.arange(D)
    for _ in range(max_epochs):
        Wa, Za = W[active], Z[active]
        count = np.zeros(active.size, dtype=int)
        for i in range(P):
            wrong = np.einsum("dm,dm->d", Wa, Za[:, i]) <= 0
            Wa += (eta * wrong)[:, None] * Za[:, i]
            count += wrong
        W[active] = Wa
        mistakes[active] += count
        epochs[active] += 1
        active = active[count > 0]
        if active.size == 0:
            break
    converged = np.ones(D, dtype=bool)
    converged[active] = False
    return ManyFits(W, mistakes, epochs, converged)


# --------------------------------------------------------------------------------------------
# Margin and Novikoff's bound
# --------------------------------------------------------------------------------------------

@dataclass
class MaxMargin:
    """The largest margin ``gamma`` of a data set and a unit vector ``u`` that attains it.

    Used in: week 1, notebooks/01-perceptrons.ipynb, through :func:`mistake_bound`.
    """
    gamma: float
    u: np.ndarray


def max_margin(X, y, *, bias: bool = False) -> MaxMargin:
    """The largest margin γ = max_{‖u‖=1} minᵢ yᵢ u·x̃ᵢ and a unit vector ``u`` that attains it.

    The optimal u points to the point of the convex hull of {yᵢ x̃ᵢ} nearest the origin, and γ is its
    distance (hard-margin SVM through the origin). That point is found as a non-negative least-squares
    problem min ‖Σ αᵢ zᵢ‖² with αᵢ ≥ 0 and Σ αᵢ = 1 (the sum enforced by a heavily weighted row).
    The returned γ is recomputed as minᵢ yᵢ u·x̃ᵢ, so it is a margin ``u`` really has (never above
    the optimum). γ ≤ 0 means the data are not linearly separable.

    Used in: week 1, notebooks/01-perceptrons.ipynb, through :func:`mistake_bound`.
    """
    from scipy.optimize import nnls
    X, y = _check_xy(X, y)
    Z = augment(X, bias) * y[:, None]
    scale = np.max(np.linalg.norm(Z, axis=1))
    M = 1e3 * scale
    A = np.vstack([Z.T, np.full((1, Z.shape[0]), M)])
    rhs = np.r_[np.zeros(Z.shape[1]), M]
    alpha, _ = nnls(A, rhs, maxiter=50 * Z.shape[0])
    z = Z.T @ (alpha / alpha.sum())
    norm = np.linalg.norm(z)
    if norm <= 1e-9 * scale:
        return MaxMargin(0.0, np.zeros(Z.shape[1]))
    u = z / norm
    return MaxMargin(float(np.min(Z @ u)), u)


def mistake_bound(X, y, *, bias: bool = False) -> float:
    """Novikoff's bound (R/γ)² on the number of perceptron updates, R = maxᵢ ‖x̃ᵢ‖ (Novikoff 1962).

    Uses the margin of :func:`max_margin`; ``inf`` when the data are not separable.

    Used in: week 1, notebooks/01-perceptrons.ipynb.
    """
    X, y = _check_xy(X, y)
    gamma = max_margin(X, y, bias=bias).gamma
    if gamma <= 0:
        return float("inf")
    R = np.max(np.linalg.norm(augment(X, bias), axis=1))
    return float((R / gamma) ** 2)


# --------------------------------------------------------------------------------------------
# Separability and Cover's capacity
# --------------------------------------------------------------------------------------------

def separable_many(X, y, *, bias: bool = False) -> np.ndarray:
    """Exact linear separability of D data sets (X: D × P × N, y: D × P), by one linear program.

    For each set k: minimise t_k subject to yᵢ w_k·x̃ᵢ ≥ 1 − t_k, 0 ≤ t_k ≤ 1. If some w separates
    the set strictly, a rescaled w reaches t_k = 0; if none does, every w has some yᵢ w·x̃ᵢ ≤ 0, so
    t_k = 1. The D problems share no variables, so one sparse LP (``scipy.optimize.linprog``,
    HiGHS) minimising Σ t_k solves them all; t_k < ½ means separable.

    Used in: week 1, notebooks/01-perceptrons.ipynb, through :func:`is_separable` and
    :func:`separable_fraction`.
    """
    from scipy import sparse
    from scipy.optimize import linprog
    X, y = _check_xy(X, y, ndim=3)
    Z = augment(X, bias) * y[..., None]
    D, P, M = Z.shape
    vals = np.concatenate([-Z, -np.ones((D, P, 1))], axis=2).ravel()          # −yᵢ x̃ᵢ·w − t ≤ −1
    rows = np.repeat(np.arange(D * P), M + 1)
    cols = np.broadcast_to((np.arange(D) * (M + 1))[:, None, None] + np.arange(M + 1), (D, P, M + 1)).ravel()
    A = sparse.csr_matrix((vals, (rows, cols)), shape=(D * P, D * (M + 1)))
    c = np.zeros((D, M + 1))
    c[:, -1] = 1.0
    lo = np.full((D, M + 1), -np.inf)
    hi = np.full((D, M + 1), np.inf)
    lo[:, -1], hi[:, -1] = 0.0, 1.0
    res = linprog(c.ravel(), A_ub=A, b_ub=-np.ones(D * P), bounds=np.c_[lo.ravel(), hi.ravel()],
                  method="highs")
    if res.status != 0:  # pragma: no cover - the LP is always feasible (w = 0, t = 1) and bounded
        raise RuntimeError(f"linprog failed: {res.message}")
    t = res.x.reshape(D, M + 1)[:, -1]
    return t < 0.5


def is_separable(X, y, *, bias: bool = False) -> bool:
    """Whether some w̃ has yᵢ w̃·x̃ᵢ > 0 for every pattern (exact, by a linear program).

    Used in: week 1, notebooks/01-perceptrons.ipynb.
    """
    X, y = _check_xy(X, y)
    return bool(separable_many(X[None], y[None], bias=bias)[0])


def cover_fraction(P, N):
    """Cover's fraction of the 2ᴾ labelings of P points in general position in ℝᴺ that a hyperplane
    through the origin separates: C(P, N)/2ᴾ = 2 Σ_{k<N} binom(P−1, k) / 2ᴾ (Cover 1965).

    It is 1 for P ≤ N and exactly ½ at P = 2N. Equal to the binomial CDF
    Pr[Binomial(P−1, ½) ≤ N−1]; P and N may be arrays.

    Used in: week 1, notebooks/01-perceptrons.ipynb.
    """
    from scipy.stats import binom
    P = np.asarray(P)
    N = np.asarray(N)
    for name, v in (("P", P), ("N", N)):
        if v.dtype.kind not in "iu":
            raise ValueError(f"{name} must be a positive integer (or an array of them); got dtype {v.dtype}")
        if np.any(v < 1):
            raise ValueError(f"{name} must be >= 1; got {v[v < 1].flat[0]}")
    return scalar_or_array(binom.cdf(N - 1, P - 1, 0.5))


@validate(rng=Rng())
def separable_fraction(P, N: int, *, n_trials: int, rng) -> np.ndarray:
    """Measured fraction of random ±1 labelings of P standard-normal points in ℝᴺ that are linearly
    separable through the origin, for each P (exact LP test, :func:`separable_many`).

    Used in: week 1, notebooks/01-perceptrons.ipynb.
    """
    N = positive_int(N, name="N")
    n_trials = positive_int(n_trials, name="n_trials")
    Ps = np.atleast_1d(np.asarray(P))
    out = np.empty(Ps.size)
    for k, p in enumerate(Ps):
        p = positive_int(int(p), name="P")
        X = rng.normal(size=(n_trials, p, N))
        y = rng.choice([-1.0, 1.0], size=(n_trials, p))
        out[k] = separable_many(X, y).mean()
    return scalar_or_array(out.reshape(np.shape(P)))
