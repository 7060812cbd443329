"""Week 2 — the Boltzmann machine: 0/1 stochastic units, Gibbs sampling with annealing, and
Boltzmann-machine learning on the encoder problem.

Ackley, Hinton & Sejnowski (1985), "A learning algorithm for Boltzmann machines".

Notation (chapter 2): units ``s ∈ {0, 1}ⁿ``, weights ``W`` (symmetric, zero diagonal), biases ``b``,
``E(s) = −½ sᵀ W s − bᵀ s`` and ``p(s) ∝ exp(−E(s)/T)``. The encoder's units are ordered (V1, V2, H).
The Hopfield network is in :mod:`coursekit.hopfield`, the RBM in :mod:`coursekit.rbm`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._numerics import binary_vectors
from ._validate import (Integer, OneOf, Real, Rng, as_array, as_matrix, check_fields, in_range, nonnegative,
                        positive, positive_int, validate)

__all__ = [
    "all_states", "boltzmann_energy", "boltzmann_probabilities", "gibbs_sweeps",
    "encoder_patterns", "encoder_mask", "EncoderRun", "PAPER_SCHEDULE", "EncoderTraining", "train_encoder",
    "encoder_success", "encoder_codes",
]


def all_states(n: int) -> np.ndarray:
    """All 2ⁿ binary vectors of length n, as rows of 0/1 (first unit = most significant bit).

    Used in: week 2, notebooks/02-hopfield-boltzmann.ipynb, through :func:`boltzmann_probabilities` and
    :func:`encoder_codes`.
    """
    n = positive_int(n, name="n")
    if n > 24:
        raise ValueError(f"n must be at most 24 to enumerate 2ⁿ states; got {n}")
    return binary_vectors(n)


def boltzmann_energy(W, b, s):
    """E(s) = −½ sᵀ W s − bᵀ s for 0/1 states s (…, n) (Ackley, Hinton & Sejnowski 1985).

    Used in: week 2, notebooks/02-hopfield-boltzmann.ipynb, through :func:`boltzmann_probabilities` and
    :func:`encoder_codes`.
    """
    s = np.asarray(s, dtype=float)
    return -0.5 * np.einsum("...i,ij,...j->...", s, W, s) - s @ b


def boltzmann_probabilities(W, b, T: float = 1.0):
    """The exact Boltzmann distribution p(s) = e^{−E(s)/T}/Z over all 2ⁿ states (small n only).

    Returns ``(states, p)``.

    Used in: week 2, notebooks/02-hopfield-boltzmann.ipynb.
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


@validate(T=Real(0, None, closed="neither"), n_sweeps=Integer(0), rng=Rng())
def gibbs_sweeps(W, b, s, *, T: float, n_sweeps: int, rng, free=None) -> np.ndarray:
    """Sequential Gibbs sampling at temperature T: each free unit in turn is set to 1 with
    probability σ(ΔEᵢ/T), ΔEᵢ = Σⱼ Wᵢⱼ sⱼ + bᵢ. Its stationary distribution is p(s) ∝ e^{−E(s)/T}.

    s: (n,) or (C, n) 0/1 states (C independent chains); ``free`` (bool mask or indices) says which
    units may change (default all — the others stay clamped). Returns the new states.

    Used in: week 2, notebooks/02-hopfield-boltzmann.ipynb.
    """
    W = as_matrix(W, name="W", square=True)
    b = as_array(b, name="b", ndim=1)
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
    """The n training vectors of the n-h-n encoder: unit p of V1 and unit p of V2 on, all else off.

    Used in: week 2, notebooks/02-hopfield-boltzmann.ipynb, through :func:`train_encoder`.
    """
    n = positive_int(n, name="n", minimum=2)
    eye = np.eye(n)
    return np.hstack([eye, eye])


