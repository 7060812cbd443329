"""Checks for week 4's exercises (``notebooks/04-ica.ipynb``)."""

import itertools

import numpy as np

from .. import ica
from ..grading import Problem, close, function_check, register

# ---- Exercise 1: whitening ---------------------------------------------------------------------------


def _mixtures(rng):
    """A few hundred samples of 3 Laplace sources, mixed and shifted far from 0 (so centring matters)."""
    n, k = int(rng.integers(400, 800)), 3
    S = rng.laplace(size=(n, k))
    A = rng.normal(size=(k, k)) + 2 * np.eye(k)
    return {"X": S @ A.T + rng.normal(0, 3, size=k)}


def _read_array(got, what):
    try:
        Z = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return Problem(f"{what} should be an array of numbers.", f"Got {type(got).__name__}.")
    return Z


def _judge_whitening(got, x):
    X = x["X"]
    Z = _read_array(got, "whiten(X)")
    if isinstance(Z, Problem):
        return Z
    if Z.shape != X.shape:
        return Problem("whiten(X) should return an array with the same shape as X (samples × channels).",
                       f"Expected shape {X.shape}, got {Z.shape}.")
    if not np.all(np.isfinite(Z)):
        return Problem("whiten(X) contains nan or inf.")
    if np.max(np.abs(Z.mean(axis=0))) > 1e-6 * max(1.0, np.abs(Z).max()):
        return Problem("The whitened data should have mean zero: subtract the mean of each column first.",
                       f"Column means {np.round(Z.mean(axis=0), 3)}.")
    C = Z.T @ Z / Z.shape[0]
    # 1/n or 1/(n − 1) in the covariance are both fine: they differ by a factor 1 + 1/n ≈ 1.002 here
    if np.max(np.abs(C - np.eye(C.shape[0]))) > 5e-3:
        Xc = X - X.mean(axis=0)
        d = np.linalg.eigvalsh(Xc.T @ Xc / len(X))
        variances = np.sort(np.linalg.eigvalsh(C))
        if np.allclose(variances, np.sort(1 / d), rtol=5e-3):
            return Problem("The whitened data have variances 1/d instead of 1: scale each principal component "
                           "by 1/√d, not by 1/d (K = D^(−1/2) Eᵀ).")
        if np.allclose(variances, np.sort(d), rtol=5e-3):
            return Problem("The data are rotated onto the principal axes but not rescaled: divide each component "
                           "by the square root of its variance, K = D^(−1/2) Eᵀ.")
        return Problem("The covariance of the whitened data is not the identity.",
                       f"Got cov(Z) with diagonal {np.round(np.diag(C), 3)}; use K = D^(−1/2) Eᵀ from the "
                       "eigendecomposition cov(X) = E D Eᵀ.")
    Xt = np.hstack([np.ones((X.shape[0], 1)), X])           # Z must be an affine function of X
    coef, *_ = np.linalg.lstsq(Xt, Z, rcond=None)
    if np.max(np.abs(Xt @ coef - Z)) > 1e-6 * max(1.0, np.abs(Z).max()):
        return Problem("The whitened data should be a linear function of the centred data, Z = (X − mean) Kᵀ.")
    return None


register(
    "ica.whiten",
    inputs=_mixtures,
    ask=lambda whiten, x: whiten(x["X"].copy()),
    judge=_judge_whitening,
    doc="Whitening: Z = (X − mean) Kᵀ with identity covariance.",
)


# ---- Exercise 2: the Amari index ---------------------------------------------------------------------

def _amari_parts(W, A):
    P = np.abs(W @ A)
    rows = (P.sum(axis=1) / P.max(axis=1) - 1).sum()
    cols = (P.sum(axis=0) / P.max(axis=0) - 1).sum()
    return rows, cols, P.shape[0]


def _unmixing_problem(rng):
    calls = []
    for k in rng.choice(np.arange(3, 7), size=2, replace=False):
        k = int(k)
        A = rng.normal(size=(k, k))
        W = np.linalg.inv(A) + rng.normal(scale=0.3, size=(k, k))
        W[0] *= -3.0                                         # a negative, rescaled row: |·| and the maxima matter
        calls.append((W, A))
    k = int(rng.integers(3, 6))
    A = rng.normal(size=(k, k))
    P = rng.permutation(np.eye(k)) * rng.choice([-1, 1], size=k) * rng.uniform(0.5, 2, size=k)
    calls.append((P @ np.linalg.inv(A), A))                  # a scaled, signed permutation: exactly 0
    return calls


