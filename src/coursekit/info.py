"""Week 8 — information and control theory.

Entropy, joint and conditional entropy, mutual information and KL divergence (Shannon 1948), with
plug-in estimators from samples and their finite-sample bias (Miller–Madow correction); channels and
their capacity (binary symmetric channel, Blahut–Arimoto); Shannon's (1951) letter-entropy ladder
from a shipped English letter-frequency table; Laughlin's (1981) optimal contrast coding (histogram
equalisation); the Kalman (1960) filter and the linear-quadratic regulator with their common
Riccati equation.

The letter table (``coursekit/data/english_letters.csv``) is the 27-symbol distribution (26 letters
and the space) of MacKay, D. J. C. (2003), *Information Theory, Inference, and Learning Algorithms*,
Cambridge University Press, Figure 2.1 / Table 2.9: F1 = 4.11 bits with the space, against
Shannon's 4.03 from the tables he used; other corpora give other values in the second decimal.

Notation (chapter 8): probabilities ``p`` (last axis sums to 1), a joint table ``pxy[x, y]``, a
channel ``W[x, y] = p(y|x)``, entropies in bits unless ``base`` says otherwise. Kalman filter:
x_t = F x_{t−1} + w_t, z_t = H x_t + v_t, w ~ N(0, Q), v ~ N(0, R). LQR: x_{t+1} = A x_t + B u_t with
cost Σ_t x_tᵀ Qc x_t + u_tᵀ Rc u_t.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from importlib import resources

import numpy as np

from ._numerics import scalar_or_array
from ._validate import (OneOf, Rng, as_array, as_matrix, as_vector, check_distributions, in_range, positive,
                        positive_int, validate)

__all__ = [
    "entropy", "binary_entropy", "joint_entropy", "mutual_information",
    "kl_divergence", "counts", "plugin_entropy", "plugin_mutual_information",
    "bsc", "channel_mutual_information", "bsc_capacity",
    "letter_frequencies", "EntropyLadder", "entropy_ladder",
    "linear_luminance", "local_contrast", "empirical_cdf", "output_entropy",
    "KalmanResult", "kalman_filter", "SteadyStateFilter", "kalman_steady_state",
    "simulate_linear_gaussian", "random_walk_model", "constant_velocity_model",
    "RiccatiSolution", "riccati_iteration", "LQR", "lqr", "simulate_lqr",
]


# --------------------------------------------------------------------------------------------
# Entropy and friends (Shannon 1948)
# --------------------------------------------------------------------------------------------

def _log(x, base):
    return np.log(x) / np.log(base)


def _distribution(p, name, axis=-1):
    p = as_array(p, name=name)
    if np.any(p < 0):
        raise ValueError(f"{name} must be non-negative; found {p[p < 0].flat[0]:g}")
    total = p.sum(axis=axis, keepdims=True)
    if np.any(total <= 0):
        raise ValueError(f"{name} must have a positive sum along axis {axis}")
    return p / total


def entropy(p, base: float = 2, axis: int = -1) -> np.ndarray | float:
    """H(p) = −Σ_i p_i log p_i, with 0 log 0 = 0 (Shannon 1948, Theorem 2). Bits for ``base`` = 2.

    ``p`` is normalised along ``axis`` first (so counts work too), as in ``scipy.stats.entropy``.

    Used in: week 8, notebooks/08-information-control.ipynb.
    """
    p = _distribution(p, "p", axis)
    base = positive(base, name="base")
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, -p * _log(p, base), 0.0)
    return scalar_or_array(terms.sum(axis=axis))


def binary_entropy(p) -> np.ndarray | float:
    """h(p) = −p log₂ p − (1 − p) log₂(1 − p), elementwise for p in [0, 1].

    Used in: week 8, notebooks/08-information-control.ipynb, through :func:`bsc_capacity`.
    """
    p = as_array(p, name="p")
    if np.any((p < 0) | (p > 1)):
        raise ValueError(f"p must be in [0, 1]; got {p[(p < 0) | (p > 1)].flat[0]:g}")
    return entropy(np.stack([p, 1 - p], axis=-1))


def joint_entropy(pxy, base: float = 2) -> float:
    """H(X, Y) of a joint table ``pxy[x, y]`` (normalised first).

    Used in: week 8, notebooks/08-information-control.ipynb, through :func:`channel_mutual_information`.
    """
    pxy = _distribution(as_matrix(pxy, name="pxy"), "pxy", axis=None)
    return entropy(pxy.ravel(), base)


def _conditional_entropy(pxy, base: float = 2) -> float:
    """H(Y | X) = H(X, Y) − H(X): what is left uncertain about Y (columns) once X (rows) is known.

    Private: the answer of week 8's exercise 1, used by its check (coursekit.checks.info).
    """
    pxy = _distribution(as_matrix(pxy, name="pxy"), "pxy", axis=None)
    return joint_entropy(pxy, base) - entropy(pxy.sum(axis=1), base)


def mutual_information(pxy, base: float = 2) -> float:
    """I(X; Y) = H(X) + H(Y) − H(X, Y) = Σ p(x, y) log [p(x, y) / p(x)p(y)] ≥ 0 (Shannon 1948 §20).

    Used in: week 8, notebooks/08-information-control.ipynb, through :func:`channel_mutual_information`.
    """
    pxy = _distribution(as_matrix(pxy, name="pxy"), "pxy", axis=None)
    return max(0.0, entropy(pxy.sum(axis=1), base) + entropy(pxy.sum(axis=0), base)
               - joint_entropy(pxy, base))


def kl_divergence(p, q, base: float = 2, axis: int = -1):
    """D(p‖q) = Σ_i p_i log(p_i / q_i) ≥ 0, infinite where q_i = 0 < p_i (both normalised first).

    Used in: week 8, notebooks/08-information-control.ipynb.
    """
    p, q = _distribution(p, "p", axis), _distribution(q, "q", axis)
    if p.shape != q.shape:
        raise ValueError(f"p and q must have the same shape; got {p.shape} and {q.shape}")
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * _log(p / q, positive(base, name="base")), 0.0)
    return scalar_or_array(terms.sum(axis=axis))


# --------------------------------------------------------------------------------------------
# Plug-in estimators from samples
# --------------------------------------------------------------------------------------------

def _symbols(x, name, n_symbols):
    x = np.asarray(x)
    if x.dtype.kind not in "iu" or np.any(x < 0) or np.any(x >= n_symbols):
        raise ValueError(f"{name} must hold integer symbols in 0..{n_symbols - 1}")
    return x


def counts(samples, n_symbols: int) -> np.ndarray:
    """Histogram of integer symbols along the last axis: samples (..., N) → counts (..., n_symbols).

    Used in: week 8, notebooks/08-information-control.ipynb, through :func:`plugin_entropy` and
    :func:`plugin_mutual_information`.
    """
    n_symbols = positive_int(n_symbols, name="n_symbols")
    x = _symbols(samples, "samples", n_symbols)
    lead = x.shape[:-1]
    rows = np.arange(int(np.prod(lead)))[:, None]
    flat = (rows * n_symbols + x.reshape(len(rows), -1)).ravel()
    return np.bincount(flat, minlength=len(rows) * n_symbols).reshape(*lead, n_symbols)


@validate(correction=OneOf(None, "miller-madow"))
def plugin_entropy(samples, n_symbols: int, correction: str | None = None, base: float = 2):
    """The plug-in ("maximum-likelihood") entropy of the empirical frequencies, along the last axis.

    It is biased low: E[Ĥ] ≈ H − (m − 1)/(2N ln b) for m symbols of non-zero probability and N samples
    (Miller 1955). ``correction="miller-madow"`` adds back (m̂ − 1)/(2N ln b), m̂ the symbols seen.

    Used in: week 8, notebooks/08-information-control.ipynb.
    """
    c = counts(samples, n_symbols)
    h = entropy(c, base)
    if correction is None:
        return h
    n = c.sum(axis=-1)
    seen = (c > 0).sum(axis=-1)
    return h + (seen - 1) / (2 * n * np.log(base))


def plugin_mutual_information(x, y, n_x: int, n_y: int, base: float = 2):
    """Plug-in I(X; Y) from paired samples along the last axis (biased high: ≈ (n_x − 1)(n_y − 1)/(2N ln b)
    for independent X and Y).

    Used in: week 8, notebooks/08-information-control.ipynb.
    """
    x = _symbols(x, "x", positive_int(n_x, name="n_x"))
    y = _symbols(y, "y", positive_int(n_y, name="n_y"))
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same shape; got {x.shape} and {y.shape}")
    cxy = counts(x * n_y + y, n_x * n_y).reshape(*x.shape[:-1], n_x, n_y)
    hx = entropy(cxy.sum(axis=-1), base)
    hy = entropy(cxy.sum(axis=-2), base)
    hxy = entropy(cxy.reshape(*x.shape[:-1], n_x * n_y), base)
    return hx + hy - hxy


# --------------------------------------------------------------------------------------------
# Channels and capacity
# --------------------------------------------------------------------------------------------

def bsc(p: float) -> np.ndarray:
    """The binary symmetric channel W = [[1 − p, p], [p, 1 − p]], W[x, y] = p(y | x).

    Used in: week 8, notebooks/08-information-control.ipynb.
    """
    p = in_range(p, 0.0, 1.0, name="p")
    return np.array([[1 - p, p], [p, 1 - p]])


def _channel(W):
    W = as_matrix(W, name="W")
    check_distributions(W, name="W", what="outputs y, p(y|x)")
    return W


def channel_mutual_information(px, W, base: float = 2) -> float:
    """I(X; Y) for input distribution ``px`` through the channel ``W[x, y] = p(y|x)``: p(x, y) = p(x) W[x, y].

    Used in: week 8, notebooks/08-information-control.ipynb.
    """
    W = _channel(W)
    px = _distribution(as_vector(px, name="px", size=W.shape[0]), "px")
    return mutual_information(px[:, None] * W, base)


def bsc_capacity(p) -> np.ndarray | float:
    """C = 1 − h(p) bits per use (Shannon 1948 §13): C(0.11) = 0.500.

    Used in: week 8, notebooks/08-information-control.ipynb.
    """
    return 1.0 - binary_entropy(p)


@dataclass
class _Capacity:
    """A channel's capacity ``C`` (bits per use) and the input distribution ``px`` that achieves it."""
    C: float
    px: np.ndarray


