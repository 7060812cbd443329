"""Week 10 — anomalous diffusion: continuous-time random walks, the fractional diffusion equation and
its Mittag-Leffler relaxation, Lévy walks and flights, fractional Brownian motion, the exponent α with
an uncertainty, and weak ergodicity breaking.

Continuous-time random walks (CTRW) with heavy-tailed (or exponential) waiting times, the fractional
diffusion equation they obey at long times and the Mittag-Leffler function that solves it (Henry,
Langlands & Straka 2010), Lévy walks, Lévy flights (μ-stable jumps), fractional Brownian motion
(exact, by Davies–Harte circulant embedding), the exponent α of ⟨x²⟩ ∝ t^α with a bootstrap
uncertainty, and the weak ergodicity breaking of He et al. (2008). Metzler & Klafter (2000), "The
random walk's guide to anomalous diffusion". Brownian motion and the MSD (week 9) are in
:mod:`coursekit.diffusion`.

Notation (chapter 10), one symbol per meaning: ``alpha`` (α) the MSD exponent, ⟨x²⟩ ∝ t^α, only
ever a result; ``beta`` (β) the tail index of the CTRW's waiting times, ψ(t) ∝ t^{−1−β}; ``gamma``
(γ) the tail index of a Lévy walk's flight durations; ``mu`` (μ) the index of a Lévy flight's stable
jumps, λ(x) ∝ |x|^{−1−μ}; ``H`` the Hurst exponent of fBm. ``K`` a generalised diffusion coefficient
(⟨x²⟩ = 2K t^β/Γ(1 + β) for the CTRW); ``tau0`` the shortest (or mean) waiting time. Tracks as in
:mod:`coursekit.diffusion`: ``(walkers, T)`` or ``(walkers, T, dim)``. Simulations are in the units of
their arguments.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import integrate, special

from ._validate import (Integer, OneOf, Rng, as_array, as_rng, as_tracks, as_vector, in_range, positive,
                        positive_int, validate, walk_shape)
from .diffusion import msd_time_averaged

__all__ = [
    "PowerLaw", "fit_power_law", "AlphaEstimate", "estimate_alpha",
    "pareto_waits", "ctrw", "ctrw_msd_theory", "ctrw_msd_two_term", "ctrw_K", "mittag_leffler", "fractional_mode",
    "levy_walk", "stable_jumps", "levy_flight", "quantile_width", "fbm", "ergodicity_breaking", "eb_ctrw_theory",
]


# --------------------------------------------------------------------------------------------
# The exponent α
# --------------------------------------------------------------------------------------------

@dataclass
class PowerLaw:
    """y ≈ prefactor · t^alpha, fitted by :func:`fit_power_law`.

    Used in: week 10, notebooks/10-anomalous-diffusion.ipynb, through :func:`fit_power_law`.
    """
    alpha: float
    prefactor: float


def fit_power_law(t, y) -> PowerLaw:
    """Least-squares line through (log t, log y): the exponent and prefactor of y ≈ prefactor · t^alpha.

    Used in: week 10, notebooks/10-anomalous-diffusion.ipynb.
    """
    t = as_vector(t, name="t")
    y = as_vector(y, name="y", size=t.size)
    if t.size < 2:
        raise ValueError(f"t must have at least 2 points to fit a power law; got {t.size}")
    for name, v in (("t", t), ("y", y)):
        if np.any(v <= 0):
            raise ValueError(f"{name} must be > 0 to fit a power law in log-log coordinates; got {v[v <= 0][0]:g}")
    alpha, logc = np.polyfit(np.log(t), np.log(y), 1)
    return PowerLaw(float(alpha), float(np.exp(logc)))


@dataclass
class AlphaEstimate:
    """Anomalous exponent α of ⟨x²⟩ ≈ 2K t^α, with a bootstrap standard error over walkers.

    Used in: week 10, notebooks/10-anomalous-diffusion.ipynb, through :func:`estimate_alpha`.
    """
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


@validate(rng=Rng(), average=OneOf("ensemble", "time"), n_points=Integer(2), n_boot=Integer(2))
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

    Used in: week 10, notebooks/10-anomalous-diffusion.ipynb.
    """
    x, _ = as_tracks(x)
    W, N, dim = x.shape
    t = as_vector(t, name="t", size=N)
    if np.any(np.diff(t) <= 0):
        k = int(np.argmax(np.diff(t) <= 0))
        raise ValueError(f"t must be strictly increasing; got t[{k}] = {t[k]:g} then t[{k + 1}] = {t[k + 1]:g}")
    if W < 2:
        raise ValueError(f"x must hold at least 2 walkers for a bootstrap uncertainty; got {W}")
    elapsed = t - t[0]
    if average == "time":
        dt = elapsed[1]
        if not np.allclose(np.diff(t), dt, rtol=1e-6, atol=0):
            steps = np.diff(t)
            raise ValueError(f"average='time' needs uniformly sampled tracks (equal steps in t); got steps from "
                             f"{steps.min():g} to {steps.max():g}")
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
        raise ValueError(f"the MSD is zero at elapsed time {elapsed[cols][msd <= 0][0]:g} (no walker moved): "
                         "α cannot be fitted there")
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

