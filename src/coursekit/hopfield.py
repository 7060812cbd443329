"""Week 2 — the Hopfield network: Hebbian storage, energy descent, recall, and its capacity.

Hopfield (1982), "Neural networks and physical systems with emergent collective computational
abilities"; Amit, Gutfreund & Sompolinsky (1985) for the capacity α_c ≈ 0.138.

Notation (chapter 2): ``N`` units with states ``s ∈ {−1, +1}ᴺ``, ``P`` stored patterns ``ξ`` (P × N),
load ``alpha = P/N``, weights ``W`` (N × N, symmetric, zero diagonal), local fields ``h = W s`` and
energy ``E(s) = −½ sᵀ W s``. Every function takes arrays whose last axis is the units, so a batch of
states is a 2-D array. The Boltzmann machine is in :mod:`coursekit.boltzmann`, the RBM in
:mod:`coursekit.rbm`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._numerics import scalar_or_array
from ._validate import Integer, OneOf, Rng, as_array, as_matrix, as_rng, as_spins, in_range, positive, validate

__all__ = [
    "ALPHA_C", "random_patterns", "hebbian_weights", "hopfield_energy", "local_fields", "update_sync",
    "AsyncUpdates", "update_async", "Recall", "recall", "overlap", "corrupt",
    "one_step_error", "one_step_error_theory", "retrieval_overlap", "ags_overlap",
]

ALPHA_C = 0.138   # Amit, Gutfreund & Sompolinsky (1985): retrieval states vanish above this load


@validate(P=Integer(1), N=Integer(1), rng=Rng())
def random_patterns(P: int, N: int, *, rng) -> np.ndarray:
    """P unbiased random patterns of N units, ξᵢ^μ = ±1 with probability ½ each.

    Used in: week 2, notebooks/02-hopfield-boltzmann.ipynb.
    """
    return rng.choice(np.array([-1.0, 1.0]), size=(P, N))


def hebbian_weights(patterns) -> np.ndarray:
    """Hopfield's outer-product rule W = (1/N) Σ_μ ξ^μ ξ^μᵀ with a zero diagonal (Hopfield 1982, eq. 2).

    patterns: (P, N) array of ±1 — P stored patterns of N units.

    Used in: week 2, notebooks/02-hopfield-boltzmann.ipynb.
    """
    xi = as_spins(patterns, name="patterns", ndim=(1, 2))
    xi = np.atleast_2d(xi)
    W = xi.T @ xi / xi.shape[1]
    np.fill_diagonal(W, 0.0)
    return W


def _check_W(W) -> np.ndarray:
    W = as_matrix(W, name="W", square=True)
    if not np.allclose(W, W.T):
        i, j = np.unravel_index(np.argmax(np.abs(W - W.T)), W.shape)
        raise ValueError(f"W must be symmetric (W = Wᵀ): the energy argument needs symmetric weights; "
                         f"found W[{i}, {j}] = {W[i, j]:g} but W[{j}, {i}] = {W[j, i]:g}")
    return W


def _check_states(s, N: int) -> np.ndarray:
    s = as_spins(s, name="s", ndim=(1, 2))
    if s.shape[-1] != N:
        raise ValueError(f"s must have {N} units (the size of W) on its last axis; got shape {s.shape}")
    return s


def local_fields(W, s) -> np.ndarray:
    """hᵢ = Σⱼ Wᵢⱼ sⱼ for a state (N,) or a batch of states (B, N).

    Used in: no notebook yet (week 2's module; tested in tests/test_hopfield.py).
    """
    W = _check_W(W)
    return _check_states(s, W.shape[0]) @ W


def hopfield_energy(W, s):
    """E(s) = −½ sᵀ W s (Hopfield 1982, eq. 7); a number for one state, an array for a batch (B, N).

    Used in: week 2, notebooks/02-hopfield-boltzmann.ipynb.
    """
    W = _check_W(W)
    s = _check_states(s, W.shape[0])
    return scalar_or_array(-0.5 * np.einsum("...i,...i->...", s @ W, s))


def _tie_tolerance(W) -> float:
    """Fields smaller than this count as zero (a tie keeps the unit's state): guards against rounding."""
    return 1e-9 * max(1.0, float(np.abs(W).sum(axis=1).max()))


def update_sync(W, s) -> np.ndarray:
    """One synchronous (Little) step: every unit at once, sᵢ ← sign(hᵢ), keeping sᵢ where hᵢ = 0.

    Used in: no notebook yet (week 2's module; tested in tests/test_hopfield.py).
    """
    W = _check_W(W)
    s = _check_states(s, W.shape[0])
    h = s @ W
    tol = _tie_tolerance(W)
    return np.where(h > tol, 1.0, np.where(h < -tol, -1.0, s))


@dataclass
class AsyncUpdates:
    """Result of :func:`update_async`: the final ``states`` and the ``energies`` after each single-unit
    update (``energies[0]`` is the starting energy; one column per state for a batch).

    Used in: week 2, notebooks/02-hopfield-boltzmann.ipynb, through :func:`update_async`.
    """
    states: np.ndarray
    energies: np.ndarray


def update_async(W, s, order) -> AsyncUpdates:
    """Asynchronous updates in the given order: for i in order, sᵢ ← sign(Σⱼ Wᵢⱼ sⱼ) using the
    *current* state (Hopfield 1982). Returns the final states and E after each single-unit update.
    Works on one state or a batch.

    With symmetric W and zero diagonal each update changes E by −(s'ᵢ − sᵢ) hᵢ ≤ 0.

    Used in: week 2, notebooks/02-hopfield-boltzmann.ipynb.
    """
    W = _check_W(W)
    s = _check_states(s, W.shape[0]).copy()
    order = np.asarray(order)
    if order.ndim != 1 or order.dtype.kind not in "iu":
        raise ValueError(f"order must be a 1-D array of integer unit indices; got shape {order.shape} "
                         f"and dtype {order.dtype}")
    if np.any((order < 0) | (order >= W.shape[0])):
        bad = order[(order < 0) | (order >= W.shape[0])][0]
        raise ValueError(f"order must hold unit indices in [0, {W.shape[0]}); found {bad}")
    tol = _tie_tolerance(W)
    h = s @ W
    E = [-0.5 * np.einsum("...i,...i->...", h, s)]
    for i in order:
        hi = h[..., i]
        new = np.where(hi > tol, 1.0, np.where(hi < -tol, -1.0, s[..., i]))
        delta = new - s[..., i]
        if np.any(delta):
            h = h + np.multiply.outer(delta, W[i])
            s[..., i] = new
        E.append(E[-1] - delta * hi - 0.5 * W[i, i] * delta**2)     # E(s + Δeᵢ) − E(s)
    return AsyncUpdates(s, np.array(E))


@dataclass
class Recall:
    """Result of :func:`recall`: final ``states``, the number of ``steps`` (flips for asynchronous
    dynamics, sweeps for synchronous), whether each state ``converged`` to a fixed point, and the
    ``energies`` after each step (steps + 1 rows, one column per state).

    Used in: week 2, notebooks/02-hopfield-boltzmann.ipynb, through :func:`recall`.
    """
    states: np.ndarray
    steps: int
    converged: np.ndarray
    energies: np.ndarray = field(repr=False)


@validate(mode=OneOf("async", "sync"), max_steps=Integer(1))
def recall(W, s, *, mode: str, rng=None, max_steps: int = 100_000) -> Recall:
    """Run the network from ``s`` (N,) or (B, N) until no unit wants to change.

    mode="async": one unit at a time, chosen at random with ``rng`` (a seed or a Generator; required)
    (Hopfield 1982). Choosing a random unit and updating it changes nothing unless the unit is
    unstable (sᵢhᵢ < 0), so the same dynamics is simulated by flipping a uniformly random *unstable*
    unit at each step; every flip lowers E by 2|hᵢ| and the run stops at a fixed point.
    mode="sync": all units at once (``update_sync``) until a fixed point or a 2-cycle, which
    synchronous dynamics can enter (E need not decrease); deterministic (``rng`` is not used).

    Used in: week 2, notebooks/02-hopfield-boltzmann.ipynb.
    """
    W = _check_W(W)
    s0 = _check_states(s, W.shape[0])
    if mode == "async" and rng is None:
        raise TypeError("rng is required for mode='async' (a seed or a numpy.random.Generator); got None")
    single = s0.ndim == 1
    S = np.atleast_2d(s0).copy()
    B = S.shape[0]
    H = S @ W
    tol = _tie_tolerance(W)
    energies = [-0.5 * np.einsum("bi,bi->b", H, S)]
    if mode == "async":
        rng = as_rng(rng)
        rows_all = np.arange(B)
        steps = 0
        while steps < max_steps:
            unstable = S * H < -tol
            moving = unstable.any(axis=1)
            if not moving.any():
                break
            k = np.argmax(np.where(unstable, rng.random((B, S.shape[1])), -1.0), axis=1)
            rows = rows_all[moving]
            k = k[moving]
            hk = H[rows, k]
            S[rows, k] = -S[rows, k]
            H[rows] += 2.0 * S[rows, k][:, None] * W[k]
            E = energies[-1].copy()
            E[rows] -= 2.0 * np.abs(hk) + 2.0 * W[k, k]                 # ΔE = −Δhₖ − ½Wₖₖ Δ², Δ = 2s'ₖ
            energies.append(E)
            steps += 1
        converged = ~(S * H < -tol).any(axis=1)
    elif mode == "sync":
        prev = None
        steps = 0
        while steps < max_steps:
            new = np.where(H > tol, 1.0, np.where(H < -tol, -1.0, S))
            if np.array_equal(new, S) or (prev is not None and np.array_equal(new, prev)):
                break
            prev, S = S, new
            H = S @ W
            energies.append(-0.5 * np.einsum("bi,bi->b", H, S))
            steps += 1
        converged = ~(S * H < -tol).any(axis=1)
    E = np.array(energies)
    return Recall(S[0] if single else S, steps, converged[0] if single else converged,
                  E[:, 0] if single else E)


def overlap(s, patterns) -> np.ndarray:
    """m^μ = (1/N) Σᵢ ξᵢ^μ sᵢ: 1 for the pattern itself, −1 for its mirror image, ≈ 0 if unrelated.

    s: (N,) or (B, N); patterns: (N,) or (P, N). Returns the matrix of overlaps (B, P), squeezed.

    Used in: week 2, notebooks/02-hopfield-boltzmann.ipynb.
    """
    s = as_spins(s, name="s", ndim=(1, 2))
    xi = as_spins(patterns, name="patterns", ndim=(1, 2))
    if s.shape[-1] != xi.shape[-1]:
        raise ValueError(f"s and patterns must have the same number of units; got {s.shape} and {xi.shape}")
    m = np.atleast_2d(s) @ np.atleast_2d(xi).T / s.shape[-1]
    return scalar_or_array(m.squeeze())


@validate(rng=Rng())
def corrupt(patterns, flip_fraction: float, *, rng) -> np.ndarray:
    """A copy of ``patterns`` with exactly round(flip_fraction·N) randomly chosen units of each row
    flipped.

    Used in: week 2, notebooks/02-hopfield-boltzmann.ipynb.
    """
    xi = as_spins(patterns, name="patterns", ndim=(1, 2))
    flip_fraction = in_range(flip_fraction, 0, 1, name="flip_fraction")
    out = np.atleast_2d(xi).copy()
    n_flip = int(round(flip_fraction * out.shape[1]))
    idx = np.argsort(rng.random(out.shape), axis=1)[:, :n_flip]
    np.put_along_axis(out, idx, -np.take_along_axis(out, idx, axis=1), axis=1)
    return out.reshape(xi.shape)


def _loads(alpha) -> np.ndarray:
    """Loads α = P/N as a float array, every one > 0."""
    alpha = as_array(alpha, name="alpha")
    if np.any(alpha <= 0):
        raise ValueError(f"alpha must be > 0; got {alpha[alpha <= 0].flat[0]:g}")
    return alpha


def one_step_error_theory(alpha):
    """Probability that a bit of a stored pattern flips on one update, Φ(−1/√α) (signal 1, cross-talk
    noise of variance α = P/N for random patterns; Hopfield 1982, Amit et al. 1985).

    Used in: week 2, notebooks/02-hopfield-boltzmann.ipynb.
    """
    from scipy.stats import norm
    alpha = _loads(alpha)
    return scalar_or_array(norm.cdf(-1.0 / np.sqrt(alpha)))


@validate(n_units=Integer(1), rng=Rng(), n_trials=Integer(1))
def one_step_error(alphas, n_units: int, *, rng, n_trials: int = 1) -> np.ndarray:
    """Measured fraction of bits of the stored patterns that one update would flip, for each load α.

    For each α: P = max(1, round(αN)) random patterns, Hebbian W, fields h = W ξ^μ for every stored
    pattern, and the fraction of (μ, i) with sign(hᵢ) ≠ ξᵢ^μ, averaged over ``n_trials`` networks.

    Used in: week 2, notebooks/02-hopfield-boltzmann.ipynb.
    """
    def bit_errors(xi):
        h = xi @ hebbian_weights(xi)
        return np.mean(h * xi < 0)

    return _average_over_networks(alphas, n_units, n_trials, rng, bit_errors)


def _average_over_networks(alphas, N: int, n_trials: int, rng, measure) -> np.ndarray:
    """For each load α: ``measure(ξ)`` on ``n_trials`` networks of P = max(1, round(αN)) random
    patterns ξ (P, N), averaged."""
    alphas = np.atleast_1d(as_array(alphas, name="alphas"))
    out = np.empty(alphas.size)
    for k, a in enumerate(alphas):
        P = max(1, int(round(positive(float(a), name="alpha") * N)))
        out[k] = np.mean([measure(random_patterns(P, N, rng=rng)) for _ in range(n_trials)])
    return out


@validate(n_units=Integer(1), rng=Rng(), n_trials=Integer(1), n_test=Integer(1))
def retrieval_overlap(alphas, n_units: int, *, rng, n_trials: int = 1, n_test: int = 10) -> np.ndarray:
    """Mean overlap m with the stored pattern after asynchronous recall started *at* that pattern.

    For each load α: P = round(αN) patterns, Hebbian W, ``n_test`` of the patterns (or all if fewer)
    run to a fixed point by :func:`recall`; returns the mean final overlap, averaged over ``n_trials``
    networks. Below α_c ≈ 0.138 the pattern stays close (m ≈ 0.97–1); above it the state drifts away.

    Used in: week 2, notebooks/02-hopfield-boltzmann.ipynb.
    """
    def overlap_after_recall(xi):
        start = xi[: min(n_test, xi.shape[0])]
        final = recall(hebbian_weights(xi), start, mode="async", rng=rng).states
        return np.mean(np.sum(final * start, axis=1) / n_units)

    return _average_over_networks(alphas, n_units, n_trials, rng, overlap_after_recall)


def ags_overlap(alpha):
    """Zero-temperature retrieval overlap of Amit, Gutfreund & Sompolinsky (1985).

    With y = m/√(2αr), the replica-symmetric equations m = erf(y), C = √(2/(παr)) e^{−y²},
    r = (1 − C)⁻² reduce to erf(y) = y (√(2α) + (2/√π) e^{−y²}). The retrieval state is the largest
    root; it exists only for α < α_c ≈ 0.138 (where m ≈ 0.967). Returns m, or 0 where there is none.

    Used in: week 2, notebooks/02-hopfield-boltzmann.ipynb.
    """
    from scipy.optimize import brentq
    from scipy.special import erf
    alphas = np.atleast_1d(_loads(alpha))
    out = np.zeros(alphas.size)
    ys = np.linspace(1e-3, 12.0, 4000)
    for k, a in enumerate(alphas):
        g = lambda y: erf(y) - y * (np.sqrt(2 * a) + 2 / np.sqrt(np.pi) * np.exp(-y * y))
        vals = g(ys)
        pos = np.flatnonzero(vals > 0)
        if pos.size == 0 or pos[-1] == ys.size - 1:
            continue
        i = pos[-1]
        out[k] = erf(brentq(g, ys[i], ys[i + 1], xtol=1e-13))
    return scalar_or_array(out.reshape(np.shape(alpha)))
