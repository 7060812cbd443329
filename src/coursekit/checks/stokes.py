"""Checks for week 11's exercises (``notebooks/11-low-reynolds.ipynb``).

Every ``ask`` hands back what the student's code returned, untouched; the ``judge`` reads it (with
:func:`~coursekit.grading.compare.close` or :func:`_floats`), so a dict, a string or a wrong shape is
explained as the student's mistake, never reported as an error of the checker.

Build-it problems: ``stokes.swimmer_velocity`` (the resistive-force balance of a free swimmer, against
the course's solver on fresh swimmers), ``stokes.net_motion`` (an integrator of the pose over one
stroke: zero for a reciprocal stroke, Purcell's step for the square one) and
``stokes.run_and_tumble_2d`` (a run-and-tumble simulator, judged by its mean squared displacement
against the exact persistent-walk formula within five standard errors of the student's own sample).
"""

from __future__ import annotations

import numpy as np

from .. import stokes
from ..constants import N_A
from ..grading import Problem, close, function_check, register
from ..grading.forms import choice_ask

# ---- exercise 1: how viscous for a given Reynolds number ------------------------------------------------

def _viscosity(Re, L, v, rho):
    return np.asarray(rho) * np.asarray(v) * np.asarray(L) / np.asarray(Re)


def _organisms(rng):
    n = int(rng.integers(5, 9))
    return [(10 ** rng.uniform(-6, 4, n), 10 ** rng.uniform(-6, 1, n), 10 ** rng.uniform(-5, 1, n),
             rng.uniform(700, 1400, n))]


function_check(
    "stokes.viscosity_for_reynolds",
    reference=_viscosity,
    calls=_organisms,
    what="η", rtol=1e-6, atol=0.0,
    hint="Re = ρvL/η, so η = ρvL/Re (Pa·s); work elementwise.",
    diagnoses=[
        (lambda Re, L, v, rho: np.asarray(v) * np.asarray(L) / np.asarray(Re),
         "That is the kinematic viscosity ν = vL/Re (m²/s): multiply by the density for the dynamic viscosity "
         "η = ρν."),
        (lambda Re, L, v, rho: np.asarray(Re) / (np.asarray(rho) * np.asarray(v) * np.asarray(L)),
         "Upside down: Re = ρvL/η grows as η falls, so η = ρvL/Re."),
        (lambda Re, L, v, rho: np.asarray(Re) * np.asarray(rho) * np.asarray(v) * np.asarray(L),
         "Re = ρvL/η: solve it for η by dividing by Re, not multiplying."),
    ],
    doc="The viscosity η = ρvL/Re at which a body of size L moving at v has Reynolds number Re.",
)


# ---- exercise 2: a coasting sphere, v(t) and x(t) ----------------------------------------------------

def _coast(radius, v0, rho_body, eta, t, *, mass_factor=4 / 3, drag_radius=1.0, distance="right"):
    m = mass_factor * np.pi * radius**3 * rho_body
    tau = m / (6 * np.pi * eta * drag_radius * radius)
    t = np.asarray(t, dtype=float)
    x = {"right": v0 * tau * (1 - np.exp(-t / tau)), "no drag": v0 * t,
         "decaying": v0 * tau * np.exp(-t / tau)}[distance]
    return v0 * np.exp(-t / tau), x


def _coast_calls(rng):
    calls = []
    for _ in range(2):
        a, rho, eta = 10 ** rng.uniform(-6.5, -5), rng.uniform(1000, 1200), 10 ** rng.uniform(-3.2, -2.5)
        tau = 2 * rho * a**2 / (9 * eta)
        calls.append((float(a), float(10 ** rng.uniform(-5.5, -4)), float(rho), float(eta),
                      tau * np.sort(rng.uniform(0.05, 5, 6))))
    return calls


