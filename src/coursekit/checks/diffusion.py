"""Checks for weeks 9 and 10's exercises (``notebooks/09-diffusion.ipynb``,
``notebooks/10-anomalous-diffusion.ipynb``), against :mod:`coursekit.diffusion` and
:mod:`coursekit.anomalous`. The exercises of both weeks keep their names ``diffusion.*``.

Statistical judges (the build-it problems, the estimator) accept an answer within a stated number of
standard errors, the standard error computed from the answer's own data; the tolerances are written
in the chapters.
"""

import numpy as np
from scipy import special

from .. import anomalous, diffusion
from ..grading import Problem, close, function_check, number, register, value_check


# --------------------------------------------------------------------------------------------
# Week 9
# --------------------------------------------------------------------------------------------

def _stokes_einstein_lab(T_celsius, eta_mPas, diameter_um):
    """D in µm²/s of a sphere of the given diameter (µm) in a fluid at T (°C) of viscosity η (mPa·s)."""
    return diffusion.stokes_einstein_D(diameter_um * 1e-6 / 2, T_celsius + 273.15, eta_mPas * 1e-3) * 1e12


def _lab_conditions(rng):
    return [(float(rng.uniform(4, 40)), float(rng.uniform(0.5, 3.0)), float(10 ** rng.uniform(-1.3, 0.7)))
            for _ in range(4)]


function_check(
    "diffusion.stokes_einstein",
    reference=_stokes_einstein_lab,
    calls=_lab_conditions,
    what="D (µm²/s)", rtol=2e-3, atol=0,
    hint="D = k_B T/(6πηa) with T in kelvin, η in Pa·s and the radius a in metres; then convert m²/s to µm²/s.",
    diagnoses=[
        (lambda T, eta, d: _stokes_einstein_lab(T, eta, 2 * d),
         "D is half the right value: you used the diameter as the radius. Stokes' drag 6πηa takes the radius a = d/2."),
        (lambda T, eta, d: _stokes_einstein_lab(T - 273.15, eta, d),
         "The temperature must be absolute: T = θ + 273.15 K, not the Celsius reading."),
        (lambda T, eta, d: _stokes_einstein_lab(T, eta, d) * 1e-12,
         "D should be in µm²/s, not m²/s: 1 m²/s = 10¹² µm²/s."),
        (lambda T, eta, d: _stokes_einstein_lab(T, eta, d) * 1e-3,
         "The viscosity is given in mPa·s: convert it to Pa·s (1 mPa·s = 10⁻³ Pa·s) before using k_B in J/K."),
        (lambda T, eta, d: _stokes_einstein_lab(T, eta, d) * 6 * np.pi,
         "Stokes' drag coefficient is γ = 6πηa: the 6π is missing."),
    ],
    doc="Stokes–Einstein for the lab: D (µm²/s) of a bead of diameter d (µm) at θ (°C) in a fluid of η (mPa·s).",
)

# Exercise 2: a 0.2 µm bead (a small vesicle) in water at body temperature, Einstein's λ_x after 1 s.
_VESICLE = (37.0, 0.692, 0.2)            # θ (°C), η of water at 37 °C (mPa·s), diameter (µm)


def _vesicle_D():
    return _stokes_einstein_lab(*_VESICLE)


def _judge_displacement(got, accepted):
    lam = number(got, what="λ_x")
    if isinstance(lam, Problem):
        return lam
    if abs(lam - accepted) <= 0.01 * accepted:
        return None
    D = _vesicle_D()
    mistakes = [
        (np.sqrt(D), "λ_x is √2 too small. Either D was computed with the diameter as the radius (a = d/2: "
                     "the diameter halves D), or the factor 2 of the 1-D law ⟨x²⟩ = 2Dt is missing."),
        (np.sqrt(4 * D), "That is √(4Dt), the rms displacement in the plane. Einstein's λ_x is the projection on "
                         "one axis, √(2Dt)."),
        (np.sqrt(6 * D), "That is √(6Dt), the rms displacement in space. Einstein's λ_x is the projection on one "
                         "axis, √(2Dt)."),
        (2 * D, "That is the mean squared displacement 2Dt (in µm²); λ_x is its square root."),
        (accepted * 1e-6, "Give λ_x in µm, not in metres."),
        (accepted * np.sqrt((_VESICLE[0]) / (_VESICLE[0] + 273.15)),
         "The temperature in k_B T must be absolute: 37 °C is 310.15 K."),
        (accepted * np.sqrt(1e-3), "The viscosity 0.692 mPa·s is 0.692 × 10⁻³ Pa·s."),
    ]
    for wrong, sentence in mistakes:
        if abs(lam - wrong) <= 0.01 * abs(wrong):
            return Problem(sentence, f"You gave {lam:.4g} µm.")
    return Problem("λ_x is not right: λ_x = √(2Dt) with D = k_B T/(6πηa) for the radius a = d/2, T in kelvin and "
                   "η in Pa·s; the answer in µm.", f"You gave {lam:.4g} µm.")