function_check(
    "ica.amari_index",
    reference=ica.amari_index,
    calls=_unmixing_problem,
    what="the Amari index", rtol=1e-6, atol=1e-9,
    hint="P = |W A|; divide each row by its largest entry and each column by its largest entry, subtract 1 "
         "from each row's and each column's sum, add everything up and divide by 2k(k − 1).",
    diagnoses=[
        (lambda W, A: (lambda r, c, k: r + c)(*_amari_parts(W, A)),
         "The normalisation is missing: divide the sum by 2k(k − 1), so that the index lies between 0 and 1."),
        (lambda W, A: (lambda r, c, k: (r + c) / (k * (k - 1)))(*_amari_parts(W, A)),
         "Divide by 2k(k − 1), not k(k − 1): there are k row terms and k column terms, each at most k − 1."),
        (lambda W, A: (lambda r, c, k: r / (k * (k - 1)))(*_amari_parts(W, A)),
         "Only the rows are counted: add the column terms too, Σ_j (Σ_i |p_ij| / max_l |p_lj| − 1)."),
        (lambda W, A: (lambda r, c, k: (r + c + 2 * k) / (2 * k * (k - 1)))(*_amari_parts(W, A)),
         "Subtract 1 from each row's and each column's normalised sum: a perfect separation must score 0."),
        (lambda W, A: (lambda P, k: ((P.sum(1) / P.max(1) - 1).sum() + (P.sum(0) / P.max(0) - 1).sum())
                       / (2 * k * (k - 1)))(W @ A, len(W)),
         "Take absolute values first, P = |W A|: a negative entry is as much a leak as a positive one."),
    ],
    doc="The Amari index of W A, between 0 (a scaled permutation) and 1.",
)


# ---- Exercise 3: one FastICA step (warm-up for the build-it) -----------------------------------------

def _fastica_problem(rng):
    n, k = int(rng.integers(300, 600)), int(rng.integers(2, 5))
    Z = ica.whiten(rng.laplace(size=(n, k)) @ rng.normal(size=(k, k))).Z
    w = rng.normal(size=k)
    return [(w / np.linalg.norm(w), Z)]


def _unit(v):
    return v / np.linalg.norm(v)


function_check(
    "ica.fastica_update",
    reference=ica._fastica_update,
    calls=_fastica_problem,
    what="the updated w", rtol=1e-6, atol=1e-9,
    hint="w⁺ = E[z tanh(wᵀz)] − E[1 − tanh²(wᵀz)] w, with E the mean over the samples (the rows of Z), "
         "then divide by its norm.",
    diagnoses=[
        (lambda w, Z: (lambda g: Z.T @ g / len(Z) - np.mean(1 - g**2) * w)(np.tanh(Z @ w)),
         "Normalise: return w⁺/‖w⁺‖, a unit vector."),
        (lambda w, Z: _unit((lambda g: Z.T @ g / len(Z) + np.mean(1 - g**2) * w)(np.tanh(Z @ w))),
         "The second term is subtracted: w⁺ = E[z g(wᵀz)] − E[g'(wᵀz)] w."),
        (lambda w, Z: _unit((lambda g: Z.T @ g / len(Z) - np.mean(1 - g) * w)(np.tanh(Z @ w))),
         "g'(u) is the derivative of tanh, 1 − tanh²(u), not 1 − tanh(u)."),
        (lambda w, Z: _unit((lambda g: Z.T @ g - np.mean(1 - g**2) * w)(np.tanh(Z @ w))),
         "E[z g(wᵀz)] is a mean over the samples: divide Zᵀ g by the number of samples."),
    ],
    doc="One fixed-point step of one-unit FastICA with g = tanh.",
)


# ---- Exercise: one infomax step with the natural gradient --------------------------------------------

def _infomax_problem(rng):
    b, k = int(rng.integers(20, 60)), int(rng.integers(2, 5))
    W = np.eye(k) + rng.normal(scale=0.3, size=(k, k))
    return [(W, rng.laplace(size=(b, k)), float(rng.uniform(0.01, 0.1)))]


def _step(W, Z, eta, *, sign=1.0, natural=True, mean=True, transpose=True):
    U = Z @ (W.T if transpose else W)
    Y = 1 / (1 + np.exp(-U))
    G = np.eye(len(W)) + sign * (1 - 2 * Y).T @ U / (len(Z) if mean else 1.0)
    return W + eta * (G @ W if natural else G)