def _blahut_arimoto(W, tol: float = 1e-12, max_iter: int = 100_000) -> _Capacity:
    """Capacity C = max_{p(x)} I(X; Y) of a discrete memoryless channel by the Blahut–Arimoto algorithm
    (Blahut 1972; Arimoto 1972): alternately p(x) ∝ p(x) exp D(W[x]‖q), q = pᵀW. Stops when the upper
    bound max_x D(W[x]‖q) and the lower bound log Σ_x p(x) exp D(W[x]‖q) differ by less than ``tol``.

    Private: the answer of week 8's build-it exercise, used by its check (coursekit.checks.info).
    """
    W = _channel(W)
    tol = positive(tol, name="tol")
    px = np.full(W.shape[0], 1.0 / W.shape[0])
    for _ in range(positive_int(max_iter, name="max_iter")):
        q = px @ W
        with np.errstate(divide="ignore", invalid="ignore"):
            d = np.where(W > 0, W * np.log(W / q), 0.0).sum(axis=1)     # D(W[x] ‖ q) in nats
        lower, upper = np.log(px @ np.exp(d)), d.max()
        if upper - lower < tol:
            break
        px = px * np.exp(d)
        px /= px.sum()
    return _Capacity(float(lower / np.log(2)), px)


# --------------------------------------------------------------------------------------------
# Shannon (1951): the entropy of printed English
# --------------------------------------------------------------------------------------------