def pareto_waits(size, beta: float, *, tau0: float = 1.0, rng: np.random.Generator) -> np.ndarray:
    """Waiting times with density ψ(t) = β τ0^β t^{−1−β} for t ≥ τ0 (a Pareto law): τ0 U^{−1/β}.

    The mean is infinite for β ≤ 1 — the origin of subdiffusion in a CTRW (Metzler & Klafter 2000).

    Used in: no notebook yet (week 10's module, through :func:`ctrw`; tested in tests/test_anomalous.py).
    """
    rng = as_rng(rng)
    beta, tau0 = positive(beta, name="beta"), positive(tau0, name="tau0")
    return tau0 * (1.0 - rng.random(size)) ** (-1.0 / beta)


def _exponential_waits(size, tau0, rng):
    return tau0 * rng.standard_exponential(size)


def _mittag_leffler_waits(size, beta: float, *, tau: float = 1.0, rng: np.random.Generator) -> np.ndarray:
    """Waiting times whose survival is the Mittag-Leffler function, P(τ > t) = E_β(−(t/τ)^β), 0 < β < 1.

    Exact sampler (Kozubowski & Rachev; Fulger, Scalas & Germano 2008, eq. 20): with U, V ~ U(0, 1),
    τ_w = −τ ln U · [sin(βπ(1 − V)) / sin(βπV)]^{1/β}. Its Laplace transform is ψ̃(s) = 1/(1 + (τs)^β), so
    the CTRW it drives has ⟨n(t)⟩ = (t/τ)^β/Γ(1 + β) jumps on average, a pure power law at every t.
    Private: the reference of week 10's build-it check, which asks students to write this walk.
    """
    rng = as_rng(rng)
    beta = in_range(beta, 0.0, 1.0, name="beta", closed="neither")
    tau = positive(tau, name="tau")
    u = 1.0 - rng.random(size)
    v = 1.0 - rng.random(size)
    return -tau * np.log(u) * (np.sin(beta * np.pi * (1 - v)) / np.sin(beta * np.pi * v)) ** (1 / beta)


def _renewals(n_walkers, t_max, draw, expected, rng, include_zero):
    """Renewal times ≤ t_max of independent processes whose waits come from ``draw(shape, rng)``,
    flattened and sorted by (walker, time); ``expected`` is about the mean number of renewals per
    walker (it sizes the chunks). Returns (times, starts, ends): walker i owns times[starts[i]:ends[i]]."""
    chunk = int(1.5 * expected + 16)
    last = np.zeros(n_walkers)
    active = np.arange(n_walkers)
    walkers, times = [], []
    if include_zero:
        walkers.append(active.copy())
        times.append(np.zeros(n_walkers))
    while active.size:
        T = last[active, None] + np.cumsum(draw((active.size, chunk), rng), axis=1)
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


def _pareto_renewals(n_walkers, t_max, beta, tau0, rng, include_zero):
    if beta < 1:
        expected = np.sin(np.pi * beta) / (np.pi * beta) * (t_max / tau0) ** beta
    else:
        mean = tau0 * beta / (beta - 1) if beta > 1 else tau0 * (1 + np.log(t_max / tau0))
        expected = t_max / mean
    expected = min(expected, t_max / tau0 + 1)       # at most one renewal per shortest wait
    return _renewals(n_walkers, t_max, lambda shape, g: pareto_waits(shape, beta, tau0=tau0, rng=g),
                     expected, rng, include_zero)