function_check(
    "stokes.coast",
    reference=_coast,
    calls=_coast_calls,
    what="(v(t), x(t))", rtol=1e-6, atol=0.0,
    hint="m dv/dt = −6πηa v gives v = v₀e^(−t/τ) with τ = m/(6πηa), m = (4/3)πa³ρ; x(t) = ∫₀ᵗ v dt'.",
    diagnoses=[
        (lambda a, v, r, e, t: _coast(a, v, r, e, t, mass_factor=1.0),
         "The mass of a sphere is (4/3)πa³ρ: the 4/3 is missing, so τ is too short."),
        (lambda a, v, r, e, t: _coast(a, v, r, e, t, drag_radius=2.0),
         "Stokes drag is 6πηa with the radius a (3πηd with the diameter d): your drag is twice too large."),
        (lambda a, v, r, e, t: _coast(a, v, r, e, t, distance="no drag"),
         "x(t) = v₀t ignores the drag: integrate v(t) = v₀e^(−t/τ), x(t) = v₀τ(1 − e^(−t/τ))."),
        (lambda a, v, r, e, t: _coast(a, v, r, e, t, distance="decaying"),
         "x(t) must start at 0 and approach v₀τ: x(t) = v₀τ(1 − e^(−t/τ))."),
        (lambda a, v, r, e, t: _coast(a, v, r, e, t)[::-1], "Return the pair in the order (v(t), x(t))."),
    ],
    doc="Velocity and distance of a sphere coasting under Stokes drag after its motor stops.",
)


# ---- exercise 3 (build it): the resistive-force balance of a free swimmer ---------------------------

def _swimmer_calls(rng):
    """Fresh chains of 2, 3 and 4 links (random lengths, drag, reference link), shapes and shape rates, two
    of each: with one of each, a draw in forty had a 3-point midpoint rule within the tolerance on all
    three."""
    calls = []
    for n in (3, 2, 4, 3, 2, 4):
        lengths = rng.uniform(0.5, 1.5, n)
        xi_par = float(rng.uniform(0.5, 2.0))
        swimmer = stokes.link_swimmer(lengths, xi_par, xi_par * float(rng.uniform(1.5, 3.0)),
                                      ref=int(rng.integers(n)))
        calls.append((swimmer, float(rng.uniform(-np.pi, np.pi)), rng.uniform(-1.2, 1.2, n - 1),
                      rng.normal(size=n - 1)))
    return calls


def _body_velocity(swimmer, theta, alpha, alpha_dot):
    return stokes._body_velocity(swimmer, [theta], [alpha], [alpha_dot])[0]


def _with_drag(swimmer, xi_par, xi_perp):
    return stokes.link_swimmer(swimmer.lengths, xi_par, xi_perp, ref=swimmer.ref)


def _without_torque(swimmer, theta, alpha, alpha_dot):
    R = stokes._resistance_matrix(swimmer, [theta], [alpha])[0]
    V = -np.linalg.solve(R[:2, :2], R[:2, 3:] @ np.asarray(alpha_dot, dtype=float))
    return np.r_[V, 0.0]


function_check(
    "stokes.swimmer_velocity",
    reference=_body_velocity,
    calls=_swimmer_calls,
    what="(ẋ, ẏ, θ̇)", rtol=1e-3, atol=2e-4,
    hint="The total force and torque on the swimmer vanish: write them as F(body velocity) + F(shape velocity) "
         "and solve the 3 × 3 linear system for the body velocity.",
    diagnoses=[
        (lambda sw, th, a, ad: _body_velocity(_with_drag(sw, sw.xi_perp, sw.xi_perp), th, a, ad),
         "Your swimmer moves as if the drag were isotropic: a piece of link moving with velocity u feels "
         "−[ξ∥ t̂t̂ᵀ + ξ⊥(I − t̂t̂ᵀ)]u — ξ∥ along the link, ξ⊥ across it."),
        (lambda sw, th, a, ad: _body_velocity(_with_drag(sw, sw.xi_perp, sw.xi_par), th, a, ad),
         "ξ∥ and ξ⊥ are swapped: ξ∥ multiplies the component of u along the link (t̂t̂ᵀu), ξ⊥ the component "
         "across it."),
        (_without_torque,
         "θ̇ is zero and (ẋ, ẏ) is off: the torque must vanish too — three equations (Fx, Fy, torque) for "
         "three unknowns (ẋ, ẏ, θ̇)."),
        (lambda sw, th, a, ad: -_body_velocity(sw, th, a, ad),
         "The body moves the wrong way: the fluid's force is a drag, −K u, and the balance is "
         "F(body velocity) = −F(shape velocity)."),
    ],
    doc="Build it: (ẋ, ẏ, θ̇) of a free chain of slender links from zero total force and torque (RFT).",
)