function_check(
    "ica.natural_gradient_step",
    reference=ica._natural_gradient_step,
    calls=_infomax_problem,
    what="W after one natural-gradient step", rtol=1e-6, atol=1e-9,
    hint="W + η (I + mean over the batch of (1 − 2y) uᵀ) W with u = W z and y = 1/(1 + e^(−u)); each row "
         "of Z is one sample z, so U = Z Wᵀ.",
    diagnoses=[
        (lambda W, Z, eta: _step(W, Z, eta, sign=-1.0), "The factor is (1 − 2y), not (2y − 1)."),
        (lambda W, Z, eta: _step(W, Z, eta, natural=False),
         "The natural gradient multiplies [I + ⟨(1 − 2y) uᵀ⟩] by W on the right: ΔW = η [I + ⟨(1 − 2y) uᵀ⟩] W."),
        (lambda W, Z, eta: _step(W, Z, eta, mean=False), "⟨·⟩ is the mean over the batch: divide by its size."),
        (lambda W, Z, eta: _step(W, Z, eta, transpose=False),
         "u = W z for a sample z; with the samples in the rows of Z that is U = Z Wᵀ, not Z W."),
    ],
    doc="One infomax step with Amari's natural gradient.",
)


# ---- Exercise: the kurtosis of a sparse source, exactly -----------------------------------------------

def _mixture_kurtosis(p, s1, s2):
    m2 = p * s1**2 + (1 - p) * s2**2
    m4 = 3 * (p * s1**4 + (1 - p) * s2**4)
    return m4 / m2**2 - 3


def _kurtosis_problem(rng):
    calls = [(float(rng.uniform(0.1, 0.9)), float(rng.uniform(0.1, 1.0)), float(rng.uniform(1.0, 4.0)))
             for _ in range(3)]
    calls.append((float(rng.uniform(0.2, 0.8)), 0.0, float(rng.uniform(0.5, 2.0))))     # silent a fraction p
    return calls


def _compare_kurtosis(got, expected, args):
    problem = close(got, expected, what="the excess kurtosis", rtol=1e-6, atol=1e-9,
                    hint="E[y²] = pσ₁² + (1 − p)σ₂² and E[y⁴] = 3(pσ₁⁴ + (1 − p)σ₂⁴).")
    if problem is None or isinstance(problem, Problem) and "number" in problem.reason:
        return problem
    try:
        near = abs(float(np.asarray(got, dtype=float).reshape(())) - expected) < 0.1 * abs(expected) + 0.05
    except (TypeError, ValueError):
        return problem
    if near:
        return Problem("Close, but not exact: did you estimate it from samples? Work out E[y²] and E[y⁴] of the "
                       "mixture exactly.", problem.detail)
    return problem


function_check(
    "ica.mixture_kurtosis",
    reference=_mixture_kurtosis,
    calls=_kurtosis_problem,
    compare=_compare_kurtosis,
    rtol=1e-6, atol=1e-9,
    diagnoses=[
        (lambda p, s1, s2: _mixture_kurtosis(p, s1, s2) + 3,
         "That is the kurtosis E[y⁴]/E[y²]²; the excess kurtosis subtracts 3, the value for a Gaussian."),
        (lambda p, s1, s2: (p * s1**4 + (1 - p) * s2**4) / (p * s1**2 + (1 - p) * s2**2) ** 2 - 3,
         "E[y⁴] of a Gaussian of standard deviation σ is 3σ⁴, not σ⁴."),
        (lambda p, s1, s2: 0.0 * p,
         "A mixture of Gaussians is not Gaussian: E[y²]² is the square of the mixture's variance, "
         "(pσ₁² + (1 − p)σ₂²)², not the mixture of the squares."),
    ],
    doc="The excess kurtosis of a Gaussian scale mixture: N(0, σ₁²) with probability p, N(0, σ₂²) otherwise.",
)


# ---- Build it: FastICA by deflation ------------------------------------------------------------------

AMARI_TARGET = 0.05     # ours, the chapter's target: the reference (log cosh, tol 1e-8) scores 0.008 on average on
                        # these mixtures, 0.019 at the 99th percentile and 0.025 at worst over 2,000 draws


def _sources(rng, n, k):
    """k independent unit-variance sources of mixed kinds, super- and sub-Gaussian."""
    draw = {"Laplace": lambda: rng.laplace(size=n),
            "uniform": lambda: rng.uniform(-1, 1, size=n),
            "sparse": lambda: rng.normal(size=n) * (rng.random(n) < 0.3),
            "bimodal": lambda: rng.choice([-1.0, 1.0], size=n) + 0.4 * rng.normal(size=n)}
    cols = [draw[kind]() for kind in rng.choice(list(draw), size=k)]
    S = np.column_stack(cols)
    return (S - S.mean(axis=0)) / S.std(axis=0)


