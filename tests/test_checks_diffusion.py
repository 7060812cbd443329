"""Weeks 9 and 10's checks (prefix ``diffusion.``), each fed the stub, the reference, another valid form
and typical mistakes (see tests/checkcases.py)."""

import math

import numpy as np
from scipy import constants, special

import checkcases
from checkcases import Cases, Mistake
from coursekit import anomalous, diffusion

# --------------------------------------------------------------------------------------------
# Week 9
# --------------------------------------------------------------------------------------------


def stokes_einstein(T_celsius, eta_mPas, diameter_um):
    """The notebook's solution."""
    a = diameter_um / 2 * 1e-6
    return constants.k * (T_celsius + 273.15) / (6 * np.pi * eta_mPas * 1e-3 * a) * 1e12


def stokes_einstein_rounded(T_celsius, eta_mPas, diameter_um):
    """Another valid form: rounded constants, the diameter in the formula, math instead of NumPy."""
    return 1.38e-23 * (T_celsius + 273) / (3 * math.pi * eta_mPas * 1e-3 * diameter_um * 1e-6) / 1e-12


def se_diameter_as_radius(T, eta, d):
    return constants.k * (T + 273.15) / (6 * np.pi * eta * 1e-3 * d * 1e-6) * 1e12


def se_celsius(T, eta, d):
    return constants.k * T / (6 * np.pi * eta * 1e-3 * d / 2 * 1e-6) * 1e12


def se_si_units(T, eta, d):
    return constants.k * (T + 273.15) / (6 * np.pi * eta * 1e-3 * d / 2 * 1e-6)


def se_pascal(T, eta, d):
    return constants.k * (T + 273.15) / (6 * np.pi * eta * d / 2 * 1e-6) * 1e12


LAM_1S = np.sqrt(2 * stokes_einstein(37.0, 0.692, 0.2) * 1.0)


def msd_gaps(x):
    r = x - x[:, :1]
    r2 = r**2 if r.ndim == 2 else np.sum(r**2, axis=2)
    return np.nanmean(r2, axis=0)


def msd_gaps_masked(x):
    """Another valid form: a loop over times, counting the walkers seen."""
    x = np.asarray(x, dtype=float)
    if x.ndim == 2:
        x = x[:, :, None]
    out = []
    for k in range(x.shape[1]):
        r2 = np.sum((x[:, k] - x[:, 0]) ** 2, axis=1)
        seen = ~np.isnan(r2)
        out.append(r2[seen].sum() / seen.sum())
    return out


def msd_plain_mean(x):
    r = x - x[:, :1]
    r2 = r**2 if r.ndim == 2 else np.sum(r**2, axis=2)
    return r2.mean(axis=0)


def msd_zeros(x):
    r = x - x[:, :1]
    r2 = r**2 if r.ndim == 2 else np.sum(r**2, axis=2)
    return np.nan_to_num(r2).mean(axis=0)


def msd_from_origin(x):
    r2 = x**2 if x.ndim == 2 else np.sum(x**2, axis=2)
    return np.nanmean(r2, axis=0)


def msd_mean_coords(x):
    r = x - x[:, :1]
    r2 = r**2 if r.ndim == 2 else np.mean(r**2, axis=2)
    return np.nanmean(r2, axis=0)


def estimate_D_noisy(x, dt):
    """The notebook's solution: the covariance-based estimator."""
    d = np.diff(x, axis=1)
    return np.mean(d**2) / (2 * dt) + np.mean(d[:, :-1] * d[:, 1:]) / dt


def estimate_D_two_lags(x, dt):
    """Another valid form: the noise cancels in the difference of the MSD at lags 2 and 1."""
    m1 = np.mean((x[:, 1:] - x[:, :-1]) ** 2)
    m2 = np.mean((x[:, 2:] - x[:, :-2]) ** 2)
    return (m2 - m1) / (2 * dt)


