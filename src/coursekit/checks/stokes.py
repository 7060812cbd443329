"""Checks for week 11's exercises (``notebooks/11-low-reynolds.ipynb``)."""

import numpy as np

from .. import stokes
from ..grading import Problem, close, register


def _numbers(out):
    """A flat list of floats from an answer's return value (None stays None: not attempted)."""
    if out is None or out is Ellipsis:
        return None
    return list(np.ravel(np.asarray(out, dtype=float)))


def _organisms(rng):
    """Random sizes (m), speeds (m/s), fluid densities (kg/m³), viscosities (Pa·s) and diffusivities."""
    n = int(rng.integers(5, 9))
    return {"L": 10 ** rng.uniform(-6, 1, n), "v": 10 ** rng.uniform(-5, 1, n),
            "rho": rng.uniform(800, 1300, n), "eta": 10 ** rng.uniform(-3.5, 0, n),
            "D": 10 ** rng.uniform(-12, -8, n)}


register(
    "stokes.reynolds_number",
    inputs=_organisms,
    ask=lambda f, x: f(x["L"], x["v"], x["rho"], x["eta"]),
    judge=lambda got, x: close(got, stokes.reynolds_number(x["L"], x["v"], x["rho"], x["eta"]),
                               what="Re", rtol=1e-6, atol=0,
                               hint="Re = ρ v L / η — density over *dynamic* viscosity; work elementwise."),
    doc="Re = ρvL/η for arrays of organisms.",
)

register(
    "stokes.peclet_number",
    inputs=_organisms,
    ask=lambda f, x: f(x["v"], x["L"], x["D"]),
    judge=lambda got, x: close(got, stokes.peclet_number(x["L"], x["v"], x["D"]), what="Pe", rtol=1e-6,
                               atol=0, hint="Pe = v L / D: swimming over diffusion across a length L."),
    doc="Purcell's S = vL/D for arrays of organisms.",
)


def _coasting_inputs(rng):
    return {"radius": float(10 ** rng.uniform(-6.5, -5)), "v": float(10 ** rng.uniform(-5.5, -4)),
            "rho_body": float(rng.uniform(1000, 1200)), "eta": float(10 ** rng.uniform(-3.2, -2.5))}


def _coasting_judge(got, x):
    got = np.asarray(got, dtype=float).ravel()
    if got.size != 2:
        return Problem("coasting should return two numbers, (time in s, distance in m).",
                       f"Got {got.size} numbers.")
    ref = stokes.coasting(x["radius"], x["v"], x["rho_body"], x["eta"])
    tau, d = ref.tau, ref.distance
    return (close(got[0], tau, what="the coasting time τ", rtol=1e-6, atol=0,
                  hint="τ = m / (6πηa) with m = (4/3)πa³ρ — it is 2ρa²/(9η).")
            or close(got[1], d, what="the coasting distance", rtol=1e-6, atol=0,
                     hint="v decays as v₀e^(−t/τ), so the distance is ∫v dt = v₀τ."))


register(
    "stokes.coasting",
    inputs=_coasting_inputs,
    ask=lambda f, x: _numbers(f(x["radius"], x["v"], x["rho_body"], x["eta"])),
    judge=_coasting_judge,
    doc="Coasting time and distance of a sphere under Stokes drag.",
)


def _motion_inputs(rng):
    return {"arm": float(rng.uniform(0.6, 1.4)), "alpha0": rng.uniform(-0.3, 0.3, 2),
            "direction": rng.normal(size=2), "ca": rng.normal(0, 0.25, 3), "sb": rng.normal(0, 0.25, 3),
            "amplitude": float(rng.uniform(0.4, 1.1))}


def _motion_strokes(x):
    return [stokes.reciprocal_stroke(x["alpha0"], x["direction"], x["ca"], x["sb"]),
            stokes.purcell_stroke(x["amplitude"]),
            stokes.reversed_stroke(stokes.purcell_stroke(x["amplitude"]))]


def _motion_ask(f, x):
    swimmer = stokes.purcell_swimmer(arm=x["arm"])
    out = [_numbers(f(swimmer, s, 1.0)) for s in _motion_strokes(x)]
    return None if any(o is None for o in out) else out


def _motion_judge(got, x):
    swimmer = stokes.purcell_swimmer(arm=x["arm"])
    labels = ["a reciprocal stroke (the scallop theorem says: zero)", "Purcell's square stroke",
              "the reversed square stroke"]
    for g, s, label in zip(got, _motion_strokes(x), labels):
        ref = stokes.cycle_displacement(swimmer, s, 1.0, n_steps=200)[0]
        p = close(g, ref, what=f"(Δx, Δy, Δθ) for {label}", rtol=1e-5, atol=1e-6,
                  hint="Simulate exactly one period with stokes.swim from pose (0, 0, 0) and return the "
                       "final (x, y, θ).")
        if p is not None:
            return p
    return None


register(
    "stokes.net_motion",
    inputs=_motion_inputs,
    ask=_motion_ask,
    judge=_motion_judge,
    doc="Net displacement and rotation of a link swimmer after one stroke period.",
)


def _diffusion_inputs(rng):
    n = int(rng.integers(4, 8))
    return {"v": rng.uniform(5, 40, n), "tau": rng.uniform(0.2, 2, n), "mean_cos": rng.uniform(-0.3, 0.8, n),
            "tau_tumble": rng.uniform(0, 0.3, n)}


register(
    "stokes.effective_diffusion",
    inputs=_diffusion_inputs,
    ask=lambda f, x: f(x["v"], x["tau"], x["mean_cos"], x["tau_tumble"]),
    judge=lambda got, x: close(got, stokes.effective_diffusion(x["v"], x["tau"], x["mean_cos"], x["tau_tumble"]),
                               what="D", rtol=1e-6, atol=0,
                               hint="D = v²τ² / (3(1 − ⟨cos θ⟩)(τ + τ_t)); with τ_t = 0 it is v²τ/(3(1 − ⟨cos θ⟩))."),
    doc="Effective diffusion coefficient of a run-and-tumble walk.",
)


def _receptor_inputs(rng):
    return {"a": float(10 ** rng.uniform(-6.5, -5)), "s": float(10 ** rng.uniform(-9.3, -8.5))}


def _receptor_judge(got, x):
    got = np.asarray(got, dtype=float).ravel()
    if got.size != 2:
        return Problem("receptors should return two numbers, (N½, fraction of surface covered).",
                       f"Got {got.size} numbers.")
    N = stokes.half_max_receptors(x["s"], x["a"])
    return (close(got[0], N, what="N½", rtol=1e-6, atol=0,
                  hint="Ns/(Ns + πa) = ½ when Ns = πa.")
            or close(got[1], stokes.receptor_coverage(N, x["s"], x["a"]), what="the fraction covered",
                     rtol=1e-6, atol=0, hint="N disks of area πs² on a sphere of area 4πa²."))


register(
    "stokes.receptors",
    inputs=_receptor_inputs,
    ask=lambda f, x: _numbers(f(x["a"], x["s"])),
    judge=_receptor_judge,
    doc="Berg & Purcell's half-maximal receptor number and the surface fraction it covers.",
)