def letter_frequencies(include_space: bool = True):
    """English letter probabilities shipped with coursekit (MacKay 2003, Table 2.9).

    Returns ``(symbols, p)``: the 26 letters 'a'…'z' plus ' ' when ``include_space``, and their
    probabilities renormalised to sum to 1 (dropping the space renormalises the 26 letters).

    Used in: week 8, notebooks/08-information-control.ipynb.
    """
    text = resources.files("coursekit").joinpath("data", "english_letters.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO("".join(l for l in text.splitlines(True) if not l.startswith("#")))))
    symbols = [" " if r["symbol"] == "space" else r["symbol"] for r in rows]
    p = np.array([float(r["probability"]) for r in rows])
    if not include_space:
        keep = [s != " " for s in symbols]
        symbols, p = [s for s, k in zip(symbols, keep) if k], p[keep]
    return symbols, p / p.sum()


@dataclass
class EntropyLadder:
    """Shannon's (1951) first rungs, in bits per letter: ``F0`` = log₂(alphabet size), ``F1`` = H(letters).

    Used in: week 8, notebooks/08-information-control.ipynb, through :func:`entropy_ladder`.
    """
    F0: float
    F1: float


def entropy_ladder(include_space: bool = True) -> EntropyLadder:
    """Shannon's first two rungs from the shipped table: F0 = log₂(alphabet size) and F1 = H(letters).

    Shannon (1951), Table I: F0 = 4.70 and F1 = 4.14 for 26 letters; F0 = 4.76 (log₂ 27 = 4.755) and
    F1 = 4.03 with the space.

    Used in: week 8, notebooks/08-information-control.ipynb.
    """
    symbols, p = letter_frequencies(include_space)
    return EntropyLadder(float(np.log2(len(symbols))), entropy(p))


# --------------------------------------------------------------------------------------------
# Laughlin (1981): the optimal contrast response is the cumulative distribution of contrasts
# --------------------------------------------------------------------------------------------

def linear_luminance(image) -> np.ndarray:
    """Relative luminance Y in [0, 1] of an 8-bit sRGB image (h, w, 3): undo the sRGB gamma,
    c = ((v/255 + 0.055)/1.055)^2.4 (v/255/12.92 below 0.04045; IEC 61966-2-1), then
    Y = 0.2126 R + 0.7152 G + 0.0722 B (Rec. 709). Photographs store gamma-encoded values, roughly the
    square root of the light; a photoreceptor responds to the light itself.

    Used in: week 8, notebooks/08-information-control.ipynb.
    """
    img = as_array(image, name="image", ndim=3)
    if img.shape[2] != 3:
        raise ValueError(f"image must have shape (h, w, 3); got {img.shape}")
    c = img / 255.0
    c = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return c @ np.array([0.2126, 0.7152, 0.0722])


def local_contrast(image, size: int = 15) -> np.ndarray:
    """Weber contrast c = (I − Ī)/Ī of each pixel against the mean Ī of the surrounding size × size box.

    ``image`` is a 2-D array of intensities, or an (h, w, 3) RGB array (averaged to grey). Intensities
    are floored at 10⁻³ of the brightest, so that black pixels have a finite contrast.

    Used in: week 8, notebooks/08-information-control.ipynb.
    """
    from scipy.ndimage import uniform_filter
    img = as_array(image, name="image", ndim=(2, 3))
    if img.ndim == 3:
        img = img.mean(axis=2)
    if img.max() <= 0:
        raise ValueError("image must have some positive intensity")
    img = np.maximum(img, 1e-3 * img.max())
    mean = uniform_filter(img, size=positive_int(size, name="size"), mode="reflect")
    return (img - mean) / mean


def empirical_cdf(samples, x) -> np.ndarray:
    """F(x) = fraction of ``samples`` ≤ x: Laughlin's optimal response curve (up to its maximum).

    Used in: week 8, notebooks/08-information-control.ipynb.
    """
    s = np.sort(as_array(samples, name="samples").ravel())
    return np.searchsorted(s, as_array(x, name="x"), side="right") / s.size


def output_entropy(responses, n_levels: int, lo: float = 0.0, hi: float = 1.0) -> float:
    """Entropy (bits) of responses quantised into ``n_levels`` equal bins over [lo, hi]: at most log₂ n_levels,
    reached when every level is used equally often (histogram equalisation).

    Used in: week 8, notebooks/08-information-control.ipynb.
    """
    r = as_array(responses, name="responses").ravel()
    n_levels = positive_int(n_levels, name="n_levels", minimum=2)
    levels = np.clip(((r - lo) / (hi - lo) * n_levels).astype(int), 0, n_levels - 1)
    return entropy(np.bincount(levels, minlength=n_levels))


# --------------------------------------------------------------------------------------------
# The Kalman filter (Kalman 1960)
# --------------------------------------------------------------------------------------------

def _lgs(F, H, Q, R):
    F = as_matrix(F, name="F", square=True)
    n = F.shape[0]
    H = as_matrix(H, name="H", shape=(None, n))
    m = H.shape[0]
    Q = as_matrix(Q, name="Q", shape=(n, n))
    R = as_matrix(R, name="R", shape=(m, m))
    return F, H, Q, R


def random_walk_model(q: float = 1.0, r: float = 1.0):
    """The scalar random walk x_t = x_{t−1} + w, z_t = x_t + v: (F, H, Q, R) as 1 × 1 matrices.

    Used in: week 8, notebooks/08-information-control.ipynb.
    """
    return (np.eye(1), np.eye(1), np.array([[positive(q, name="q")]]), np.array([[positive(r, name="r")]]))


def constant_velocity_model(dt: float = 1.0, q: float = 1.0, r: float = 1.0):
    """A target moving at near-constant velocity, position observed: state (position, velocity),

    F = [[1, dt], [0, 1]], Q = q [[dt³/3, dt²/2], [dt²/2, dt]] (white-noise acceleration), H = [1, 0], R = r.

    Used in: week 8, notebooks/08-information-control.ipynb.
    """
    dt, q, r = positive(dt, name="dt"), positive(q, name="q"), positive(r, name="r")
    F = np.array([[1.0, dt], [0.0, 1.0]])
    Q = q * np.array([[dt**3 / 3, dt**2 / 2], [dt**2 / 2, dt]])
    return F, np.array([[1.0, 0.0]]), Q, np.array([[r]])


@validate(rng=Rng())
def simulate_linear_gaussian(F, H, Q, R, x0, n_steps: int, *, rng: np.random.Generator, n_seq: int = 1):
    """Draw ``n_seq`` sequences of the model; returns states x (n_steps, n_seq, n) and observations
    z (n_steps, n_seq, m) for t = 1 … n_steps, starting from x0 (not returned).

    Used in: week 8, notebooks/08-information-control.ipynb.
    """
    F, H, Q, R = _lgs(F, H, Q, R)
    n_steps, n_seq = positive_int(n_steps, name="n_steps"), positive_int(n_seq, name="n_seq")
    x0 = as_vector(x0, name="x0", size=F.shape[0])
    w = rng.multivariate_normal(np.zeros(len(Q)), Q, size=(n_steps, n_seq), method="cholesky")
    v = rng.multivariate_normal(np.zeros(len(R)), R, size=(n_steps, n_seq), method="cholesky")
    x = np.empty((n_steps, n_seq, F.shape[0]))
    state = np.broadcast_to(x0, (n_seq, F.shape[0]))
    for t in range(n_steps):
        state = state @ F.T + w[t]
        x[t] = state
    return x, x @ H.T + v


def _kalman_step(x, P, z, F, H, Q, R):
    """One predict/update step of the Kalman filter (Kalman 1960):

        predict  x⁻ = F x,   P⁻ = F P Fᵀ + Q
        gain     K = P⁻ Hᵀ (H P⁻ Hᵀ + R)⁻¹
        update   x⁺ = x⁻ + K (z − H x⁻),   P⁺ = (I − K H) P⁻

    Returns ``(x⁺, P⁺)``. Private: the answer of week 8's exercise 3, used by its check
    (coursekit.checks.info); :func:`kalman_filter` is the same computation over whole sequences.
    """
    F, H, Q, R = _lgs(F, H, Q, R)
    x = as_vector(x, name="x", size=F.shape[0])
    P = as_matrix(P, name="P", shape=F.shape)
    z = as_vector(np.atleast_1d(z), name="z", size=H.shape[0])
    x_pred, P_pred = F @ x, F @ P @ F.T + Q
    K = np.linalg.solve(H @ P_pred @ H.T + R, H @ P_pred).T
    return x_pred + K @ (z - H @ x_pred), (np.eye(len(x)) - K @ H) @ P_pred


@dataclass
class KalmanResult:
    """Filtered means ``x`` (T, …, n), predicted means ``x_pred``; covariances ``P`` and ``P_pred``
    (T, n, n) and gains ``K`` (T, n, m), the same for every sequence (they do not depend on the data).

    Used in: week 8, notebooks/08-information-control.ipynb, through :func:`kalman_filter`.
    """
    x: np.ndarray
    x_pred: np.ndarray
    P: np.ndarray = field(repr=False)
    P_pred: np.ndarray = field(repr=False)
    K: np.ndarray = field(repr=False)


def kalman_filter(z, F, H, Q, R, x0, P0) -> KalmanResult:
    """The Kalman filter over a whole sequence, or many sequences at once.

    z: observations (T, m) or (T, n_seq, m); x0, P0: the prior mean and covariance before the first
    observation. The covariances and gains follow the Riccati recursion, which does not depend on the
    data, so they are computed once for all sequences; the means are then updated for every sequence
    as one array operation per time step.

    Used in: week 8, notebooks/08-information-control.ipynb.
    """
    F, H, Q, R = _lgs(F, H, Q, R)
    n, m = F.shape[0], H.shape[0]
    z = as_array(z, name="z", ndim=(2, 3))
    if z.shape[-1] != m:
        raise ValueError(f"z must have {m} entries per time step (its last axis); got shape {z.shape}")
    x0 = as_vector(x0, name="x0", size=n)
    P0 = as_matrix(P0, name="P0", shape=(n, n))
    T = z.shape[0]
    P, P_pred, K = np.empty((T, n, n)), np.empty((T, n, n)), np.empty((T, n, m))
    Pt, I = P0, np.eye(n)
    for t in range(T):                                   # the Riccati recursion: data-independent
        P_pred[t] = F @ Pt @ F.T + Q
        K[t] = np.linalg.solve(H @ P_pred[t] @ H.T + R, H @ P_pred[t]).T
        A = I - K[t] @ H
        Pt = P[t] = A @ P_pred[t] @ A.T + K[t] @ R @ K[t].T      # Joseph form: stays symmetric PSD
    x, x_pred = np.empty(z.shape[:-1] + (n,)), np.empty(z.shape[:-1] + (n,))
    xt = np.broadcast_to(x0, z.shape[1:-1] + (n,))
    for t in range(T):                                   # the means: all sequences at once
        x_pred[t] = xt @ F.T
        xt = x[t] = x_pred[t] + (z[t] - x_pred[t] @ H.T) @ K[t].T
    return KalmanResult(x, x_pred, P, P_pred, K)


@dataclass
class SteadyStateFilter:
    """The Kalman filter after its transient: gain ``K``, predicted covariance ``P_pred`` (P⁻) and
    filtered covariance ``P``.

    Used in: week 8, notebooks/08-information-control.ipynb, through :func:`kalman_steady_state`.
    """
    K: np.ndarray
    P_pred: np.ndarray
    P: np.ndarray


def kalman_steady_state(F, H, Q, R) -> SteadyStateFilter:
    """Steady-state predicted covariance P⁻ (the stabilising solution of the filter's discrete algebraic
    Riccati equation P⁻ = F P⁻ Fᵀ − F P⁻ Hᵀ (H P⁻ Hᵀ + R)⁻¹ H P⁻ Fᵀ + Q, via ``scipy.linalg.solve_discrete_are``
    with (Fᵀ, Hᵀ)), the gain K and the filtered covariance P = (I − K H) P⁻.

    For the scalar random walk with Q = R = 1: P⁻ = φ = 1.618…, K = 1/φ = 0.618…, P = 0.618….

    Used in: week 8, notebooks/08-information-control.ipynb.
    """
    from scipy.linalg import solve_discrete_are
    F, H, Q, R = _lgs(F, H, Q, R)
    P_pred = solve_discrete_are(F.T, H.T, Q, R)
    K = np.linalg.solve(H @ P_pred @ H.T + R, H @ P_pred).T
    return SteadyStateFilter(K, P_pred, (np.eye(len(F)) - K @ H) @ P_pred)


# --------------------------------------------------------------------------------------------
# The linear-quadratic regulator and the duality with the Kalman filter
# --------------------------------------------------------------------------------------------

@dataclass
class RiccatiSolution:
    """The fixed point ``P`` of the control Riccati recursion and the ``iterations`` it took.

    Used in: week 8, notebooks/08-information-control.ipynb, through :func:`riccati_iteration`.
    """
    P: np.ndarray
    iterations: int


def riccati_iteration(A, B, Qc, Rc, tol: float = 1e-12, max_iter: int = 100_000) -> RiccatiSolution:
    """Iterate the control Riccati recursion backwards from P = Qc until it stops changing:

        P ← Qc + Aᵀ P A − Aᵀ P B (Rc + Bᵀ P B)⁻¹ Bᵀ P A.

    Its fixed point is the discrete algebraic Riccati equation solved by
    ``scipy.linalg.solve_discrete_are(A, B, Qc, Rc)``. With A = Fᵀ, B = Hᵀ, Qc = Q, Rc = R it is the
    Kalman filter's recursion for P⁻ run forwards in time: the duality of estimation and control.

    Used in: week 8, notebooks/08-information-control.ipynb.
    """
    A = as_matrix(A, name="A", square=True)
    n = A.shape[0]
    B = as_matrix(B, name="B", shape=(n, None))
    Qc = as_matrix(Qc, name="Qc", shape=(n, n))
    Rc = as_matrix(Rc, name="Rc", shape=(B.shape[1], B.shape[1]))
    tol = positive(tol, name="tol")
    P = Qc.copy()
    for k in range(1, positive_int(max_iter, name="max_iter") + 1):
        BP = B.T @ P
        P_new = Qc + A.T @ P @ A - (BP @ A).T @ np.linalg.solve(Rc + BP @ B, BP @ A)
        P_new = (P_new + P_new.T) / 2
        if np.max(np.abs(P_new - P)) <= tol * max(1.0, np.max(np.abs(P))):
            return RiccatiSolution(P_new, k)
        P = P_new
    raise RuntimeError(f"the Riccati recursion did not converge in {max_iter} iterations "
                       "(is (A, B) stabilisable?)")


@dataclass
class LQR:
    """The optimal feedback gain ``K`` (u = −K x) and the cost-to-go matrix ``P`` (cost x₀ᵀ P x₀).

    Used in: week 8, notebooks/08-information-control.ipynb, through :func:`lqr`.
    """
    K: np.ndarray
    P: np.ndarray


def lqr(A, B, Qc, Rc, tol: float = 1e-12) -> LQR:
    """Infinite-horizon discrete LQR: u_t = −K x_t minimises Σ_t x_tᵀ Qc x_t + u_tᵀ Rc u_t for
    x_{t+1} = A x_t + B u_t, with K = (Rc + Bᵀ P B)⁻¹ Bᵀ P A and P from :func:`riccati_iteration`;
    the optimal cost from x_0 is x_0ᵀ P x_0.

    Used in: week 8, notebooks/08-information-control.ipynb.
    """
    P = riccati_iteration(A, B, Qc, Rc, tol=tol).P
    A, B, Rc = np.asarray(A, float), np.asarray(B, float), np.asarray(Rc, float)
    K = np.linalg.solve(Rc + B.T @ P @ B, B.T @ P @ A)
    return LQR(K, P)


def simulate_lqr(A, B, K, x0, n_steps: int):
    """Closed loop x_{t+1} = (A − B K) x_t, u_t = −K x_t. Returns states (n_steps + 1, n) and controls
    (n_steps, m).

    Used in: week 8, notebooks/08-information-control.ipynb.
    """
    A = as_matrix(A, name="A", square=True)
    B = as_matrix(B, name="B", shape=(A.shape[0], None))
    K = as_matrix(K, name="K", shape=(B.shape[1], A.shape[0]))
    x = np.empty((positive_int(n_steps, name="n_steps") + 1, A.shape[0]))
    x[0] = as_vector(x0, name="x0", size=A.shape[0])
    for t in range(n_steps):
        x[t + 1] = (A - B @ K) @ x[t]
    return x, -x[:-1] @ K.T