def estimate_D_naive(x, dt):
    return np.mean(np.diff(x, axis=1) ** 2) / (2 * dt)


def estimate_D_wrong_sign(x, dt):
    d = np.diff(x, axis=1)
    return np.mean(d**2) / (2 * dt) - np.mean(d[:, :-1] * d[:, 1:]) / dt


def estimate_D_half_covariance(x, dt):
    d = np.diff(x, axis=1)
    return np.mean(d**2) / (2 * dt) + np.mean(d[:, :-1] * d[:, 1:]) / (2 * dt)


def lattice_walk(n_walkers, n_steps, D, dt, dim, rng):
    """The notebook's solution to the build-it problem."""
    delta = np.sqrt(2 * dim * D * dt)
    axis = rng.integers(0, dim, size=(n_walkers, n_steps))
    sign = rng.choice([-1.0, 1.0], size=(n_walkers, n_steps))
    steps = np.zeros((n_walkers, n_steps, dim))
    np.put_along_axis(steps, axis[..., None], (sign * delta)[..., None], axis=2)
    x = np.zeros((n_walkers, n_steps + 1, dim))
    x[:, 1:] = np.cumsum(steps, axis=1)
    return x


def lattice_walk_loop(n_walkers, n_steps, D, dt, dim, rng):
    """Another valid form: walker by walker, step by step, returned as nested lists."""
    delta = math.sqrt(2 * dim * D * dt)
    walkers = []
    for _ in range(n_walkers):
        pos = [0.0] * dim
        track = [list(pos)]
        for _ in range(n_steps):
            pos[int(rng.integers(dim))] += delta if rng.random() < 0.5 else -delta
            track.append(list(pos))
        walkers.append(track)
    return walkers


def walk_every_axis(n_walkers, n_steps, D, dt, dim, rng):
    steps = rng.choice([-1.0, 1.0], size=(n_walkers, n_steps, dim)) * np.sqrt(2 * D * dt)
    return np.concatenate([np.zeros((n_walkers, 1, dim)), np.cumsum(steps, axis=1)], axis=1)


def walk_forgot_dimension(n_walkers, n_steps, D, dt, dim, rng):
    return lattice_walk(n_walkers, n_steps, D / dim, dt, dim, rng)


def walk_no_cumsum(n_walkers, n_steps, D, dt, dim, rng):
    x = lattice_walk(n_walkers, n_steps, D, dt, dim, rng)
    steps = np.diff(x, axis=1)
    return np.concatenate([np.zeros((n_walkers, 1, dim)), steps], axis=1)


def walk_reseeded(n_walkers, n_steps, D, dt, dim, rng):
    one = lattice_walk(1, n_steps, D, dt, dim, np.random.default_rng(0))
    return np.repeat(one, n_walkers, axis=0)


def walk_persistent(n_walkers, n_steps, D, dt, dim, rng):
    """Each step repeats the previous one with probability ½: correlated steps."""
    x = lattice_walk(n_walkers, n_steps, D, dt, dim, rng)
    steps = np.diff(x, axis=1)
    for k in range(1, n_steps):
        keep = rng.random(n_walkers) < 0.5
        steps[keep, k] = steps[keep, k - 1]
    return np.concatenate([np.zeros((n_walkers, 1, dim)), np.cumsum(steps, axis=1)], axis=1)



# --------------------------------------------------------------------------------------------
# Week 10
# --------------------------------------------------------------------------------------------


def fgn_autocovariance(k, H):
    """The notebook's solution."""
    k = np.abs(np.asarray(k, dtype=float))
    return 0.5 * (np.abs(k + 1) ** (2 * H) - 2 * k ** (2 * H) + np.abs(k - 1) ** (2 * H))


def fgn_from_fbm_variance(k, H):
    """Another valid form: the covariance of increments from Var x(t) = t^{2H}, as a list."""
    v = lambda t: abs(t) ** (2 * H)
    return [0.5 * (v(kk + 1) + v(kk - 1)) - v(kk) for kk in k]