value_check(
    "diffusion.einstein_displacement",
    accepted=lambda: float(np.sqrt(2 * _vesicle_D() * 1.0)),
    compare=_judge_displacement,
    doc="Einstein's λ_x = √(2Dt) in µm after 1 s for a 0.2 µm-diameter bead in water at 37 °C (η = 0.692 mPa·s).",
)


def _msd_with_gaps(x):
    """Ensemble MSD over the walkers seen at each time; NaN marks a frame where a walker was lost."""
    x = np.asarray(x, dtype=float)
    r = x - x[:, :1]
    r2 = r**2 if r.ndim == 2 else np.sum(r**2, axis=2)
    return np.nanmean(r2, axis=0)


def _tracks_with_gaps(rng, dim):
    W, n = int(rng.integers(6, 12)), int(rng.integers(30, 60))
    x = diffusion.brownian(W, n, D=float(rng.uniform(0.1, 2.0)), dt=1.0, rng=rng, dim=dim)
    x = x + rng.normal(0, 3, size=(W, 1) + x.shape[2:])          # the tracks do not start at 0
    lost = rng.random((W, n + 1)) < 0.25
    lost[:, 0] = False                                             # every walker is found in the first frame
    lost[rng.integers(0, W, n + 1), np.arange(n + 1)] = False     # and some walker at every time
    x[lost] = np.nan
    return x


def _msd_zeros_for_gaps(x):
    r = x - x[:, :1]
    r2 = r**2 if r.ndim == 2 else np.sum(r**2, axis=2)
    return np.nan_to_num(r2).mean(axis=0)


def _msd_not_from_start(x):
    r2 = x**2 if x.ndim == 2 else np.sum(x**2, axis=2)
    return np.nanmean(r2, axis=0)


def _msd_mean_over_coordinates(x):
    r = x - x[:, :1]
    r2 = r**2 if r.ndim == 2 else np.mean(r**2, axis=2)
    return np.nanmean(r2, axis=0)


function_check(
    "diffusion.msd_gaps",
    reference=_msd_with_gaps,
    calls=lambda rng: [(_tracks_with_gaps(rng, 1),), (_tracks_with_gaps(rng, 2),)],
    what="the ensemble MSD", rtol=1e-8, atol=1e-10,
    hint="Average |x(t) − x(0)|² at each time over the walkers seen then (NaN marks a lost frame: np.nanmean); "
         "subtract each walker's start and sum the squares over the coordinates.",
    diagnoses=[
        (_msd_zeros_for_gaps, "A lost frame was counted as a displacement of zero: average only over the walkers "
                              "seen at each time (np.nanmean)."),
        (_msd_not_from_start, "Subtract each walker's start x[:, 0]: the tracks do not begin at the origin."),
        (_msd_mean_over_coordinates, "For 2-D tracks sum the squared displacement over the coordinates, "
                                     "|x − x₀|² = Δx² + Δy², rather than averaging them."),
    ],
    doc="Ensemble MSD of tracks (walkers, T) or (walkers, T, dim) with NaN for frames where a walker was lost.",
)


# Exercise 4: D from tracks with localisation noise ---------------------------------------------

_NOISY_TOLERANCE_SE = 5