# ---- exercise 4 (build it): integrate the pose over one stroke ---------------------------------------

NET_MOTION_ATOL = 1e-4       # link lengths and radians: RK4 with 25 steps per period is well inside it


def _motion_inputs(rng):
    d = rng.normal(size=2)
    a, b = rng.uniform(0.7, 1.0, 2)
    return {"arm": float(rng.uniform(0.6, 1.4)), "alpha0": rng.uniform(-0.3, 0.3, 2),
            "direction": d / np.linalg.norm(d), "ca": rng.normal(0, 0.2, 3), "sb": rng.normal(0, 0.2, 3),
            "amplitude": float(rng.uniform(0.4, 1.1)),
            "loop": (float(a), float(b * rng.choice([-1.0, 1.0]))),     # either way round
            "period": float(rng.uniform(1.5, 3.0))}        # never near 1, so that a hard-coded T = 1 shows


_MOTION_LABELS = ["a reciprocal stroke", "Purcell's square stroke", "the square stroke run backwards",
                  "a smooth closed stroke (a loop in shape space)"]


def _motion_strokes(x):
    """The four strokes each answer integrates. The loop, α = α₀ + a cos(2πt/T)(1, 1) + b sin(2πt/T)(1, −1),
    turns the body back and forth while it swims; it is there because a first-order integrator (Euler, even
    with 200 steps) misses the tolerance on it on every draw (by a factor 1.8 or more over 300 draws; RK4
    with 24 steps stays below 5% of it), while on the other three Euler's error can be as small as RK4's:
    θ̇ does not depend on θ, so Euler's θ is a Riemann sum of a smooth periodic function, which is exact
    to many digits."""
    square = stokes.purcell_stroke(x["amplitude"], period=x["period"])
    a, b = x["loop"]
    loop = stokes.fourier_stroke(x["alpha0"], np.array([[a, a]]), np.array([[b, -b]]), period=x["period"])
    return [stokes.reciprocal_stroke(x["alpha0"], x["direction"], x["ca"], x["sb"], period=x["period"]),
            square, stokes.reversed_stroke(square, period=x["period"]), loop]


def _motion_ask(net_motion, x):
    velocity = stokes._velocity_function(stokes.purcell_swimmer(arm=x["arm"]))
    return [net_motion(velocity, stroke, x["period"]) for stroke in _motion_strokes(x)]


def _motion_judge(got, x):
    strokes = _motion_strokes(x)
    if not isinstance(got, list) or len(got) != len(strokes):
        return Problem("The answer did not come back as one result per stroke.")
    if any(g is None for g in got):
        return Problem("net_motion returned None: return the final pose (x, y, θ).")
    swimmer = stokes.purcell_swimmer(arm=x["arm"])
    refs = [stokes.cycle_displacement(swimmer, stroke, x["period"], n_steps=400)[0] for stroke in strokes]
    hint = ("Integrate d(x, y, θ)/dt = velocity(θ, α(t), α̇(t)) from (0, 0, 0) over exactly one period (RK4 with "
            "25 or more steps is accurate enough).")
    problems = [close(g, ref, what=f"(Δx, Δy, Δθ) after one period of {label}", rtol=1e-3, atol=NET_MOTION_ATOL,
                      hint=hint) for g, ref, label in zip(got, refs, _MOTION_LABELS)]
    first = next((p for p in problems if p is not None), None)
    if first is None:
        return None
    # Near the truth on every stroke (so the stroke, the period and the pose are right) but not within the
    # tolerance: the integrator is too coarse.
    if all(close(g, ref, what="", rtol=0.05, atol=0.05) is None for g, ref in zip(got, refs)):
        return Problem("Your net motions are near the true ones but not within the tolerance: that is your "
                       "integrator's error. A reciprocal stroke must give exactly zero net motion (the scallop "
                       f"theorem). Use RK4 (or smaller steps) so that the error stays below {NET_MOTION_ATOL:g} "
                       "(plus 0.1% of the motion).", first.detail)
    return first