def _transposed_amari(K, A, orders):
    """min over the signed permutations D in ``orders`` of the Amari index of (D W*)ᵀ, W* = (KA)⁻¹ the true
    unmixing matrix: ica.amari_index((D @ W*).T @ K, A) for all D at once."""
    return float(np.min(ica._amari(np.abs(np.linalg.inv(K @ A).T @ orders.transpose(0, 2, 1) @ (K @ A)))))


def _deflation_problem(rng):
    """Whitened mixtures, turned by a random rotation Q (Z → Z Qᵀ, K → Q K: still white) until the transpose
    of the true unmixing matrix, in whatever order and with whatever signs the units are found, does not
    separate them too (Amari index above 0.1, twice the target): otherwise, on some draws,
    W returned with its units in the columns passes."""
    k, n = int(rng.integers(3, 5)), 10_000
    A = ica.random_mixing(k, rng=rng)
    wh = ica.whiten(_sources(rng, n, k) @ A.T)
    Z, K = wh.Z, wh.K
    orders = np.array([np.eye(k)[list(p)] * np.array(signs)[:, None] for p in itertools.permutations(range(k))
                       for signs in itertools.product((-1.0, 1.0), repeat=k)])
    while _transposed_amari(K, A, orders) < 2 * AMARI_TARGET:
        Q, R = np.linalg.qr(rng.normal(size=(k, k)))
        Q = Q * np.sign(np.diag(R))                      # a uniformly random orthogonal matrix
        Z, K = Z @ Q.T, Q @ K
    return {"Z": Z, "K": K, "A": A, "seed": int(rng.integers(2**31))}


def _reference_deflation(Z, rng, tol=1e-8, max_iter=500):
    return ica.fastica(Z, algorithm="deflation", rng=rng, tol=tol, max_iter=max_iter).unmixing


def _judge_deflation(got, x):
    k = x["A"].shape[1]
    W = _read_array(got, "fastica_deflation(Z, rng)")
    if isinstance(W, Problem):
        return W
    if W.shape != (k, k):
        return Problem(f"W should be a k × k matrix, one row per unit (k = {k}, the number of columns of Z).",
                       f"Got shape {W.shape}.")
    if not np.all(np.isfinite(W)) or np.any(np.linalg.norm(W, axis=1) == 0):
        return Problem("W contains nan, inf or a zero row.")
    U = W / np.linalg.norm(W, axis=1, keepdims=True)
    overlap = np.abs(U @ U.T) - np.eye(k)
    if overlap.max() > 0.9:
        i, j = np.unravel_index(np.argmax(overlap), overlap.shape)
        return Problem("Two rows of W found the same source: orthogonalise every new w against the units already "
                       "found (Gram–Schmidt, w ← w − Σ_j (wᵀw_j) w_j) at every iteration, not only at the start.",
                       f"Rows {min(i, j)} and {max(i, j)} have |cos| = {overlap.max():.3f}.")
    E = ica.amari_index(W @ x["K"], x["A"])
    if E < AMARI_TARGET:
        return None
    if ica.amari_index(W.T @ x["K"], x["A"]) < AMARI_TARGET:
        return Problem("The units are in the columns of W: return them as its rows, u = W z.")
    Z = x["Z"]
    moved = max(1 - abs(u @ ica._fastica_update(u, Z)) for u in U)
    said = f"Amari index {E:.3f}; the target is below {AMARI_TARGET}."
    if moved > 1e-4:
        return Problem("The units have not converged: one more FastICA step still moves them. Iterate each unit until "
                       "1 − |wᵀw_old| < tol (say 1e-8).", f"{said} One more step moves a unit by 1 − |wᵀw⁺| = {moved:.1e}.")
    return Problem("The units are fixed points of a FastICA step but do not separate the sources.", said)


register(
    "ica.fastica_deflation",
    inputs=_deflation_problem,
    ask=lambda fastica_deflation, x: fastica_deflation(x["Z"].copy(), np.random.default_rng(x["seed"])),
    judge=_judge_deflation,
    doc="Build it: FastICA by deflation on whitened data; returns W (k × k, one unit per row); judged by the Amari "
        "index on fresh mixtures of 3 or 4 sub- and super-Gaussian sources (target < 0.05, ours).",
)