def _noisy_tracks(rng):
    D, dt = float(rng.uniform(0.1, 2.0)), float(rng.uniform(0.02, 0.5))
    sigma2 = float(rng.uniform(0.5, 2.0)) * D * dt                 # localisation error as large as a step
    W, n = 50, 200
    x = diffusion.brownian(W, n, D=D, dt=dt, rng=rng) + rng.normal(0, np.sqrt(sigma2), size=(W, n + 1))
    return {"x": x + rng.normal(0, 5, size=(W, 1)), "dt": dt, "D": D, "sigma2": sigma2}


def _judge_noisy(got, x):
    est = number(got, what="D̂")
    if isinstance(est, Problem):
        return est
    tracks, dt, D = x["x"], x["dt"], x["D"]
    per_walker = np.array([diffusion._estimate_D_noisy(tr[None], dt) for tr in tracks])
    se = per_walker.std(ddof=1) / np.sqrt(len(per_walker))
    if abs(est - D) <= _NOISY_TOLERANCE_SE * se:
        return None
    d = np.diff(tracks, axis=1)
    naive = np.mean(d * d) / (2 * dt)
    cov = np.mean(d[:, :-1] * d[:, 1:])
    for wrong, sentence in [
        (naive, "That is the naive ⟨Δx²⟩/(2Δt), biased upward by the localisation noise: ⟨Δx²⟩ = 2DΔt + 2σ². "
                "Successive increments share one noisy position, so their covariance is −σ²: use it to remove the bias."),
        (naive - cov / dt, "The covariance term has the wrong sign: ⟨Δx_k Δx_{k+1}⟩ = −σ² is negative, and "
                           "D̂ = ⟨Δx²⟩/(2Δt) + ⟨Δx_k Δx_{k+1}⟩/Δt."),
        (naive + cov / (2 * dt), "The covariance removes only half of the bias: ⟨Δx²⟩/(2Δt) exceeds D by σ²/Δt and "
                                 "⟨Δx_k Δx_{k+1}⟩ = −σ², so divide the covariance by Δt, not 2Δt."),
        (np.mean(d * d) / dt + 2 * cov / dt, "Both terms are twice too large: in one dimension ⟨Δx²⟩ = 2DΔt + 2σ², "
                                             "so the first term is ⟨Δx²⟩/(2Δt)."),
    ]:
        if abs(est - wrong) <= 1e-6 * abs(wrong):
            return Problem(sentence, f"Your D̂ = {est:.4g}; the true D = {D:.4g} (SE {se:.2g}).")
    return Problem(f"D̂ is more than {_NOISY_TOLERANCE_SE} standard errors away from the true D: the estimator is "
                   "biased (or wrong). Work out ⟨Δx_k²⟩ and ⟨Δx_k Δx_{k+1}⟩ for x_k = true position + noise.",
                   f"Your D̂ = {est:.4g}; the true D = {D:.4g}, SE {se:.2g}.")


register(
    "diffusion.estimate_D_noisy",
    inputs=_noisy_tracks,
    ask=lambda f, x: f(x["x"].copy(), x["dt"]),
    judge=_judge_noisy,
    doc="An estimator of D that is unbiased for 1-D tracks (walkers, T) with localisation noise; judged against the "
        f"true D within {_NOISY_TOLERANCE_SE} standard errors.",
)


# Build it: the d-dimensional lattice random walk that recovers D --------------------------------

_WALK_TOLERANCE_SE = 5


def _walk_inputs(rng):
    return {"configs": [(300, 60, float(rng.uniform(0.05, 5.0)), float(rng.uniform(0.01, 1.0)), dim,
                         int(rng.integers(2**31))) for dim in (2, 3)]}


def _ask_walk(fn, x):
    return [fn(W, n, D, dt, dim, np.random.default_rng(seed)) for W, n, D, dt, dim, seed in x["configs"]]