register(
    "stokes.net_motion",
    inputs=_motion_inputs,
    ask=_motion_ask,
    judge=_motion_judge,
    doc="Build it: integrate a free swimmer's pose over one stroke period; returns (Δx, Δy, Δθ).",
)


# ---- exercise 5: effective diffusion in d dimensions --------------------------------------------------

def _effective_diffusion(v, tau, mean_cos, tau_tumble, d):
    v, tau, a, tt = (np.asarray(z, dtype=float) for z in (v, tau, mean_cos, tau_tumble))
    return v**2 * tau**2 / (d * (1 - a) * (tau + tt))


def _diffusion_calls(rng):
    n = int(rng.integers(4, 8))
    arrays = (rng.uniform(5, 40, n), rng.uniform(0.2, 2, n), rng.uniform(-0.6, 0.8, n), rng.uniform(0.05, 0.4, n))
    return [(*arrays, 3), (*(z.copy() for z in arrays), 2)]


function_check(
    "stokes.effective_diffusion",
    reference=_effective_diffusion,
    calls=_diffusion_calls,
    what="D", rtol=1e-6, atol=0.0,
    hint="Each run is a step of mean square 2v²τ², successive steps are correlated by ⟨cos θ⟩, a run and a "
         "tumble last τ + τ_t, and in d dimensions ⟨r²⟩ = 2dDt.",
    diagnoses=[
        (lambda v, tau, a, tt, d: _effective_diffusion(v, tau, a, 0 * np.asarray(tt), d),
         "The tumbles' time is missing: a run-and-tumble cycle lasts τ + τ_t, so D = v²τ²/(d(1 − ⟨cos θ⟩)(τ + τ_t))."),
        (lambda v, tau, a, tt, d: _effective_diffusion(v, tau, a, tt, 3),
         "The dimension d is ignored: ⟨r²⟩ = 2dDt, so the 3 of the three-dimensional formula becomes d."),
        (lambda v, tau, a, tt, d: _effective_diffusion(v, tau, -np.asarray(a), tt, d),
         "Forward-biased turns (⟨cos θ⟩ > 0) make the walk spread faster: the factor is 1/(1 − ⟨cos θ⟩)."),
        (lambda v, tau, a, tt, d: _effective_diffusion(v, tau, a, tt, 2 * d),
         "Twice too small: ⟨r²⟩ = 2dDt, and a run of mean length vτ has mean square 2v²τ² (exponential "
         "durations), so D = v²τ²/(d(1 − ⟨cos θ⟩)(τ + τ_t))."),
    ],
    doc="Effective diffusion coefficient of run-and-tumble in d dimensions, with tumbles of mean τ_t.",
)


# ---- exercise 6 (build it): a run-and-tumble simulator in two dimensions ----------------------------

RT_SIGMAS = 5.0     # the course's tolerance: five standard errors of the student's own sample
RT_TIMES = np.array([0.05, 0.3, 1.0, 3.0, 10.0])     # sample times in units of the persistence time τ_c


def _persistent_msd(t, v, tau_c):
    """2v²τ_c[t − τ_c(1 − e^{−t/τ_c})]; a complex τ_c = τ/(1 − e^{iθ}) is a walker that always turns +θ."""
    return np.real(2 * v**2 * tau_c * (t + tau_c * np.expm1(-t / tau_c)))