def fgn_signed(k, H):
    k = np.asarray(k, dtype=float)
    with np.errstate(invalid="ignore"):
        return 0.5 * ((k + 1) ** (2 * H) - 2 * k ** (2 * H) + (k - 1) ** (2 * H))


def eb_from_tracks(x, lag):
    """The notebook's solution."""
    tamsd = np.mean((x[:, lag:] - x[:, :-lag]) ** 2, axis=1)
    return np.mean(tamsd**2) / np.mean(tamsd) ** 2 - 1


def eb_with_coursekit(x, lag):
    """Another valid form: the package's FFT time average and EB."""
    return anomalous.ergodicity_breaking(diffusion.msd_time_averaged(x, max_lag=lag)[:, lag])


def eb_sample_variance(x, lag):
    tamsd = np.mean((x[:, lag:] - x[:, :-lag]) ** 2, axis=1)
    return np.var(tamsd, ddof=1) / np.mean(tamsd) ** 2


def eb_no_minus_one(x, lag):
    return eb_from_tracks(x, lag) + 1


def eb_single_displacement(x, lag):
    d2 = (x[:, lag] - x[:, 0]) ** 2
    return np.mean(d2**2) / np.mean(d2) ** 2 - 1


def classify(t, x):
    """The notebook's solution: the exponent of the ensemble MSD, skipping times where it is still 0."""
    msd = np.mean((x - x[:, :1]) ** 2, axis=0)
    keep = (t > 0) & (msd > 0)
    alpha = np.polyfit(np.log(t[keep]), np.log(msd[keep]), 1)[0]
    if alpha < 0.8:
        return "sub"
    if alpha < 1.2:
        return "normal"
    return "super" if alpha < 1.8 else "ballistic"


def classify_estimate_alpha(t, x):
    """Another valid form: coursekit's estimate_alpha over the last two decades."""
    alpha = anomalous.estimate_alpha(x, t, rng=0, window=(t[-1] / 100, t[-1]), n_boot=2).alpha
    return ["sub", "normal", "super", "ballistic"][int(np.searchsorted([0.8, 1.2, 1.8], alpha))]