def _last_event(times, starts, t, t_max):
    """Index (into the flat arrays) of each walker's last event ≤ t, for every walker and time
    (starts − 1 where there is none). One searchsorted over keys walker·offset + time; rounding can
    merge an event with a query less than one ulp of walker·offset later (a Mittag-Leffler wait can be
    1e-12), so the few events found that lie after t in exact arithmetic are stepped back over."""
    n_walkers = starts.size
    offset = 2.0 * t_max + 1.0
    walker = np.repeat(np.arange(n_walkers), np.diff(np.r_[starts, times.size]))
    keys = walker * offset + times
    queries = np.arange(n_walkers)[:, None] * offset + t[None, :]
    last = np.searchsorted(keys, queries, side="right") - 1
    while True:
        late = (last >= starts[:, None]) & (times[np.maximum(last, 0)] > t[None, :])
        if not late.any():
            return last
        last[late] -= 1


def _obs_times(t):
    t = as_vector(t, name="t")
    if np.any(t < 0):
        raise ValueError(f"t must be >= 0; got {t[t < 0][0]:g}")
    if np.any(np.diff(t) < 0):
        k = int(np.argmax(np.diff(t) < 0))
        raise ValueError(f"t must be non-decreasing; got t[{k}] = {t[k]:g} then t[{k + 1}] = {t[k + 1]:g}")
    return t


def _walk_from_renewals(times, starts, t, t_max, sigma, dim, rng):
    """Positions at times t of walkers that jump N(0, σ²) per coordinate at each renewal."""
    S = np.zeros((times.size + 1, dim))
    np.cumsum(rng.normal(0.0, sigma, size=(times.size, dim)), axis=0, out=S[1:])
    last = _last_event(times, starts, t, t_max)
    x = S[last + 1] - S[starts][:, None]
    return x[..., 0] if dim == 1 else x


@validate(waits=OneOf("pareto", "exponential"))
def ctrw(n_walkers: int, t, beta: float | None = None, *, rng: np.random.Generator, waits: str = "pareto",
         tau0: float = 1.0, sigma: float = 1.0, dim: int = 1) -> np.ndarray:
    """A continuous-time random walk observed at times t (Montroll & Weiss 1965; Metzler & Klafter 2000).

    Each walker waits a random time, then jumps by N(0, sigma²) per coordinate, and so on.
    waits='pareto' (the default): Pareto waits of tail index ``beta`` (:func:`pareto_waits`, density
    ∝ t^{−1−β}, t ≥ tau0). For 0 < β < 1 the mean wait is infinite and ⟨x²(t)⟩ = σ² ⟨n(t)⟩ ≈
    σ² sin(πβ)/(πβ) · (t/τ0)^β: subdiffusion with MSD exponent α = β; for β > 1 the mean wait
    ⟨τ⟩ is finite and ⟨x²⟩ ≈ σ² t/⟨τ⟩ (α = 1).
    waits='exponential': exponential waits of mean ``tau0`` (``beta`` must be None). The jumps then
    come as a Poisson process, so ⟨x²(t)⟩ = σ² t/τ0 exactly at every t, increments over disjoint
    intervals are independent and stationary, and on scales t ≫ τ0 the walk is the Wiener process
    with D = σ²/(2τ0) (the excess kurtosis of x(t) is 3τ0/t).
    Vectorised over walkers: all renewals are drawn in a few chunks, then one ``searchsorted`` finds
    how many jumps each walker has made by each time. Returns positions of shape (walkers, len(t)),
    or (walkers, len(t), dim) for dim > 1.

    Used in: week 10, notebooks/10-anomalous-diffusion.ipynb.
    """
    rng = as_rng(rng)
    n_walkers = positive_int(n_walkers, name="n_walkers")
    dim = positive_int(dim, name="dim")
    t = _obs_times(t)
    tau0, sigma = positive(tau0, name="tau0"), positive(sigma, name="sigma")
    t_max = float(t[-1])
    if waits == "pareto":
        if beta is None:
            raise ValueError("beta (the waiting times' tail index) is needed for waits='pareto'")
        beta = positive(beta, name="beta")
        times, starts, _ = _pareto_renewals(n_walkers, t_max, beta, tau0, rng, include_zero=False)
    else:
        if beta is not None:
            raise ValueError(f"waits='exponential' takes no beta (its waits have mean tau0); got beta={beta!r}")
        times, starts, _ = _renewals(n_walkers, t_max, lambda shape, g: _exponential_waits(shape, tau0, g),
                                     t_max / tau0, rng, include_zero=False)
    return _walk_from_renewals(times, starts, t, t_max, sigma, dim, rng)


