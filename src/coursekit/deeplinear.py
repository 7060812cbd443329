"""Week 12 — learning dynamics of deep linear networks (Saxe, McClelland & Ganguli 2014).

A linear network y = W^{N_l−1} ⋯ W^2 W^1 x trained by gradient descent on the squared error, with
whitened inputs (input correlation Σ¹¹ = I), depends on the data only through the input–output
correlation Σ³¹ = U S Vᵀ = Σ_α s_α u_α v_αᵀ (their eq. 3). Each weight matrix follows (eq. 13)

    τ dW^l/dt = (W^{>l})ᵀ (Σ³¹ − W^{tot}) (W^{<l})ᵀ,       W^{tot} = W^{N_l−1} ⋯ W^1,

τ = 1/λ for the learning rate λ, t counted in iterations. From decoupled initial conditions each mode
α evolves on its own; its strength u = u_αᵀ W^{tot} v_α obeys, for one hidden layer (eq. 10),

    τ du/dt = 2u (s − u),   so   u(t) = s e^{2st/τ} / (e^{2st/τ} − 1 + s/u₀)          (eq. 12)

a sigmoid in time whose time scale is τ/s: a stronger mode is learned sooner (eq. 11). With N_l − 1
weight matrices (each factor of the mode equal) τ du/dt = (N_l − 1) u^{2−2/(N_l−1)} (s − u) (eq. 15).

Chapter: ``notebooks/12-deep-networks.ipynb`` (section 3).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validate import as_rng, as_vector, positive, positive_int

__all__ = ["mode_strength", "deep_mode_strength", "LinearTask", "linear_task", "decoupled_weights",
           "random_weights", "Trajectory", "gradient_descent", "learning_times", "DepthSweep", "depth_sweep",
           "INITS"]

INITS = ("gaussian", "orthogonal")


def mode_strength(t, s: float, u0: float, tau: float = 1.0):
    """u(t) = s e^{2st/τ} / (e^{2st/τ} − 1 + s/u₀), Saxe et al. (2014) eq. 12: the strength of a mode
    of singular value s learned by a network with one hidden layer from the decoupled start u₀.

    Used in: week 12, notebooks/12-deep-networks.ipynb.
    """
    s = positive(s, name="s")
    u0 = positive(u0, name="u0")
    tau = positive(tau, name="tau")
    t = np.asarray(t, dtype=float)
    # divide through by e^{2st/τ}, which never overflows: u = s / (1 + (s/u₀ − 1) e^{−2st/τ})
    out = s / (1.0 + (s / u0 - 1.0) * np.exp(-2.0 * s * t / tau))
    return float(out) if out.ndim == 0 else out


def _half_time(s: float, u0: float, tau: float = 1.0) -> float:
    """The time for u to rise from u₀ to s/2, (τ/2s) ln((s − u₀)/u₀) — eq. 11 with u_f = s/2."""
    return tau / (2 * s) * np.log((s - u0) / u0)


def deep_mode_strength(t, s: float, u0: float, n_layers: int, tau: float = 1.0) -> np.ndarray:
    """u(t) of one mode in a network of ``n_layers`` = N_l layers (N_l − 1 weight matrices) from the
    decoupled start with every factor equal, by integrating eq. 15 numerically (scipy's solve_ivp).
    For N_l = 3 it equals :func:`mode_strength`.

    Used in: no notebook yet (tests/test_deeplinear.py checks it against eqs. 12 and 17).
    """
    from scipy.integrate import solve_ivp
    s, u0, tau = positive(s, name="s"), positive(u0, name="u0"), positive(tau, name="tau")
    m = positive_int(n_layers, name="n_layers", minimum=2) - 1
    t = np.atleast_1d(np.asarray(t, dtype=float))
    if np.any(np.diff(t) < 0) or t[0] < 0:
        raise ValueError("t must be non-negative and increasing")
    rate = lambda _, u: m * np.abs(u) ** (2 - 2 / m) * (s - u) / tau
    sol = solve_ivp(rate, (0.0, float(t[-1])), [u0], t_eval=t, rtol=1e-10, atol=1e-14, method="LSODA")
    return sol.y[0]


@dataclass
class LinearTask:
    """Σ³¹ = U diag(s) Vᵀ for whitened n-dimensional inputs and outputs (Saxe et al. 2014, eq. 3).

    Used in: week 12, notebooks/12-deep-networks.ipynb, through linear_task.
    """
    U: np.ndarray
    s: np.ndarray
    V: np.ndarray

    @property
    def sigma31(self) -> np.ndarray:
        return (self.U * self.s) @ self.V.T

    def modes(self, W_total) -> np.ndarray:
        """The mode strengths u_α = u_αᵀ W^{tot} v_α (the diagonal of Uᵀ W^{tot} V), for one matrix
        (n, n) or a stack (..., n, n)."""
        return np.einsum("ia,...ij,ja->...a", self.U, np.asarray(W_total), self.V)


def _haar(rng, n: int, size=()) -> np.ndarray:
    """Random orthogonal matrices, uniform (Haar) on O(n): QR of a Gaussian with the signs fixed."""
    A = rng.normal(size=tuple(size) + (n, n))
    Q, R = np.linalg.qr(A)
    return Q * np.sign(np.diagonal(R, axis1=-2, axis2=-1))[..., None, :]


def _positive_det(M: np.ndarray) -> np.ndarray:
    """M with its first row negated wherever det M < 0: conditions a sign-symmetric distribution on
    det M > 0 (Haar on O(n) becomes Haar on the rotations SO(n))."""
    M = np.array(M, dtype=float)
    M[..., 0, :] *= np.where(np.linalg.det(M) < 0, -1.0, 1.0)[..., None]
    return M


def linear_task(singular_values, *, rng) -> LinearTask:
    """A task with the given singular values s (length n) and random rotations U and V (det +1, so
    det Σ³¹ > 0: see :func:`random_weights`).

    Used in: week 12, notebooks/12-deep-networks.ipynb.
    """
    s = as_vector(singular_values, name="singular_values")
    if np.any(s < 0):
        raise ValueError("singular_values must be ≥ 0")
    rng = as_rng(rng)
    n = s.size
    return LinearTask(_positive_det(_haar(rng, n)), s, _positive_det(_haar(rng, n)))


def decoupled_weights(task: LinearTask, u0: float, n_weights: int = 2, *, n_hidden: int | None = None,
                      rng) -> list[np.ndarray]:
    """Weights on the decoupled manifold (Saxe et al. 2014, sections 1.3 and 2): W¹ = d R₂ Vᵀ,
    Wˡ = d R_{l+1} R_lᵀ, W^{last} = d U R_lastᵀ, with random R of orthonormal columns (``n_hidden``
    rows, default n) and d = u₀^{1/n_weights}, so that W^{tot} = u₀ U Vᵀ: every mode starts at
    strength u₀ and the modes never interact.

    Used in: week 12, notebooks/12-deep-networks.ipynb.
    """
    u0 = positive(u0, name="u0")
    m = positive_int(n_weights, name="n_weights")
    rng = as_rng(rng)
    n = task.s.size
    h = n if n_hidden is None else positive_int(n_hidden, name="n_hidden", minimum=n)
    R = [task.V] + [_haar(rng, h)[:, :n] for _ in range(m - 1)] + [task.U]
    d = u0 ** (1.0 / m)
    return [d * R[l + 1] @ R[l].T for l in range(m)]


def random_weights(n_weights: int, n: int, init: str, *, rng, size=()) -> list[np.ndarray]:
    """``n_weights`` random (n, n) matrices: "gaussian" with i.i.d. N(0, 1/n) entries (norm-preserving
    on average; Saxe et al. 2014, section 3) or "orthogonal" (random, WᵀW = I). ``size`` adds leading
    axes for a stack of independent networks.

    Each matrix is drawn with det W > 0 (a random rotation, for "orthogonal"). In these square
    networks det W^{tot} can change sign only by passing through a singular W^{tot}, a saddle of the
    loss where learning stalls; starting with det W^{tot} > 0 on a task with det Σ³¹ > 0 (as
    :func:`linear_task` draws it) compares depths without that extra plateau.

    Used in: week 12, notebooks/12-deep-networks.ipynb, through depth_sweep.
    """
    m, n = positive_int(n_weights, name="n_weights"), positive_int(n, name="n")
    rng = as_rng(rng)
    if init == "gaussian":
        return [_positive_det(rng.normal(0.0, 1.0 / np.sqrt(n), size=tuple(size) + (n, n))) for _ in range(m)]
    if init == "orthogonal":
        return [_positive_det(_haar(rng, n, size)) for _ in range(m)]
    raise ValueError(f"init must be one of {INITS}; got {init!r}")


def _eye(n: int, like: np.ndarray) -> np.ndarray:
    """The n × n identity with the leading (stack) axes of ``like``."""
    return np.broadcast_to(np.eye(n), like.shape[:-2] + (n, n))


def _chain(Ws):
    """Prefix products P[l] = W^{l−1} ⋯ W^1 (P[0] = I), for matrices (..., n_out, n_in) of any widths."""
    P = [_eye(Ws[0].shape[-1], Ws[0])]
    for W in Ws[:-1]:
        P.append(W @ P[-1])
    return P


def _step(Ws, target, eta) -> np.ndarray:
    """One gradient-descent step of eq. 13 (discrete time, Σ¹¹ = I) on every matrix in place; returns
    the loss ½‖Σ³¹ − W^{tot}‖² before the step."""
    P = _chain(Ws)
    err = target - Ws[-1] @ P[-1]
    S = _eye(Ws[-1].shape[-2], Ws[-1])                     # W^{>l}, built from the top down
    for l in range(len(Ws) - 1, -1, -1):
        grad = np.swapaxes(S, -1, -2) @ err @ np.swapaxes(P[l], -1, -2)
        S = S @ Ws[l]
        Ws[l] += eta * grad
    return 0.5 * np.sum(err * err, axis=(-2, -1))


@dataclass
class Trajectory:
    """Mode strengths ``modes`` (n_records, n) and ``loss`` at the iterations ``steps``.

    Used in: week 12, notebooks/12-deep-networks.ipynb, through gradient_descent.
    """
    steps: np.ndarray
    modes: np.ndarray
    loss: np.ndarray


def gradient_descent(weights, task: LinearTask, *, eta: float, n_steps: int, every: int = 1) -> Trajectory:
    """Train one deep linear network (the list ``weights``, bottom first, each (n_out, n_in) — hidden
    layers may have any width; copied) by gradient descent with learning rate η = 1/τ, recording the
    mode strengths every ``every`` iterations.

    Used in: week 12, notebooks/12-deep-networks.ipynb.
    """
    Ws = [np.array(W, dtype=float) for W in weights]
    eta = positive(eta, name="eta")
    n_steps = positive_int(n_steps, name="n_steps")
    every = positive_int(every, name="every")
    target = task.sigma31
    steps, modes, loss = [], [], []
    for k in range(n_steps + 1):
        if k % every == 0:
            Wt = Ws[-1] @ _chain(Ws)[-1]
            steps.append(k)
            modes.append(task.modes(Wt))
            loss.append(0.5 * np.sum((target - Wt) ** 2))
        if k < n_steps:
            _step(Ws, target, eta)
    return Trajectory(np.array(steps), np.array(modes), np.array(loss))


def learning_times(weights, task: LinearTask, eta, *, max_steps: int, threshold: float = 1e-2) -> np.ndarray:
    """Iterations until the loss ½‖Σ³¹ − W^{tot}‖² falls below ``threshold`` times its value at
    W^{tot} = 0, for a stack of K networks (each matrix (K, n, n)) with learning rates ``eta`` (K,);
    ``inf`` for a network that had not got there after ``max_steps`` (or diverged).

    Used in: week 12, notebooks/12-deep-networks.ipynb, through depth_sweep.
    """
    Ws = [np.array(W, dtype=float) for W in weights]
    eta = np.asarray(eta, dtype=float).reshape(-1, 1, 1)
    max_steps = positive_int(max_steps, name="max_steps")
    target = task.sigma31
    goal = threshold * 0.5 * np.sum(target ** 2)
    K = Ws[0].shape[0]
    done = np.full(K, np.inf)
    live = np.ones(K, dtype=bool)
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(max_steps + 1):
            loss = _step(Ws, target, eta) if k < max_steps else 0.5 * np.sum(
                (target - Ws[-1] @ _chain(Ws)[-1]) ** 2, axis=(-2, -1))
            reached = live & (loss < goal)
            done[reached] = k
            live &= ~reached & np.isfinite(loss)
            if not live.any():
                break
            if live.sum() < K:                                    # keep only the networks still learning
                for l in range(len(Ws)):
                    Ws[l] = np.where(live[:, None, None], Ws[l], 0.0)
    return done


@dataclass
class DepthSweep:
    """``times[i, j, e, k]``: iterations to learn for init ``inits[i]``, ``depths[j]`` weight matrices,
    learning rate ``etas[j, e]`` and seed k (inf: not learned within ``max_steps``). ``best`` picks, for
    each init and depth, the learning rate with the smallest median over seeds (Saxe et al. chose the
    fastest of twenty rates for each depth).

    Used in: week 12, notebooks/12-deep-networks.ipynb, through depth_sweep.
    """
    inits: tuple
    depths: np.ndarray
    etas: np.ndarray
    times: np.ndarray
    max_steps: int

    def best(self) -> tuple[np.ndarray, np.ndarray]:
        """(times at the best rate, (n_inits, n_depths, seeds); the best rates, (n_inits, n_depths))."""
        med = np.median(self.times, axis=3)
        e = np.argmin(med, axis=2)
        pick = np.take_along_axis(self.times, e[:, :, None, None], axis=2)[:, :, 0]
        return pick, self.etas[np.arange(len(self.depths))[None, :], e]


def depth_sweep(task: LinearTask, depths, *, inits=INITS, eta_scale=(0.1, 0.2, 0.4, 0.8), seeds: int = 3,
                max_steps: int = 2000, threshold: float = 1e-2, rng) -> DepthSweep:
    """Learning time against depth (number of weight matrices) for each init, as in Saxe et al.
    (2014) Fig. 6A: for each depth D the rates η = c/D for c in ``eta_scale`` (their optimal rate
    scales like 1/depth), ``seeds`` networks per rate, all trained at once.

    Used in: week 12, notebooks/12-deep-networks.ipynb.
    """
    rng = as_rng(rng)
    depths = np.array([positive_int(d, name="depths[i]") for d in depths])
    c = np.asarray(eta_scale, dtype=float)
    etas = c[None, :] / depths[:, None]
    S = positive_int(seeds, name="seeds")
    n = task.s.size
    times = np.empty((len(inits), len(depths), c.size, S))
    for i, init in enumerate(inits):
        for j, D in enumerate(depths):
            Ws = random_weights(D, n, init, rng=rng, size=(c.size * S,))
            t = learning_times(Ws, task, np.repeat(etas[j], S), max_steps=max_steps, threshold=threshold)
            times[i, j] = t.reshape(c.size, S)
    return DepthSweep(tuple(inits), depths, etas, times, max_steps)