def classify_time_averaged(t, x):
    tam = diffusion.msd_time_averaged(x, max_lag=len(t) // 10).mean(axis=0)
    lags = t[1:len(t) // 10 + 1] - t[0]
    alpha = np.polyfit(np.log(lags), np.log(tam[1:]), 1)[0]
    return ["sub", "normal", "super", "ballistic"][int(np.searchsorted([0.8, 1.2, 1.8], alpha))]


def classify_no_super(t, x):
    msd = np.mean((x - x[:, :1]) ** 2, axis=0)
    keep = (t > 0) & (msd > 0)
    alpha = np.polyfit(np.log(t[keep]), np.log(msd[keep]), 1)[0]
    return "sub" if alpha < 0.8 else "normal" if alpha < 1.2 else "ballistic"


def classify_rms_exponent(t, x):
    """The exponent of the rms displacement √⟨x²⟩ ∝ t^{α/2}, taken for α."""
    rms = np.sqrt(np.mean((x - x[:, :1]) ** 2, axis=0))
    keep = (t > 0) & (rms > 0)
    alpha = np.polyfit(np.log(t[keep]), np.log(rms[keep]), 1)[0]
    return ["sub", "normal", "super", "ballistic"][int(np.searchsorted([0.8, 1.2, 1.8], alpha))]


def ctrw_walk(n_walkers, t, beta, tau, rng):
    """The notebook's solution: walker by walker, waits from the Mittag-Leffler sampler."""
    x = np.zeros((n_walkers, len(t)))
    for i in range(n_walkers):
        times = []
        now = 0.0
        while True:
            u, v = 1 - rng.random(), 1 - rng.random()
            now += -tau * np.log(u) * (np.sin(beta * np.pi * (1 - v)) / np.sin(beta * np.pi * v)) ** (1 / beta)
            if now > t[-1]:
                break
            times.append(now)
        jumps = np.cumsum(np.r_[0.0, rng.normal(size=len(times))])
        x[i] = jumps[np.searchsorted(times, t, side="right")]
    return x


def ctrw_walk_vectorised(n_walkers, t, beta, tau, rng):
    """Another valid form: coursekit's private renewal machinery with the private sampler."""
    times, starts, _ = anomalous._renewals(
        n_walkers, float(t[-1]), lambda shape, g: anomalous._mittag_leffler_waits(shape, beta, tau=tau, rng=g),
        (t[-1] / tau) ** beta / special.gamma(1 + beta), rng, include_zero=False)
    return anomalous._walk_from_renewals(times, starts, np.asarray(t), float(t[-1]), 1.0, 1, rng)


def ctrw_exponential(n_walkers, t, beta, tau, rng):
    return anomalous.ctrw(n_walkers, t, rng=rng, waits="exponential", tau0=tau)


def ctrw_pareto(n_walkers, t, beta, tau, rng):
    return anomalous.ctrw(n_walkers, t, beta, rng=rng, tau0=tau)


def ctrw_last_jump_only(n_walkers, t, beta, tau, rng):
    x = ctrw_walk_vectorised(n_walkers, t, beta, tau, rng)
    out = np.zeros_like(x)
    moved = np.diff(x, axis=1) != 0
    for i in range(n_walkers):                                  # each position: only the latest jump's size
        last = 0.0
        for k in range(1, x.shape[1]):
            if moved[i, k - 1]:
                last = rng.normal()
            out[i, k] = last
    return out


def ctrw_jumps_variance_2(n_walkers, t, beta, tau, rng):
    return np.sqrt(2) * ctrw_walk_vectorised(n_walkers, t, beta, tau, rng)


CASES = {
    "diffusion.stokes_einstein": Cases(
        reference=stokes_einstein,
        valid=[stokes_einstein_rounded],
        mistakes=[Mistake(se_diameter_as_radius, says="diameter as the radius"),
                  Mistake(se_celsius, says="absolute"),
                  Mistake(se_si_units, says="µm²/s, not m²/s"),
                  Mistake(se_pascal, says="mPa·s")],
    ),
    "diffusion.einstein_displacement": Cases(
        reference=LAM_1S,
        valid=[round(float(LAM_1S), 2), np.float32(LAM_1S), [LAM_1S]],
        mistakes=[Mistake(float(LAM_1S / np.sqrt(2)), says="diameter"),
                  Mistake(float(LAM_1S * np.sqrt(2)), says="in the plane"),
                  Mistake(float(LAM_1S ** 2), says="square root"),
                  Mistake(float(LAM_1S * 1e-6), says="not in metres"),
                  Mistake(float(LAM_1S * np.sqrt(37 / 310.15)), says="absolute"),
                  Mistake("2.6 µm", says="single number")],
    ),
    "diffusion.msd_gaps": Cases(
        reference=msd_gaps,
        valid=[msd_gaps_masked],
        mistakes=[Mistake(msd_plain_mean, says="nan"),
                  Mistake(msd_zeros, says="counted as a displacement of zero"),
                  Mistake(msd_from_origin, says="subtract each walker's start"),
                  Mistake(msd_mean_coords, says="sum the squared displacement over the coordinates")],
    ),
    "diffusion.estimate_D_noisy": Cases(
        reference=estimate_D_noisy,
        valid=[estimate_D_two_lags],
        mistakes=[Mistake(estimate_D_naive, says="biased upward by the localisation noise"),
                  Mistake(estimate_D_wrong_sign, says="wrong sign"),
                  Mistake(estimate_D_half_covariance, says="only half of the bias"),
                  Mistake(lambda x, dt: [estimate_D_noisy(x, dt)] * 2, says="single number")],
    ),
    "diffusion.lattice_walk": Cases(
        reference=lattice_walk,
        valid=[lattice_walk_loop],
        mistakes=[Mistake(walk_every_axis, says="every coordinate moves at every step"),
                  Mistake(walk_forgot_dimension, says="d times too slowly"),
                  Mistake(walk_no_cumsum, says="do not spread"),
                  Mistake(walk_reseeded, says="same path"),
                  Mistake(walk_persistent, says="correlated"),
                  Mistake(lambda W, n, D, dt, dim, rng: lattice_walk(W, n, D, dt, dim, rng)[:, 1:],
                          says="starting point")],
    ),
    "diffusion.broken_condition": Cases(
        reference={"fbm": "independent", "levy_flight": "stationary", "drift": "zero-mean"},
        valid=[{"fbm": "Independence", "levy_flight": "wide-sense stationary", "drift": "zero mean"}],
        mistakes=[Mistake({"fbm": "stationary", "levy_flight": "stationary", "drift": "zero-mean"},
                          says="covariance"),
                  Mistake({"fbm": "independent", "levy_flight": "independent", "drift": "zero-mean"},
                          says="variance of a μ-stable jump"),
                  Mistake({"fbm": "independent", "levy_flight": "stationary", "drift": "stationary"},
                          says="what is their mean"),
                  Mistake({"fbm": "independent", "levy_flight": "none", "drift": "zero-mean"},
                          says="name one condition"),
                  Mistake(["independent", "stationary", "zero-mean"], says="answer with a dict")],
    ),
    "diffusion.fgn_autocovariance": Cases(
        reference=fgn_autocovariance,
        valid=[fgn_from_fbm_variance],
        mistakes=[Mistake(lambda k, H: 2 * fgn_autocovariance(k, H), says="the ½ in front is missing"),
                  Mistake(lambda k, H: fgn_autocovariance(k, H / 2), says="exponents are 2H"),
                  Mistake(lambda k, H: np.abs(np.asarray(k, float)) ** (2 * H), says="MSD of fBm"),
                  Mistake(fgn_signed, says="|k − 1|")],
    ),
    "diffusion.ergodicity_breaking": Cases(
        reference=eb_from_tracks,
        valid=[eb_with_coursekit],
        mistakes=[Mistake(eb_sample_variance, says="not the sample variance"),
                  Mistake(eb_no_minus_one, says="−1 is missing"),
                  Mistake(eb_single_displacement, says="single displacements")],
    ),
    "diffusion.classify": Cases(
        reference=classify,
        valid=[classify_estimate_alpha],
        mistakes=[Mistake(classify_time_averaged, says="CTRW was called 'normal'"),
                  Mistake(classify_no_super, says="was called 'ballistic'"),
                  Mistake(classify_rms_exponent, says="misclassified")],
    ),
    "diffusion.ctrw_walk": Cases(
        reference=ctrw_walk,
        valid=[ctrw_walk_vectorised],
        mistakes=[Mistake(ctrw_exponential, says="exponential waiting"),
                  Mistake(ctrw_pareto, says="no walker has moved before τ"),
                  Mistake(ctrw_last_jump_only, says="add up every jump"),
                  Mistake(ctrw_jumps_variance_2, says="wrong size")],
    ),
}

test_case = checkcases.tests(CASES)


def test_exponential_waits_are_named_even_when_beta_is_near_one():
    """At β near 1 the survival of exponential waits can pass within its error bars; the exponent then
    catches the mistake, and must still name it (a graded run once said only "not β")."""
    from coursekit.checks import diffusion as checks
    for seed in range(3):
        x = checks._ctrw_inputs(np.random.default_rng(seed))
        x["beta"] = 0.85
        problem = checks._judge_ctrw(checks._ask_ctrw(ctrw_exponential, x), x)
        assert problem is not None and "exponential waiting" in str(problem).lower(), problem
