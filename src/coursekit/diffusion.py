"""Weeks 9 and 10 — standard and anomalous diffusion.

Week 9: the Stokes–Einstein relation, Fick's laws and a finite-difference solver of the diffusion
equation, the three derivations of Brownian motion as simulations (Einstein's jump distribution,
Langevin's force balance, the lattice random walk and the central limit theorem), the mean squared
displacement (MSD) of tracks — ensemble and time-averaged, the latter in O(N log N) by the FFT — and
estimates of D and of Avogadro's number from tracks, as Perrin did.

Week 10: continuous-time random walks (CTRW) with heavy-tailed waiting times, Lévy walks, Lévy
flights (α-stable jumps), fractional Brownian motion (exact, by Davies–Harte circulant embedding),
the exponent α of ⟨x²⟩ ∝ t^α with an uncertainty, and weak ergodicity breaking.

Notation (chapters 9–10): ``D`` a diffusion coefficient, ``K`` a generalised one (⟨x²⟩ = 2K t^α),
``T`` an absolute temperature (K), ``eta`` a dynamic viscosity (Pa·s), ``radius`` a sphere's radius
(m) — never its diameter —, ``dt`` the time between samples, ``tau`` Langevin's velocity relaxation
time m/γ, ``alpha`` the anomalous exponent (or a tail index, as the docstring says), ``H`` the
Hurst exponent. Tracks ``x`` have shape ``(walkers, steps + 1)`` in one dimension, or
``(walkers, steps + 1, dim)``, with ``x[:, 0] = 0``. Simulations are in the units of their arguments.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import constants, signal, special
from scipy import fft as sfft

from ._validate import as_array, as_rng, as_vector, in_range, positive, positive_int

__all__ = [
    # week 9: physics
    "stokes_einstein_D", "rms_displacement", "avogadro_from_D",
    # week 9: Fick's laws
    "fick_flux", "diffuse_fd", "gaussian_solution",
    # week 9: Brownian motion three ways
    "random_walk", "brownian", "langevin", "langevin_msd",
    # MSD and estimation
    "squared_displacement", "msd_ensemble", "msd_time_averaged", "msd_time_averaged_direct",
    "DEstimate", "estimate_D", "fit_power_law", "AlphaEstimate", "estimate_alpha",
    # week 10: anomalous diffusion
    "pareto_waits", "ctrw", "ctrw_msd_theory", "levy_walk", "stable_jumps", "levy_flight",
    "quantile_width", "fgn_autocovariance", "fbm", "ergodicity_breaking", "eb_ctrw_theory",
    # pictures
    "animate_tracks",
]


# --------------------------------------------------------------------------------------------
# Physical constants and the Stokes–Einstein relation
# --------------------------------------------------------------------------------------------

def stokes_einstein_D(T_kelvin: float, eta_Pa_s: float, radius_m: float) -> float:
    """Stokes–Einstein diffusion coefficient D = k_B T / (6 π η a), in m²/s (Einstein 1905).

    T_kelvin: absolute temperature (K); eta_Pa_s: the fluid's dynamic viscosity (Pa·s; water at
    20 °C ≈ 1.0016e-3); radius_m: the sphere's **radius** a (m) — half the diameter.
    A 1 µm *diameter* bead (a = 0.5e-6 m) in 20 °C water gives D ≈ 4.3e-13 m²/s = 0.43 µm²/s.
    """
    T = positive(T_kelvin, name="T_kelvin")
    eta = positive(eta_Pa_s, name="eta_Pa_s")
    a = positive(radius_m, name="radius_m")
    return constants.k * T / (6 * np.pi * eta * a)


def rms_displacement(D: float, t, dim: int = 1):
    """Root-mean-square displacement √⟨r²⟩ = √(2 d D t) after time t in d dimensions (Einstein 1905).

    Einstein's λ_x is the d = 1 case: the projection of the displacement on one axis.
    """
    D = positive(D, name="D")
    t = as_array(t, name="t")
    if np.any(t < 0):
        raise ValueError("t must be >= 0")
    dim = positive_int(dim, name="dim")
    out = np.sqrt(2 * dim * D * t)
    return float(out) if out.ndim == 0 else out


def avogadro_from_D(D: float, T_kelvin: float, eta_Pa_s: float, radius_m: float) -> float:
    """Perrin's route to Avogadro's number: N_A = R T / (6 π η a D) (Einstein 1905; Perrin 1909).

    D is measured from tracks (m²/s), R is the gas constant; everything else as for
    :func:`stokes_einstein_D`.
    """
    D = positive(D, name="D")
    T = positive(T_kelvin, name="T_kelvin")
    eta = positive(eta_Pa_s, name="eta_Pa_s")
    a = positive(radius_m, name="radius_m")
    return constants.R * T / (6 * np.pi * eta * a * D)


# --------------------------------------------------------------------------------------------
# Fick's laws and a finite-difference solver
# --------------------------------------------------------------------------------------------

def fick_flux(c, dx: float, D: float) -> np.ndarray:
    """Fick's first law J = −D ∂c/∂x, by central differences (one-sided at the ends)."""
    c = as_vector(c, name="c")
    if c.size < 2:
        raise ValueError(f"c must have at least 2 grid points; got {c.size}")
    return -positive(D, name="D") * np.gradient(c, positive(dx, name="dx"))


_BOUNDARIES = ("reflecting", "absorbing", "periodic")


