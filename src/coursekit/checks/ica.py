"""Checks for week 4's exercises (``notebooks/04-ica.ipynb``)."""

import numpy as np

from .. import ica
from ..grading import Problem, close, number, register


def _mixtures(rng):
    """A few hundred samples of 3 Laplace sources, mixed and shifted (so centring matters)."""
    n, k = int(rng.integers(400, 800)), 3
    S = rng.laplace(size=(n, k))
    A = rng.normal(size=(k, k)) + 2 * np.eye(k)
    return {"X": S @ A.T + rng.normal(0, 3, size=k)}


def _judge_whitening(Z, x):
    X = x["X"]
    Z = np.asarray(Z, dtype=float)
    if Z.shape != X.shape:
        return Problem("whiten(X) should return an array with the same shape as X.",
                       f"Expected shape {X.shape}, got {Z.shape}.")
    if not np.all(np.isfinite(Z)):
        return "whiten(X) contains nan or inf."
    if np.max(np.abs(Z.mean(axis=0))) > 1e-8:
        return "The whitened data should have mean zero: subtract the mean of each column first."
    C = Z.T @ Z / Z.shape[0]
    # 1/n or 1/(n − 1) are both fine: they differ by a factor 1 + 1/n ≈ 1.002 here
    if np.max(np.abs(C - np.eye(C.shape[0]))) > 5e-3:
        return Problem("The covariance of the whitened data is not the identity.",
                       f"Got cov(Z) with diagonal {np.round(np.diag(C), 3)}; use K = D^(-1/2) Eᵀ from the "
                       "eigendecomposition cov(X) = E D Eᵀ.")
    Xt = np.hstack([np.ones((X.shape[0], 1)), X])           # Z must be an affine function of X
    coef, *_ = np.linalg.lstsq(Xt, Z, rcond=None)
    if np.max(np.abs(Xt @ coef - Z)) > 1e-6:
        return "The whitened data should be a linear function of the centred data, Z = (X − mean) Kᵀ."
    return None


register(
    "ica.whiten",
    inputs=_mixtures,
    ask=lambda whiten, x: whiten(x["X"]),
    judge=_judge_whitening,
    doc="Whitening: Z = (X − mean) Kᵀ with identity covariance.",
)


def _unmixing_problem(rng):
    k = int(rng.integers(3, 6))
    A = rng.normal(size=(k, k))
    W = np.linalg.inv(A) + rng.normal(scale=rng.choice([0.01, 0.3]), size=(k, k))
    return {"W": W, "A": A, "P": rng.permutation(np.eye(k)) * rng.uniform(0.5, 2, size=k)}


register(
    "ica.amari_index",
    inputs=_unmixing_problem,
    ask=lambda amari, x: [amari(x["W"], x["A"]), amari(x["P"] @ np.linalg.inv(x["A"]), x["A"])],
    judge=lambda got, x: close(got, [ica.amari_index(x["W"], x["A"]), 0.0], what="the Amari index",
                               rtol=1e-6, atol=1e-9,
                               hint="Use P = |W A|, divide each row by its largest entry and each column by its "
                                    "largest entry, and normalise by 2k(k − 1); a scaled permutation scores 0."),
    doc="The Amari index of W A.",
)


def _fastica_problem(rng):
    n, k = int(rng.integers(300, 600)), int(rng.integers(2, 5))
    Z = ica.whiten(rng.laplace(size=(n, k)) @ rng.normal(size=(k, k))).Z
    w = rng.normal(size=k)
    return {"Z": Z, "w": w / np.linalg.norm(w)}


register(
    "ica.fastica_update",
    inputs=_fastica_problem,
    ask=lambda update, x: update(x["w"], x["Z"]),
    judge=lambda got, x: close(got, ica.fastica_update(x["w"], x["Z"]), what="the updated w",
                               rtol=1e-6, atol=1e-9,
                               hint="w⁺ = mean of z·tanh(wᵀz) minus mean of (1 − tanh²(wᵀz)) times w, "
                                    "then divide by its norm."),
    doc="One fixed-point step of one-unit FastICA with g = tanh.",
)


def _infomax_problem(rng):
    b, k = int(rng.integers(20, 60)), int(rng.integers(2, 5))
    return {"W": np.eye(k) + rng.normal(scale=0.3, size=(k, k)), "Z": rng.laplace(size=(b, k)),
            "eta": float(rng.uniform(0.01, 0.1))}


register(
    "ica.natural_gradient_step",
    inputs=_infomax_problem,
    ask=lambda step, x: step(x["W"], x["Z"], x["eta"]),
    judge=lambda got, x: close(got, ica.natural_gradient_step(x["W"], x["Z"], x["eta"]),
                               what="W after one natural-gradient step", rtol=1e-6, atol=1e-9,
                               hint="W + η (I + mean over the batch of (1 − 2y) uᵀ) W with u = W z and "
                                    "y = 1/(1 + e^(−u)); each row of Z is one sample z."),
    doc="One infomax step with Amari's natural gradient.",
)


def _judge_uniform_kurtosis(got, x):
    value = number(got, what="the excess kurtosis")
    if isinstance(value, Problem):
        return value
    return close(value, -1.2, what="the excess kurtosis of a uniform distribution", rtol=0, atol=0.01,
                 hint="For y uniform on [−a, a], E[y²] = a²/3 and E[y⁴] = a⁴/5; excess kurtosis subtracts 3.")


register(
    "ica.uniform_kurtosis",
    ask=lambda k, x: k,
    judge=_judge_uniform_kurtosis,
    doc="The excess kurtosis of a uniform distribution (exact).",
)
