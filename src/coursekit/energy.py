"""Week 2 — energy-based networks: Hopfield nets, Boltzmann machines, restricted Boltzmann machines.

Notation (chapter 2).
Hopfield: ``N`` units with states ``s ∈ {−1, +1}ᴺ``, ``P`` stored patterns ``ξ`` (P × N), load
``alpha = P/N``, weights ``W`` (N × N, symmetric, zero diagonal), local fields ``h = W s`` and energy
``E(s) = −½ sᵀ W s``.
Boltzmann machine: units ``s ∈ {0, 1}ⁿ``, weights ``W`` (symmetric, zero diagonal), biases ``b``,
``E(s) = −½ sᵀ W s − bᵀ s`` and ``p(s) ∝ exp(−E(s)/T)``.
RBM: visible ``v ∈ {0, 1}^{n_v}``, hidden ``h ∈ {0, 1}^{n_h}``, ``W`` (n_v × n_h), visible biases
``b``, hidden biases ``c``, ``E(v, h) = −bᵀv − cᵀh − vᵀWh``, free energy
``F(v) = −bᵀv − Σⱼ log(1 + exp(cⱼ + (vᵀW)ⱼ))`` and ``p(v) = exp(−F(v))/Z``.
Every function takes arrays whose last axis is the units, so a batch of states is a 2-D array.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._validate import as_array, as_matrix, as_rng, as_spins, in_range, nonnegative, positive, positive_int

__all__ = [
    # Hopfield
    "random_patterns", "hebbian_weights", "hopfield_energy", "local_fields", "update_sync",
    "update_async", "Recall", "recall", "overlap", "corrupt",
    "one_step_error", "one_step_error_theory", "retrieval_overlap", "ags_overlap", "ALPHA_C",
    # Boltzmann machine
    "sigmoid", "all_states", "boltzmann_energy", "boltzmann_probabilities", "gibbs_sweeps",
    "encoder_patterns", "encoder_mask", "EncoderRun", "train_encoder", "encoder_success", "encoder_codes",
    # RBM
    "RBM", "hidden_probs", "visible_probs", "free_energy", "cd_gradients", "RBMFit", "train_rbm",
    "log_partition", "log_likelihood", "pseudo_likelihood", "gibbs_chain",
    "stack_rbm", "dbn_bound", "dbn_sample",
]

ALPHA_C = 0.138   # Amit, Gutfreund & Sompolinsky (1985): retrieval states vanish above this load


# ============================================================================================
# Hopfield network
# ============================================================================================

def random_patterns(P: int, N: int, *, rng) -> np.ndarray:
    """P unbiased random patterns of N units, ξᵢ^μ = ±1 with probability ½ each."""
    rng = as_rng(rng)
    P = positive_int(P, name="P")
    N = positive_int(N, name="N")
    return rng.choice(np.array([-1.0, 1.0]), size=(P, N))


def hebbian_weights(patterns) -> np.ndarray:
    """Hopfield's outer-product rule W = (1/N) Σ_μ ξ^μ ξ^μᵀ with a zero diagonal (Hopfield 1982, eq. 2).

    patterns: (P, N) array of ±1 — P stored patterns of N units.
    """
    xi = as_spins(patterns, name="patterns", ndim=(1, 2))
    xi = np.atleast_2d(xi)
    W = xi.T @ xi / xi.shape[1]
    np.fill_diagonal(W, 0.0)
    return W


def _check_W(W) -> np.ndarray:
    W = as_matrix(W, name="W", square=True)
    if not np.allclose(W, W.T):
        raise ValueError("W must be symmetric (W = Wᵀ): the energy argument needs symmetric weights")
    return W


def _check_states(s, N: int) -> np.ndarray:
    s = as_spins(s, name="s", ndim=(1, 2))
    if s.shape[-1] != N:
        raise ValueError(f"s must have {N} units (the size of W) on its last axis; got shape {s.shape}")
    return s


def local_fields(W, s) -> np.ndarray:
    """hᵢ = Σⱼ Wᵢⱼ sⱼ for a state (N,) or a batch of states (B, N)."""
    W = _check_W(W)
    return _check_states(s, W.shape[0]) @ W


def hopfield_energy(W, s):
    """E(s) = −½ sᵀ W s (Hopfield 1982, eq. 7); a number for one state, an array for a batch (B, N)."""
    W = _check_W(W)
    s = _check_states(s, W.shape[0])
    E = -0.5 * np.einsum("...i,...i->...", s @ W, s)
    return float(E) if E.ndim == 0 else E


def _tie_tolerance(W) -> float:
    """Fields smaller than this count as zero (a tie keeps the unit's state): guards against rounding."""
    return 1e-9 * max(1.0, float(np.abs(W).sum(axis=1).max()))


def update_sync(W, s) -> np.ndarray:
    """One synchronous (Little) step: every unit at once, sᵢ ← sign(hᵢ), keeping sᵢ where hᵢ = 0."""
    W = _check_W(W)
    s = _check_states(s, W.shape[0])
    h = s @ W
    tol = _tie_tolerance(W)
    return np.where(h > tol, 1.0, np.where(h < -tol, -1.0, s))


def update_async(W, s, order):
    """Asynchronous updates in the given order: for i in order, sᵢ ← sign(Σⱼ Wᵢⱼ sⱼ) using the
    *current* state (Hopfield 1982). Returns ``(s, energies)``: the final state and E after each
    single-unit update (``energies[0]`` is the starting energy). Works on one state or a batch.

    With symmetric W and zero diagonal each update changes E by −(s'ᵢ − sᵢ) hᵢ ≤ 0.
    """
    W = _check_W(W)
    s = _check_states(s, W.shape[0]).copy()
    order = np.asarray(order)
    if order.ndim != 1 or order.dtype.kind not in "iu" or np.any((order < 0) | (order >= W.shape[0])):
        raise ValueError(f"order must be a 1-D array of unit indices in [0, {W.shape[0]})")
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
    return s, np.array(E)


@dataclass
class Recall:
    """Result of :func:`recall`: final ``states``, the number of ``steps`` (flips for asynchronous
    dynamics, sweeps for synchronous), whether each state ``converged`` to a fixed point, and the
    ``energies`` after each step (steps + 1 rows, one column per state)."""
    states: np.ndarray
    steps: int
    converged: np.ndarray
    energies: np.ndarray = field(repr=False)


def recall(W, s, *, mode: str = "async", rng=None, max_steps: int = 100_000) -> Recall:
    """Run the network from ``s`` (N,) or (B, N) until no unit wants to change.

    mode="async": one unit at a time, chosen at random (Hopfield 1982). Choosing a random unit and
    updating it changes nothing unless the unit is unstable (sᵢhᵢ < 0), so the same dynamics is
    simulated by flipping a uniformly random *unstable* unit at each step; every flip lowers E by
    2|hᵢ| and the run stops at a fixed point. Needs ``rng``.
    mode="sync": all units at once (``update_sync``) until a fixed point or a 2-cycle, which
    synchronous dynamics can enter (E need not decrease).
    """
    W = _check_W(W)
    s0 = _check_states(s, W.shape[0])
    max_steps = positive_int(max_steps, name="max_steps")
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
    else:
        raise ValueError(f"mode must be 'async' or 'sync'; got {mode!r}")
    E = np.array(energies)
    return Recall(S[0] if single else S, steps, converged[0] if single else converged,
                  E[:, 0] if single else E)


def overlap(s, patterns) -> np.ndarray:
    """m^μ = (1/N) Σᵢ ξᵢ^μ sᵢ: 1 for the pattern itself, −1 for its mirror image, ≈ 0 if unrelated.

    s: (N,) or (B, N); patterns: (N,) or (P, N). Returns the matrix of overlaps (B, P), squeezed.
    """
    s = as_spins(s, name="s", ndim=(1, 2))
    xi = as_spins(patterns, name="patterns", ndim=(1, 2))
    if s.shape[-1] != xi.shape[-1]:
        raise ValueError(f"s and patterns must have the same number of units; got {s.shape} and {xi.shape}")
    m = np.atleast_2d(s) @ np.atleast_2d(xi).T / s.shape[-1]
    m = m.squeeze()
    return float(m) if m.ndim == 0 else m


def corrupt(patterns, flip_fraction: float, *, rng) -> np.ndarray:
    """A copy of ``patterns`` with exactly round(flip_fraction·N) randomly chosen units of each row
    flipped."""
    xi = as_spins(patterns, name="patterns", ndim=(1, 2))
    flip_fraction = in_range(flip_fraction, 0, 1, name="flip_fraction")
    rng = as_rng(rng)
    out = np.atleast_2d(xi).copy()
    n_flip = int(round(flip_fraction * out.shape[1]))
    idx = np.argsort(rng.random(out.shape), axis=1)[:, :n_flip]
    np.put_along_axis(out, idx, -np.take_along_axis(out, idx, axis=1), axis=1)
    return out.reshape(xi.shape)


def one_step_error_theory(alpha):
    """Probability that a bit of a stored pattern flips on one update, Φ(−1/√α) (signal 1, cross-talk
    noise of variance α = P/N for random patterns; Hopfield 1982, Amit et al. 1985)."""
    from scipy.stats import norm
    alpha = np.asarray(alpha, dtype=float)
    if np.any(alpha <= 0):
        raise ValueError("alpha must be > 0")
    out = norm.cdf(-1.0 / np.sqrt(alpha))
    return float(out) if out.ndim == 0 else out


def one_step_error(alphas, n_units: int, *, rng, n_trials: int = 1) -> np.ndarray:
    """Measured fraction of bits of the stored patterns that one update would flip, for each load α.

    For each α: P = max(1, round(αN)) random patterns, Hebbian W, fields h = W ξ^μ for every stored
    pattern, and the fraction of (μ, i) with sign(hᵢ) ≠ ξᵢ^μ, averaged over ``n_trials`` networks.
    """
    rng = as_rng(rng)
    N = positive_int(n_units, name="n_units")
    n_trials = positive_int(n_trials, name="n_trials")
    alphas = np.atleast_1d(as_array(alphas, name="alphas"))
    out = np.empty(alphas.size)
    for k, a in enumerate(alphas):
        P = max(1, int(round(positive(float(a), name="alpha") * N)))
        errs = []
        for _ in range(n_trials):
            xi = random_patterns(P, N, rng=rng)
            h = xi @ hebbian_weights(xi)
            errs.append(np.mean(h * xi < 0))
        out[k] = np.mean(errs)
    return out


def retrieval_overlap(alphas, n_units: int, *, rng, n_trials: int = 1, n_test: int = 10) -> np.ndarray:
    """Mean overlap m with the stored pattern after asynchronous recall started *at* that pattern.

    For each load α: P = round(αN) patterns, Hebbian W, ``n_test`` of the patterns (or all if fewer)
    run to a fixed point by :func:`recall`; returns the mean final overlap, averaged over ``n_trials``
    networks. Below α_c ≈ 0.138 the pattern stays close (m ≈ 0.97–1); above it the state drifts away.
    """
    rng = as_rng(rng)
    N = positive_int(n_units, name="n_units")
    n_trials = positive_int(n_trials, name="n_trials")
    n_test = positive_int(n_test, name="n_test")
    alphas = np.atleast_1d(as_array(alphas, name="alphas"))
    out = np.empty(alphas.size)
    for k, a in enumerate(alphas):
        P = max(1, int(round(positive(float(a), name="alpha") * N)))
        ms = []
        for _ in range(n_trials):
            xi = random_patterns(P, N, rng=rng)
            W = hebbian_weights(xi)
            start = xi[: min(n_test, P)]
            final = recall(W, start, rng=rng).states
            ms.append(np.mean(np.sum(final * start, axis=1) / N))
        out[k] = np.mean(ms)
    return out


def ags_overlap(alpha):
    """Zero-temperature retrieval overlap of Amit, Gutfreund & Sompolinsky (1985).

    With y = m/√(2αr), the replica-symmetric equations m = erf(y), C = √(2/(παr)) e^{−y²},
    r = (1 − C)⁻² reduce to erf(y) = y (√(2α) + (2/√π) e^{−y²}). The retrieval state is the largest
    root; it exists only for α < α_c ≈ 0.138 (where m ≈ 0.967). Returns m, or 0 where there is none.
    """
    from scipy.optimize import brentq
    from scipy.special import erf
    alphas = np.atleast_1d(np.asarray(alpha, dtype=float))
    if np.any(alphas <= 0):
        raise ValueError("alpha must be > 0")
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
    return float(out[0]) if np.ndim(alpha) == 0 else out


# ============================================================================================
# Boltzmann machine (0/1 units) with simulated annealing
# ============================================================================================

def sigmoid(z):
    """σ(z) = 1/(1 + e^{−z}), without overflow (``scipy.special.expit``)."""
    from scipy.special import expit
    return expit(np.asarray(z, dtype=float))


def all_states(n: int) -> np.ndarray:
    """All 2ⁿ binary vectors of length n, as rows of 0/1 (first unit = most significant bit)."""
    n = positive_int(n, name="n")
    if n > 24:
        raise ValueError(f"n must be at most 24 to enumerate 2ⁿ states; got {n}")
    return ((np.arange(2**n)[:, None] >> np.arange(n - 1, -1, -1)) & 1).astype(float)


def boltzmann_energy(W, b, s):
    """E(s) = −½ sᵀ W s − bᵀ s for 0/1 states s (…, n) (Ackley, Hinton & Sejnowski 1985)."""
    s = np.asarray(s, dtype=float)
    return -0.5 * np.einsum("...i,ij,...j->...", s, W, s) - s @ b


def boltzmann_probabilities(W, b, T: float = 1.0):
    """The exact Boltzmann distribution p(s) = e^{−E(s)/T}/Z over all 2ⁿ states (small n only).

    Returns ``(states, p)``.
    """
    W = as_matrix(W, name="W", square=True)
    b = as_array(b, name="b", ndim=1)
    T = positive(T, name="T")
    states = all_states(W.shape[0])
    logits = -boltzmann_energy(W, b, states) / T
    p = np.exp(logits - logits.max())
    return states, p / p.sum()


def _gibbs(W, b, S, n_sweeps, units, Z):
    """Sequential Gibbs sweeps for K networks at once, updating S (K, C, n) in place.

    W (K, n, n) symmetric, b (K, n); ``units`` are the free units, visited in order. Unit i turns on
    when u < σ(ΔEᵢ/T) for a uniform u, i.e. when T·logit(u) < ΔEᵢ; Z holds those thresholds
    T·logit(u), one (K, C) slice per update, so no sigmoid is evaluated inside the loop.
    """
    cols = np.ascontiguousarray(np.transpose(W, (2, 0, 1)))[:, :, :, None]   # cols[i] = W[:, :, i]
    u = 0
    for _ in range(n_sweeps):
        for i in units:
            S[:, :, i] = Z[u] < (S @ cols[i])[..., 0] + b[:, None, i]
            u += 1
    return S


def _thresholds(rng, shape, T):
    """T·logit(u) for uniform u: comparing it with ΔE is the same as comparing u with σ(ΔE/T)."""
    U = rng.random(shape)
    with np.errstate(divide="ignore"):
        return T * np.log(U / (1.0 - U))


def gibbs_sweeps(W, b, s, *, T: float, n_sweeps: int, rng, free=None) -> np.ndarray:
    """Sequential Gibbs sampling at temperature T: each free unit in turn is set to 1 with
    probability σ(ΔEᵢ/T), ΔEᵢ = Σⱼ Wᵢⱼ sⱼ + bᵢ. Its stationary distribution is p(s) ∝ e^{−E(s)/T}.

    s: (n,) or (C, n) 0/1 states (C independent chains); ``free`` (bool mask or indices) says which
    units may change (default all — the others stay clamped). Returns the new states.
    """
    W = as_matrix(W, name="W", square=True)
    b = as_array(b, name="b", ndim=1)
    rng = as_rng(rng)
    T = positive(T, name="T")
    n_sweeps = positive_int(n_sweeps, name="n_sweeps", minimum=0)
    S = np.array(s, dtype=float)
    single = S.ndim == 1
    S = np.atleast_2d(S)
    n = W.shape[0]
    if free is None:
        units = np.arange(n)
    else:
        free = np.asarray(free)
        units = np.flatnonzero(free) if free.dtype == bool else free.astype(int)
    Z = _thresholds(rng, (n_sweeps * units.size, 1, S.shape[0]), T)
    S = _gibbs(W[None], b[None], S[None], n_sweeps, units, Z)[0]
    return S[0] if single else S


def encoder_patterns(n: int = 4) -> np.ndarray:
    """The n training vectors of the n-h-n encoder: unit p of V1 and unit p of V2 on, all else off."""
    n = positive_int(n, name="n", minimum=2)
    eye = np.eye(n)
    return np.hstack([eye, eye])


def encoder_mask(n: int = 4, n_hidden: int = 2) -> np.ndarray:
    """Connectivity of the encoder network, units ordered (V1, V2, H): each visible group is fully
    connected within itself and to every hidden unit, the hidden units to each other, and there is no
    direct V1–V2 connection, so everything V2 learns about V1 must pass through the hidden code."""
    n = positive_int(n, name="n", minimum=2)
    n_hidden = positive_int(n_hidden, name="n_hidden")
    size = 2 * n + n_hidden
    group = np.r_[np.zeros(n), np.ones(n), 2 * np.ones(n_hidden)]
    mask = (group[:, None] == group[None, :]) | (group[:, None] == 2) | (group[None, :] == 2)
    mask &= ~np.eye(size, dtype=bool)
    return mask.astype(float)


@dataclass
class EncoderRun:
    """Result of :func:`train_encoder` for K networks: weights ``W`` (K, n, n), biases ``b`` (K, n),
    and ``success[k, t]`` — whether network k solved the encoder after learning cycle
    ``checked_at[t]``."""
    W: np.ndarray
    b: np.ndarray
    success: np.ndarray
    checked_at: np.ndarray


# (temperature, sweeps): an annealing schedule modelled on Ackley et al.'s for the encoders (two sweeps
# each at 20, 15 and 12, four at 10, in their units), divided by 10 so that the final temperature is 1;
# statistics are then collected over 10 sweeps at T = 1.
PAPER_SCHEDULE = ((2.0, 2), (1.5, 2), (1.2, 2), (1.0, 4))


def _phase_statistics(W, b, S, free, schedule, n_collect, rng):
    """Anneal chains S (K, C, n) over ``free`` units, then average sᵢsⱼ and sᵢ over n_collect sweeps."""
    K, C, n = S.shape
    for T, sweeps in schedule:
        _gibbs(W, b, S, sweeps, free, _thresholds(rng, (sweeps * free.size, K, C), T))
    T_final = schedule[-1][0]
    Z = _thresholds(rng, (n_collect * free.size, K, C), T_final)
    seen = np.empty((K, n_collect, C, n))
    for t in range(n_collect):
        _gibbs(W, b, S, 1, free, Z[t * free.size:(t + 1) * free.size])
        seen[:, t] = S
    seen = seen.reshape(K, n_collect * C, n)
    return np.transpose(seen, (0, 2, 1)) @ seen / (n_collect * C), seen.mean(axis=1)


def encoder_success(W, b, n: int = 4, T: float = 0.0) -> np.ndarray:
    """Whether each network solves the encoder: with input p clamped on V1, the network's answer on
    V2 is the p-th unit alone, for every p. The answer is computed exactly over the 2^{n + n_hidden}
    free states: at ``T = 0`` (the default, the end point of annealing) it is the V2 part of the
    lowest-energy state; at T > 0 the correct V2 vector must have conditional probability above ½
    (summing over the hidden units). W: (n_units, n_units) or (K, …); returns a bool (or K bools)."""
    W = np.asarray(W, dtype=float)
    b = np.asarray(b, dtype=float)
    T = nonnegative(T, name="T")
    single = W.ndim == 2
    if single:
        W, b = W[None], b[None]
    K, size, _ = W.shape
    free_states = all_states(size - n)                                # (S, n_free): V2 then H
    S = free_states.shape[0]
    patterns = np.eye(n)
    full = np.concatenate([np.broadcast_to(patterns[:, None, :], (n, S, n)),
                           np.broadcast_to(free_states[None], (n, S, size - n))], axis=2)
    neg_E = 0.5 * np.einsum("psi,kij,psj->kps", full, W, full) + np.einsum("psi,ki->kps", full, b)
    correct = np.all(free_states[None, :, :n] == patterns[:, None, :], axis=2)      # (n, S)
    if T == 0:
        best = neg_E.argmax(axis=2)                                      # (K, n)
        ok = correct[np.arange(n)[None, :], best].all(axis=1)
    else:
        logits = neg_E / T
        p = np.exp(logits - logits.max(axis=2, keepdims=True))
        p /= p.sum(axis=2, keepdims=True)
        ok = (np.einsum("kps,ps->kp", p, correct) > 0.5).all(axis=1)
    return bool(ok[0]) if single else ok


def encoder_codes(W, b, n: int = 4) -> np.ndarray:
    """For each input p clamped on V1, the (V2, H) part of the lowest-energy state: an array of shape
    (n, n + n_hidden) whose last n_hidden columns are the hidden code the network uses for input p."""
    W = as_matrix(W, name="W", square=True)
    b = as_array(b, name="b", ndim=1)
    free = all_states(W.shape[0] - n)
    codes = []
    for p in range(n):
        full = np.hstack([np.broadcast_to(np.eye(n)[p], (free.shape[0], n)), free])
        codes.append(free[np.argmin(boltzmann_energy(W, b, full))])
    return np.array(codes)


def train_encoder(*, n: int = 4, n_hidden: int = 2, n_nets: int = 1, n_cycles: int = 200, rng,
                  eta: float = 0.2, rule: str = "sign", n_chains: int = 2, schedule=PAPER_SCHEDULE,
                  n_collect: int = 10, clamp_noise=(0.1, 0.02), check_every: int = 10) -> EncoderRun:
    """Boltzmann-machine learning on the n-n_hidden-n encoder, for ``n_nets`` networks at once.

    Each learning cycle, for every network (Ackley, Hinton & Sejnowski 1985):
    *clamped phase* — each training vector is clamped on V1 and V2 (``n_chains`` chains each) while the
    hidden units are annealed along ``schedule``; the co-occurrences pᵢⱼ = ⟨sᵢsⱼ⟩ are then averaged
    over ``n_collect`` sweeps at the final temperature; *free phase* — nothing clamped, all units
    annealed the same way, giving p'ᵢⱼ; *update* — with ``rule="sign"`` (the paper's fixed-size
    steps) Δwᵢⱼ = η sign(pᵢⱼ − p'ᵢⱼ), with ``rule="gradient"`` Δwᵢⱼ = η (pᵢⱼ − p'ᵢⱼ), on existing
    connections only; biases likewise with ⟨sᵢ⟩. Clamping is noisy, as in the paper:
    ``clamp_noise = (p_off, p_on)`` — a unit clamped on is turned off with probability p_off, a unit
    clamped off is turned on with probability p_on — which keeps the weights from growing without
    bound. Success is judged exactly by :func:`encoder_success` (T = 0) every ``check_every`` cycles.
    Temperatures are divided by 10 relative to the paper's (final T = 1), so η = 0.2 corresponds to a
    weight step of 2 in its units.
    """
    rng = as_rng(rng)
    n = positive_int(n, name="n", minimum=2)
    n_hidden = positive_int(n_hidden, name="n_hidden")
    K = positive_int(n_nets, name="n_nets")
    n_cycles = positive_int(n_cycles, name="n_cycles")
    eta = positive(eta, name="eta")
    C = positive_int(n_chains, name="n_chains")
    n_collect = positive_int(n_collect, name="n_collect")
    if rule not in ("sign", "gradient"):
        raise ValueError(f"rule must be 'sign' or 'gradient'; got {rule!r}")
    off_noise, on_noise = (in_range(p, 0, 0.5, name="clamp_noise") for p in np.broadcast_to(clamp_noise, 2))
    check_every = positive_int(check_every, name="check_every")
    mask = encoder_mask(n, n_hidden)
    size = mask.shape[0]
    data = encoder_patterns(n)
    W = np.zeros((K, size, size))
    b = np.zeros((K, size))
    hidden = np.arange(2 * n, size)
    everything = np.arange(size)
    clamped = np.repeat(data, C, axis=0)                               # (n·C, 2n)
    success, checked = [], []
    for cycle in range(1, n_cycles + 1):
        S = rng.random((K, clamped.shape[0], size)) < 0.5
        S = S.astype(float)
        flips = rng.random((K,) + clamped.shape) < np.where(clamped == 1, off_noise, on_noise)
        S[:, :, :2 * n] = np.where(flips, 1 - clamped, clamped)
        p_corr, p_mean = _phase_statistics(W, b, S, hidden, schedule, n_collect, rng)
        S = (rng.random((K, clamped.shape[0], size)) < 0.5).astype(float)
        q_corr, q_mean = _phase_statistics(W, b, S, everything, schedule, n_collect, rng)
        dW, db = p_corr - q_corr, p_mean - q_mean
        if rule == "sign":
            dW, db = np.sign(dW), np.sign(db)
        W += eta * dW * mask
        b += eta * db
        if cycle % check_every == 0 or cycle == n_cycles:
            success.append(encoder_success(W, b, n=n))
            checked.append(cycle)
    return EncoderRun(W, b, np.array(success).T, np.array(checked))


# ============================================================================================
# Restricted Boltzmann machine
# ============================================================================================

def _softplus(x):
    """log(1 + eˣ): the fast two-pass form while eˣ cannot overflow, ``logaddexp`` otherwise."""
    x = np.asarray(x, dtype=float)
    if x.size and x.max() < 700:
        return np.log1p(np.exp(x))
    return np.logaddexp(0.0, x)


@dataclass
class RBM:
    """Weights ``W`` (n_visible × n_hidden), visible biases ``b``, hidden biases ``c``."""
    W: np.ndarray
    b: np.ndarray
    c: np.ndarray

    @property
    def n_visible(self) -> int:
        return self.W.shape[0]

    @property
    def n_hidden(self) -> int:
        return self.W.shape[1]

    @classmethod
    def init(cls, n_visible: int, n_hidden: int, *, rng, scale: float = 0.01, data=None) -> "RBM":
        """Small random weights N(0, scale²), zero hidden biases, and visible biases log(pᵢ/(1 − pᵢ))
        from the data's pixel means pᵢ when ``data`` is given (zero otherwise) — Hinton (2010), §8."""
        rng = as_rng(rng)
        n_visible = positive_int(n_visible, name="n_visible")
        n_hidden = positive_int(n_hidden, name="n_hidden")
        scale = nonnegative(scale, name="scale")
        b = np.zeros(n_visible)
        if data is not None:
            p = np.clip(_check_visible(data, n_visible).mean(axis=0), 1e-3, 1 - 1e-3)
            b = np.log(p / (1 - p))
        return cls(rng.normal(0.0, scale, size=(n_visible, n_hidden)), b, np.zeros(n_hidden))

    def copy(self) -> "RBM":
        return RBM(self.W.copy(), self.b.copy(), self.c.copy())


def _check_visible(v, n_visible: int) -> np.ndarray:
    v = as_array(v, name="v", ndim=(1, 2))
    if v.shape[-1] != n_visible:
        raise ValueError(f"v must have {n_visible} visible units on its last axis; got shape {v.shape}")
    if np.any((v < 0) | (v > 1)):
        raise ValueError("v must hold binary values (or probabilities) in [0, 1]")
    return v


def hidden_probs(rbm: RBM, v) -> np.ndarray:
    """p(hⱼ = 1 | v) = σ(cⱼ + Σᵢ vᵢ Wᵢⱼ): given v the hidden units are independent."""
    return sigmoid(_check_visible(v, rbm.n_visible) @ rbm.W + rbm.c)


def visible_probs(rbm: RBM, h) -> np.ndarray:
    """p(vᵢ = 1 | h) = σ(bᵢ + Σⱼ Wᵢⱼ hⱼ)."""
    h = as_array(h, name="h", ndim=(1, 2))
    return sigmoid(h @ rbm.W.T + rbm.b)


def free_energy(rbm: RBM, v) -> np.ndarray:
    """F(v) = −bᵀv − Σⱼ log(1 + e^{cⱼ + (vᵀW)ⱼ}), so that p(v) = e^{−F(v)}/Z (hidden units summed out)."""
    v = _check_visible(v, rbm.n_visible)
    F = -(v @ rbm.b) - _softplus(v @ rbm.W + rbm.c).sum(axis=-1)
    return float(F) if np.ndim(F) == 0 else F


def cd_gradients(rbm: RBM, v, *, k: int = 1, rng):
    """Contrastive divergence CD-k (Hinton 2002): the log-likelihood gradient ⟨vᵢhⱼ⟩_data − ⟨vᵢhⱼ⟩_model
    with the model term replaced by the statistics after k steps of Gibbs sampling started at the data.

    v: a batch (B, n_v). Hidden states are sampled, reconstructions v⁽ᵏ⁾ sampled, and the hidden
    *probabilities* used in the statistics (Hinton 2010, §3). Returns ``(dW, db, dc)``, batch means —
    the direction to move the parameters (ascent).
    """
    rng = as_rng(rng)
    k = positive_int(k, name="k")
    v0 = np.atleast_2d(_check_visible(v, rbm.n_visible))
    ph0 = sigmoid(v0 @ rbm.W + rbm.c)
    ph = ph0
    for _ in range(k):
        h = (rng.random(ph.shape) < ph).astype(float)
        vk = (rng.random(v0.shape) < sigmoid(h @ rbm.W.T + rbm.b)).astype(float)
        ph = sigmoid(vk @ rbm.W + rbm.c)
    B = v0.shape[0]
    return (v0.T @ ph0 - vk.T @ ph) / B, (v0 - vk).mean(axis=0), (ph0 - ph).mean(axis=0)


@dataclass
class RBMFit:
    """Result of :func:`train_rbm`: the trained ``rbm`` and per-epoch ``history`` lists
    (``"reconstruction_error"`` always; ``"log_likelihood"`` when tracked; epoch 0 = before training)."""
    rbm: RBM
    history: dict


def train_rbm(X, n_hidden: int, *, epochs: int, batch_size: int = 10, eta: float = 0.1, k: int = 1,
              rng, momentum: float = 0.0, weight_decay: float = 0.0, init_scale: float = 0.01,
              visible_bias_from_data: bool = True, track_log_likelihood: bool = False,
              persistent: bool = False, shuffle: bool = True, rbm: RBM | None = None) -> RBMFit:
    """Train an RBM on binary data X (n × n_v) by CD-k with mini-batches (Hinton 2002, 2010).

    Each epoch visits the data in a fresh random order (in the given order if not ``shuffle``) in batches of ``batch_size`` and steps
    θ ← θ + η·(CD-k gradient) (with optional momentum and L2 weight decay on W). With
    ``persistent`` the negative phase continues one Gibbs chain per batch row from update to update
    instead of restarting at the data (persistent CD, Tieleman 2008 — what scikit-learn's
    ``BernoulliRBM`` does, its chains starting from h = 0). With
    ``track_log_likelihood`` the exact mean log-likelihood (:func:`log_likelihood`, needs
    min(n_v, n_h) ≤ 20) is recorded before training and after every epoch. Pass ``rbm`` to continue
    training an existing model (it is copied).
    """
    rng = as_rng(rng)
    n_hidden = positive_int(n_hidden, name="n_hidden")
    epochs = positive_int(epochs, name="epochs", minimum=0)
    batch_size = positive_int(batch_size, name="batch_size")
    eta = positive(eta, name="eta")
    k = positive_int(k, name="k")
    momentum = in_range(momentum, 0, 1, name="momentum", closed="left")
    weight_decay = nonnegative(weight_decay, name="weight_decay")
    X = as_matrix(X, name="X")
    if np.any((X < 0) | (X > 1)):
        raise ValueError("X must hold binary data (0/1) or probabilities in [0, 1]")
    if rbm is None:
        rbm = RBM.init(X.shape[1], n_hidden, rng=rng, scale=init_scale,
                       data=X if visible_bias_from_data else None)
    else:
        if rbm.W.shape != (X.shape[1], n_hidden):
            raise ValueError(f"rbm must have shape ({X.shape[1]}, {n_hidden}); got {rbm.W.shape}")
        rbm = rbm.copy()
    from scipy.special import expit
    W, b, c = rbm.W, rbm.b, rbm.c                  # updated in place
    n, n_v = X.shape
    vW, vb, vc = np.zeros_like(W), np.zeros_like(b), np.zeros_like(c)
    history = {"reconstruction_error": [], "log_likelihood": []}
    if track_log_likelihood:
        history["log_likelihood"].append(log_likelihood(rbm, X))
    h_chain = np.zeros((batch_size, n_hidden))      # the persistent chains' hidden states
    for _ in range(epochs):
        Xp = X[rng.permutation(n)] if shuffle else X
        Uh = rng.random((k, n, n_hidden))          # all the random numbers of the epoch at once
        Uv = rng.random((k, n, n_v))
        err = 0.0
        for start in range(0, n, batch_size):
            stop = min(start + batch_size, n)
            v0 = Xp[start:stop]
            ph0 = expit(v0 @ W + c)                # positive phase: p(h | data)
            if persistent:
                m = stop - start
                h = h_chain[:m]
                for step in range(k):
                    vk = (Uv[step, start:stop] < expit(h @ W.T + b)).astype(float)
                    ph = expit(vk @ W + c)
                    h = (Uh[step, start:stop] < ph).astype(float)
                h_chain[:m] = h
            else:
                ph = ph0
                for step in range(k):              # k steps of alternating Gibbs sampling from the data
                    h = (Uh[step, start:stop] < ph).astype(float)
                    vk = (Uv[step, start:stop] < expit(h @ W.T + b)).astype(float)
                    ph = expit(vk @ W + c)
            rate = eta / (stop - start)
            dv = v0 - vk
            err += np.vdot(dv, dv)
            gW = v0.T @ ph0 - vk.T @ ph
            gb = dv.sum(axis=0)
            gc = (ph0 - ph).sum(axis=0)
            if weight_decay:
                gW -= weight_decay * (stop - start) * W
            if momentum:
                vW *= momentum; vW += rate * gW
                vb *= momentum; vb += rate * gb
                vc *= momentum; vc += rate * gc
                W += vW; b += vb; c += vc
            else:
                gW *= rate; gb *= rate; gc *= rate
                W += gW; b += gb; c += gc
        history["reconstruction_error"].append(err / n)      # squared error of the CD reconstructions
        if track_log_likelihood:
            history["log_likelihood"].append(log_likelihood(rbm, X))
    if not track_log_likelihood:
        del history["log_likelihood"]
    return RBMFit(rbm, history)


def log_partition(rbm: RBM) -> float:
    """log Z exactly, by summing the smaller layer out explicitly and the larger one analytically.

    With n_h ≤ n_v: Z = Σ_h exp(cᵀh) Πᵢ (1 + e^{bᵢ + (Wh)ᵢ}), a sum over 2^{n_h} hidden vectors
    (65,536 for 16 hidden units), vectorised in chunks; otherwise the same over visible vectors.
    """
    small = min(rbm.n_visible, rbm.n_hidden)
    if small > 20:
        raise ValueError(f"exact log Z needs min(n_visible, n_hidden) ≤ 20; got {small}")
    if rbm.n_hidden <= rbm.n_visible:
        A, own, other = rbm.W, rbm.c, rbm.b          # sum over h: own bias c, softplus over visible
    else:
        A, own, other = rbm.W.T, rbm.b, rbm.c
    states = all_states(small)
    terms = []
    for start in range(0, states.shape[0], 16384):
        s = states[start:start + 16384]
        terms.append(s @ own + _softplus(s @ A.T + other).sum(axis=1))
    from scipy.special import logsumexp
    return float(logsumexp(np.concatenate(terms)))


def log_likelihood(rbm: RBM, X) -> float:
    """Mean exact log-likelihood (1/n) Σ log p(v) = −mean F(v) − log Z, in nats per example."""
    return float(-np.mean(free_energy(rbm, np.atleast_2d(X))) - log_partition(rbm))


def pseudo_likelihood(rbm: RBM, X) -> float:
    """Mean log pseudo-likelihood (1/n) Σ_v Σᵢ log p(vᵢ | v₋ᵢ), every unit i (no sampling).

    log p(vᵢ | v₋ᵢ) = −log(1 + e^{F(v) − F(v⁽ⁱ⁾)}), v⁽ⁱ⁾ = v with unit i flipped. scikit-learn's
    ``BernoulliRBM.score_samples`` is an unbiased one-random-unit estimate of the same number.
    """
    V = np.atleast_2d(_check_visible(X, rbm.n_visible))
    pre = V @ rbm.W + rbm.c                                     # (n, n_h)
    sign = 1.0 - 2.0 * V                                        # +1 where a 0 flips to 1
    F = -(V @ rbm.b) - _softplus(pre).sum(axis=1)
    pre_flip = pre[:, None, :] + sign[:, :, None] * rbm.W[None]  # (n, n_v, n_h)
    F_flip = -((V @ rbm.b)[:, None] + sign * rbm.b) - _softplus(pre_flip).sum(axis=2)
    return float(np.mean(-_softplus(F[:, None] - F_flip).sum(axis=1)))


def gibbs_chain(rbm: RBM, v0, n_steps: int, *, rng) -> np.ndarray:
    """Run alternating Gibbs sampling v → h → v for ``n_steps`` from v0 (B, n_v); returns the
    visible *probabilities* of the last step (smoother to look at than the binary sample)."""
    rng = as_rng(rng)
    n_steps = positive_int(n_steps, name="n_steps")
    v = np.atleast_2d(_check_visible(v0, rbm.n_visible)).astype(float)
    for _ in range(n_steps):
        h = (rng.random((v.shape[0], rbm.n_hidden)) < sigmoid(v @ rbm.W + rbm.c)).astype(float)
        pv = sigmoid(h @ rbm.W.T + rbm.b)
        v = (rng.random(pv.shape) < pv).astype(float)
    return pv


# --------------------------------------------------------------------------------------------
# Stacking RBMs: the deep belief net
# --------------------------------------------------------------------------------------------

def stack_rbm(rbm1: RBM, X, *, n_hidden: int | None = None, epochs: int, rng, **train_kw) -> RBM:
    """Train a second RBM on the hidden activity of ``rbm1`` (Hinton & Salakhutdinov 2006).

    Its training data are binary samples h ~ p₁(h | v), one per example of X, drawn afresh for every
    epoch (so it learns the aggregated posterior, not one draw of it); ``train_kw`` go to
    :func:`train_rbm`. With ``n_hidden=None`` the new RBM starts as rbm1 turned upside down
    (W₂ = W₁ᵀ, b₂ = c₁, c₂ = b₁): its marginal over its visible units is then exactly rbm1's p(h), so
    the variational bound of :func:`dbn_bound` starts at rbm1's log-likelihood.
    """
    rng = as_rng(rng)
    X = as_matrix(X, name="X")
    epochs = positive_int(epochs, name="epochs", minimum=0)
    q = hidden_probs(rbm1, X)
    if n_hidden is None:
        top = RBM(rbm1.W.T.copy(), rbm1.c.copy(), rbm1.b.copy())
    else:
        top = RBM.init(rbm1.n_hidden, positive_int(n_hidden, name="n_hidden"), rng=rng,
                       scale=train_kw.pop("init_scale", 0.01), data=q)
    for _ in range(epochs):
        H = (rng.random(q.shape) < q).astype(float)
        top = train_rbm(H, top.n_hidden, epochs=1, rng=rng, rbm=top, **train_kw).rbm
    return top


def _bernoulli_logpmf(x, p):
    return np.sum(x * np.log(np.clip(p, 1e-300, 1)) + (1 - x) * np.log(np.clip(1 - p, 1e-300, 1)), axis=-1)


def dbn_bound(rbm1: RBM, rbm2: RBM, X, *, n_samples: int = 10, rng) -> float:
    """Mean variational lower bound on log p(v) for the two-layer DBN (rbm2 on top of rbm1):

        log p(v) ≥ E_{q(h|v)}[log p₁(v | h) + log p₂(h) − log q(h | v)],  q(h|v) = p₁(h | v),

    with log p₂(h) = −F₂(h) − log Z₂ exact; the expectation is estimated from ``n_samples`` draws of h
    per example. (If rbm2 is rbm1 upside down every draw gives exactly log p₁(v).)
    """
    rng = as_rng(rng)
    n_samples = positive_int(n_samples, name="n_samples")
    X = np.atleast_2d(_check_visible(X, rbm1.n_visible))
    if rbm2.n_visible != rbm1.n_hidden:
        raise ValueError(f"rbm2 must have {rbm1.n_hidden} visible units (rbm1's hidden); got {rbm2.n_visible}")
    q = hidden_probs(rbm1, X)                                            # (n, n_h)
    H = (rng.random((n_samples,) + q.shape) < q).astype(float)           # (S, n, n_h)
    log_q = _bernoulli_logpmf(H, q)
    log_p_v_given_h = _bernoulli_logpmf(X, sigmoid(H @ rbm1.W.T + rbm1.b))
    log_p_h = -free_energy(rbm2, H.reshape(-1, rbm1.n_hidden)).reshape(H.shape[:2]) - log_partition(rbm2)
    return float(np.mean(log_p_v_given_h + log_p_h - log_q))


def dbn_sample(rbm1: RBM, rbm2: RBM, n: int, *, n_gibbs: int = 200, rng) -> np.ndarray:
    """Generate from the DBN: Gibbs sampling in the top RBM (rbm2) for ``n_gibbs`` steps, then one
    top-down pass through rbm1, p(v | h). Returns visible probabilities (n, n_v)."""
    rng = as_rng(rng)
    n = positive_int(n, name="n")
    h0 = (rng.random((n, rbm2.n_visible)) < 0.5).astype(float)
    h_top = gibbs_chain(rbm2, h0, n_gibbs, rng=rng)
    h = (rng.random(h_top.shape) < h_top).astype(float)
    return visible_probs(rbm1, h)