def diffuse_fd(c0, *, D: float, dx: float, dt: float, n_steps: int,
               boundary: str = "reflecting") -> np.ndarray:
    """Fick's second law ∂c/∂t = D ∂²c/∂x² by explicit finite differences (FTCS).

    c_i ← c_i + r (c_{i+1} − 2c_i + c_{i−1}), r = D dt/dx²; stable only for r ≤ 1/2, which is checked
    (at r = 1/2 the shortest wave, a checkerboard, has amplification 1 − 4r = −1 and never decays).
    ``boundary``: 'reflecting' (zero flux, mass conserved), 'absorbing' (c = 0 outside the grid) or
    'periodic'. The time loop is sequential by nature; each step is one vectorised update.
    Accuracy: O(dt) + O(dx²).
    """
    c = as_vector(c0, name="c0").copy()
    D, dx, dt = positive(D, name="D"), positive(dx, name="dx"), positive(dt, name="dt")
    n_steps = positive_int(n_steps, name="n_steps", minimum=0)
    if boundary not in _BOUNDARIES:
        raise ValueError(f"boundary must be one of {_BOUNDARIES}; got {boundary!r}")
    r = D * dt / dx**2
    if r > 0.5:
        raise ValueError(f"the explicit scheme is unstable for D·dt/dx² = {r:.3g} > 1/2; "
                         f"use dt <= {0.5 * dx**2 / D:.3g}")
    padded = np.empty(c.size + 2)
    for _ in range(n_steps):
        padded[1:-1] = c
        if boundary == "reflecting":
            padded[0], padded[-1] = c[0], c[-1]
        elif boundary == "absorbing":
            padded[0] = padded[-1] = 0.0
        else:
            padded[0], padded[-1] = c[-1], c[0]
        c += r * (padded[2:] - 2 * c + padded[:-2])
    return c


def gaussian_solution(x, t: float, D: float, x0: float = 0.0, mass: float = 1.0) -> np.ndarray:
    """Green's function of the diffusion equation: c(x, t) = M/√(4πDt) · exp(−(x − x0)²/4Dt)."""
    x = as_array(x, name="x")
    t, D = positive(t, name="t"), positive(D, name="D")
    return mass / np.sqrt(4 * np.pi * D * t) * np.exp(-(x - x0) ** 2 / (4 * D * t))


# --------------------------------------------------------------------------------------------
# Brownian motion, three ways
# --------------------------------------------------------------------------------------------

_JUMPS = ("lattice", "uniform", "gaussian")


def _shape(n_walkers, n_steps, dim):
    n_walkers = positive_int(n_walkers, name="n_walkers")
    n_steps = positive_int(n_steps, name="n_steps")
    dim = positive_int(dim, name="dim")
    return n_walkers, n_steps, dim, ((n_walkers, n_steps + 1) if dim == 1 else (n_walkers, n_steps + 1, dim))


