"""Checks for weeks 9 and 10's exercises (``notebooks/09-diffusion.ipynb``,
``notebooks/10-anomalous-diffusion.ipynb``), against :mod:`coursekit.diffusion` and
:mod:`coursekit.anomalous`. The exercises of both weeks keep their names ``diffusion.*``."""

import numpy as np

from .. import anomalous, diffusion
from ..constants import T_20C, WATER_ETA
from ..grading import Problem, close, register


# --------------------------------------------------------------------------------------------
# Week 9
# --------------------------------------------------------------------------------------------

def _stokes_inputs(rng):
    n = 6
    return {"T": rng.uniform(273.0, 320.0, n), "eta": rng.uniform(0.5e-3, 3e-3, n),
            "radius": 10 ** rng.uniform(-8, -5, n)}


def _stokes_judge(got, x):
    expected = np.array([diffusion.stokes_einstein_D(a, T, e) for T, e, a in zip(x["T"], x["eta"], x["radius"])])
    g = np.asarray(got, dtype=float)
    if g.shape == expected.shape and np.allclose(g, expected / 2, rtol=1e-4, atol=0):
        return "D is half the right value: the formula takes the radius a, not the diameter 2a."
    if g.shape == expected.shape and np.allclose(g, expected * 1e12, rtol=1e-4, atol=0):
        return "D should be in m²/s, not µm²/s (your values are 1e12 times too large)."
    return close(g, expected, what="D = kT/(6πηa)", rtol=1e-6, atol=0,
                 hint="Use scipy.constants.k for Boltzmann's constant and the temperature in kelvin.")


register(
    "diffusion.stokes_einstein",
    inputs=_stokes_inputs,
    ask=lambda f, x: [f(T, e, a) for T, e, a in zip(x["T"], x["eta"], x["radius"])],
    judge=_stokes_judge,
    doc="Stokes–Einstein D = k_B T/(6πηa) in m²/s, for T in K, η in Pa·s and the radius a in m.",
)


def _einstein_judge(got, x):
    D = diffusion.stokes_einstein_D(0.5e-6, T_20C, WATER_ETA)
    expected = np.sqrt(2 * D * 1.0) * 1e6
    try:
        g = float(got)
    except (TypeError, ValueError):
        return f"the answer should be one number (a distance in µm); got {type(got).__name__}."
    for wrong, why in [(np.sqrt(4 * D) * 1e6, "that is the 2-D displacement √(4Dt); Einstein's λ_x is "
                        "the projection on one axis, √(2Dt)"),
                       (np.sqrt(6 * D) * 1e6, "that is the 3-D displacement √(6Dt); use one axis, √(2Dt)"),
                       (np.sqrt(D) * 1e6, "that is √(Dt); the 1-D MSD is 2Dt"),
                       (np.sqrt(2 * D / 2) * 1e6, "you used the diameter as the radius (a = 0.5 µm)"),
                       (expected * 1e6, "give the answer in µm, not m")]:
        if abs(g - wrong) < 0.01 * abs(wrong) and abs(g - expected) > 0.01 * expected:
            return why + "."
    return close(g, expected, what="the rms displacement in 1 s (µm)", rtol=0.01, atol=0)


register(
    "diffusion.einstein_displacement",
    ask=lambda v, x: v,
    judge=_einstein_judge,
    doc="rms 1-D displacement in 1 s of a 1 µm-diameter bead in 20 °C water, in µm (≈ 0.93).",
)


def _tracks_inputs(rng):
    W, n = int(rng.integers(5, 12)), int(rng.integers(30, 60))
    dim = int(rng.integers(1, 3))
    dt = float(rng.uniform(0.01, 0.5))
    x = diffusion.brownian(W, n, D=float(rng.uniform(0.1, 2.0)), dt=dt, rng=rng, dim=dim)
    return {"x": x + rng.normal(0, 3, size=(W,) + (() if dim == 1 else (dim,)))[:, None], "dt": dt}


def _msd_judge(got, x):
    exp = diffusion.msd_ensemble(x["x"])
    g = np.asarray(got, dtype=float)
    if g.shape == exp.shape and x["x"].ndim == 3:
        one = diffusion.msd_ensemble(x["x"][:, :, 0])
        if np.allclose(g, one, rtol=1e-6, atol=0) or np.allclose(g, exp / 2, rtol=1e-6, atol=0):
            return "for 2-D tracks sum the squared displacement over both coordinates: |x − x₀|² = Δx² + Δy²."
    return close(g, exp, what="the ensemble MSD", rtol=1e-6, atol=1e-9,
                 hint="Subtract each walker's start x[:, 0] (the tracks do not start at 0), square, sum over "
                      "coordinates, average over walkers (axis 0).")


register(
    "diffusion.msd_ensemble",
    inputs=_tracks_inputs,
    ask=lambda f, x: f(x["x"]),
    judge=_msd_judge,
    doc="Ensemble MSD ⟨|x(t) − x(0)|²⟩ of tracks of shape (walkers, T) or (walkers, T, dim).",
)