def ctrw_msd_theory(t, beta: float, *, tau0: float = 1.0, sigma: float = 1.0) -> np.ndarray:
    """Long-time ensemble MSD of :func:`ctrw` with Pareto waits (1-D): σ² sin(πβ)/(πβ) (t/τ0)^β for
    β < 1, and σ² t/⟨τ⟩ = σ² t (β − 1)/(β τ0) for β > 1.

    For β < 1 this is 2K t^β/Γ(1 + β) with K = :func:`ctrw_K`, the MSD of the fractional diffusion
    equation. At finite t the mean number of jumps has corrections, ⟨n(t)⟩ ≈ A t^β − 1 + …, which
    raise the local log-log slope above β by about β/(A t^β − 1) (chapter 10, section 4).

    Used in: week 10, notebooks/10-anomalous-diffusion.ipynb.
    """
    t = as_array(t, name="t")
    beta, tau0, sigma = positive(beta, name="beta"), positive(tau0, name="tau0"), positive(sigma, name="sigma")
    if beta < 1:
        return sigma**2 * np.sin(np.pi * beta) / (np.pi * beta) * (t / tau0) ** beta
    if beta == 1:
        raise ValueError("beta = 1 is the marginal case (MSD ∝ t / log t); use beta != 1")
    return sigma**2 * t * (beta - 1) / (beta * tau0)


def ctrw_msd_two_term(t, beta: float, *, tau0: float = 1.0, sigma: float = 1.0) -> np.ndarray:
    """The finite-time MSD of :func:`ctrw` with Pareto waits, 0 < β < 1: the first terms of the renewal
    function's long-time expansion, σ²⟨n(t)⟩ ≈ σ²[A s^β + B s^{2β−1} − 1] with s = t/τ0,
    A = 1/(Γ(1 − β)Γ(1 + β)) = sin(πβ)/(πβ) and B = β/((1 − β) Γ(1 − β)² Γ(2β)).

    From ψ̃(s) = 1 − Γ(1 − β)(τ0 s)^β + β/(1 − β)·τ0 s + … and ⟨ñ(s)⟩ = ψ̃/(s(1 − ψ̃)). The −1 and the
    t^{2β−1} term decay relative to t^β only slowly, so a log-log slope fitted at finite t exceeds β
    (by about β/(A s^β) for small β): the finite-time exponent of chapter 10's Reproduce table.

    Used in: week 10, notebooks/10-anomalous-diffusion.ipynb.
    """
    t = as_array(t, name="t")
    if np.any(t <= 0):
        raise ValueError(f"t must be > 0 for this long-time expansion; got {t[t <= 0].flat[0]:g}")
    beta = in_range(beta, 0.0, 1.0, name="beta", closed="neither")
    tau0, sigma = positive(tau0, name="tau0"), positive(sigma, name="sigma")
    s = t / tau0
    A = 1 / (special.gamma(1 - beta) * special.gamma(1 + beta))
    B = beta / ((1 - beta) * special.gamma(1 - beta) ** 2 * special.gamma(2 * beta))
    return sigma**2 * (A * s**beta + B * s ** (2 * beta - 1) - 1)