def _judge_one_walk(got, W, n, D, dt, dim):
    where = f"(dim = {dim}, D = {D:.3g}, Δt = {dt:.3g})"
    try:
        x = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return Problem("lattice_walk should return an array of positions.", f"Got {type(got).__name__} {where}.")
    if x.shape != (W, n + 1, dim):
        if x.shape == (n + 1, W, dim):
            return Problem("The axes are swapped: return positions of shape (n_walkers, n_steps + 1, dim).")
        if x.shape == (W, n, dim):
            return Problem("Include the starting point: n_steps steps make n_steps + 1 positions.")
        return Problem("The positions have the wrong shape.", f"Expected {(W, n + 1, dim)}, got {x.shape} {where}.")
    if not np.all(np.isfinite(x)):
        return Problem("The positions contain nan or inf.")
    delta = np.sqrt(2 * dim * D * dt)                              # the right jump length
    if np.any(np.abs(x[:, 0]) > 1e-9 * delta):
        return Problem("Every walker starts at the origin: x[:, 0] should be 0.")
    if W > 1 and np.all(np.abs(x - x[:1]) <= 1e-12 * delta):
        return Problem("All walkers follow the same path: draw every walker's steps independently, from the "
                       "generator rng you are given (once, not re-seeded).")
    t = np.arange(n + 1) * dt
    r2 = np.sum(x**2, axis=2)                                      # |x(t) − x(0)|², summed over coordinates
    if r2[:, -1].mean() < 0.3 * 2 * dim * D * t[-1] and r2[:, -1].mean() < 4 * r2[:, n // 4].mean():
        return Problem("The walkers do not spread: positions must add up the steps, x_{k+1} = x_k + Δ_k "
                       "(np.cumsum along the time axis).", where)
    steps = np.diff(x, axis=1)
    moving = np.abs(steps) > 1e-9 * delta
    per_step = moving.sum(axis=2)
    if np.any(per_step != 1):
        if np.all(per_step == dim):
            return Problem("Every coordinate moves at every step: that is dim independent 1-D walks. In the lattice "
                           "walk each step picks ONE of the dim axes at random and jumps ±δ along it.", where)
        return Problem("Each step must move along exactly one axis (chosen at random) by ±δ.", where)
    lengths = np.abs(steps[moving])
    if np.ptp(lengths) > 1e-9 * lengths.max():
        return Problem("Every jump has the same length δ (a lattice walk): only its axis and sign are random.", where)
    D_hat = lengths[0] ** 2 / (2 * dim * dt)
    if abs(D_hat / D - 1) > 1e-6:
        if abs(D_hat * dim / D - 1) < 1e-6:
            return Problem("The walk diffuses d times too slowly. One axis per step means each coordinate gets only "
                           "1/d of the jumps: ⟨Δx_i²⟩ = δ²/d per step, so 2DΔt = δ²/d and δ = √(2dDΔt).", where)
        if abs(D_hat * 2 / D - 1) < 1e-6:
            return Problem("The walk diffuses half as fast as it should: each coordinate's MSD is 2Dt, so "
                           "δ²/d = 2DΔt (the factor 2 is missing).", where)
        return Problem("The jump length does not give the diffusion coefficient D: each coordinate's MSD must be "
                       "2Dt, i.e. δ²/d = 2DΔt.", f"Your δ gives D = {D_hat:.4g}, asked for {D:.4g} {where}.")
    # correlation before the axes and the drift: correlated steps make the counts per axis and of + jumps
    # spread wider than the binomial errors below allow (a walk whose steps repeat half the time was called
    # "drifting" on a draw in forty). Centring the steps keeps a drift, which correlates raw steps by
    # (2p − 1)², out of this test.
    centred = steps - steps.reshape(-1, dim).mean(axis=0)
    lag1 = np.sum(centred[:, :-1] * centred[:, 1:], axis=2) / delta**2
    se_lag1 = np.sqrt(1 / dim / lag1.size)
    if abs(lag1.mean()) > _WALK_TOLERANCE_SE * se_lag1:
        return Problem("Successive steps are correlated: each step's axis and sign must be drawn afresh, "
                       "independently of the previous step.", f"Mean of Δ_k·Δ_(k+1)/δ² = {lag1.mean():.3f} {where}.")
    N = W * n
    axis_counts = moving.sum(axis=(0, 1))
    z_axes = (axis_counts - N / dim) / np.sqrt(N * (1 / dim) * (1 - 1 / dim))
    if np.max(np.abs(z_axes)) > _WALK_TOLERANCE_SE:
        return Problem("The axes are not chosen with equal probability 1/d.",
                       f"Jumps per axis: {axis_counts.tolist()} of {N} {where}.")
    plus = np.count_nonzero(steps[moving] > 0)
    if abs(plus - N / 2) > _WALK_TOLERANCE_SE * np.sqrt(N / 4):
        return Problem("Jumps should go + or − with probability ½ each: the walk drifts.",
                       f"{plus} of {N} jumps were positive {where}.")
    # the MSD slope: per walker, the least-squares slope of |x(t)|² against t (through 0); walkers are independent
    slopes = (r2[:, 1:] @ t[1:]) / (t[1:] @ t[1:])
    D_msd, se = slopes.mean() / (2 * dim), slopes.std(ddof=1) / np.sqrt(W) / (2 * dim)
    if abs(D_msd - D) > _WALK_TOLERANCE_SE * se:
        return Problem(f"The MSD does not grow as 2dDt: its slope gives D more than {_WALK_TOLERANCE_SE} standard "
                       "errors from the D asked for. Are the steps independent?",
                       f"D from the MSD = {D_msd:.4g} ± {se:.2g}, asked for {D:.4g} {where}.")
    return None


def _judge_walk(got, x):
    if not isinstance(got, list) or len(got) != len(x["configs"]):
        return Problem("The answer did not come back as one result per call.")
    for result, (W, n, D, dt, dim, _) in zip(got, x["configs"]):
        problem = _judge_one_walk(result, W, n, D, dt, dim)
        if problem:
            return problem
    return None


register(
    "diffusion.lattice_walk",
    inputs=_walk_inputs,
    ask=_ask_walk,
    judge=_judge_walk,
    doc="Build it: the d-dimensional lattice random walk (one random axis per step, ±δ) with diffusion coefficient D; "
        f"judged on fresh D, Δt and d: lattice steps, δ = √(2dDΔt), and the MSD slope within {_WALK_TOLERANCE_SE} SE.",
)


# Journal club, checked: which condition for Brownian motion does each process break? ------------

_CONDITIONS = {"independent": "independent", "independence": "independent", "independent increments": "independent",
               "stationary": "stationary", "stationarity": "stationary", "wide-sense stationary": "stationary",
               "wide-sense-stationary": "stationary", "wss": "stationary", "stationary increments": "stationary",
               "zero-mean": "zero-mean", "zero mean": "zero-mean", "zero-mean increments": "zero-mean",
               "mean zero": "zero-mean", "zeromean": "zero-mean"}
_BROKEN = {"fbm": "independent", "levy_flight": "stationary", "drift": "zero-mean"}
_WHY = {
    "fbm": "fBm's increments (fractional Gaussian noise) are Gaussian with mean 0 and a covariance that depends on "
           "the lag only. Which of the three conditions does a covariance γ(k) ≠ 0 for k ≥ 1 break?",
    "levy_flight": "A Lévy flight's jumps are i.i.d. and symmetric — but 'wide-sense' stationarity is a statement "
                   "about the mean and the covariance. What is the variance of a μ-stable jump with μ < 2?",
    "drift": "Brownian motion with drift, x(t) = vt + B(t), has increments that are independent and identically "
             "distributed. What is their mean?",
}


def _judge_broken(got, x):
    if not isinstance(got, dict):
        return Problem("Answer with a dict: {'fbm': ..., 'levy_flight': ..., 'drift': ...}.")
    missing = sorted(set(_BROKEN) - set(got))
    if missing:
        return Problem(f"The dict needs the keys 'fbm', 'levy_flight' and 'drift'; missing {missing}.")
    for key, right in _BROKEN.items():
        value = got[key]
        said = _CONDITIONS.get(str(value).strip().lower()) if isinstance(value, str) else None
        if said is None:
            return Problem(f"Name one condition for {key!r}: 'independent', 'stationary' or 'zero-mean'.",
                           f"Got {str(value)[:40]!r}.")
        if said != right:
            return Problem(f"Not {said!r} for {key!r}. {_WHY[key]}")
    return None


register(
    "diffusion.broken_condition",
    ask=lambda answer, x: answer,
    judge=_judge_broken,
    doc="Which of the three conditions for Brownian motion (independent, wide-sense-stationary, zero-mean increments) "
        "fBm, a Lévy flight and Brownian motion with drift each break.",
)


# --------------------------------------------------------------------------------------------
# Week 10
# --------------------------------------------------------------------------------------------

def _fgn_calls(rng):
    k = np.arange(int(rng.integers(6, 12)))
    return [(k, H) for H in (0.5, float(rng.uniform(0.1, 0.45)), float(rng.uniform(0.55, 0.95)), 1.0)]


function_check(
    "diffusion.fgn_autocovariance",
    reference=anomalous._fgn_autocovariance,
    calls=_fgn_calls,
    what="γ(k)", rtol=1e-8, atol=1e-12,
    hint="γ(k) = ½(|k+1|^{2H} − 2|k|^{2H} + |k−1|^{2H}): note |k − 1| (at k = 0 it is 1), γ(0) = 1, and for "
         "H = ½, γ(k ≥ 1) = 0.",
    diagnoses=[
        (lambda k, H: 2 * anomalous._fgn_autocovariance(k, H), "The ½ in front is missing: γ(0) must be 1."),
        (lambda k, H: anomalous._fgn_autocovariance(k, H / 2),
         "The exponents are 2H, not H: fGn is the increment of fBm, whose variance grows as t^{2H}."),
        (lambda k, H: np.abs(np.asarray(k, dtype=float)) ** (2 * H),
         "That is the MSD of fBm, ⟨x²(k)⟩ = k^{2H}; γ(k) is the covariance of two increments k steps apart, "
         "a second difference of it."),
    ],
    doc="Autocovariance γ(k) of unit fractional Gaussian noise, for an array of lags k.",
)


def _eb_from_tracks(x, lag):
    """EB at one lag from tracks: each walker's time-averaged MSD, then ⟨δ⁴⟩/⟨δ²⟩² − 1 over walkers."""
    return anomalous.ergodicity_breaking(diffusion.msd_time_averaged(x, max_lag=lag)[:, lag])


def _eb_tracks(rng):
    W, N = int(rng.integers(40, 80)), int(rng.integers(400, 800))
    t = np.arange(N + 1.0)
    ctrw = anomalous.ctrw(W, t, float(rng.uniform(0.3, 0.8)), tau0=0.5, rng=rng)
    bm = diffusion.brownian(W, N, D=float(rng.uniform(0.2, 2.0)), dt=1.0, rng=rng)
    return [(ctrw, int(rng.integers(2, 20))), (bm, int(rng.integers(2, 20)))]


def _tamsd_at(x, lag):
    return np.mean((x[:, lag:] - x[:, :-lag]) ** 2, axis=1)


function_check(
    "diffusion.ergodicity_breaking",
    reference=_eb_from_tracks,
    calls=_eb_tracks,
    what="EB", rtol=1e-6, atol=1e-10,
    hint="For each walker, δ²(Δ) = mean over k of (x[k+Δ] − x[k])²; then EB = ⟨(δ²)²⟩/⟨δ²⟩² − 1 with plain "
         "averages over the walkers.",
    diagnoses=[
        (lambda x, lag: np.var(_tamsd_at(x, lag), ddof=1) / np.mean(_tamsd_at(x, lag)) ** 2,
         "EB uses plain averages over the walkers, ⟨(δ²)²⟩/⟨δ²⟩² − 1: that is the variance with 1/W, not the "
         "sample variance with 1/(W − 1)."),
        (lambda x, lag: _eb_from_tracks(x, lag) + 1,
         "The −1 is missing: EB = ⟨(δ²)²⟩/⟨δ²⟩² − 1 is 0 when every walker has the same time average."),
        (lambda x, lag: np.sqrt(_eb_from_tracks(x, lag)),
         "That is the relative standard deviation of the time averages; EB is its square, variance / mean²."),
        (lambda x, lag: anomalous.ergodicity_breaking((x[:, lag] - x[:, 0]) ** 2),
         "That is the spread of single displacements x(Δ) − x(0) over walkers; EB is the spread of the "
         "*time averages* along each track, δ²(Δ) = mean over k of (x[k+Δ] − x[k])²."),
    ],
    doc="Ergodicity-breaking parameter from tracks (walkers, T) at one lag Δ: each walker's time-averaged MSD, "
        "then ⟨(δ²)²⟩/⟨δ²⟩² − 1.",
)


_CLASSES = ("sub", "normal", "super", "ballistic")


def _classify_inputs(rng):
    W, n = 200, 256
    t = np.arange(n + 1, dtype=float)
    processes = [
        ("sub", "fBm", anomalous.fbm(W, n, float(rng.uniform(0.2, 0.25)), rng=rng)),
        ("sub", "CTRW", anomalous.ctrw(W, t, float(rng.uniform(0.3, 0.4)), tau0=0.1, rng=rng)),
        ("normal", "Brownian", diffusion.brownian(W, n, D=float(rng.uniform(0.2, 2)), dt=1.0, rng=rng)),
        ("super", "fBm", anomalous.fbm(W, n, float(rng.uniform(0.7, 0.75)), rng=rng)),
        ("ballistic", "ballistic", rng.normal(0, 1, size=(W, 1)) * t),
    ]
    order = rng.permutation(len(processes))
    return {"t": t, "tracks": [processes[i][2] for i in order], "labels": [processes[i][0] for i in order],
            "kinds": [processes[i][1] for i in order]}


def _classify_judge(got, x):
    if not isinstance(got, list) or len(got) != len(x["labels"]):
        return Problem("classify should return one label per process.", f"Got {str(got)[:80]}.")
    said = [g.strip().lower() if isinstance(g, str) else g for g in got]
    bad = [g for g in said if g not in _CLASSES]
    if bad:
        return Problem(f"Labels must be one of {', '.join(map(repr, _CLASSES))}.", f"Got {str(bad[0])[:40]!r}.")
    wrong = [(g, e, k) for g, e, k in zip(said, x["labels"], x["kinds"]) if g != e]
    if not wrong:
        return None
    if any(k == "CTRW" and g == "normal" for g, e, k in wrong):
        return Problem("A sub-diffusive CTRW was called 'normal'. Its time-averaged MSD is linear in the lag "
                       "(weak ergodicity breaking, Section 4): classify from the ensemble MSD over walkers, "
                       "⟨|x(t) − x(0)|²⟩, not from time averages along the tracks.",
                       f"{len(wrong)} of {len(said)} processes misclassified.")
    g, e, k = wrong[0]
    return Problem(f"{len(wrong)} of {len(said)} processes were misclassified: e.g. a {e} process ({k}) was called "
                   f"{g!r}.", "Fit the slope α of log ⟨x²⟩ against log t (skip times where the MSD is still 0); "
                   "α < 0.8 sub, 0.8–1.2 normal, 1.2–1.8 super, above 1.8 ballistic.")


register(
    "diffusion.classify",
    inputs=_classify_inputs,
    ask=lambda f, x: [f(x["t"].copy(), tr.copy()) for tr in x["tracks"]],
    judge=_classify_judge,
    doc="Classify tracks as 'sub', 'normal', 'super' or 'ballistic' from their ensemble MSD exponent; the processes "
        "include a sub-diffusive CTRW, whose time averages look normal.",
)


# Build it: a CTRW with Mittag-Leffler waiting times and a chosen β -------------------------------

_CTRW_TOLERANCE_SE = 5
_CTRW_SURVIVAL_AT = (0.1, 1.0, 10.0)            # times t/τ at which the fraction not yet moved is checked


def _ctrw_inputs(rng):
    """2000 walkers: the spread of x² is wide (the number of jumps varies as much as its mean), and with 500 a
    jump variance of 2 doubled ⟨x²⟩ by only 5–7 standard errors, so that a draw in twenty let it through."""
    tau = float(rng.uniform(0.5, 2.0))
    return {"W": 2000, "beta": float(rng.uniform(0.4, 0.85)), "tau": tau,
            "t": tau * np.r_[0.0, np.geomspace(1e-2, 1e3, 26)], "seed": int(rng.integers(2**31))}


def _ask_ctrw(fn, x):
    return fn(x["W"], x["t"].copy(), x["beta"], x["tau"], np.random.default_rng(x["seed"]))


def _judge_ctrw(got, x):
    W, t, beta, tau = x["W"], x["t"], x["beta"], x["tau"]
    where = f"(β = {beta:.3g}, τ = {tau:.3g})"
    try:
        pos = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return Problem("ctrw_walk should return an array of positions.", f"Got {type(got).__name__}.")
    if pos.shape != (W, t.size):
        if pos.shape == (t.size, W):
            return Problem("The axes are swapped: return positions of shape (n_walkers, len(t)).")
        return Problem("The positions have the wrong shape.", f"Expected {(W, t.size)}, got {pos.shape}.")
    if not np.all(np.isfinite(pos)):
        return Problem("The positions contain nan or inf.")
    if np.any(pos[:, 0] != 0):
        return Problem("Every walker starts at 0 at t = 0 (no jump can have happened yet).")
    # 1. the waiting-time law: the fraction of walkers still at the start is the survival E_β(−(t/τ)^β)
    for s in _CTRW_SURVIVAL_AT:
        k = int(np.argmin(np.abs(t - s * tau)))
        still = float(np.mean(pos[:, k] == 0))
        expected = float(anomalous.mittag_leffler(-(t[k] / tau) ** beta, beta))
        se = np.sqrt(expected * (1 - expected) / W)
        if abs(still - expected) > _CTRW_TOLERANCE_SE * se + 1e-12:
            if s < 1 and still > 0.99:
                hint = "No walker has moved before τ: those are Pareto waits with a minimum τ, not Mittag-Leffler waits."
            elif abs(still - np.exp(-t[k] / tau)) < _CTRW_TOLERANCE_SE * np.sqrt(0.25 / W):
                hint = "That is exponential waiting (a Poisson process): the bracket raised to the power 1/β is missing."
            else:
                hint = ("Check the sampler τ_w = −τ ln U · [sin(βπ(1 − V))/sin(βπV)]^{1/β}, and that a walker moves at "
                        "each renewal time ≤ t.")
            return Problem(f"The waiting times do not have the Mittag-Leffler law: at t = {t[k] / tau:g} τ a fraction "
                           f"{still:.3f} of the walkers has not jumped yet, but E_β(−(t/τ)^β) = {expected:.3f}. {hint}",
                           where)
    # 2. the MSD exponent, with a bootstrap standard error over walkers
    fit = anomalous.estimate_alpha(pos, t, rng=np.random.default_rng(x["seed"] + 1), window=(tau, t[-1]),
                                   n_points=16, n_boot=200)
    if abs(fit.alpha - beta) > _CTRW_TOLERANCE_SE * fit.stderr:
        if fit.alpha < 0.2:
            return Problem("The MSD hardly grows: positions must add up every jump made so far (a cumulative sum), "
                           "not show only the last one.", f"α̂ = {fit.alpha:.3f} ± {fit.stderr:.3f} {where}.")
        hint = ""
        if abs(fit.alpha - 1) <= _CTRW_TOLERANCE_SE * fit.stderr:   # β near 1 can pass the survival test
            hint = (" An exponent of 1 is normal diffusion: waits with a finite mean, such as exponential waiting "
                    "(a Poisson process) — is the bracket raised to the power 1/β missing?")
        return Problem(f"The MSD exponent is not β: α̂ = {fit.alpha:.3f} ± {fit.stderr:.3f}, more than "
                       f"{_CTRW_TOLERANCE_SE} standard errors from β = {beta:.3g}.{hint}", where)
    # 3. the prefactor: ⟨x²(t)⟩ = (t/τ)^β / Γ(1 + β) for N(0, 1) jumps
    r2 = pos[:, -1] ** 2
    theory = (t[-1] / tau) ** beta / special.gamma(1 + beta)
    se = r2.std(ddof=1) / np.sqrt(W)
    if abs(r2.mean() - theory) > _CTRW_TOLERANCE_SE * se:
        return Problem("The MSD has the right exponent but the wrong size: with N(0, 1) jumps, "
                       "⟨x²(t)⟩ = ⟨n(t)⟩ = (t/τ)^β / Γ(1 + β). Are the jumps of variance 1, one per renewal?",
                       f"At t = {t[-1] / tau:g} τ: {r2.mean():.4g} ± {se:.2g}, expected {theory:.4g} {where}.")
    return None


register(
    "diffusion.ctrw_walk",
    inputs=_ctrw_inputs,
    ask=_ask_ctrw,
    judge=_judge_ctrw,
    doc="Build it: a CTRW with Mittag-Leffler waiting times of index β and scale τ and N(0, 1) jumps, observed at times "
        "t; judged on fresh β and τ: survival E_β(−(t/τ)^β), MSD exponent β and prefactor 1/Γ(1 + β), each within "
        f"{_CTRW_TOLERANCE_SE} standard errors.",
)