def _D_judge(got, x):
    ref = diffusion.estimate_D(x["x"], x["dt"]).D
    return close(got, ref, what="D̂", rtol=1e-6, atol=0,
                 hint="Use every increment of every walker and coordinate: D̂ = mean(Δx²)/(2 dt).")


register(
    "diffusion.estimate_D",
    inputs=_tracks_inputs,
    ask=lambda f, x: f(x["x"], x["dt"]),
    judge=_D_judge,
    doc="D̂ = mean of all squared one-coordinate increments / (2 dt).",
)


def _tamsd_inputs(rng):
    n = int(rng.integers(40, 90))
    return {"x": np.cumsum(rng.normal(size=n)) + 5.0, "max_lag": int(rng.integers(5, n // 2))}


register(
    "diffusion.tamsd_direct",
    inputs=_tamsd_inputs,
    ask=lambda f, x: f(x["x"], x["max_lag"]),
    judge=lambda got, x: close(got, diffusion.msd_time_averaged_direct(x["x"], x["max_lag"]),
                               what="the time-averaged MSD δ²(m), m = 0 … max_lag", rtol=1e-8, atol=1e-10,
                               hint="δ²(m) = mean over k of (x[k+m] − x[k])², an average over N − m pairs; "
                                    "δ²(0) = 0."),
    doc="Time-averaged MSD of one track by the direct sum, for lags 0..max_lag.",
)


# --------------------------------------------------------------------------------------------
# Week 10
# --------------------------------------------------------------------------------------------

register(
    "diffusion.fgn_autocovariance",
    inputs=lambda rng: {"k": np.arange(int(rng.integers(6, 12))), "H": [0.5, float(rng.uniform(0.1, 0.45)),
                                                                          float(rng.uniform(0.55, 0.95)), 1.0]},
    ask=lambda f, x: [f(x["k"], H) for H in x["H"]],
    judge=lambda got, x: close(got, [anomalous.fgn_autocovariance(x["k"], H) for H in x["H"]],
                               what="γ(k) for each H", rtol=1e-8, atol=1e-12,
                               hint="γ(k) = ½(|k+1|^{2H} − 2|k|^{2H} + |k−1|^{2H}); "
                                    "γ(0) = 1 and, for H = ½, γ(k ≥ 1) = 0."),
    doc="Autocovariance of fractional Gaussian noise, for an array of lags k.",
)


def _eb_inputs(rng):
    return {"tamsd": rng.gamma(float(rng.uniform(0.5, 3)), 1.0, size=(int(rng.integers(50, 200)),))}


register(
    "diffusion.ergodicity_breaking",
    inputs=_eb_inputs,
    ask=lambda f, x: f(x["tamsd"]),
    judge=lambda got, x: close(got, anomalous.ergodicity_breaking(x["tamsd"]), what="EB", rtol=1e-6, atol=1e-10,
                               hint="EB = ⟨(δ²)²⟩/⟨δ²⟩² − 1, averages over walkers (population variance, "
                                    "not the n − 1 version)."),
    doc="Ergodicity-breaking parameter of time-averaged MSDs across walkers.",
)

_CLASSES = ("sub", "normal", "super", "ballistic")


def _classify_inputs(rng):
    W, n = 100, 256
    t = np.arange(n + 1, dtype=float)
    processes = {
        "sub": anomalous.fbm(W, n, float(rng.uniform(0.2, 0.3)), rng=rng),
        "normal": diffusion.brownian(W, n, D=float(rng.uniform(0.2, 2)), dt=1.0, rng=rng),
        "super": anomalous.fbm(W, n, float(rng.uniform(0.7, 0.8)), rng=rng),
        "ballistic": rng.normal(0, 1, size=(W, 1)) * t,
    }
    order = rng.permutation(len(_CLASSES))
    labels = [_CLASSES[i] for i in order]
    return {"t": t, "tracks": [processes[k] for k in labels], "labels": labels}


def _classify_judge(got, x):
    if not isinstance(got, list) or len(got) != len(x["labels"]):
        return Problem("classify should return one label per process.", f"Got {str(got)[:80]}.")
    got = [str(g).strip().lower() for g in got]
    bad = [g for g in got if g not in _CLASSES]
    if bad:
        return f"labels must be one of {', '.join(_CLASSES)}; got {bad[0]!r}."
    wrong = [(g, e) for g, e in zip(got, x["labels"]) if g != e]
    if not wrong:
        return None
    g, e = wrong[0]
    return Problem(f"{len(wrong)} of {len(got)} processes were misclassified.",
                   f"e.g. a {e} process was called {g!r}; fit the slope of log MSD against log t "
                   "(α < 1 sub, ≈ 1 normal, between 1 and 2 super, 2 ballistic).")


register(
    "diffusion.classify",
    inputs=_classify_inputs,
    ask=lambda f, x: [f(x["t"], tr) for tr in x["tracks"]],
    judge=_classify_judge,
    doc="Classify tracks as 'sub', 'normal', 'super' or 'ballistic' diffusion from their MSD exponent.",
)
