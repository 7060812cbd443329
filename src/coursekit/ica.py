"""Week 4 — independent component analysis.

Whitening; infomax with the natural gradient (Bell & Sejnowski 1995; Amari, Cichocki & Yang 1996);
FastICA, one unit at a time (deflation) or all at once (symmetric) (Hyvärinen & Oja 1997, 2000);
the Amari index as the measure of separation; synthetic "speakers" for the cocktail party and
patches of scikit-learn's bundled photographs for the filters of natural images (Bell & Sejnowski 1997).

Notation (chapter 4). Data are stored like scikit-learn's: ``X`` is (n samples × m channels), one
observation ``x = A s`` per row, so ``X = S Aᵀ`` for sources ``S`` (n × k) and a mixing matrix ``A``
(m × k). Whitening ``z = K (x − mean)`` gives ``Z = (X − mean) Kᵀ`` with ``cov(Z) = I``. In the
whitened space the unmixing ``W`` (k × k, rows ``w_i``) gives outputs ``u = W z``; in the data space
the unmixing is ``W K`` and the estimated mixing matrix its pseudo-inverse.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._history import History
from ._numerics import one_blas_thread, sigmoid, softplus
from ._validate import OneOf, Rng, as_array, as_matrix, as_rng, in_range, positive, positive_int, validate

__all__ = [
    "Whitening", "whiten", "ICAResult", "fastica", "infomax",
    "amari_index", "kurtosis", "negentropy", "projection_kurtosis",
    "speakers", "random_mixing", "image_patches",
]


# --------------------------------------------------------------------------------------------
# Whitening
# --------------------------------------------------------------------------------------------

@dataclass
class Whitening:
    """``Z = (X − mean) Kᵀ`` has identity covariance; ``variances`` are the eigenvalues of cov(X) kept.

    Used in: week 4, notebooks/04-ica.ipynb, through :func:`whiten`.
    """
    Z: np.ndarray
    K: np.ndarray
    mean: np.ndarray
    variances: np.ndarray

    def transform(self, X) -> np.ndarray:
        """Whiten new data with the same mean and matrix."""
        X = as_matrix(X, name="X", shape=(None, self.K.shape[1]))
        return (X - self.mean) @ self.K.T


@validate(method=OneOf("pca", "zca"))
def whiten(X, n_components: int | None = None, method: str = "pca") -> Whitening:
    """Whiten the rows of ``X``: ``z = K (x − x̄)`` with ``E[z zᵀ] = I``.

    With ``C = E D Eᵀ`` the eigendecomposition of the covariance ``C = (1/n) Σ (x − x̄)(x − x̄)ᵀ``
    (eigenvalues in decreasing order):
    - ``method="pca"``: ``K = D^{-1/2} Eᵀ`` — project on the principal axes and rescale them; keeps
      the leading ``n_components`` axes (dimension reduction);
    - ``method="zca"``: ``K = E D^{-1/2} Eᵀ = C^{-1/2}`` — the symmetric ("zero-phase") whitening of
      Bell & Sejnowski (1997), the whitening that stays closest to the data; needs all components.
    Any ``R K`` with ``R`` orthogonal also whitens: whitening fixes the unmixing only up to a rotation.
    The covariance uses 1/n, as scikit-learn's ``FastICA(whiten="unit-variance")`` does.

    Used in: week 4, notebooks/04-ica.ipynb.
    """
    X = as_matrix(X, name="X")
    n, m = X.shape
    if n < 2:
        raise ValueError(f"X must have at least 2 rows (samples); got {n}")
    k = m if n_components is None else positive_int(n_components, name="n_components")
    if k > m:
        raise ValueError(f"n_components must be <= the number of columns of X ({m}); got {k}")
    if method == "zca" and k != m:
        raise ValueError(f"method='zca' keeps every component; leave n_components=None or use method='pca'; "
                         f"got n_components={k} of {m}")
    mean = X.mean(axis=0)
    Xc = X - mean
    d, E = np.linalg.eigh(Xc.T @ Xc / n)
    d, E = d[::-1][:k], E[:, ::-1][:, :k]
    if d[-1] <= 1e-12 * max(d[0], 1e-300):
        raise ValueError(f"the covariance of X is (nearly) singular: variance {d[-1]:.2g} along component {k}; "
                         "reduce n_components")
    E = E * np.where(E[np.abs(E).argmax(axis=0), np.arange(k)] < 0, -1.0, 1.0)   # fixed signs
    K = E.T / np.sqrt(d)[:, None]
    if method == "zca":
        K = E @ K
    return Whitening(Xc @ K.T, K, mean, d)


# --------------------------------------------------------------------------------------------
# Contrast functions: kurtosis and negentropy
# --------------------------------------------------------------------------------------------

def kurtosis(Y, axis: int = 0) -> np.ndarray:
    """Excess kurtosis ``E[y⁴]/E[y²]² − 3`` of each column (zero-mean assumed after centring).

    0 for a Gaussian, −1.2 for a uniform, +3 for a Laplace distribution: sub- and super-Gaussian.

    Used in: week 4, notebooks/04-ica.ipynb.
    """
    Y = as_array(Y, name="Y")
    Yc = Y - Y.mean(axis=axis, keepdims=True)
    m2 = np.mean(Yc**2, axis=axis)
    return np.mean(Yc**4, axis=axis) / m2**2 - 3.0


_G_GAUSS = 0.3745672075       # E[log cosh ν] for ν ~ N(0, 1), by quadrature


def negentropy(Y, axis: int = 0) -> np.ndarray:
    """Hyvärinen's approximation ``J(y) ∝ (E[G(y)] − E[G(ν)])²`` with ``G = log cosh`` and ν ~ N(0, 1).

    Each column is standardised first. J ≥ 0, and J = 0 exactly for a Gaussian (Hyvärinen & Oja 2000, eq. 25).

    Used in: no notebook yet (week 4's module; tested in tests/test_ica.py).
    """
    Y = as_array(Y, name="Y")
    Yc = Y - Y.mean(axis=axis, keepdims=True)
    Ys = Yc / Yc.std(axis=axis, keepdims=True)
    a = np.abs(Ys)
    logcosh = a + softplus(-2 * a) - np.log(2.0)                # log cosh without overflow
    return (np.mean(logcosh, axis=axis) - _G_GAUSS) ** 2


def projection_kurtosis(Z, angles) -> np.ndarray:
    """Kurtosis of the projection ``z·(cos θ, sin θ)`` of 2-D whitened data, for each angle θ.

    For independent non-Gaussian sources it peaks (in |·|) where the direction lines up with a source;
    for Gaussian sources it is flat: every rotation of white Gaussian data is white Gaussian data.

    Used in: week 4, notebooks/04-ica.ipynb.
    """
    Z = as_matrix(Z, name="Z", shape=(None, 2))
    angles = as_array(angles, name="angles", ndim=1)
    return kurtosis(Z @ np.stack([np.cos(angles), np.sin(angles)]), axis=0)


# --------------------------------------------------------------------------------------------
# The Amari index
# --------------------------------------------------------------------------------------------

def amari_index(W, A) -> float:
    """Amari, Cichocki & Yang (1996): how far ``P = W A`` is from a scaled permutation matrix.

    E = 1/(2k(k−1)) [Σ_i (Σ_j |p_ij| / max_l |p_il| − 1) + Σ_j (Σ_i |p_ij| / max_l |p_lj| − 1)],
    between 0 (perfect separation, up to order and scale) and 1. ``W``: unmixing (k × m), ``A``:
    mixing (m × k). Invariant to rescaling and reordering the rows of W.

    Used in: week 4, notebooks/04-ica.ipynb.
    """
    W = as_matrix(W, name="W")
    A = as_matrix(A, name="A")
    if W.shape[1] != A.shape[0] or W.shape[0] != A.shape[1]:
        raise ValueError(f"W (k × m) and A (m × k) must give a square product W A; got W {W.shape} and A {A.shape}")
    k = W.shape[0]
    if k < 2:
        raise ValueError(f"the Amari index needs at least 2 sources; got W of shape {W.shape}")
    P = np.abs(W @ A)
    if np.any(P.max(axis=1) == 0) or np.any(P.max(axis=0) == 0):
        rows, cols = np.flatnonzero(P.max(axis=1) == 0), np.flatnonzero(P.max(axis=0) == 0)
        where = f"row {rows[0]}" if rows.size else f"column {cols[0]}"
        raise ValueError(f"W A has a zero {where}: W does not see every source")
    return float(_amari(P))


def _amari(P: np.ndarray) -> np.ndarray:
    """The Amari index of |W A| = P, over the last two axes (a stack of k × k products at once); no checks."""
    k = P.shape[-1]
    rows = (P.sum(axis=-1) / P.max(axis=-1) - 1).sum(axis=-1)
    cols = (P.sum(axis=-2) / P.max(axis=-2) - 1).sum(axis=-1)
    return (rows + cols) / (2 * k * (k - 1))


# --------------------------------------------------------------------------------------------
# FastICA
# --------------------------------------------------------------------------------------------

def _g_logcosh(U):
    """g = G' and mean g' for G(u) = log cosh u (robust, the default)."""
    gU = np.tanh(U)
    return gU, 1.0 - np.einsum("ij,ij->i", gU, gU) / U.shape[1]


def _g_cube(U):
    """G(u) = u⁴/4: the kurtosis-based rule, cubically convergent (Hyvärinen & Oja 1997)."""
    return U**3, 3.0 * np.einsum("ij,ij->i", U, U) / U.shape[1]


def _g_exp(U):
    """G(u) = −exp(−u²/2): for very super-Gaussian sources."""
    e = np.exp(-0.5 * U**2)
    return U * e, np.mean((1 - U**2) * e, axis=1)


_NONLINEARITIES = {"logcosh": _g_logcosh, "cube": _g_cube, "exp": _g_exp}


@validate(fun=OneOf(*_NONLINEARITIES))
def _fastica_update(w, Z, fun: str = "logcosh") -> np.ndarray:
    """One fixed-point step of one-unit FastICA, ``w⁺ = E[z g(wᵀz)] − E[g'(wᵀz)] w``, then ``w⁺/‖w⁺‖``.

    Z: whitened data (n × k); w: unit vector (k,). With ``g = tanh`` (``fun="logcosh"``), ``u³``
    (``"cube"``) or ``u exp(−u²/2)`` (``"exp"``). Hyvärinen & Oja (2000), eq. 40.

    Private: an exercise of week 4 asks for it (notebooks/04-ica.ipynb); its check compares with this.
    """
    Z = as_matrix(Z, name="Z")
    w = as_array(w, name="w", ndim=1)
    if w.size != Z.shape[1]:
        raise ValueError(f"w must have {Z.shape[1]} entries (one per column of Z); got {w.size}")
    gu, dg = _NONLINEARITIES[fun]((Z @ w)[None, :])
    w_new = gu[0] @ Z / Z.shape[0] - dg[0] * w
    return w_new / np.linalg.norm(w_new)


def _sym_decorrelate(W):
    """W ← (W Wᵀ)^{-1/2} W: the nearest orthogonal matrix (symmetric decorrelation)."""
    s, U = np.linalg.eigh(W @ W.T)
    s = np.maximum(s, np.finfo(float).tiny)
    return (U / np.sqrt(s)) @ U.T @ W


@dataclass
class ICAResult:
    """An ICA fit.

    ``W``: unmixing in the whitened space (k × k); ``unmixing = W K`` (k × m) and ``mixing`` its
    pseudo-inverse (m × k) act on the data; ``sources = (X − mean) unmixingᵀ`` (n × k).
    ``distance``: for FastICA one array per component (deflation) or one array (symmetric, the worst
    row) of ``1 − |wᵀ w_old|`` per iteration. ``history`` records the data-space ``unmixing`` after each
    epoch of infomax (empty for FastICA).

    Used in: week 4, notebooks/04-ica.ipynb, through :func:`fastica` and :func:`infomax`.
    """
    W: np.ndarray
    whitening: Whitening
    sources: np.ndarray = field(repr=False)
    n_iter: list
    converged: bool
    distance: list = field(default_factory=list, repr=False)
    history: History = field(default_factory=lambda: History("unmixing"), repr=False)

    @property
    def unmixing(self) -> np.ndarray:
        return self.W @ self.whitening.K

    @property
    def mixing(self) -> np.ndarray:
        return np.linalg.pinv(self.unmixing)


def _initial(W_init, k, rng, name="w_init"):
    if W_init is None:
        return rng.normal(size=(k, k))
    W0 = as_matrix(W_init, name=name, shape=(k, k))
    return W0.copy()


@validate(algorithm=OneOf("symmetric", "deflation"), fun=OneOf(*_NONLINEARITIES), rng=Rng(optional=True),
          whitening=OneOf("pca", "zca"))
def fastica(X, n_components: int | None = None, *, algorithm: str = "symmetric", fun: str = "logcosh",
            tol: float = 1e-4, max_iter: int = 200, rng=None, w_init=None,
            whitening: str = "pca") -> ICAResult:
    """FastICA (Hyvärinen & Oja 1997, 2000): maximise non-Gaussianity by a fixed-point iteration.

    After whitening, each row ``w`` is updated by ``w ← E[z g(wᵀz)] − E[g'(wᵀz)] w`` — an approximate
    Newton step on ``E[G(wᵀz)]`` under ``‖w‖ = 1`` — and the rows are kept orthonormal:
    - ``algorithm="deflation"``: one unit after the other, Gram–Schmidt against the units found,
      ``w ← w − Σ_j (wᵀw_j) w_j``, then ``w ← w/‖w‖``;
    - ``algorithm="symmetric"``: all units at once, ``W ← (W Wᵀ)^{-1/2} W`` (as scikit-learn's
      ``algorithm="parallel"``).
    A unit has converged when ``1 − |wᵀ w_old| < tol`` (``tol`` as in scikit-learn). ``rng`` (a seed
    or a Generator) draws the random start; it is needed unless ``w_init`` (k × k) is given.

    Used in: week 4, notebooks/04-ica.ipynb.
    """
    X = as_matrix(X, name="X")
    g = _NONLINEARITIES[fun]
    tol = positive(tol, name="tol")
    max_iter = positive_int(max_iter, name="max_iter")
    if w_init is None and rng is None:
        raise TypeError("rng is required (a seed or a numpy.random.Generator) unless w_init is given; got None")
    wh = whiten(X, n_components, method=whitening)
    k = wh.K.shape[0]
    W0 = _initial(w_init, k, rng)
    Zt = np.ascontiguousarray(wh.Z.T)                     # (k, n): W @ Zt is one matrix product
    n = Zt.shape[1]
    if algorithm == "symmetric":
        W = _sym_decorrelate(W0)
        dist = []
        for it in range(1, max_iter + 1):
            gU, dg = g(W @ Zt)
            W_new = _sym_decorrelate(gU @ Zt.T / n - dg[:, None] * W)
            dist.append(float(np.max(1.0 - np.abs(np.einsum("ij,ij->i", W_new, W)))))
            W = W_new
            if dist[-1] < tol:
                break
        distances, n_iter, converged = [np.array(dist)], [it], dist[-1] < tol
    else:
        W = np.zeros((k, k))
        distances, n_iter, converged = [], [], True
        for j in range(k):
            w = W0[j] - W[:j].T @ (W[:j] @ W0[j])
            w /= np.linalg.norm(w)
            dist = []
            for it in range(1, max_iter + 1):
                gu, dg = g((w @ Zt)[None, :])
                w_new = Zt @ gu[0] / n - dg[0] * w
                w_new -= W[:j].T @ (W[:j] @ w_new)
                w_new /= np.linalg.norm(w_new)
                dist.append(float(1.0 - abs(w_new @ w)))
                w = w_new
                if dist[-1] < tol:
                    break
            W[j] = w
            distances.append(np.array(dist))
            n_iter.append(it)
            converged &= dist[-1] < tol
    return ICAResult(W, wh, (W @ Zt).T, n_iter, bool(converged), distances)


# --------------------------------------------------------------------------------------------
# Infomax with the natural gradient
# --------------------------------------------------------------------------------------------

def _natural_gradient_step(W, Z, eta: float) -> np.ndarray:
    """One infomax step with the natural gradient, on a batch ``Z`` (b × k) of whitened data.

    ``u = W z``, ``y = σ(u)`` (the logistic of Bell & Sejnowski 1995); the entropy gradient
    ``ΔW ∝ (Wᵀ)^{-1} + (1 − 2y) zᵀ`` times ``WᵀW`` (Amari et al. 1996) gives
    ``W ← W + η [I + ⟨(1 − 2y) uᵀ⟩] W``, with ⟨·⟩ the batch mean — no matrix inverse.

    Private: an exercise of week 4 asks for it (notebooks/04-ica.ipynb); its check compares with this.
    """
    W = as_matrix(W, name="W", square=True)
    Z = as_matrix(Z, name="Z", shape=(None, W.shape[0]))
    eta = positive(eta, name="eta")
    U = Z @ W.T
    return W + eta * (np.eye(W.shape[0]) + (1 - 2 * sigmoid(U)).T @ U / Z.shape[0]) @ W


@validate(rng=Rng(), whitening=OneOf("pca", "zca"))
def infomax(X, n_components: int | None = None, *, eta: float = 0.05, n_epochs: int = 30,
            batch_size: int = 64, anneal: float = 0.9, rng, w_init=None, whitening: str = "pca") -> ICAResult:
    """Bell & Sejnowski's infomax with Amari's natural gradient, by mini-batches over shuffled samples.

    Maximising the joint entropy of ``y = σ(W z)`` separates **super-Gaussian** sources (speech,
    natural-image features): the logistic's derivative is their assumed density. The step size
    decays as ``η_e = η · anneal^e`` over epochs ``e``. ``history.unmixing`` holds the data-space
    unmixing ``W K`` after every epoch (so a curve of the Amari index can be drawn); ``n_iter`` counts
    epochs.

    Used in: week 4, notebooks/04-ica.ipynb.
    """
    X = as_matrix(X, name="X")
    eta = positive(eta, name="eta")
    n_epochs = positive_int(n_epochs, name="n_epochs")
    batch_size = positive_int(batch_size, name="batch_size")
    anneal = in_range(anneal, 0.0, 1.0, name="anneal", closed="right")
    wh = whiten(X, n_components, method=whitening)
    k = wh.K.shape[0]
    W = np.eye(k) if w_init is None else _initial(w_init, k, rng)
    Z = wh.Z
    n = Z.shape[0]
    I = np.eye(k)
    history = History("unmixing")
    with one_blas_thread():
        for epoch in range(n_epochs):
            step = eta * anneal**epoch
            Zs = Z[rng.permutation(n)]
            for start in range(0, n - batch_size + 1, batch_size):
                Zb = Zs[start:start + batch_size]
                U = Zb @ W.T
                W = W + step * (I + (1 - 2 * sigmoid(U)).T @ U / batch_size) @ W
            if not np.all(np.isfinite(W)):
                raise FloatingPointError(f"infomax diverged in epoch {epoch + 1}; lower eta (now {eta:g})")
            history.record(unmixing=W @ wh.K)
    return ICAResult(W, wh, Z @ W.T, [n_epochs], True, [], history)


# --------------------------------------------------------------------------------------------
# Data: speakers for the cocktail party, patches of natural images
# --------------------------------------------------------------------------------------------

def speakers(n_speakers: int = 3, duration: float = 2.0, fs: int = 8000, *, rng, pause: float = 0.4):
    """Synthetic "voices": harmonic, vowel-like sounds in syllables separated by pauses.

    Each speaker has its own pitch f₀ (90–260 Hz) with a slow intonation contour, 1/h harmonics
    shaped by two random formants, and syllables of 150–350 ms with random loudness that decay within
    the syllable; a fraction ``pause`` of the syllables are silent. Its amplitude distribution is
    therefore sparse and super-Gaussian, like speech's. Returns ``(S, t)``: S is
    (n_samples × n_speakers) with unit variance, t the times in seconds.

    Used in: week 4, notebooks/04-ica.ipynb.
    """
    n_speakers = positive_int(n_speakers, name="n_speakers")
    duration = positive(duration, name="duration")
    fs = positive_int(fs, name="fs", minimum=1000)
    pause = in_range(pause, 0.0, 1.0, name="pause", closed="left")
    rng = as_rng(rng)
    t = np.arange(int(round(duration * fs))) / fs
    S = np.empty((t.size, n_speakers))
    h = np.arange(1, 40)
    for i in range(n_speakers):
        intonation = 0.08 * np.sin(2 * np.pi * rng.uniform(0.3, 1.5) * t + rng.uniform(0, 2 * np.pi))
        f0 = rng.uniform(90, 260) * (1 + intonation)
        phase = 2 * np.pi * np.cumsum(f0) / fs
        formants = rng.uniform([300, 900], [900, 2500])
        freqs = h * f0.mean()
        formant_gain = np.exp(-((freqs - formants[0]) / 250) ** 2) + np.exp(-((freqs - formants[1]) / 400) ** 2)
        amp = (formant_gain + 0.05) / h
        amp = np.where(freqs < fs / 2.2, amp, 0.0)
        voice = amp @ np.sin(np.outer(h, phase) + rng.uniform(0, 2 * np.pi, size=(h.size, 1)))
        # syllables of random length and loudness, separated by pauses, with smooth edges
        edges = np.cumsum(rng.uniform(0.15, 0.35, size=int(duration / 0.15) + 2))
        syllable = np.searchsorted(edges, t)
        loud = rng.lognormal(0.0, 0.5, size=edges.size + 1) * (rng.random(edges.size + 1) > pause)
        start = np.r_[0.0, edges][syllable]
        envelope = loud[syllable] * np.exp(-(t - start) / 0.12)        # each syllable decays
        ramp = np.hanning(int(0.02 * fs) + 1)
        envelope = np.convolve(envelope, ramp / ramp.sum(), mode="same")
        S[:, i] = voice * envelope
    S -= S.mean(axis=0)
    return S / S.std(axis=0), t


def random_mixing(k: int, *, rng, max_condition: float = 10.0) -> np.ndarray:
    """A random k × k mixing matrix with entries N(0, 1), redrawn until its condition number ≤ max_condition.

    Used in: week 4, notebooks/04-ica.ipynb.
    """
    k = positive_int(k, name="k")
    rng = as_rng(rng)
    max_condition = positive(max_condition, name="max_condition")
    if max_condition < 1:
        raise ValueError(f"max_condition must be >= 1; got {max_condition:g}")
    for _ in range(10_000):
        A = rng.normal(size=(k, k))
        if np.linalg.cond(A) <= max_condition:
            return A
    raise ValueError(f"no {k} × {k} Gaussian matrix with condition ≤ {max_condition:g} in 10000 draws; "
                     "raise max_condition")


def image_patches(size: int = 8, n_patches: int = 20000, *, rng, downsample: int = 2) -> np.ndarray:
    """Random square patches of scikit-learn's two bundled photographs (china, flower), in grey.

    Each image is converted to grey (mean of R, G, B, scaled to [0, 1]) and averaged over
    ``downsample × downsample`` blocks (so a patch covers more of the scene, and JPEG artefacts average out).
    Raw intensities, as in Bell & Sejnowski (1997). Returns (n_patches × size²), rows in raster order.

    Used in: week 4, notebooks/04-ica.ipynb.
    """
    from sklearn.datasets import load_sample_images

    size = positive_int(size, name="size", minimum=2)
    n_patches = positive_int(n_patches, name="n_patches")
    downsample = positive_int(downsample, name="downsample")
    rng = as_rng(rng)
    images = []
    for img in load_sample_images().images:
        grey = img.astype(float).mean(axis=2) / 255.0
        H, Wd = (s // downsample * downsample for s in grey.shape)
        blocks = grey[:H, :Wd].reshape(H // downsample, downsample, Wd // downsample, downsample)
        images.append(blocks.mean(axis=(1, 3)))
    which = rng.integers(len(images), size=n_patches)
    out = np.empty((n_patches, size, size))
    offs = np.arange(size)
    for i, img in enumerate(images):
        idx = np.flatnonzero(which == i)
        r = rng.integers(img.shape[0] - size + 1, size=idx.size)
        c = rng.integers(img.shape[1] - size + 1, size=idx.size)
        out[idx] = img[(r[:, None] + offs)[:, :, None], (c[:, None] + offs)[:, None, :]]
    return out.reshape(n_patches, size * size)