def _rt_inputs(rng):
    """Fresh v, τ and θ, redrawn until the walk and each known mistake (``_rt_alternatives``) have MSD curves
    at least 20% apart somewhere: where two mistakes give the same walk (runs of mean 1/τ at τ = 2 and
    θ = 41° spread exactly like uniformly random new headings), the message could name the wrong one."""
    while True:
        tau = float(rng.uniform(0.25, 0.6) if rng.random() < 0.5 else rng.uniform(1.6, 3.0))
        theta = float(np.radians(rng.uniform(35, 70) if rng.random() < 0.5 else rng.uniform(110, 125)))
        tau_c = tau / (1 - np.cos(theta))
        x = {"n": 3000, "t": tau_c * RT_TIMES * float(rng.uniform(0.9, 1.1)), "v": float(rng.uniform(5, 30)),
             "tau": tau, "theta": theta, "seed": int(rng.integers(2**31))}
        curves = [_persistent_msd(x["t"], x["v"], c) for c in [tau_c] + [c for c, _ in _rt_alternatives(x)]]
        if all(np.max(np.abs(a / b - 1)) > 0.2 for i, a in enumerate(curves) for b in curves[i + 1:]):
            return x


def _rt_ask(simulate, x):
    return simulate(x["n"], x["t"].copy(), x["v"], x["tau"], x["theta"], rng=np.random.default_rng(x["seed"]))


def _floats(got, what: str):
    """``got`` as a float array, or a Problem saying why it is not one."""
    try:
        arr = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return Problem(f"{what} should be an array of numbers.", f"Got {type(got).__name__}.")
    return arr


def _rt_alternatives(x):
    """Known mistakes as (τ_c of the walk they simulate, sentence naming the mistake)."""
    tau, theta = x["tau"], x["theta"]
    return [
        (tau, "The new heading ignores the old one (a uniformly random new direction): turn the heading by "
              "+θ or −θ from the old one."),
        (tau / (1 - np.exp(1j * theta)), "Your walkers always turn the same way (+θ): choose the sign of each "
                                         "turn at random, + or − with equal probability."),
        (tau / (1 - np.cos(np.radians(theta))), "turn_angle is in radians: your walkers turn by a tiny angle "
                                                "(did you convert it from degrees?)."),
        ((1 / tau) / (1 - np.cos(theta)), "The runs have mean 1/τ instead of τ: rng.exponential takes the mean "
                                          "(its scale), rng.exponential(tau_run), not the rate."),
    ]