def encoder_mask(n: int = 4, n_hidden: int = 2) -> np.ndarray:
    """Connectivity of the encoder network, units ordered (V1, V2, H): each visible group is fully
    connected within itself and to every hidden unit, the hidden units to each other, and there is no
    direct V1–V2 connection, so everything V2 learns about V1 must pass through the hidden code.

    Used in: week 2, notebooks/02-hopfield-boltzmann.ipynb, through :func:`train_encoder`.
    """
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
    ``checked_at[t]``.

    Used in: week 2, notebooks/02-hopfield-boltzmann.ipynb, through :func:`train_encoder`.
    """
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
    (summing over the hidden units). W: (n_units, n_units) or (K, …); returns a bool (or K bools).

    Used in: week 2, notebooks/02-hopfield-boltzmann.ipynb, through :func:`train_encoder`.
    """
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
    (n, n + n_hidden) whose last n_hidden columns are the hidden code the network uses for input p.

    Used in: week 2, notebooks/02-hopfield-boltzmann.ipynb.
    """
    W = as_matrix(W, name="W", square=True)
    b = as_array(b, name="b", ndim=1)
    free = all_states(W.shape[0] - n)
    codes = []
    for p in range(n):
        full = np.hstack([np.broadcast_to(np.eye(n)[p], (free.shape[0], n)), free])
        codes.append(free[np.argmin(boltzmann_energy(W, b, full))])
    return np.array(codes)


@dataclass(frozen=True)
class EncoderTraining:
    """The knobs of Boltzmann-machine learning on the encoder (see :func:`train_encoder`).

    n_cycles: learning cycles; eta: the weight step; rule: "sign" (the paper's fixed-size steps,
    Δw = η sign(pᵢⱼ − p'ᵢⱼ)) or "gradient" (Δw = η (pᵢⱼ − p'ᵢⱼ)); n_chains: chains per training vector in
    the clamped phase; schedule: (temperature, sweeps) pairs of the annealing; n_collect: sweeps at the
    final temperature over which the statistics are averaged; clamp_noise: (p_off, p_on), the
    probabilities that a unit clamped on is turned off and one clamped off is turned on — the paper's
    0.15 and 0.05 by default (Ackley, Hinton & Sejnowski 1985, the encoder problems);
    check_every: cycles between two exact success checks.

    Used in: week 2, notebooks/02-hopfield-boltzmann.ipynb.
    """
    n_cycles: int = 200
    eta: float = 0.2
    rule: str = "sign"
    n_chains: int = 2
    schedule: tuple = PAPER_SCHEDULE
    n_collect: int = 10
    clamp_noise: tuple = (0.15, 0.05)
    check_every: int = 10

    def __post_init__(self):
        check_fields(self, n_cycles=Integer(1), eta=Real(0, None, closed="neither"), rule=OneOf("sign", "gradient"),
                     n_chains=Integer(1), n_collect=Integer(1), check_every=Integer(1))
        noise = tuple(in_range(p, 0, 0.5, name="clamp_noise") for p in np.broadcast_to(self.clamp_noise, 2))
        object.__setattr__(self, "clamp_noise", noise)


@validate(n=Integer(2), n_hidden=Integer(1), n_nets=Integer(1), rng=Rng())
def train_encoder(n: int = 4, n_hidden: int = 2, *, n_nets: int = 1, rng,
                  training: EncoderTraining = EncoderTraining()) -> EncoderRun:
    """Boltzmann-machine learning on the n-n_hidden-n encoder, for ``n_nets`` networks at once.

    Each learning cycle, for every network (Ackley, Hinton & Sejnowski 1985):
    *clamped phase* — each training vector is clamped on V1 and V2 (``training.n_chains`` chains each)
    while the hidden units are annealed along ``training.schedule``; the co-occurrences pᵢⱼ = ⟨sᵢsⱼ⟩
    are then averaged over ``training.n_collect`` sweeps at the final temperature; *free phase* —
    nothing clamped, all units annealed the same way, giving p'ᵢⱼ; *update* — with ``rule="sign"``
    (the paper's fixed-size steps) Δwᵢⱼ = η sign(pᵢⱼ − p'ᵢⱼ), with ``rule="gradient"``
    Δwᵢⱼ = η (pᵢⱼ − p'ᵢⱼ), on existing connections only; biases likewise with ⟨sᵢ⟩. Clamping is noisy,
    as in the paper (``training.clamp_noise``), which keeps the weights from growing without bound.
    Success is judged exactly by :func:`encoder_success` (T = 0) every ``training.check_every``
    cycles. Temperatures are divided by 10 relative to the paper's (final T = 1), so η = 0.2
    corresponds to a weight step of 2 in its units.

    Used in: week 2, notebooks/02-hopfield-boltzmann.ipynb.
    """
    if not isinstance(training, EncoderTraining):
        raise TypeError(f"training must be a coursekit.boltzmann.EncoderTraining; got {type(training).__name__}")
    K, C = n_nets, training.n_chains
    n_cycles, eta, rule, schedule = training.n_cycles, training.eta, training.rule, training.schedule
    n_collect, check_every = training.n_collect, training.check_every
    off_noise, on_noise = training.clamp_noise
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