def random_walk(n_walkers: int, n_steps: int, *, rng: np.random.Generator, step: float = 1.0,
                jumps: str = "lattice", dim: int = 1) -> np.ndarray:
    """Positions of independent random walkers, each coordinate making one jump per time step.

    jumps: 'lattice' (±step with probability ½ each — the random walk of the central limit theorem),
    'uniform' (uniform on [−√3 step, √3 step]) or 'gaussian' (N(0, step²)). All three have jump
    variance step², so after n steps ⟨x²⟩ = n step² per coordinate, i.e. D = step²/(2 dt) (Einstein
    1905: D = ⟨Δ²⟩/2τ for any symmetric jump law of finite variance). The lattice walk draws one
    random *bit* per jump and sums in integers.
    Returns shape (walkers, steps + 1) for dim = 1, else (walkers, steps + 1, dim).
    """
    rng = as_rng(rng)
    step = positive(step, name="step")
    if jumps not in _JUMPS:
        raise ValueError(f"jumps must be one of {_JUMPS}; got {jumps!r}")
    n_walkers, n_steps, dim, shape = _shape(n_walkers, n_steps, dim)
    x = np.empty(shape)
    x[:, 0] = 0.0
    inner = (n_walkers, n_steps) if dim == 1 else (n_walkers, n_steps, dim)
    if jumps == "lattice":
        n = int(np.prod(inner))
        s = np.unpackbits(np.frombuffer(rng.bytes((n + 7) // 8), dtype=np.uint8), count=n).view(np.int8)
        s *= 2
        s -= 1                                    # ±1 as int8
        # integer running sums are exact and ~3× faster than float ones (no 4-cycle add latency chain)
        k = np.cumsum(s.reshape(inner), axis=1, dtype=np.int32 if n_steps < 2**31 else np.int64)
        np.multiply(k, step, out=x[:, 1:])
        return x
    if jumps == "uniform":
        s = rng.uniform(-np.sqrt(3) * step, np.sqrt(3) * step, size=inner)
    else:
        s = rng.normal(0.0, step, size=inner)
    np.cumsum(s, axis=1, out=x[:, 1:])
    return x


def brownian(n_walkers: int, n_steps: int, *, D: float, dt: float, rng: np.random.Generator,
             dim: int = 1) -> np.ndarray:
    """Brownian tracks sampled every dt: independent Gaussian increments of variance 2 D dt per
    coordinate, so ⟨|x(t) − x(0)|²⟩ = 2 d D t exactly at every sample (Einstein 1905).

    Drawn and summed in place (one array of walkers × steps). Shape as :func:`random_walk`.
    """
    rng = as_rng(rng)
    D, dt = positive(D, name="D"), positive(dt, name="dt")
    _, _, _, shape = _shape(n_walkers, n_steps, dim)
    x = rng.standard_normal(shape)
    x[:, 0] = 0.0
    x *= np.sqrt(2 * D * dt)
    np.cumsum(x, axis=1, out=x)
    return x


def langevin(n_walkers: int, n_steps: int, *, D: float, tau: float, dt: float,
             rng: np.random.Generator, v0: str | float = "equilibrium") -> tuple[np.ndarray, np.ndarray]:
    """Langevin's (1908) force balance m dv/dt = −γ v + ξ(t), white noise ⟨ξ(t)ξ(t')⟩ = 2γkT δ(t − t').

    Parameterised by D = kT/γ and tau = m/γ (so ⟨v²⟩ = kT/m = D/tau). Integrated *exactly* for any dt:
    given v_n, the pair (v_{n+1}, Δx_n) is Gaussian with a = e^{−dt/τ},
      E v_{n+1} = a v_n,           Var v_{n+1} = (D/τ)(1 − a²),
      E Δx_n = τ(1 − a) v_n,       Var Δx_n = D τ (2dt/τ − 3 + 4a − a²),
      Cov(Δx_n, v_{n+1}) = D (1 − a)².
    The velocity recursion is a linear filter (``scipy.signal.lfilter``) and the positions a
    cumulative sum, so there is no Python loop over walkers or time.
    v0: 'equilibrium' (v0 ~ N(0, D/τ), the stationary state) or a number (every walker starts at v0).
    Returns (x, v), each of shape (walkers, steps + 1), with x[:, 0] = 0.
    MSD (equilibrium start): ⟨x²⟩ = 2D[t − τ(1 − e^{−t/τ})] — ballistic (D/τ) t² for t ≪ τ, 2Dt for t ≫ τ.
    """
    rng = as_rng(rng)
    D, tau, dt = positive(D, name="D"), positive(tau, name="tau"), positive(dt, name="dt")
    n_walkers, n_steps, _, _ = _shape(n_walkers, n_steps, 1)
    sv2 = D / tau
    if isinstance(v0, str):
        if v0 != "equilibrium":
            raise ValueError(f"v0 must be 'equilibrium' or a number; got {v0!r}")
        v_start = rng.normal(0.0, np.sqrt(sv2), size=n_walkers)
    else:
        v_start = np.full(n_walkers, float(v0))
        if not np.isfinite(v_start[0]):
            raise ValueError(f"v0 must be finite; got {v0}")
    h = dt / tau
    a = np.exp(-h)
    var_v = sv2 * -np.expm1(-2 * h)
    var_x = D * tau * max(2 * h - 3 + 4 * a - a * a, 0.0)
    if h < 1e-3:                                   # series, to avoid cancellation: (2/3) h³ − h⁴/2 …
        var_x = D * tau * (2 / 3 * h**3 - 0.5 * h**4 + 7 / 30 * h**5)
    cov = D * (-np.expm1(-h)) ** 2
    xi1 = rng.standard_normal((n_walkers, n_steps))
    xi2 = rng.standard_normal((n_walkers, n_steps))
    noise_v = np.sqrt(var_v) * xi1
    noise_x = cov / np.sqrt(var_v) * xi1 + np.sqrt(max(var_x - cov**2 / var_v, 0.0)) * xi2
    v = np.empty((n_walkers, n_steps + 1))
    v[:, 0] = v_start
    v[:, 1:], _ = signal.lfilter([1.0], [1.0, -a], noise_v, axis=1, zi=(a * v_start)[:, None])
    x = np.empty_like(v)
    x[:, 0] = 0.0
    np.cumsum(tau * (1 - a) * v[:, :-1] + noise_x, axis=1, out=x[:, 1:])
    return x, v


def langevin_msd(t, *, D: float, tau: float) -> np.ndarray:
    """Langevin's MSD from equilibrium, ⟨x²(t)⟩ = 2D[t − τ(1 − e^{−t/τ})] (Langevin 1908; Ornstein–Uhlenbeck)."""
    t = as_array(t, name="t")
    D, tau = positive(D, name="D"), positive(tau, name="tau")
    return 2 * D * (t + tau * np.expm1(-t / tau))


# --------------------------------------------------------------------------------------------
# Mean squared displacement and estimators
# --------------------------------------------------------------------------------------------

def _tracks(x, name="x", min_len=2):
    """Tracks as (walkers, T, dim) float array; returns (array, squeeze_walkers)."""
    x = as_array(x, name=name, ndim=(1, 2, 3))
    single = x.ndim == 1
    if single:
        x = x[None, :, None]
    elif x.ndim == 2:
        x = x[:, :, None]
    if x.shape[1] < min_len:
        raise ValueError(f"{name} must have at least {min_len} time points; got {x.shape[1]}")
    return x, single


def squared_displacement(x) -> np.ndarray:
    """|x(t) − x(0)|² for every walker and time, summed over coordinates: shape (walkers, T)."""
    x, single = _tracks(x, min_len=1)
    r2 = np.sum((x - x[:, :1]) ** 2, axis=2)
    return r2[0] if single else r2


def msd_ensemble(x) -> np.ndarray:
    """Ensemble MSD ⟨|x(t) − x(0)|²⟩ over walkers, at every sample time: shape (T,)."""
    x, _ = _tracks(x, min_len=1)
    return np.sum((x - x[:, :1]) ** 2, axis=2).mean(axis=0)


def _max_lag(max_lag, T):
    if max_lag is None:
        return T - 1
    max_lag = positive_int(max_lag, name="max_lag", minimum=0)
    if max_lag > T - 1:
        raise ValueError(f"max_lag must be <= {T - 1} (the track has {T} points); got {max_lag}")
    return max_lag


def msd_time_averaged(x, max_lag: int | None = None) -> np.ndarray:
    """Time-averaged MSD of each track, δ²(m) = 1/(N − m) Σ_{k=0}^{N−1−m} |x_{k+m} − x_k|², in O(N log N).

    Expand the square: Σ|x_{k+m} − x_k|² = Σ_{k<N−m} |x_k|² + Σ_{k≥m} |x_k|² − 2 Σ_k x_k·x_{k+m}. The first
    two sums come from cumulative sums of |x_k|²; the last is an autocorrelation, computed for all m at
    once by the FFT with zero padding to ≥ 2N − 1 (Wiener–Khinchin). x: one track (N,), tracks (walkers, N)
    or (walkers, N, dim). Returns (max_lag + 1,) for one track, else (walkers, max_lag + 1); δ²(0) = 0.
    Centring each track first keeps the round-off small (δ² does not depend on a constant shift).
    """
    x, single = _tracks(x)
    W, N, dim = x.shape
    M = _max_lag(max_lag, N)
    x = np.ascontiguousarray(np.moveaxis(x, 2, 1)).reshape(W * dim, N)    # FFT along the last axis
    x = x - x.mean(axis=1, keepdims=True)
    nfft = sfft.next_fast_len(2 * N - 1, real=True)
    S2 = np.empty((W * dim, M + 1))
    block = max(1, (1 << 22) // nfft)                  # rows per FFT batch: bounds the memory at ~64 MB
    for i in range(0, W * dim, block):
        F = sfft.rfft(x[i:i + block], n=nfft, axis=1)
        S2[i:i + block] = sfft.irfft(F.real ** 2 + F.imag ** 2, n=nfft, axis=1)[:, :M + 1]
    S2 = S2.reshape(W, dim, M + 1).sum(axis=1)
    sq = np.sum((x * x).reshape(W, dim, N), axis=1)
    csum = np.concatenate([np.zeros((W, 1)), np.cumsum(sq, axis=1)], axis=1)
    m = np.arange(M + 1)
    S1 = (csum[:, N - m] - csum[:, :1]) + (csum[:, N:N + 1] - csum[:, m])   # Σ_{k<N−m} + Σ_{k≥m}
    out = np.maximum((S1 - 2 * S2) / (N - m), 0.0)
    out[:, 0] = 0.0
    return out[0] if single else out


def msd_time_averaged_direct(x, max_lag: int | None = None) -> np.ndarray:
    """The same time-averaged MSD by the direct sum, one lag at a time: O(N²) work (the reference)."""
    x, single = _tracks(x)
    W, N, _ = x.shape
    M = _max_lag(max_lag, N)
    out = np.zeros((W, M + 1))
    for m in range(1, M + 1):
        d = x[:, m:] - x[:, :-m]
        out[:, m] = np.sum(d * d, axis=(1, 2)) / (N - m)
    return out[0] if single else out


@dataclass
class DEstimate:
    """D with its standard error, from ``n`` independent one-coordinate increments."""
    D: float
    stderr: float
    n: int


def estimate_D(x, dt: float) -> DEstimate:
    """Diffusion coefficient from tracks: D̂ = Σ Δx² / (2 n dt) over all n increments of all coordinates.

    This is the maximum-likelihood estimate for Brownian tracks without localisation noise; each
    Δx²/(2D dt) is χ²₁, so Var D̂ = 2D²/n and the standard error is D̂ √(2/n).
    """
    x, _ = _tracks(x)
    dt = positive(dt, name="dt")
    d = np.diff(x, axis=1)
    n = d.size
    D = float(np.mean(d * d) / (2 * dt))
    return DEstimate(D, D * np.sqrt(2 / n), n)


def fit_power_law(t, y) -> tuple[float, float]:
    """Least-squares line through (log t, log y): returns (alpha, prefactor) of y ≈ prefactor · t^alpha."""
    t = as_vector(t, name="t")
    y = as_vector(y, name="y", size=t.size)
    if t.size < 2:
        raise ValueError("need at least 2 points to fit a power law")
    if np.any(t <= 0) or np.any(y <= 0):
        raise ValueError("t and y must be > 0 to fit a power law in log-log coordinates")
    alpha, logc = np.polyfit(np.log(t), np.log(y), 1)
    return float(alpha), float(np.exp(logc))


@dataclass
class AlphaEstimate:
    """Anomalous exponent α of ⟨x²⟩ ≈ 2K t^α, with a bootstrap standard error over walkers."""
    alpha: float
    stderr: float
    K: float
    t: np.ndarray = field(repr=False)           # the elapsed times (or lags) used in the fit
    msd: np.ndarray = field(repr=False)         # the (ensemble- or time-averaged) MSD at those times


def _log_pick(candidates, n):
    """About n entries of the sorted array ``candidates``, evenly spaced in log."""
    if candidates.size <= n:
        return candidates
    want = np.geomspace(candidates[0], candidates[-1], n)
    idx = np.unique(np.clip(np.searchsorted(candidates, want), 0, candidates.size - 1))
    return candidates[idx]


def estimate_alpha(x, t, *, rng: np.random.Generator, window: tuple[float, float] | None = None,
                   average: str = "ensemble", n_points: int = 12, n_boot: int = 200) -> AlphaEstimate:
    """Fit α in ⟨x²(t)⟩ ≈ 2K t^α to tracks x sampled at times t, with a standard error.

    x: (walkers, T) or (walkers, T, dim), starting at t[0]; t: the T sample times (increasing).
    average: 'ensemble' — the MSD ⟨|x(t) − x(t0)|²⟩ over walkers at elapsed times t − t[0] in
    ``window`` (default: all), any sampling; 'time' — the walker average of the time-averaged MSD at lags
    in ``window`` (default: one sample to a tenth of the track), which needs uniform sampling.
    About ``n_points`` log-spaced times are used, so that every decade weighs the same, and α is the
    least-squares slope in log-log coordinates. The standard error is the spread of α over ``n_boot``
    bootstrap resamples of the *walkers*: walkers are independent, points of one MSD curve are not, so a
    regression error would be too small. Needs at least 2 walkers.
    """
    x, _ = _tracks(x)
    rng = as_rng(rng)
    W, N, dim = x.shape
    t = as_vector(t, name="t", size=N)
    if np.any(np.diff(t) <= 0):
        raise ValueError("t must be strictly increasing")
    n_boot = positive_int(n_boot, name="n_boot", minimum=2)
    n_points = positive_int(n_points, name="n_points", minimum=2)
    if W < 2:
        raise ValueError("estimate_alpha needs at least 2 walkers for a bootstrap uncertainty")
    if average not in ("ensemble", "time"):
        raise ValueError(f"average must be 'ensemble' or 'time'; got {average!r}")
    elapsed = t - t[0]
    if average == "time":
        dt = elapsed[1]
        if not np.allclose(np.diff(t), dt, rtol=1e-6, atol=0):
            raise ValueError("average='time' needs uniformly sampled tracks (equal steps in t)")
        elapsed = elapsed[:N // 10 + 1] if window is None and N >= 30 else elapsed
    lo, hi = (elapsed[1], elapsed[-1]) if window is None else (float(window[0]), float(window[1]))
    cols = np.flatnonzero((elapsed >= lo * (1 - 1e-9)) & (elapsed <= hi * (1 + 1e-9)) & (elapsed > 0))
    cols = _log_pick(cols, n_points)
    if cols.size < 2:
        raise ValueError(f"window {lo:g} … {hi:g} holds fewer than 2 sample times")
    if average == "ensemble":
        per_walker = np.sum((x[:, cols] - x[:, :1]) ** 2, axis=2)
    else:
        per_walker = msd_time_averaged(x, max_lag=int(cols.max()))[:, cols]
    counts = rng.multinomial(W, np.full(W, 1.0 / W), size=n_boot)   # bootstrap weights, (n_boot, W)
    boot = counts @ per_walker / W                                   # (n_boot, L)
    msd = per_walker.mean(axis=0)
    if np.any(msd <= 0):
        raise ValueError("the MSD is zero at some time (no walker moved): α cannot be fitted there")
    logt = np.log(elapsed[cols])
    A = np.column_stack([logt, np.ones_like(logt)])
    with np.errstate(divide="ignore"):
        Y = np.log(np.vstack([msd, boot])).T
    Y = Y[:, np.all(np.isfinite(Y), axis=0)]
    coef = np.linalg.lstsq(A, Y, rcond=None)[0]
    alpha, logc = coef[0, 0], coef[1, 0]
    stderr = float(np.std(coef[0, 1:], ddof=1))
    return AlphaEstimate(float(alpha), stderr, float(np.exp(logc) / (2 * dim)), elapsed[cols], msd)


# --------------------------------------------------------------------------------------------
# Continuous-time random walks and Lévy walks (renewal processes)
# --------------------------------------------------------------------------------------------

def pareto_waits(size, alpha: float, *, tau0: float = 1.0, rng: np.random.Generator) -> np.ndarray:
    """Waiting times with density ψ(t) = α τ0^α t^{−1−α} for t ≥ τ0 (a Pareto law): τ0 U^{−1/α}.

    The mean is infinite for α ≤ 1 — the origin of subdiffusion in a CTRW (Metzler & Klafter 2000).
    """
    rng = as_rng(rng)
    alpha, tau0 = positive(alpha, name="alpha"), positive(tau0, name="tau0")
    return tau0 * (1.0 - rng.random(size)) ** (-1.0 / alpha)


def _renewals(n_walkers, t_max, alpha, tau0, rng, include_zero):
    """Renewal times ≤ t_max of independent processes with Pareto waits, flattened and sorted by
    (walker, time). Returns (times, starts, ends): walker i owns times[starts[i]:ends[i]]."""
    if alpha < 1:
        expected = np.sin(np.pi * alpha) / (np.pi * alpha) * (t_max / tau0) ** alpha
    else:
        mean = tau0 * alpha / (alpha - 1) if alpha > 1 else tau0 * (1 + np.log(t_max / tau0))
        expected = t_max / mean
    chunk = int(min(1.5 * expected + 16, t_max / tau0 + 2))
    last = np.zeros(n_walkers)
    active = np.arange(n_walkers)
    walkers, times = [], []
    if include_zero:
        walkers.append(active.copy())
        times.append(np.zeros(n_walkers))
    while active.size:
        T = last[active, None] + np.cumsum(pareto_waits((active.size, chunk), alpha, tau0=tau0, rng=rng),
                                           axis=1)
        keep = T <= t_max
        walkers.append(np.broadcast_to(active[:, None], T.shape)[keep])
        times.append(T[keep])
        last[active] = T[:, -1]
        active = active[T[:, -1] <= t_max]
    walkers, times = np.concatenate(walkers), np.concatenate(times)
    order = np.argsort(walkers, kind="stable")          # chunks were appended in time order
    walkers, times = walkers[order], times[order]
    counts = np.bincount(walkers, minlength=n_walkers)
    ends = np.cumsum(counts)
    return times, ends - counts, ends


def _last_event(times, starts, t, t_max):
    """Index (into the flat arrays) of each walker's last event ≤ t, for every walker and time
    (starts − 1 where there is none). One searchsorted over keys walker·offset + time."""
    n_walkers = starts.size
    offset = 2.0 * t_max + 1.0
    walker = np.repeat(np.arange(n_walkers), np.diff(np.r_[starts, times.size]))
    keys = walker * offset + times
    queries = np.arange(n_walkers)[:, None] * offset + t[None, :]
    return np.searchsorted(keys, queries, side="right") - 1


def _obs_times(t):
    t = as_vector(t, name="t")
    if np.any(t < 0) or np.any(np.diff(t) < 0):
        raise ValueError("t must be non-negative and non-decreasing")
    return t


def ctrw(n_walkers: int, t, alpha: float, *, rng: np.random.Generator, tau0: float = 1.0,
         sigma: float = 1.0, dim: int = 1) -> np.ndarray:
    """A continuous-time random walk observed at times t (Montroll–Weiss; Metzler & Klafter 2000).

    Each walker waits a Pareto time (:func:`pareto_waits`, density ∝ t^{−1−α}, t ≥ tau0), then jumps by
    N(0, sigma²), and so on. For 0 < α < 1 the mean wait is infinite and ⟨x²(t)⟩ = σ² ⟨n(t)⟩ ≈
    σ² sin(πα)/(πα) · (t/τ0)^α (subdiffusion); for α > 1 the mean wait ⟨τ⟩ is finite and
    ⟨x²⟩ ≈ σ² t/⟨τ⟩ (normal diffusion). Vectorised over walkers: all renewals are drawn in a few
    chunks, then one ``searchsorted`` finds how many jumps each walker has made by each time.
    In ``dim`` dimensions each jump is N(0, sigma²) per coordinate (⟨r²⟩ = dim × the 1-D MSD).
    Returns positions of shape (walkers, len(t)), or (walkers, len(t), dim) for dim > 1.
    """
    rng = as_rng(rng)
    n_walkers = positive_int(n_walkers, name="n_walkers")
    dim = positive_int(dim, name="dim")
    t = _obs_times(t)
    alpha, tau0, sigma = positive(alpha, name="alpha"), positive(tau0, name="tau0"), positive(sigma, name="sigma")
    t_max = float(t[-1])
    times, starts, _ = _renewals(n_walkers, t_max, alpha, tau0, rng, include_zero=False)
    S = np.zeros((times.size + 1, dim))
    np.cumsum(rng.normal(0.0, sigma, size=(times.size, dim)), axis=0, out=S[1:])
    last = _last_event(times, starts, t, t_max)
    x = S[last + 1] - S[starts][:, None]
    return x[..., 0] if dim == 1 else x


def ctrw_msd_theory(t, alpha: float, *, tau0: float = 1.0, sigma: float = 1.0) -> np.ndarray:
    """Long-time ensemble MSD of :func:`ctrw` (1-D): σ² sin(πα)/(πα) (t/τ0)^α for α < 1, and
    σ² t/⟨τ⟩ = σ² t (α − 1)/(α τ0) for α > 1."""
    t = as_array(t, name="t")
    alpha, tau0, sigma = positive(alpha, name="alpha"), positive(tau0, name="tau0"), positive(sigma, name="sigma")
    if alpha < 1:
        return sigma**2 * np.sin(np.pi * alpha) / (np.pi * alpha) * (t / tau0) ** alpha
    if alpha == 1:
        raise ValueError("alpha = 1 is the marginal case (MSD ∝ t / log t); use alpha != 1")
    return sigma**2 * t * (alpha - 1) / (alpha * tau0)


def levy_walk(n_walkers: int, t, gamma: float, *, rng: np.random.Generator, tau0: float = 1.0,
              speed: float = 1.0) -> np.ndarray:
    """A Lévy walk: flights at constant speed in a random direction (±1), of Pareto durations with
    density ∝ τ^{−1−γ} (τ ≥ tau0), observed at times t (Metzler & Klafter 2000; Codling et al. 2008).

    Jump length and duration are coupled, so the MSD stays finite: ⟨x²⟩ ∝ t² (ballistic) for γ < 1,
    ∝ t^{3−γ} (superdiffusion) for 1 < γ < 2, ∝ t for γ > 2. Returns (walkers, len(t)).
    """
    rng = as_rng(rng)
    n_walkers = positive_int(n_walkers, name="n_walkers")
    t = _obs_times(t)
    gamma, tau0, speed = positive(gamma, name="gamma"), positive(tau0, name="tau0"), positive(speed, name="speed")
    t_max = float(t[-1])
    times, starts, ends = _renewals(n_walkers, t_max, gamma, tau0, rng, include_zero=True)
    v = speed * (2.0 * (rng.random(times.size) < 0.5) - 1.0)
    dur = np.diff(times, append=0.0)
    dur[ends - 1] = 0.0                                   # the open flight is handled below
    X = np.concatenate([[0.0], np.cumsum(v * dur)])       # X[k] = position at flight k's start (+ offset)
    last = _last_event(times, starts, t, t_max)           # every walker has an event at 0
    return X[last] - X[starts][:, None] + v[last] * (t[None, :] - times[last])


# --------------------------------------------------------------------------------------------
# Lévy flights
# --------------------------------------------------------------------------------------------

def stable_jumps(size, alpha: float, *, rng: np.random.Generator, scale: float = 1.0) -> np.ndarray:
    """Symmetric α-stable random numbers by the Chambers–Mallows–Stuck method (0 < α ≤ 2).

    With V ~ U(−π/2, π/2) and E ~ Exp(1): X = sin(αV)/cos(V)^{1/α} · [cos((1 − α)V)/E]^{(1−α)/α}.
    Characteristic function exp(−|scale·k|^α): α = 2 is N(0, 2 scale²), α = 1 the Cauchy law. For α < 2
    the tails fall as |x|^{−1−α}, so the variance is infinite.
    """
    rng = as_rng(rng)
    alpha = in_range(alpha, 0.0, 2.0, name="alpha", closed="right")
    scale = positive(scale, name="scale")
    V = rng.uniform(-np.pi / 2, np.pi / 2, size)
    E = rng.standard_exponential(size)
    if alpha == 1.0:
        return scale * np.tan(V)
    X = np.sin(alpha * V) / np.cos(V) ** (1 / alpha) * (np.cos((1 - alpha) * V) / E) ** ((1 - alpha) / alpha)
    return scale * X


def levy_flight(n_walkers: int, n_steps: int, alpha: float, *, rng: np.random.Generator,
                scale: float = 1.0) -> np.ndarray:
    """A Lévy flight: the sum of n i.i.d. symmetric α-stable jumps, shape (walkers, steps + 1).

    Stability gives x_n =ᵈ n^{1/α} x_1 exactly: every quantile grows as n^{1/α} while the variance is
    infinite (Metzler & Klafter 2000), so measure the spread with :func:`quantile_width`.
    """
    n_walkers, n_steps, _, shape = _shape(n_walkers, n_steps, 1)
    x = np.zeros(shape)
    np.cumsum(stable_jumps((n_walkers, n_steps), alpha, rng=rng, scale=scale), axis=1, out=x[:, 1:])
    return x


def quantile_width(x, q: float = 0.75) -> np.ndarray:
    """Half the distance between the q and 1 − q quantiles of positions across walkers, at each time.

    For q = 0.75 this is half the interquartile range: finite for any α-stable law, unlike the variance.
    x: (walkers, T) displacements from the start. Returns shape (T,).
    """
    x = as_array(x, name="x", ndim=2)
    q = in_range(q, 0.5, 1.0, name="q", closed="neither")
    lo, hi = np.quantile(x - x[:, :1], [1 - q, q], axis=0)
    return (hi - lo) / 2


# --------------------------------------------------------------------------------------------
# Fractional Brownian motion
# --------------------------------------------------------------------------------------------

def fgn_autocovariance(k, H: float) -> np.ndarray:
    """Autocovariance of unit fractional Gaussian noise: γ(k) = ½(|k+1|^{2H} − 2|k|^{2H} + |k−1|^{2H}).

    γ(0) = 1; for H > ½ the increments are positively correlated (persistent, superdiffusive), for
    H < ½ negatively (antipersistent, subdiffusive); H = ½ is white noise.
    """
    k = np.abs(as_array(k, name="k"))
    H = in_range(H, 0.0, 1.0, name="H", closed="right")
    return 0.5 * (np.abs(k + 1) ** (2 * H) - 2 * k ** (2 * H) + np.abs(k - 1) ** (2 * H))


def fbm(n_walkers: int, n_steps: int, H: float, *, rng: np.random.Generator, dt: float = 1.0,
        K: float = 0.5) -> np.ndarray:
    """Fractional Brownian motion, exact, by Davies–Harte circulant embedding (FFT), vectorised over walkers.

    The increments (fractional Gaussian noise) have covariance :func:`fgn_autocovariance`. Embed the
    n × n Toeplitz covariance in a 2n × 2n circulant with first row c = (γ_0, …, γ_n, γ_{n−1}, …, γ_1);
    its eigenvalues λ = FFT(c) are ≥ 0 for fGn. With complex Z of i.i.d. N(0,1) real and imaginary
    parts, the real and the imaginary part of FFT(√(λ/2n) Z) are two *independent* exact samples, so one
    FFT row makes two walkers. Positions are scaled so that ⟨x²(t)⟩ = 2K t^{2H} (α = 2H); K = D and
    H = ½ is Brownian motion. Returns (walkers, steps + 1).
    """
    rng = as_rng(rng)
    n_walkers, n_steps, _, shape = _shape(n_walkers, n_steps, 1)
    H = in_range(H, 0.0, 1.0, name="H", closed="right")
    dt, K = positive(dt, name="dt"), positive(K, name="K")
    g = fgn_autocovariance(np.arange(n_steps + 1), H)
    c = np.concatenate([g, g[-2:0:-1]])
    M = c.size                                            # 2n
    lam = np.fft.fft(c).real
    if lam.min() < -1e-8 * lam.max():                     # never for fGn; a guard against misuse
        raise ValueError(f"circulant embedding failed (negative eigenvalue {lam.min():.3g})")
    amp = np.sqrt(np.maximum(lam, 0.0) / M)
    rows = (n_walkers + 1) // 2
    Z = rng.standard_normal((rows, M)) + 1j * rng.standard_normal((rows, M))
    w = np.fft.fft(amp * Z, axis=1)[:, :n_steps]
    noise = np.concatenate([w.real, w.imag])[:n_walkers]
    x = np.zeros(shape)
    np.cumsum(noise, axis=1, out=x[:, 1:])
    x *= np.sqrt(2 * K) * dt**H
    return x


# --------------------------------------------------------------------------------------------
# Weak ergodicity breaking (He et al. 2008)
# --------------------------------------------------------------------------------------------

def ergodicity_breaking(tamsd) -> np.ndarray:
    """Ergodicity-breaking parameter EB = ⟨(δ²)²⟩/⟨δ²⟩² − 1 over walkers (axis 0), at each lag.

    tamsd: time-averaged MSDs, (walkers,) at one lag or (walkers, lags). EB → 0 for an ergodic process
    (Brownian motion: EB ≈ 4Δ/3T); for a subdiffusive CTRW it stays finite (:func:`eb_ctrw_theory`).
    """
    d = as_array(tamsd, name="tamsd", ndim=(1, 2))
    if d.shape[0] < 2:
        raise ValueError("need at least 2 walkers")
    m = d.mean(axis=0)
    return (d * d).mean(axis=0) / (m * m) - 1


def eb_ctrw_theory(alpha: float) -> float:
    """He et al. (2008): for a CTRW with 0 < α ≤ 1 and Δ ≪ T, EB = 2Γ²(1 + α)/Γ(1 + 2α) − 1.

    The time-averaged diffusion coefficient is random, with a Mittag-Leffler distribution; α = 1 gives 0.
    """
    alpha = in_range(alpha, 0.0, 1.0, name="alpha", closed="right")
    return float(2 * special.gamma(1 + alpha) ** 2 / special.gamma(1 + 2 * alpha) - 1)


# --------------------------------------------------------------------------------------------
# Animation
# --------------------------------------------------------------------------------------------

def animate_tracks(tracks, *, n_frames: int = 30, size: float = 3.0, dpi: int = 60, tail: int = 10,
                   unit: str = "µm", title: str = ""):
    """A light HTML animation (``matplotlib.animation`` → ``to_jshtml``) of 2-D tracks.

    tracks: (walkers, T, 2). Shows at most ``n_frames`` (≤ 60) evenly spaced frames of a small square
    figure (``size`` inches at ``dpi``), each walker's last ``tail`` frames as a line, and a scale bar
    in ``unit`` instead of tick labels (redrawing text dominates the cost of a frame). Returns an
    ``IPython.display.HTML``; make it the last expression of a cell.
    """
    import matplotlib.pyplot as plt
    from matplotlib import animation

    from . import plotting

    x = as_array(tracks, name="tracks", ndim=3)
    if x.shape[2] != 2:
        raise ValueError(f"tracks must have shape (walkers, T, 2); got {x.shape}")
    n_frames = positive_int(n_frames, name="n_frames", minimum=2)
    if n_frames > 60:
        raise ValueError(f"n_frames must be <= 60 to keep the page light; got {n_frames}")
    frames = np.unique(np.linspace(0, x.shape[1] - 1, n_frames).round().astype(int))
    sub = x[:, frames]
    plotting.apply_style()
    # no rc_context here: leaving one restores rcParams["backend"] and can switch an inline backend off
    fig = plt.figure(figsize=(size, size), dpi=dpi, layout="none")
    ax = fig.add_subplot()
    fig.subplots_adjust(left=0.02, right=0.98, bottom=0.02, top=0.9 if title else 0.98)
    lim = np.max(np.abs(sub)) * 1.05 or 1.0
    ax.set(xlim=(-lim, lim), ylim=(-lim, lim), aspect="equal", xticks=[], yticks=[])
    bar = float(10 ** np.floor(np.log10(lim)))              # a scale bar instead of tick labels:
    if bar < 0.4 * lim:                                      # text is what costs time per frame
        bar *= 2 if 2 * bar < 0.8 * lim else 1
    ax.plot([-0.9 * lim, -0.9 * lim + bar], [-0.9 * lim, -0.9 * lim], "k-", lw=2)
    ax.text(-0.9 * lim, -0.85 * lim, f"{bar:g} {unit}", fontsize=7)
    if title:
        ax.set_title(title, fontsize=8)
    colors = [plotting.COLORS[i % len(plotting.COLORS)] for i in range(sub.shape[0])]
    lines = [ax.plot([], [], lw=1, color=c, antialiased=False)[0] for c in colors]   # PNGs 2× smaller
    dots = ax.scatter(sub[:, 0, 0], sub[:, 0, 1], s=10, c=colors, zorder=3)

    def update(i):
        lo = max(0, i - tail)
        for line, track in zip(lines, sub):
            line.set_data(track[lo:i + 1, 0], track[lo:i + 1, 1])
        dots.set_offsets(sub[:, i])
        return lines + [dots]

    anim = animation.FuncAnimation(fig, update, frames=len(frames), interval=100, blit=False)
    return plotting.animation_html(anim, dpi=dpi)