def _rt_judge(got, x):
    n, t, v = x["n"], x["t"], x["v"]
    r = _floats(got, "The positions")
    if isinstance(r, Problem):
        return r
    if r.shape != (n, t.size, 2):
        if r.shape == (t.size, n, 2):
            return Problem("The positions have their first two axes swapped: return shape (n_walkers, len(t), 2).")
        return Problem("The positions should have shape (n_walkers, len(t), 2).",
                       f"Expected {(n, t.size, 2)}, got {r.shape}.")
    if not np.all(np.isfinite(r)):
        return Problem("The positions contain nan or inf.")
    steps = np.linalg.norm(np.diff(np.concatenate([np.zeros((n, 1, 2)), r], axis=1), axis=1), axis=2)
    allowed = v * np.diff(np.r_[0.0, t]) * (1 + 1e-7)
    if np.any(steps > allowed):
        k = int(np.argmax(np.any(steps > allowed, axis=0)))
        return Problem("Some walkers get farther than v·Δt between two sample times: a run-and-tumble walker moves "
                       "at constant speed v (no Gaussian steps), and each position must be taken exactly at its "
                       "sample time (cut the run that crosses it).",
                       f"Between t = {np.r_[0.0, t][k]:.3g} and {t[k]:.3g}, {int(np.sum(steps[:, k] > allowed[k]))} "
                       f"of {n} walkers moved more than {v * (np.r_[0.0, t][k + 1] - np.r_[0.0, t][k]):.3g}.")
    mean, se_mean = r.mean(axis=0), r.std(axis=0) / np.sqrt(n)
    drift = np.abs(mean) > RT_SIGMAS * se_mean + 1e-12
    if np.any(drift):
        k = int(np.argmax(np.any(drift, axis=1)))
        return Problem("The walkers drift on average: start every walker at the origin with a uniformly random "
                       "heading, and turn by +θ or −θ with equal probability.",
                       f"At t = {t[k]:.3g} the mean position is ({mean[k, 0]:.3g}, {mean[k, 1]:.3g}) ± "
                       f"{se_mean[k].max():.2g}.")
    sq = np.sum(r**2, axis=2)
    msd, se = sq.mean(axis=0), sq.std(axis=0) / np.sqrt(n)
    theory = _persistent_msd(t, v, x["tau"] / (1 - np.cos(x["theta"])))
    off = np.abs(msd - theory) > RT_SIGMAS * se
    if not np.any(off):
        return None
    k = int(np.argmax(off))
    detail = (f"At t = {t[k]:.3g} the mean squared displacement of your walkers is {msd[k]:.4g} ± {se[k]:.2g}; "
              f"a run-and-tumble walk with these v, τ and θ gives {theory[k]:.4g} (tolerance: "
              f"{RT_SIGMAS:g} standard errors).")
    # name the known mistake whose walk fits best, if it fits within twice the tolerance (the curves of the
    # mistakes are ≥ 20% apart, tens of standard errors; at the first sample time, where almost no walker has
    # tumbled yet, |x|² is far from normal and a right walk can sit 5 standard errors off)
    misfit = [(np.max(np.abs(msd - _persistent_msd(t, v, tau_c)) / se), sentence)
              for tau_c, sentence in _rt_alternatives(x)]
    z, sentence = min(misfit, key=lambda m: m[0])
    if z <= 2 * RT_SIGMAS:
        return Problem(sentence, detail)
    return Problem("Your walkers spread at the wrong rate: runs of exponential duration with mean τ (tumbles at "
                   "rate 1/τ), speed v, and instantaneous turns by ±θ.", detail)


register(
    "stokes.run_and_tumble_2d",
    inputs=_rt_inputs,
    ask=_rt_ask,
    judge=_rt_judge,
    doc="Build it: a two-dimensional run-and-tumble simulator; judged by its MSD against the persistent "
        "random walk's within five standard errors.",
)


# ---- exercise 7: how many receptors for a given capture ------------------------------------------------

def _receptors(a, s, capture):
    N = capture / (1 - capture) * np.pi * a / s
    return N, N * s**2 / (4 * a**2)


def _receptor_calls(rng):
    return [(float(10 ** rng.uniform(-6.5, -5)), float(10 ** rng.uniform(-9.3, -8.5)), float(f))
            for f in (rng.uniform(0.2, 0.45), rng.uniform(0.55, 0.95))]


function_check(
    "stokes.receptors",
    reference=_receptors,
    calls=_receptor_calls,
    what="(N, fraction of the surface covered)", rtol=1e-6, atol=0.0,
    hint="Solve Ns/(Ns + πa) = capture for N; N disks of area πs² cover N πs²/(4πa²) of the sphere.",
    diagnoses=[
        (lambda a, s, f: _receptors(a, s, 0.5),
         "That is N for half-maximal capture, πa/s: solve Ns/(Ns + πa) = capture for the capture asked."),
        (lambda a, s, f: (_receptors(a, s, f)[0], _receptors(a, s, f)[0] * s**2 / a**2),
         "The sphere's surface is 4πa²: the fraction covered is N πs²/(4πa²)."),
        (lambda a, s, f: (2 * f * np.pi * a / s, 2 * f * np.pi * a / s * s**2 / (4 * a**2)),
         "J/J_max = Ns/(Ns + πa) is not proportional to N: capture saturates, so N = πa/s · capture/(1 − capture)."),
    ],
    doc="Receptors N for a capture J/J_max (Berg & Purcell 1977) and the surface fraction they cover.",
)