def ctrw_K(beta: float, *, tau0: float = 1.0, sigma: float = 1.0) -> float:
    """The generalised diffusion coefficient of a CTRW with Pareto waits (0 < β < 1) and N(0, σ²) jumps:
    K_β = σ² / (2 Γ(1 − β) τ0^β).

    Its waiting times have ψ̃(s) ≈ 1 − Γ(1 − β)(τ0 s)^β for small s, so the Montroll–Weiss equation
    becomes, at long times, the fractional diffusion equation ∂P/∂t = K_β ₀D_t^{1−β} ∂²P/∂x²
    (Henry, Langlands & Straka 2010), whose MSD is 2K_β t^β/Γ(1 + β).

    Used in: week 10, notebooks/10-anomalous-diffusion.ipynb.
    """
    beta = in_range(beta, 0.0, 1.0, name="beta", closed="neither")
    tau0, sigma = positive(tau0, name="tau0"), positive(sigma, name="sigma")
    return float(sigma**2 / (2 * special.gamma(1 - beta) * tau0**beta))


# --------------------------------------------------------------------------------------------
# The fractional diffusion equation and the Mittag-Leffler function
# --------------------------------------------------------------------------------------------

def mittag_leffler(z, beta: float) -> np.ndarray:
    """The Mittag-Leffler function E_β(z) = Σ_k z^k / Γ(βk + 1) for real z ≤ 0 and 0 < β ≤ 1.

    E_1(z) = e^z and E_{1/2}(−x) = e^{x²} erfc(x). For 0 < β < 1, E_β(−t^β) is completely monotone, with
    the spectral representation (Gorenflo & Mainardi) E_β(−t^β) = ∫_0^∞ e^{−rt} K_β(r) dr,
    K_β(r) = sin(βπ) r^{β−1} / (π (r^{2β} + 2 r^β cos(βπ) + 1)), integrated here after r = e^u (a smooth
    integrand, adaptive quadrature, vectorised over z). It falls like a stretched exponential
    1 − x/Γ(1 + β) for small x = −z and like the power law x^{−1}/Γ(1 − β) for large x: the slow relaxation
    of the fractional diffusion equation (Henry, Langlands & Straka 2010).

    Used in: week 10, notebooks/10-anomalous-diffusion.ipynb, through :func:`fractional_mode`.
    """
    z = as_array(z, name="z")
    if np.any(z > 0):
        raise ValueError(f"z must be <= 0 (this implementation covers the negative real axis); got {z[z > 0].flat[0]:g}")
    beta = in_range(beta, 0.0, 1.0, name="beta", closed="right")
    x = -z
    if beta == 1.0:
        return np.exp(z)
    if beta == 0.5:
        return special.erfcx(x)
    t = x ** (1.0 / beta)
    flat = t.ravel()
    s, c = np.sin(beta * np.pi), np.cos(beta * np.pi)

    def integrand(u):
        r_b = np.exp(beta * u)                                  # r^β with r = e^u; the e^u of dr cancels r^{β−1}
        return s / np.pi * r_b * np.exp(-flat * np.exp(u)) / (r_b * r_b + 2 * r_b * c + 1)

    lo, hi = -40.0 / beta, 40.0 / beta
    val, _ = integrate.quad_vec(integrand, lo, hi, epsabs=1e-13, epsrel=1e-10, points=(0.0,), limit=400)
    out = np.asarray(val).reshape(t.shape)
    out[t == 0] = 1.0
    return out if out.ndim else out[()]


def fractional_mode(k, t, *, beta: float, K: float) -> np.ndarray:
    """How a Fourier mode cos(kx) of the fractional diffusion equation relaxes: E_β(−K k² t^β).

    The equation ∂P/∂t = K ₀D_t^{1−β} ∂²P/∂x² (Riemann–Liouville derivative; Henry, Langlands & Straka
    2010) maps each mode to dP̂/dt = −K k² ₀D_t^{1−β} P̂, solved by P̂(k, t) = E_β(−K k² t^β) for P̂(k, 0) = 1.
    For β = 1 this is diffusion's e^{−Dk²t}; for β < 1 the decay is a power law ∝ t^{−β} at long times.
    For walkers started at the origin, P̂(k, t) = ⟨cos k x(t)⟩. k and t broadcast.

    Used in: week 10, notebooks/10-anomalous-diffusion.ipynb.
    """
    k, t = as_array(k, name="k"), as_array(t, name="t")
    if np.any(t < 0):
        raise ValueError(f"t must be >= 0; got {t[t < 0].flat[0]:g}")
    K = positive(K, name="K")
    beta = in_range(beta, 0.0, 1.0, name="beta", closed="right")
    return mittag_leffler(-K * k**2 * t**beta, beta)


