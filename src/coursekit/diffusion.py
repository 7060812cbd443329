"""Week 9 — diffusion: Stokes–Einstein, Fick's laws, Brownian motion three ways, the mean squared
displacement, and D (and Avogadro's number) from tracks.

The Stokes–Einstein relation, Fick's laws and a finite-difference solver of the diffusion equation,
the three derivations of Brownian motion as simulations (Einstein's jump distribution, Langevin's
force balance, the lattice random walk and the central limit theorem), the mean squared
displacement (MSD) of tracks — ensemble and time-averaged, the latter in O(N log N) by the FFT — and
estimates of D and of Avogadro's number from tracks, as Perrin did. Anomalous diffusion (week 10)
is in :mod:`coursekit.anomalous`; water's properties are in :mod:`coursekit.constants`.

Notation (chapter 9): ``D`` a diffusion coefficient (m²/s, or the units of the simulation),
``T`` an absolute temperature (K), ``eta`` a dynamic viscosity (Pa·s), ``radius`` a sphere's radius
(m) — never its diameter —, ``dt`` the time between samples, ``tau`` Langevin's velocity relaxation
time m/γ. Tracks ``x`` have shape ``(walkers, steps + 1)`` in one dimension, or
``(walkers, steps + 1, dim)``, with ``x[:, 0] = 0``. Simulations are in the units of their arguments.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import constants as codata
from scipy import fft as sfft
from scipy import signal

from ._numerics import scalar_or_array
from ._validate import (Integer, OneOf, Real, Rng, as_array, as_tracks, as_vector, positive, positive_int,
                        validate, walk_shape)
from .constants import T_20C, WATER_ETA

__all__ = [
    # physics
    "stokes_einstein_D", "rms_displacement", "avogadro_from_D",
    # Fick's laws
    "fick_flux", "diffuse_fd", "gaussian_solution",
    # Brownian motion three ways
    "random_walk", "brownian", "langevin", "langevin_msd",
    # MSD and estimation
    "squared_displacement", "msd_ensemble", "msd_stderr", "msd_time_averaged", "msd_time_averaged_direct",
    "DEstimate", "estimate_D",
]


# --------------------------------------------------------------------------------------------
# The Stokes–Einstein relation
# --------------------------------------------------------------------------------------------

@validate(radius=Real(0, None, closed="neither"), T=Real(0, None, closed="neither"),
          eta=Real(0, None, closed="neither"))
def stokes_einstein_D(radius: float, T: float = T_20C, eta: float = WATER_ETA) -> float:
    """Stokes–Einstein diffusion coefficient D = k_B T / (6 π η a), in m²/s (Einstein 1905).

    radius: the sphere's **radius** a (m) — half the diameter; T: absolute temperature (K, default
    20 °C); eta: the fluid's dynamic viscosity (Pa·s, default water at 20 °C, 1.0016e-3).
    A 1 µm *diameter* bead (a = 0.5e-6 m) in 20 °C water gives D ≈ 4.3e-13 m²/s = 0.43 µm²/s.

    Used in: week 9, notebooks/09-diffusion.ipynb; week 11, notebooks/11-low-reynolds.ipynb.
    """
    return codata.k * T / (6 * np.pi * eta * radius)


def rms_displacement(D: float, t, dim: int = 1):
    """Root-mean-square displacement √⟨r²⟩ = √(2 d D t) after time t in d dimensions (Einstein 1905).

    Einstein's λ_x is the d = 1 case: the projection of the displacement on one axis.

    Used in: week 9, notebooks/09-diffusion.ipynb.
    """
    D = positive(D, name="D")
    t = as_array(t, name="t")
    if np.any(t < 0):
        raise ValueError(f"t must be >= 0; got {t[t < 0].flat[0]:g}")
    dim = positive_int(dim, name="dim")
    return scalar_or_array(np.sqrt(2 * dim * D * t))


@validate(radius=Real(0, None, closed="neither"), D=Real(0, None, closed="neither"),
          T=Real(0, None, closed="neither"), eta=Real(0, None, closed="neither"))
def avogadro_from_D(radius: float, D: float, T: float = T_20C, eta: float = WATER_ETA) -> float:
    """Perrin's route to Avogadro's number: N_A = R T / (6 π η a D) (Einstein 1905; Perrin 1909).

    radius: the grains' radius a (m); D: their diffusion coefficient measured from tracks (m²/s);
    T (K) and eta (Pa·s) as for :func:`stokes_einstein_D`; R is the gas constant.

    Used in: week 9, notebooks/09-diffusion.ipynb.
    """
    return codata.R * T / (6 * np.pi * eta * radius * D)


# --------------------------------------------------------------------------------------------
# Fick's laws and a finite-difference solver
# --------------------------------------------------------------------------------------------

def fick_flux(c, dx: float, D: float) -> np.ndarray:
    """Fick's first law J = −D ∂c/∂x, by central differences (one-sided at the ends).

    Used in: no notebook yet (week 9's module; tested in tests/test_diffusion.py).
    """
    c = as_vector(c, name="c")
    if c.size < 2:
        raise ValueError(f"c must have at least 2 grid points; got {c.size}")
    return -positive(D, name="D") * np.gradient(c, positive(dx, name="dx"))


@validate(D=Real(0, None, closed="neither"), dx=Real(0, None, closed="neither"),
          dt=Real(0, None, closed="neither"), n_steps=Integer(0),
          boundary=OneOf("reflecting", "absorbing", "periodic"))
def diffuse_fd(c0, *, D: float, dx: float, dt: float, n_steps: int,
               boundary: str = "reflecting") -> np.ndarray:
    """Fick's second law ∂c/∂t = D ∂²c/∂x² by explicit finite differences (FTCS).

    c_i ← c_i + r (c_{i+1} − 2c_i + c_{i−1}), r = D dt/dx²; stable only for r ≤ 1/2, which is checked
    (at r = 1/2 the shortest wave, a checkerboard, has amplification 1 − 4r = −1 and never decays).
    ``boundary``: 'reflecting' (zero flux, mass conserved), 'absorbing' (c = 0 outside the grid) or
    'periodic'. The time loop is sequential by nature; each step is one vectorised update.
    Accuracy: O(dt) + O(dx²).

    Used in: week 9, notebooks/09-diffusion.ipynb.
    """
    c = as_vector(c0, name="c0").copy()
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
    """Green's function of the diffusion equation: c(x, t) = M/√(4πDt) · exp(−(x − x0)²/4Dt).

    Used in: week 9, notebooks/09-diffusion.ipynb.
    """
    x = as_array(x, name="x")
    t, D = positive(t, name="t"), positive(D, name="D")
    return mass / np.sqrt(4 * np.pi * D * t) * np.exp(-(x - x0) ** 2 / (4 * D * t))


# --------------------------------------------------------------------------------------------
# Brownian motion, three ways
# --------------------------------------------------------------------------------------------

@validate(rng=Rng(), step=Real(0, None, closed="neither"), jumps=OneOf("lattice", "uniform", "gaussian"))
def random_walk(n_walkers: int, n_steps: int, *, rng: np.random.Generator, step: float = 1.0,
                jumps: str = "lattice", dim: int = 1) -> np.ndarray:
    """Positions of independent random walkers, each coordinate making one jump per time step.

    jumps: 'lattice' (±step with probability ½ each — the random walk of the central limit theorem),
    'uniform' (uniform on [−√3 step, √3 step]) or 'gaussian' (N(0, step²)). All three have jump
    variance step², so after n steps ⟨x²⟩ = n step² per coordinate, i.e. D = step²/(2 dt) (Einstein
    1905: D = ⟨Δ²⟩/2τ for any symmetric jump law of finite variance). The lattice walk draws one
    random *bit* per jump and sums in integers.
    Returns shape (walkers, steps + 1) for dim = 1, else (walkers, steps + 1, dim).

    Used in: week 9, notebooks/09-diffusion.ipynb.
    """
    n_walkers, n_steps, dim, shape = walk_shape(n_walkers, n_steps, dim)
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


@validate(D=Real(0, None, closed="neither"), dt=Real(0, None, closed="neither"), rng=Rng())
def brownian(n_walkers: int, n_steps: int, *, D: float, dt: float, rng: np.random.Generator,
             dim: int = 1) -> np.ndarray:
    """Brownian tracks sampled every dt: independent Gaussian increments of variance 2 D dt per
    coordinate, so ⟨|x(t) − x(0)|²⟩ = 2 d D t exactly at every sample (Einstein 1905).

    Drawn and summed in place (one array of walkers × steps). Shape as :func:`random_walk`.

    Used in: week 9, notebooks/09-diffusion.ipynb; week 10, notebooks/10-anomalous-diffusion.ipynb.
    """
    _, _, _, shape = walk_shape(n_walkers, n_steps, dim)
    x = rng.standard_normal(shape)
    x[:, 0] = 0.0
    x *= np.sqrt(2 * D * dt)
    np.cumsum(x, axis=1, out=x)
    return x


@validate(D=Real(0, None, closed="neither"), tau=Real(0, None, closed="neither"),
          dt=Real(0, None, closed="neither"), rng=Rng())
def langevin(n_walkers: int, n_steps: int, *, D: float, tau: float, dt: float,
             rng: np.random.Generator, v0: str | float = "equilibrium") -> tuple[np.ndarray, np.ndarray]:
    """Langevin's (1908) force balance m dv/dt = −γ v + ξ(t), with the white-noise force of Ornstein
    (1917) and Uhlenbeck & Ornstein (1930), ⟨ξ(t)ξ(t')⟩ = 2γkT δ(t − t'): the velocity is an
    Ornstein–Uhlenbeck process. (Langevin himself needed only ⟨xξ⟩ = 0 and equipartition.)

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

    Used in: week 9, notebooks/09-diffusion.ipynb.
    """
    n_walkers, n_steps, _, _ = walk_shape(n_walkers, n_steps, 1)
    sv2 = D / tau
    if isinstance(v0, str):
        OneOf("equilibrium")(v0, "v0")
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
    """The MSD of Langevin's equation from equilibrium, ⟨x²(t)⟩ = 2D[t − τ(1 − e^{−t/τ})], ballistic
    (D/τ) t² for t ≪ τ and 2D(t − τ) for t ≫ τ (Ornstein 1917; Uhlenbeck & Ornstein 1930). Langevin
    (1908) kept only the long-time limit 2Dt.

    Used in: week 9, notebooks/09-diffusion.ipynb.
    """
    t = as_array(t, name="t")
    D, tau = positive(D, name="D"), positive(tau, name="tau")
    return 2 * D * (t + tau * np.expm1(-t / tau))


# --------------------------------------------------------------------------------------------
# Mean squared displacement and estimators
# --------------------------------------------------------------------------------------------

def squared_displacement(x) -> np.ndarray:
    """|x(t) − x(0)|² for every walker and time, summed over coordinates: shape (walkers, T).

    Used in: week 9, notebooks/09-diffusion.ipynb.
    """
    x, single = as_tracks(x, min_len=1)
    r2 = np.sum((x - x[:, :1]) ** 2, axis=2)
    return r2[0] if single else r2


def msd_ensemble(x) -> np.ndarray:
    """Ensemble MSD ⟨|x(t) − x(0)|²⟩ over walkers, at every sample time: shape (T,).

    Used in: week 9, notebooks/09-diffusion.ipynb; week 10, notebooks/10-anomalous-diffusion.ipynb; week 11,
    notebooks/11-low-reynolds.ipynb.
    """
    x, _ = as_tracks(x, min_len=1)
    return np.sum((x - x[:, :1]) ** 2, axis=2).mean(axis=0)


def msd_stderr(x) -> np.ndarray:
    """Standard error of :func:`msd_ensemble` at every sample time, s/√W over the W walkers (the sample
    standard deviation s of |x(t) − x(0)|², with ddof = 1): shape (T,). Needs at least 2 walkers.

    Used in: week 11, notebooks/11-low-reynolds.ipynb.
    """
    x, _ = as_tracks(x, min_len=1)
    if x.shape[0] < 2:
        raise ValueError(f"x must hold at least 2 walkers for a standard error; got {x.shape[0]}")
    return np.sum((x - x[:, :1]) ** 2, axis=2).std(axis=0, ddof=1) / np.sqrt(x.shape[0])


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

    Used in: week 9, notebooks/09-diffusion.ipynb; week 10, notebooks/10-anomalous-diffusion.ipynb.
    """
    x, single = as_tracks(x)
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
    """The same time-averaged MSD by the direct sum, one lag at a time: O(N²) work (the reference).

    Used in: week 9, notebooks/09-diffusion.ipynb.
    """
    x, single = as_tracks(x)
    W, N, _ = x.shape
    M = _max_lag(max_lag, N)
    out = np.zeros((W, M + 1))
    for m in range(1, M + 1):
        d = x[:, m:] - x[:, :-m]
        out[:, m] = np.sum(d * d, axis=(1, 2)) / (N - m)
    return out[0] if single else out


@dataclass
class DEstimate:
    """D with its standard error, from ``n`` independent one-coordinate increments.

    Used in: week 9, notebooks/09-diffusion.ipynb, through :func:`estimate_D`.
    """
    D: float
    stderr: float
    n: int


def estimate_D(x, dt: float) -> DEstimate:
    """Diffusion coefficient from tracks: D̂ = Σ Δx² / (2 n dt) over all n increments of all coordinates.

    This is the maximum-likelihood estimate for Brownian tracks without localisation noise; each
    Δx²/(2D dt) is χ²₁, so Var D̂ = 2D²/n and the standard error is D̂ √(2/n).

    Used in: week 9, notebooks/09-diffusion.ipynb.
    """
    x, _ = as_tracks(x)
    dt = positive(dt, name="dt")
    d = np.diff(x, axis=1)
    n = d.size
    D = float(np.mean(d * d) / (2 * dt))
    return DEstimate(D, D * np.sqrt(2 / n), n)


def _estimate_D_noisy(x, dt: float) -> float:
    """D from tracks with localisation noise, unbiased: the covariance-based estimator
    D̂ = ⟨Δx_k²⟩/(2 dt) + ⟨Δx_k Δx_{k+1}⟩/dt (Vestergaard, Blainey & Flyvbjerg 2014).

    If each recorded position is the true one plus an independent error of variance σ², then
    ⟨Δx²⟩ = 2D dt + 2σ² and ⟨Δx_k Δx_{k+1}⟩ = −σ², so the second term removes the noise's bias.
    Means over every walker, time and coordinate; products never span two walkers.
    Private: the reference of week 9's exercise, which asks students to derive and write it.
    """
    x, _ = as_tracks(x, min_len=3)
    dt = positive(dt, name="dt")
    d = np.diff(x, axis=1)
    return float(np.mean(d * d) / (2 * dt) + np.mean(d[:, :-1] * d[:, 1:]) / dt)