# ---- exercise 8: Berg and Purcell's counting time ----------------------------------------------------

def _averaging_time(precision, D, a, c_molar, litre=1e-3):
    c = np.asarray(c_molar, dtype=float) / litre * N_A          # molecules per m³
    return 1 / (np.asarray(D) * np.asarray(a) * c * np.asarray(precision) ** 2)


def _averaging_calls(rng):
    n = int(rng.integers(4, 7))
    return [(10 ** rng.uniform(-3, -1, n), 10 ** rng.uniform(-10, -9, n), 10 ** rng.uniform(-6.3, -5.5, n),
             10 ** rng.uniform(-9, -4, n))]


function_check(
    "stokes.averaging_time",
    reference=_averaging_time,
    calls=_averaging_calls,
    what="T (s)", rtol=1e-6, atol=0.0,
    hint="δc/c = 1/√(D a c T) with c in molecules per m³ (1 M = 10³ mol/m³, times N_A): T = 1/(D a c (δc/c)²).",
    diagnoses=[
        (lambda p, D, a, c: _averaging_time(p, D, a, c, litre=1.0),
         "Units: 1 mol/L is 10³ mol/m³, so c = c_molar · 10³ · N_A molecules per m³."),
        (lambda p, D, a, c: _averaging_time(np.asarray(p) ** 0.5, D, a, c),
         "The precision improves as 1/√T: T = 1/(D a c (δc/c)²) — square the precision."),
        (lambda p, D, a, c: _averaging_time(p, D, a, np.asarray(c) / N_A),
         "c must count molecules, not moles: multiply by Avogadro's number."),
    ],
    doc="Berg & Purcell: the time T to measure a concentration to a fractional precision δc/c = 1/√(DacT).",
)


# ---- journal club: which of these can swim? -----------------------------------------------------------

SWIM_OPTIONS = "abcdefg"
_SWIMS = {"b", "c", "e"}
_HINTS = {          # a question to think about for a misclassified statement, not its verdict
    "a": "(a): at Re ≈ 0, does the pace of a stroke matter, or only the path its shape takes?",
    "b": "(b): does a rigid helix turning one way ever retrace its motion?",
    "c": "(c): does the swimmer's shape go back and forth along one line, or round a loop?",
    "d": "(d): does the swimmer's shape go back and forth along one line, or round a loop?",
    "e": "(e): which assumption of the scallop theorem does a shear-thinning fluid break?",
    "f": "(f): a straight rod has no handedness; which way could it push?",
    "g": "(g): what does isotropic drag do to the centroid of a chain of links (section 2)?",
}


def _choice_judge(got, x):
    if isinstance(got, str):
        letters = [c for c in got.lower() if c.isalnum()]
    elif isinstance(got, list) and all(isinstance(c, str) for c in got):
        letters = [c.strip().lower() for c in got]
    else:
        return Problem('Answer with the letters of the statements, e.g. "ag" or {"a", "g"}.')
    unknown = sorted(set(letters) - set(SWIM_OPTIONS))
    if unknown:
        return Problem(f"Only the letters a–g name statements; got {', '.join(map(repr, unknown))}.")
    chosen = set(letters)
    wrong = sorted((chosen - _SWIMS) | (_SWIMS - chosen))
    if not wrong:
        return None
    return Problem(f"{len(wrong)} of the seven statements {'is' if len(wrong) == 1 else 'are'} classified wrongly. "
                   f"Think again about {_HINTS[wrong[0]]}")


register(
    "stokes.which_swim",
    ask=choice_ask,
    judge=_choice_judge,
    doc="Journal club: which of seven bodies can achieve net motion at low Reynolds number.",
)