def levy_walk(n_walkers: int, t, gamma: float, *, rng: np.random.Generator, tau0: float = 1.0,
              speed: float = 1.0) -> np.ndarray:
    """A Lévy walk: flights at constant speed in a random direction (±1), of Pareto durations with
    density ∝ τ^{−1−γ} (τ ≥ tau0), observed at times t (Metzler & Klafter 2000; Codling et al. 2008).

    Jump length and duration are coupled, so the MSD stays finite: ⟨x²⟩ ∝ t² (ballistic) for γ < 1,
    ∝ t^{3−γ} (superdiffusion) for 1 < γ < 2, ∝ t for γ > 2. Returns (walkers, len(t)).

    Used in: week 10, notebooks/10-anomalous-diffusion.ipynb.
    """
    rng = as_rng(rng)
    n_walkers = positive_int(n_walkers, name="n_walkers")
    t = _obs_times(t)
    gamma, tau0, speed = positive(gamma, name="gamma"), positive(tau0, name="tau0"), positive(speed, name="speed")
    t_max = float(t[-1])
    times, starts, ends = _pareto_renewals(n_walkers, t_max, gamma, tau0, rng, include_zero=True)
    v = speed * (2.0 * (rng.random(times.size) < 0.5) - 1.0)
    dur = np.diff(times, append=0.0)
    dur[ends - 1] = 0.0                                   # the open flight is handled below
    X = np.concatenate([[0.0], np.cumsum(v * dur)])       # X[k] = position at flight k's start (+ offset)
    last = _last_event(times, starts, t, t_max)           # every walker has an event at 0
    return X[last] - X[starts][:, None] + v[last] * (t[None, :] - times[last])


# --------------------------------------------------------------------------------------------
# Lévy flights
# --------------------------------------------------------------------------------------------

def stable_jumps(size, mu: float, *, rng: np.random.Generator, scale: float = 1.0) -> np.ndarray:
    """Symmetric μ-stable random numbers by the Chambers–Mallows–Stuck method (0 < μ ≤ 2).

    With V ~ U(−π/2, π/2) and E ~ Exp(1): X = sin(μV)/cos(V)^{1/μ} · [cos((1 − μ)V)/E]^{(1−μ)/μ}.
    Characteristic function exp(−|scale·k|^μ): μ = 2 is N(0, 2 scale²), μ = 1 the Cauchy law. For μ < 2
    the tails fall as |x|^{−1−μ}, so the variance is infinite.

    Used in: week 10, notebooks/10-anomalous-diffusion.ipynb, through :func:`levy_flight`.
    """
    rng = as_rng(rng)
    mu = in_range(mu, 0.0, 2.0, name="mu", closed="right")
    scale = positive(scale, name="scale")
    V = rng.uniform(-np.pi / 2, np.pi / 2, size)
    E = rng.standard_exponential(size)
    if mu == 1.0:
        return scale * np.tan(V)
    X = np.sin(mu * V) / np.cos(V) ** (1 / mu) * (np.cos((1 - mu) * V) / E) ** ((1 - mu) / mu)
    return scale * X


def levy_flight(n_walkers: int, n_steps: int, mu: float, *, rng: np.random.Generator,
                scale: float = 1.0) -> np.ndarray:
    """A Lévy flight: the sum of n i.i.d. symmetric μ-stable jumps, shape (walkers, steps + 1).

    Stability gives x_n =ᵈ n^{1/μ} x_1 exactly: every quantile grows as n^{1/μ} while the variance is
    infinite (Metzler & Klafter 2000), so measure the spread with :func:`quantile_width`.

    Used in: week 10, notebooks/10-anomalous-diffusion.ipynb.
    """
    n_walkers, n_steps, _, shape = walk_shape(n_walkers, n_steps, 1)
    x = np.zeros(shape)
    np.cumsum(stable_jumps((n_walkers, n_steps), mu, rng=rng, scale=scale), axis=1, out=x[:, 1:])
    return x


def quantile_width(x, q: float = 0.75) -> np.ndarray:
    """Half the distance between the q and 1 − q quantiles of positions across walkers, at each time.

    For q = 0.75 this is half the interquartile range: finite for any μ-stable law, unlike the variance.
    x: (walkers, T) displacements from the start. Returns shape (T,).

    Used in: week 10, notebooks/10-anomalous-diffusion.ipynb.
    """
    x = as_array(x, name="x", ndim=2)
    q = in_range(q, 0.5, 1.0, name="q", closed="neither")
    lo, hi = np.quantile(x - x[:, :1], [1 - q, q], axis=0)
    return (hi - lo) / 2


# --------------------------------------------------------------------------------------------
# Fractional Brownian motion
# --------------------------------------------------------------------------------------------

def _fgn_autocovariance(k, H: float) -> np.ndarray:
    """Autocovariance of unit fractional Gaussian noise: γ(k) = ½(|k+1|^{2H} − 2|k|^{2H} + |k−1|^{2H}).

    γ(0) = 1; for H > ½ the increments are positively correlated (persistent, superdiffusive), for
    H < ½ negatively (antipersistent, subdiffusive); H = ½ is white noise. Private: week 10's
    exercise asks for it (its check's reference); :func:`fbm` uses it.
    """
    k = np.abs(as_array(k, name="k"))
    H = in_range(H, 0.0, 1.0, name="H", closed="right")
    return 0.5 * (np.abs(k + 1) ** (2 * H) - 2 * k ** (2 * H) + np.abs(k - 1) ** (2 * H))


def fbm(n_walkers: int, n_steps: int, H: float, *, rng: np.random.Generator, dt: float = 1.0,
        K: float = 0.5) -> np.ndarray:
    """Fractional Brownian motion, exact, by Davies–Harte circulant embedding (FFT), vectorised over walkers.

    The increments (fractional Gaussian noise) have covariance γ(k) = ½(|k+1|^{2H} − 2|k|^{2H} + |k−1|^{2H}). Embed the
    n × n Toeplitz covariance in a 2n × 2n circulant with first row c = (γ_0, …, γ_n, γ_{n−1}, …, γ_1);
    its eigenvalues λ = FFT(c) are ≥ 0 for fGn. With complex Z of i.i.d. N(0,1) real and imaginary
    parts, the real and the imaginary part of FFT(√(λ/2n) Z) are two *independent* exact samples, so one
    FFT row makes two walkers. Positions are scaled so that ⟨x²(t)⟩ = 2K t^{2H} (α = 2H); K = D and
    H = ½ is Brownian motion. Returns (walkers, steps + 1).

    Used in: week 10, notebooks/10-anomalous-diffusion.ipynb.
    """
    rng = as_rng(rng)
    n_walkers, n_steps, _, shape = walk_shape(n_walkers, n_steps, 1)
    H = in_range(H, 0.0, 1.0, name="H", closed="right")
    dt, K = positive(dt, name="dt"), positive(K, name="K")
    g = _fgn_autocovariance(np.arange(n_steps + 1), H)
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

    Used in: week 10, notebooks/10-anomalous-diffusion.ipynb.
    """
    d = as_array(tamsd, name="tamsd", ndim=(1, 2))
    if d.shape[0] < 2:
        raise ValueError(f"tamsd must hold at least 2 walkers (rows); got {d.shape[0]}")
    m = d.mean(axis=0)
    return (d * d).mean(axis=0) / (m * m) - 1


def eb_ctrw_theory(beta: float) -> float:
    """He et al. (2008): for a CTRW with waiting-time index 0 < β ≤ 1 and Δ ≪ T,
    EB = 2Γ²(1 + β)/Γ(1 + 2β) − 1 (He et al. call the index α).

    The time-averaged diffusion coefficient is random, with a Mittag-Leffler distribution; β = 1 gives 0.

    Used in: week 10, notebooks/10-anomalous-diffusion.ipynb.
    """
    beta = in_range(beta, 0.0, 1.0, name="beta", closed="right")
    return float(2 * special.gamma(1 + beta) ** 2 / special.gamma(1 + 2 * beta) - 1)
